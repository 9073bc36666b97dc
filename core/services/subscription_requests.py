"""Demandes d'abonnement (SPEC §5, seeds 003 and 004): the DataPass-like request an SI files.

Its decision by the platform administrator, acting for the operator, is in core.services.request_decisions.
"""

import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, select

from core import audit
from core.errors import InvalidInput, NotFound
from core.models import (
    Account,
    ActorType,
    Operator,
    Organization,
    Process,
    RequestStatus,
    Subscription,
    SubscriptionRequest,
    SubscriptionStatus,
)
from core.permissions import Actor, is_platform_admin, may_administer_platform, may_request_subscription, require
from core.services.forms import FieldChecks
from core.storage import AttachmentStore, get_store
from core.text import search_key
from core.validation import normalize_email, normalize_phone, normalize_siret, required_text

QF_CODE = "FormulaireQF"
MAX_DELIBERATION_BYTES = 10 * 1024 * 1024
_NOT_THE_MAYOR = frozenset(
    {"adjoint", "adjointe", "conseiller", "conseillere", "secretaire", "directeur", "directrice"}
)


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    position: str
    email: str
    phone: str


@dataclass(frozen=True)
class RequestForm:
    organization_siret: str
    organization_name: str
    requester: Person
    business_admin: Person
    process_codes: tuple[str, ...]
    # FormulaireQF only (seed 004).
    deliberation_pdf: bytes | None = None
    dpo_name: str = ""
    dpo_email: str = ""
    dpo_position: str = ""


@dataclass(frozen=True)
class ProcessChoice:
    code: str
    label: str
    operator: str
    # Why it cannot be requested (already subscribed, request pending), or None.
    unavailable: str | None


@dataclass(frozen=True)
class RequestFormView:
    organization_id: int | None
    organization_siret: str
    organization_name: str
    requester: Person | None  # pre-filled with the signed-in person (the demandeur)
    processes: tuple[ProcessChoice, ...]


def _organization_by_siret(session: Session, siret: str) -> Organization | None:
    return session.exec(select(Organization).where(Organization.siret == siret)).first()


def _unavailable(session: Session, organization_id: int | None, siret: str) -> dict[str, str]:
    """Démarches the SI may not request: subscribed (a refused subscription may be asked again) or pending."""
    reasons = {}
    if organization_id is not None:
        for code in session.exec(
            select(Process.code)
            .join(Subscription, Subscription.process_id == Process.id)
            .where(Subscription.organization_id == organization_id, Subscription.status != SubscriptionStatus.REFUSE)
        ):
            reasons[code] = "votre service instructeur est déjà abonné à cette démarche"
    pending = select(SubscriptionRequest.process_codes).where(
        SubscriptionRequest.organization_siret == siret, SubscriptionRequest.status == RequestStatus.EN_ATTENTE
    )
    for codes in session.exec(pending):
        for code in codes:
            reasons.setdefault(code, "une demande est déjà en attente pour cette démarche")
    return reasons


def request_form_view(session: Session, *, actor: Actor, siret: str = "") -> RequestFormView:
    """The request form for this person's SI (any SIRET for the platform administrator), with the démarches
    it can no longer request shown as such."""
    account = session.get(Account, actor.id)
    organization = session.get(Organization, actor.organization_id) if actor.organization_id else None
    if is_platform_admin(actor):
        siret = re.sub(r"\s", "", siret or "")
        organization = _organization_by_siret(session, siret) if siret else None
    require(may_request_subscription(actor, organization.id if organization else None))
    siret = organization.siret if organization else siret
    reasons = _unavailable(session, organization.id if organization else None, siret) if siret else {}
    processes = session.exec(
        select(Process, Operator.code)
        .join(Operator, Operator.id == Process.operator_id)
        .where(Process.active.is_(True))
        .order_by(Process.label)
    ).all()
    requester = None
    if organization is not None and not is_platform_admin(actor):
        requester = Person(account.first_name, account.last_name, account.function or "", account.email, account.phone)
    return RequestFormView(
        organization_id=organization.id if organization else None,
        organization_siret=siret,
        organization_name=organization.name if organization else "",
        requester=requester,
        processes=tuple(ProcessChoice(p.code, p.label, operator, reasons.get(p.code)) for p, operator in processes),
    )


def is_mayor(position: str, email: str = "") -> bool:
    """ "Maire", "Madame le maire"… but not "adjoint au maire" nor "secrétaire de mairie"."""
    words = set(search_key(position).replace("-", " ").replace("'", " ").split())
    local_part = set(re.split(r"[.\-_+]", (email or "").split("@")[0].lower()))
    return ("maire" in words and not words & _NOT_THE_MAYOR) or local_part == {"maire"}


def check_deliberation(data: bytes | None) -> None:
    """A real PDF (its magic bytes and end marker), not empty, at most MAX_DELIBERATION_BYTES."""
    if not data:
        raise InvalidInput("Joignez la délibération (fichier PDF).", field="deliberation")
    if len(data) > MAX_DELIBERATION_BYTES:
        limit = MAX_DELIBERATION_BYTES // (1024 * 1024)
        raise InvalidInput(f"La délibération ne doit pas dépasser {limit} Mo.", field="deliberation")
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise InvalidInput("La délibération doit être un fichier PDF.", field="deliberation")


def _check_person(checks: FieldChecks, person: Person, prefix: str) -> str | None:
    checks.run(required_text, person.first_name, "Prénom", f"{prefix}_first_name", 100)
    checks.run(required_text, person.last_name, "Nom", f"{prefix}_last_name", 100)
    checks.run(required_text, person.position, "Poste occupé", f"{prefix}_position", 200)
    checks.run(normalize_phone, person.phone, f"{prefix}_phone")
    return checks.run(normalize_email, person.email, f"{prefix}_email")


