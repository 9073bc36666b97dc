"""The read model of one dossier page: header, files, history, comments, and what this person may do (or why not).

Read only. Opening the dossier (its CONSULTATION event, the automatic Reçu) is `case_actions.open_case`; the
page calls it once per visit, then this. The business content of the XML/JSON files is core/documents/.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from core.models import Attachment, CaseStatus, Event, EventAction, Operator, PartyKind
from core.permissions import (
    READ_ONLY_REASON,
    Actor,
    CaseRef,
    Verdict,
    may_change_case_status,
    may_comment_case,
    may_download_case,
    may_edit_comment,
    may_send_file_to_usager,
    may_write_to_usager,
)
from core.services.case_actions import case_attachments, visible_case
from core.services.case_files import unavailable_reason
from core.workflow import Trigger, label, next_statuses

# What goes with each manual status: (label of the text field, required?).
STATUS_MESSAGES = {
    CaseStatus.REFUSED: ("Motif du refus", True),
    CaseStatus.ADD_AWAITING: ("Message à l'usager précisant le complément attendu", True),
    CaseStatus.DONE: ("Message à l'usager (facultatif)", False),
}
# Events written at the same instant keep the order in which they happen.
SAME_INSTANT_ORDER = {
    EventAction.TRANSMISSION: 0,
    EventAction.CONSULTATION: 1,
    EventAction.ATTACH_DL: 1,
    EventAction.ATTACH_DL_ALL: 1,
    EventAction.STATUS_UPDATE: 2,
}


@dataclass(frozen=True)
class DossierHeader:
    id: uuid.UUID
    number: str
    process_code: str
    process_label: str
    status: CaseStatus
    status_label: str
    subject_name: str
    subject_email: str | None
    transmitted_at: datetime
    updated_at: datetime | None
    operator_code: str
    operator_name: str


@dataclass(frozen=True)
class AttachmentView:
    id: uuid.UUID
    file_name: str
    type: str
    mime_type: str
    size: int
    origin: str  # « Transmis avec le dossier », « Complément de l'usager », « Envoyé à l'usager »
    created_at: datetime
    download: Verdict


@dataclass(frozen=True)
class HistoryEntry:
    id: uuid.UUID
    at: datetime
    author: str | None
    action: EventAction
    description: str
    status_before: CaseStatus | None
    status_after: CaseStatus | None


@dataclass(frozen=True)
class CommentView:
    id: uuid.UUID
    author: str | None
    at: datetime
    edited_at: datetime | None
    text: str
    edit: Verdict


@dataclass(frozen=True)
class NextStatus:
    status: CaseStatus
    label: str
    message_label: str
    message_required: bool


@dataclass(frozen=True)
class DossierView:
    header: DossierHeader
    attachments: tuple[AttachmentView, ...]
    history: tuple[HistoryEntry, ...]  # oldest first
    comments: tuple[CommentView, ...]
    next_statuses: tuple[NextStatus, ...]  # empty when this person may not change the status
    read_only: bool
    read_only_reason: str
    may_download: Verdict
    may_change_status: Verdict
    may_message: Verdict
    may_comment: Verdict
    may_send_file: Verdict


def _origin(attachment: Attachment, events: dict[uuid.UUID, Event]) -> str:
    if attachment.event_id is None:
        return "Transmis avec le dossier"
    event = events.get(attachment.event_id)
    return "Envoyé à l'usager" if event and event.transmitter_kind is PartyKind.SI else "Complément de l'usager"


def _files(names: list[str]) -> str:
    return ", ".join(f"« {n} »" for n in names) or "aucun fichier"


def describe(event: Event, file_names: list[str], operator_code: str) -> str:
    """One line of the history, in French."""
    who, action = event.author or "inconnu", event.action_type
    if action is EventAction.STATUS_UPDATE:
        if event.transmitter_kind is PartyKind.OSL and event.case_status_after is CaseStatus.CLOSED:
            return "Clôture par l'opérateur"
        text = f"Statut : {label(event.case_status_before)} → {label(event.case_status_after)}"
        if event.message:
            word = "motif" if event.case_status_after is CaseStatus.REFUSED else "message"
            text += f" ({word} : {event.message})"
        return text
    if action is EventAction.ATTACH_DEPOSIT:
        if event.transmitter_kind is PartyKind.SI:
            return f"Fichier envoyé à l'usager : {_files(file_names)}"
        return f"Complément de l'usager : {_files(file_names)}"
    lines = {
        EventAction.TRANSMISSION: f"Transmission par {operator_code}",
        EventAction.CONSULTATION: f"Consultation par {who}",
        EventAction.ATTACH_DL: f"Téléchargement de « {event.message} » par {who}",
        EventAction.ATTACH_DL_ALL: f"Téléchargement de toutes les pièces jointes par {who}",
        EventAction.SENDING_MESSAGE: f"Message à l'usager : {event.message}",
        EventAction.COM_ADD: f"Commentaire interne : {event.comment}",
        EventAction.ATTACH_PURGE: "Suppression des pièces jointes à la fin de leur durée de conservation",
    }
    return lines.get(action, action.value)


def _next_statuses(actor: Actor, ref: CaseRef, allows_complement: bool) -> tuple[NextStatus, ...]:
    if not may_change_case_status(actor, ref):
        return ()
    targets = next_statuses(ref.status, Trigger.AGENT, allows_complement=allows_complement)
    return tuple(NextStatus(s, label(s), *STATUS_MESSAGES.get(s, ("Message", False))) for s in targets)


def _header(case, process, operator: Operator) -> DossierHeader:
    return DossierHeader(
        id=case.id,
        number=case.external_id,
        process_code=process.code,
        process_label=process.label,
        status=case.status,
        status_label=label(case.status),
        subject_name=case.subject_name,
        subject_email=case.subject_email,
        transmitted_at=case.transmitted_at,
        updated_at=case.updated_at,
        operator_code=operator.code,
        operator_name=operator.name,
    )


def _attachments(attachments: list[Attachment], events: dict, download: Verdict) -> tuple[AttachmentView, ...]:
    return tuple(
        AttachmentView(
            a.id, a.file_name, a.type, a.mime_type, a.size, _origin(a, events), a.created_at, _file_verdict(a, download)
        )
        for a in attachments
    )


def _file_verdict(attachment: Attachment, download: Verdict) -> Verdict:
    if not download:
        return download
    reason = unavailable_reason(attachment)
    return Verdict(False, reason) if reason else download


def _history(events: list[Event], attachments: list[Attachment], operator_code: str) -> tuple[HistoryEntry, ...]:
    files_of: dict[uuid.UUID, list[str]] = {}
    for a in attachments:
        if a.event_id:
            files_of.setdefault(a.event_id, []).append(a.file_name)
    return tuple(
        HistoryEntry(
            e.id, e.created_at, e.author, e.action_type, describe(e, files_of.get(e.id, []), operator_code),
            e.case_status_before, e.case_status_after,
        )
        for e in events
    )  # fmt: skip


def _comments(actor: Actor, ref: CaseRef, events: list[Event]) -> tuple[CommentView, ...]:
    return tuple(
        CommentView(
            e.id, e.author, e.created_at, e.updated_at if e.updated_at > e.created_at else None, e.comment or "",
            may_edit_comment(actor, ref, e.author_account_id),
        )
        for e in events
        if e.action_type is EventAction.COM_ADD
    )  # fmt: skip


def dossier_view(session: Session, *, actor: Actor, case_id) -> DossierView:
    """Everything the dossier page shows, for this person; NotFound when the dossier is not visible to it."""
    opened = visible_case(session, actor=actor, case_id=case_id)
    case, process, ref = opened.case, opened.process, opened.ref
    operator = session.get(Operator, process.operator_id)
    events = session.exec(select(Event).where(Event.case_id == case.id)).all()
    events = sorted(events, key=lambda e: (e.created_at, SAME_INSTANT_ORDER.get(e.action_type, 3)))
    attachments = case_attachments(session, case)
    download = may_download_case(actor, ref)
    return DossierView(
        header=_header(case, process, operator),
        attachments=_attachments(attachments, {e.id: e for e in events}, download),
        history=_history(events, attachments, operator.code),
        comments=_comments(actor, ref, events),
        next_statuses=_next_statuses(actor, ref, process.allows_complement),
        read_only=ref.read_only,
        read_only_reason=READ_ONLY_REASON if ref.read_only else "",
        may_download=download,
        may_change_status=may_change_case_status(actor, ref),
        may_message=may_write_to_usager(actor, ref, demarche_allows=process.allows_complement),
        may_comment=may_comment_case(actor, ref),
        may_send_file=may_send_file_to_usager(actor, ref, demarche_allows=process.allows_file_to_usager),
    )
