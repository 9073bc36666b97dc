"""Quotient familial (SPEC §8): the public form's look-up and dossier, and the agents' communication kit.

The public side has no account: a collectivité is addressed by its SIRET and must hold an active FormulaireQF
subscription. A confirmed look-up becomes a FormulaireQF dossier delivered by `deliver_folder` on behalf of the
démarche's operator (DINUM), exactly as if it came through the hub, so the subscription's notifications and
the API queue follow as for any dossier.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from core.audit import record
from core.config import get_settings
from core.errors import Forbidden, InvalidInput, NotFound
from core.models import AuditEntry, Case, CaseStatus, Folder, Operator, Organization, Process
from core.permissions import ALLOWED, SI_ACTOR_TYPES, Actor, CaseRef, Verdict, deny, may_view_case, require
from core.quotient_familial import get_provider
from core.quotient_familial.base import PivotIdentity, ProviderError, QFProvider, QFResult
from core.quotient_familial.documents import MONTHS, json_bytes, pdf_bytes, qf_document, xml_bytes
from core.quotient_familial.form import QFForm, validate_qf_form
from core.quotient_familial.kit import email_text, form_url, poster_pdf
from core.services.folders import (
    IncomingFile,
    IncomingFolder,
    Recipient,
    deliver_folder,
    process_by_code,
    receiving_subscription,
)
from core.storage import AttachmentStore, safe_file_name
from core.validation import normalize_siret

PROCESS_CODE = "FormulaireQF"
LOOKUP_ACTION = "qf.lookup"
SUBMIT_ACTION = "qf.submitted"
MAIN_DOCUMENT, SUMMARY = "Document principal", "Récapitulatif"
ARRIVAL_MONTHS = 12
UNKNOWN_FORM = (
    "Ce formulaire n'existe pas : son adresse est incomplète ou ne correspond à aucune collectivité. "
    "Vérifiez le lien ou le QR code que votre mairie vous a donné."
)
CLOSED_FORM = (
    "{name} ne reçoit pas de quotient familial par ce formulaire pour le moment. "
    "Renseignez-vous auprès de votre mairie."
)
BUSY = (
    "Ce formulaire reçoit trop de demandes en ce moment. Rien n'a été transmis : réessayez dans une heure "
    "ou adressez-vous à votre mairie."
)
SESSION_LOOKUPS = (
    "Vous avez fait trop de recherches depuis cette page. Rien n'a été transmis : "
    "adressez-vous à votre mairie si votre quotient familial n'est pas trouvé."
)
SESSION_SUBMISSIONS = (
    "Vous avez déjà transmis {count} quotients familiaux depuis cette page : c'est le maximum. "
    "Adressez-vous à votre mairie pour en transmettre d'autres."
)
NOTHING_TO_SEND = "Il n'y a aucun quotient familial à transmettre : recherchez-le d'abord avec le formulaire."


@dataclass(frozen=True)
class QFPublicView:
    """The collectivité a public form sends to."""

    siret: str
    organization_name: str


@dataclass(frozen=True)
class QFLookup:
    """A look-up: the identity checked and the family found, or why there is nothing to send."""

    identity: PivotIdentity
    result: QFResult | None
    message: str | None = None


@dataclass(frozen=True)
class QFReceipt:
    """What the citizen keeps: the dossier's number as the agents see it."""

    reference: str
    organization_name: str


@dataclass(frozen=True)
class MonthCount:
    month: date  # first day of the month
    label: str  # "juin 2026"
    count: int


@dataclass(frozen=True)
class QFKitView:
    """The communication kit: form address, email text, and QF dossiers received per month (oldest first)."""

    organization_name: str
    siret: str
    url: str
    email_subject: str
    email_body: str
    # None when this account does not see the collectivité's QF dossiers.
    arrivals: tuple[MonthCount, ...] | None