def _check_future_admin(checks: FieldChecks, session: Session, email: str | None, organization_id, field: str):
    """The person who will be administrateur local: a new login, or already an administrateur local of this SI."""
    account = session.exec(select(Account).where(Account.email == email)).first() if email else None
    if account is not None and (
        account.organization_id != organization_id or account.actor_type is not ActorType.ADMIN_LOCAL
    ):
        checks.fail(
            field,
            "Cette adresse est déjà l'identifiant d'un compte qui n'est pas administrateur local de ce service "
            "instructeur : indiquez une autre adresse professionnelle et nominative.",
        )


def _check_qf(checks: FieldChecks, form: RequestForm, requester_email: str | None) -> None:
    checks.run(check_deliberation, form.deliberation_pdf)
    checks.run(required_text, form.dpo_name, "Nom du délégué à la protection des données", "dpo_name")
    checks.run(required_text, form.dpo_position, "Fonction du délégué à la protection des données", "dpo_position")
    dpo_email = checks.run(normalize_email, form.dpo_email, "dpo_email")
    requester = search_key(f"{form.requester.first_name} {form.requester.last_name}")
    if dpo_email and (dpo_email == requester_email or search_key(form.dpo_name) == requester):
        checks.fail(
            "dpo_email", "Le délégué à la protection des données doit être une autre personne que le demandeur."
        )
    if is_mayor(form.dpo_position, dpo_email or ""):
        checks.fail("dpo_position", "Le délégué à la protection des données ne peut pas être le maire.")


def _check_form(session: Session, form: RequestForm, organization: Organization | None) -> tuple[str, list[str]]:
    checks = FieldChecks()
    siret = checks.run(normalize_siret, form.organization_siret, "organization_siret")
    checks.run(required_text, form.organization_name, "Nom du service instructeur", "organization_name")
    requester_email = _check_person(checks, form.requester, "requester")
    admin_email = _check_person(checks, form.business_admin, "business_admin")
    organization_id = organization.id if organization else None
    _check_future_admin(checks, session, admin_email, organization_id, "business_admin_email")
    codes = list(dict.fromkeys(form.process_codes))
    known = set(session.exec(select(Process.code).where(Process.active.is_(True))))
    unavailable = _unavailable(session, organization_id, siret) if siret else {}
    if not codes:
        checks.fail("process_codes", "Choisissez au moins une démarche.")
    for code in codes:
        if code not in known:
            checks.fail("process_codes", f"La démarche « {code} » n'existe pas dans le catalogue.")
        elif code in unavailable:
            checks.fail("process_codes", f"Démarche « {code} » : {unavailable[code]}. Un seul abonnement par démarche.")
    if QF_CODE in codes:
        # Seed 004: the demandeur becomes administrateur local and sees the dossiers.
        _check_future_admin(checks, session, requester_email, organization_id, "requester_email")
        _check_qf(checks, form, requester_email)
    checks.raise_if_any()
    return siret, codes


def _person_columns(prefix: str, person: Person) -> dict:
    return {
        f"{prefix}_first_name": person.first_name.strip(),
        f"{prefix}_last_name": person.last_name.strip(),
        f"{prefix}_position": person.position.strip(),
        f"{prefix}_email": normalize_email(person.email),
        f"{prefix}_phone": normalize_phone(person.phone),
    }


def _request_row(form: RequestForm, siret: str, codes: list[str], organization, deliberation, now):
    return SubscriptionRequest(
        organization_siret=siret,
        organization_name=form.organization_name.strip(),
        organization_id=organization.id if organization else None,
        process_codes=codes,
        **_person_columns("requester", form.requester),
        **_person_columns("business_admin", form.business_admin),
        deliberation_attachment_id=deliberation,
        dpo_name=form.dpo_name.strip() if deliberation else None,
        dpo_email=normalize_email(form.dpo_email) if deliberation else None,
        created_at=now,
    )


def submit_subscription_request(
    session: Session, *, actor: Actor, form: RequestForm, now: datetime, store: AttachmentStore | None = None
) -> SubscriptionRequest:
    """File the request (every field checked, each with its message); it waits for the platform's decision."""
    if is_platform_admin(actor):
        organization = _organization_by_siret(session, re.sub(r"\s", "", form.organization_siret or ""))
    else:
        organization = session.get(Organization, actor.organization_id) if actor.organization_id else None
        if organization is not None:
            # An SI asks for itself: its SIRET and name are not typed.
            form = replace(form, organization_siret=organization.siret, organization_name=organization.name)
    require(may_request_subscription(actor, organization.id if organization else None))
    siret, codes = _check_form(session, form, organization)
    deliberation = None
    if QF_CODE in codes:
        deliberation = (store or get_store()).put_bytes(form.deliberation_pdf).sha256
    request = _request_row(form, siret, codes, organization, deliberation, now)
    session.add(request)
    session.flush()
    # The box plays DataPass: the request's number is the DataPass number of its subscriptions.
    request.datapass_number = str(request.id)
    audit.record(
        session,
        "subscription_request.submit",
        account_id=actor.id,
        organization_id=request.organization_id,
        target_type="subscription_request",
        target_id=request.id,
        details={"siret": siret, "processes": codes},
        now=now,
    )
    return request


def deliberation_pdf(session: Session, *, actor: Actor, request_id: int, store: AttachmentStore | None = None) -> bytes:
    """The délibération of a FormulaireQF request, for the platform administrator who decides on it."""
    require(may_administer_platform(actor))
    request = session.get(SubscriptionRequest, request_id)
    if request is None or not request.deliberation_attachment_id:
        raise NotFound("Cette demande n'a pas de délibération.")
    return (store or get_store()).read_bytes(request.deliberation_attachment_id)
