"""Streamlit parts of the two télédossier pages: dates, badges, the visit, files built on click, bulk « Traité »."""

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from core.clock import utcnow
from core.config import get_settings
from core.db import session_scope
from core.documents import BusinessContent, Section
from core.errors import DomainError
from core.models import CaseStatus
from core.services.actors import load_actor
from core.services.case_actions import mark_cases_done
from core.services.case_files import attachment_for_download, case_zip, cases_zip
from core.services.inbox import InboxQuery, InboxRow, inbox_csv
from core.workflow import Trigger, next_statuses
from pages.components.format import DASH, fields, md_escape

INBOX_SCRIPT = "pages/inbox.py"
DOSSIER_SCRIPT = "pages/dossier.py"
# The dossier whose visit is under way: its consultation is recorded once, not at every rerun. Back in the
# inbox the visit is over, and opening the dossier again is a new consultation.
VISIT_KEY = "dossier_visit"
# The inbox's URL parameters, so that « Retour aux télédossiers » comes back to the same view.
INBOX_PARAMS_KEY = "inbox_params"
# Errors met while building a file on click: the builder runs on another thread, outside the script, so it
# leaves its message here (a plain dict kept in the tab's state) for the next run to show.
FILE_ERRORS_KEY = "dossier_file_errors"
DONE_CONFIRM_KEY = "inbox_confirm_done"  # (dossier ids, how many will change) until « Confirmer » or « Annuler »
DONE_REPORT_KEY = "inbox_done_report"

STATUS_COLORS = {
    CaseStatus.HUBEE_NOTIFIED: "blue",
    CaseStatus.SENT: "blue",
    CaseStatus.SI_RECEIVED: "violet",
    CaseStatus.SI_INTG_ERROR: "red",
    CaseStatus.IN_PROGRESS: "orange",
    CaseStatus.ADD_AWAITING: "yellow",
    CaseStatus.REFUSED: "red",
    CaseStatus.DONE: "green",
    CaseStatus.CLOSED: "gray",
}


def moment(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in the box's time zone (Europe/Paris), a dash when absent."""
    if value is None:
        return DASH
    return f"{value.astimezone(get_settings().zone):%d/%m/%Y %H:%M}"


def status_badge(status: CaseStatus, label: str) -> None:
    st.badge(label, color=STATUS_COLORS.get(status, "gray"))


def open_dossier(case_id, inbox_params: dict[str, str] | None = None) -> None:
    """Go to the dossier page for a new visit (its opening is recorded there)."""
    st.session_state.pop(VISIT_KEY, None)
    if inbox_params is not None:
        st.session_state[INBOX_PARAMS_KEY] = inbox_params
    st.switch_page(DOSSIER_SCRIPT, query_params={"id": str(case_id)})


def back_to_inbox() -> None:
    st.switch_page(INBOX_SCRIPT, query_params=st.session_state.get(INBOX_PARAMS_KEY) or None)


def today_stamp() -> str:
    """Today's date (Paris) for file names: teledossiers-2026-03-02.csv."""
    return f"{utcnow().astimezone(get_settings().zone):%Y-%m-%d}"


def file_errors() -> dict[str, str]:
    return st.session_state.setdefault(FILE_ERRORS_KEY, {})


def inbox_csv_bytes(account_id: int, query: InboxQuery) -> bytes:
    """The CSV of the inbox's current tab and filters (every page), read from the database in batches."""
    with session_scope() as s:
        return "".join(inbox_csv(s, actor=load_actor(s, account_id), query=query)).encode("utf-8")


def selection_zip(account_id: int, case_ids: list, notes: dict[str, str]) -> bytes:
    """The selected dossiers as one ZIP; each dossier left out is noted (`notes`) for the next run to show."""
    with session_scope() as s:
        data, report = cases_zip(s, actor=load_actor(s, account_id), case_ids=case_ids, now=utcnow())
    for line in report:
        if not line.ok:
            notes[f"Télédossier n° {line.external_id or '?'} non inclus dans le ZIP"] = line.message
    return data


def built_on_click(name: str, build: Callable[[], bytes]) -> Callable[[], bytes]:
    """A download button's data: `build` runs only when the button is clicked; a core refusal is kept for the page.

    The refusal is raised again, so the browser gets no file rather than a wrong one.
    """
    errors = file_errors()

    def data() -> bytes:
        try:
            return build()
        except DomainError as exc:
            errors[name] = exc.message
            raise

    return data


def show_file_errors() -> None:
    """The refusals met by downloads since the last run, once."""
    errors = file_errors()
    for name in list(errors):
        st.error(f"{md_escape(name)} : {md_escape(errors.pop(name))}")


# --- the dossier page ---


def section_fields(section: Section, depth: int = 0) -> None:
    if section.fields:
        fields(list(section.fields))
    for sub in section.subsections:
        with st.container(border=depth == 0):
            st.markdown(f"**{md_escape(sub.heading)}**")
            section_fields(sub, depth + 1)


def business_content(content: BusinessContent) -> None:
    """The dossier's content as plain text: problems as warnings, notes as information, sections in expanders."""
    st.subheader(md_escape(content.title))
    for problem in content.problems:
        st.warning(md_escape(problem), icon=":material/error:")
    for note in content.notes:
        st.info(md_escape(note))
    for i, section in enumerate(content.sections):
        with st.expander(md_escape(section.heading), expanded=i < 3):
            section_fields(section)


def attachment_bytes(account_id: int, case_id, attachment_id) -> bytes:
    with session_scope() as s:
        _name, _mime, data = attachment_for_download(
            s, actor=load_actor(s, account_id), case_id=case_id, attachment_id=attachment_id, now=utcnow()
        )
    return data


def dossier_zip_bytes(account_id: int, case_id) -> bytes:
    with session_scope() as s:
        return case_zip(s, actor=load_actor(s, account_id), case_id=case_id, now=utcnow())


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} o"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} Ko"
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