def _receiving(session: Session, siret: str, now: datetime) -> tuple[Organization, Process]:
    """The collectivité of a public form, if it receives FormulaireQF today; NotFound with a citizen's message."""
    try:
        siret = normalize_siret(siret or "")
    except InvalidInput:
        raise NotFound(UNKNOWN_FORM, field="collectivite") from None
    organization = session.exec(select(Organization).where(Organization.siret == siret)).first()
    if organization is None or not organization.active:
        raise NotFound(UNKNOWN_FORM, field="collectivite")
    process = process_by_code(session, PROCESS_CODE)
    try:
        receiving_subscription(session, process, siret, now=now)
    except InvalidInput:
        raise NotFound(CLOSED_FORM.format(name=organization.name), field="collectivite") from None
    return organization, process


def qf_public_view(session: Session, *, siret: str, now: datetime) -> QFPublicView:
    """The collectivité behind a public form address; NotFound when it receives no QF through the form."""
    organization, _ = _receiving(session, siret, now)
    return QFPublicView(siret=organization.siret, organization_name=organization.name)


def _since(now: datetime) -> datetime:
    return now - timedelta(hours=1)


def lookup_quotient_familial(
    session: Session,
    *,
    siret: str,
    form: QFForm,
    lookups_in_session: int,
    now: datetime,
    provider: QFProvider | None = None,
) -> QFLookup:
    """Check the form and ask the provider; a not-found or unreachable provider is an answer, not an error."""
    organization, _ = _receiving(session, siret, now)
    identity = validate_qf_form(form, today=now.astimezone(get_settings().zone).date())
    settings = get_settings()
    if lookups_in_session >= settings.qf_max_lookups_per_session:
        raise Forbidden(SESSION_LOOKUPS)
    recent = session.exec(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.action == LOOKUP_ACTION,
            AuditEntry.organization_id == organization.id,
            AuditEntry.at >= _since(now),
        )
    ).one()
    if recent >= settings.qf_max_lookups_per_hour:
        raise Forbidden(BUSY)
    provider = provider or get_provider()
    try:
        result, message, outcome = provider.fetch(identity, recipient=organization.siret), None, "found"
    except ProviderError as exc:
        result, message, outcome = None, exc.message, type(exc).__name__
    # Counted for the hourly limit; no identity is kept, only what happened.
    record(session, LOOKUP_ACTION, organization_id=organization.id, target_type="organization",
           target_id=organization.id, details={"provider": provider.name, "outcome": outcome}, now=now)  # fmt: skip
    return QFLookup(identity=identity, result=result, message=message)


def _new_number(session: Session, operator_id: int) -> str:
    """A dossier number in the hub's style: 14 hexadecimal digits, unique for the operator."""
    while True:
        number = secrets.token_hex(7).upper()
        taken = session.exec(
            select(Folder.id).where(Folder.operator_id == operator_id, Folder.external_id == number)
        ).first()
        if taken is None:
            return number


def _files(reference: str, number: str, lookup: QFLookup, organization: Organization, now: datetime):
    identity, result = lookup.identity, lookup.result
    document = qf_document(number, identity, result)
    pdf_name = safe_file_name(f"quotient_familial_{identity.family_name}_{'_'.join(identity.given_names)}.pdf")
    pdf = pdf_bytes(reference, identity, result, organization=organization.name, sent_at=now)
    return (
        IncomingFile("FormulaireQF.json", MAIN_DOCUMENT, "application/json", json_bytes(document)),
        IncomingFile("FormulaireQF.xml", MAIN_DOCUMENT, "application/xml", xml_bytes(document)),
        IncomingFile(pdf_name, SUMMARY, "application/pdf", pdf),
    )


def submit_quotient_familial(
    session: Session,
    *,
    siret: str,
    lookup: QFLookup,
    submissions_in_session: int,
    now: datetime,
    store: AttachmentStore | None = None,
) -> QFReceipt:
    """Send a confirmed look-up to the collectivité as a FormulaireQF dossier; the receipt holds its number."""
    if lookup.result is None:
        raise InvalidInput(NOTHING_TO_SEND, field="lookup")
    settings = get_settings()
    if submissions_in_session >= settings.qf_max_per_session:
        raise Forbidden(SESSION_SUBMISSIONS.format(count=submissions_in_session))
    organization, process = _receiving(session, siret, now)
    recent = session.exec(
        select(func.count())
        .select_from(Case)
        .where(
            Case.organization_id == organization.id, Case.process_id == process.id, Case.transmitted_at >= _since(now)
        )
    ).one()
    if recent >= settings.qf_max_per_hour:
        raise Forbidden(BUSY)
    operator = session.get(Operator, process.operator_id)
    number = _new_number(session, operator.id)
    reference = f"{number}-01"
    identity = lookup.identity
    folder = deliver_folder(
        session,
        operator=operator,
        incoming=IncomingFolder(
            process_code=PROCESS_CODE,
            external_id=number,
            applicant_first_name=" ".join(identity.given_names),
            applicant_last_name=identity.family_name,
            recipients=(Recipient(siret=organization.siret, case_external_id=reference),),
            files=_files(reference, number, lookup, organization, now),
        ),
        now=now,
        store=store,
    )
    record(session, SUBMIT_ACTION, organization_id=organization.id, target_type="folder", target_id=folder.id,
           details={"reference": reference}, now=now)  # fmt: skip
    return QFReceipt(reference=reference, organization_name=organization.name)


# --- The agents' side ---------------------------------------------------------------------------------


def may_use_qf_kit(actor: Actor) -> Verdict:
    """The kit is for the accounts of a collectivité (agents and administrateurs locaux)."""
    if actor.active and actor.actor_type in SI_ACTOR_TYPES and actor.organization_id is not None:
        return ALLOWED
    return deny("Le kit de communication du quotient familial est réservé aux comptes d'une collectivité.")


def qf_kit_audience(actor: Actor) -> bool:
    """For the menu: who may open the "Quotient familial" screen."""
    return bool(may_use_qf_kit(actor))


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _arrivals(session: Session, actor: Actor, process: Process, now: datetime) -> tuple[MonthCount, ...] | None:
    if not may_view_case(actor, CaseRef(actor.organization_id, process.id, CaseStatus.HUBEE_NOTIFIED)):
        return None
    zone = get_settings().zone
    months = [_month_start(now.astimezone(zone).date(), back) for back in range(ARRIVAL_MONTHS - 1, -1, -1)]
    since = datetime(months[0].year, months[0].month, 1, tzinfo=zone)
    sent = session.exec(
        select(Case.transmitted_at).where(
            Case.organization_id == actor.organization_id, Case.process_id == process.id, Case.transmitted_at >= since
        )
    ).all()
    counts = dict.fromkeys(months, 0)
    for at in sent:
        local = at.astimezone(zone)
        counts[date(local.year, local.month, 1)] += 1
    return tuple(MonthCount(m, f"{MONTHS[m.month - 1]} {m.year}", counts[m]) for m in months)


def qf_kit_view(session: Session, *, actor: Actor, now: datetime) -> QFKitView:
    """The collectivité's form address, email text and monthly QF arrivals; NotFound without a subscription."""
    require(may_use_qf_kit(actor))
    organization = session.get(Organization, actor.organization_id)
    process = process_by_code(session, PROCESS_CODE)
    try:
        receiving_subscription(session, process, organization.siret, now=now)
    except InvalidInput:
        raise NotFound(
            f"{organization.name} n'a pas d'abonnement actif à la démarche « {process.label} » : "
            "le formulaire public n'est pas ouvert. Un administrateur local peut en faire la demande."
        ) from None
    url = form_url(organization.siret)
    subject, body = email_text(organization.name, url)
    return QFKitView(
        organization_name=organization.name,
        siret=organization.siret,
        url=url,
        email_subject=subject,
        email_body=body,
        arrivals=_arrivals(session, actor, process, now),
    )


def qf_poster_pdf(kit: QFKitView, *, now: datetime) -> bytes:
    """The A4 poster of a kit the caller was given by `qf_kit_view` (so already allowed to see)."""
    return poster_pdf(kit.organization_name, kit.url, created=now)