# --- « Marquer comme traités » in the inbox ---


def _will_be_done(row: InboxRow) -> bool:
    return not row.read_only and CaseStatus.DONE in next_statuses(row.status, Trigger.AGENT, allows_complement=True)


def ask_mark_done(selected: list[InboxRow]) -> None:
    """« Marquer comme traités » clicked: the confirmation names how many of the selection will change."""
    st.session_state[DONE_CONFIRM_KEY] = ([r.id for r in selected], sum(_will_be_done(r) for r in selected))


def confirm_mark_done(account_id: int) -> None:
    """The confirmation of « Marquer comme traités », then the change and its report per dossier."""
    if DONE_CONFIRM_KEY not in st.session_state:
        return
    ids, changing = st.session_state[DONE_CONFIRM_KEY]
    st.warning(
        f"{changing} télédossier{'s' if changing > 1 else ''} sur {len(ids)} sélectionné{'s' if len(ids) > 1 else ''} "
        "passer" + ("ont" if changing > 1 else "a") + " au statut « Traité », qui est signalé à l'opérateur. "
        "Cette action est définitive : le statut ne pourra pas revenir en arrière. "
        "Les télédossiers qui ne peuvent pas changer seront signalés un par un.",
        icon=":material/warning:",
    )
    confirm, cancel = st.columns(2)
    if cancel.button("Annuler", key="inbox_done_cancel"):
        st.session_state.pop(DONE_CONFIRM_KEY)
        st.rerun()
    if not confirm.button(f"Confirmer : marquer {len(ids)} comme traités", type="primary", key="inbox_done_confirm"):
        return
    st.session_state.pop(DONE_CONFIRM_KEY)
    try:
        with session_scope() as s:
            report = mark_cases_done(s, actor=load_actor(s, account_id), case_ids=ids, now=utcnow())
    except DomainError as exc:
        st.error(exc.message)
        return
    st.session_state[DONE_REPORT_KEY] = [(line.external_id or "?", line.ok, line.message) for line in report]
    st.rerun()


def show_mark_done_report() -> None:
    report = st.session_state.pop(DONE_REPORT_KEY, None)
    if not report:
        return
    done = sum(ok for _, ok, _ in report)
    (st.success if done == len(report) else st.warning)(
        f"« Marquer comme traités » : {done} télédossier{'s' if done > 1 else ''} sur {len(report)} "
        f"passé{'s' if done > 1 else ''} au statut « Traité »."
    )
    st.dataframe(
        [{"Numéro": n, "Résultat": "Traité" if ok else "Inchangé", "Détail": m} for n, ok, m in report],
        hide_index=True,
        width="stretch",
        key="inbox_done_report_table",
    )
