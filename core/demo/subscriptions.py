"""The demo's DataPass requests and subscriptions: every status, both access modes, varied notifications."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from core.demo.world import BEAULIEU, MONTCLAR, ROCHEFOURCHAT, CommuneSpec
from core.models import (
    AccessMode,
    Account,
    NotificationFrequency,
    Organization,
    RequestStatus,
    Subscription,
    SubscriptionRequest,
    SubscriptionStatus,
)
from core.services.folders import process_by_code

# The API-mode subscription's credentials, so that the API can be tried against the demo.
DEMO_API_CLIENT_ID = "demo-montclar-etatcivil"
DEMO_API_SECRET = "Opale-Demo-2026!"
EDITOR = "Opale Informatique"
REFUSAL_REASON = "La commune ne remplit pas les conditions d'accès à cette démarche."

ACTIF, INACTIF, SUSPENDU, REFUSE = (
    SubscriptionStatus.ACTIF,
    SubscriptionStatus.INACTIF,
    SubscriptionStatus.SUSPENDU,
    SubscriptionStatus.REFUSE,
)
PORTAIL, API = AccessMode.PORTAIL, AccessMode.API
UNIT, DAILY, TWICE, NONE = (
    NotificationFrequency.UNITAIRE,
    NotificationFrequency.QUOTIDIENNE,
    NotificationFrequency.BIQUOTIDIENNE,
    NotificationFrequency.AUCUNE,
)


@dataclass(frozen=True)
class SubscriptionSpec:
    commune: CommuneSpec
    process_code: str
    status: SubscriptionStatus
    access_mode: AccessMode | None
    frequency: NotificationFrequency
    mailbox: str  # local part of the functional notification address
    datapass: str
    volume: int = 0  # how many dossiers it received over the last 90 days
    activated_days_ago: int = 120
    suspended_days_ago: int | None = None

    @property
    def receives(self) -> bool:
        """It received dossiers at some point (the suspended one, until its suspension)."""
        return self.status in (ACTIF, SUSPENDU)


R, MO, BE = ROCHEFOURCHAT, MONTCLAR, BEAULIEU
SUBSCRIPTIONS = (
    SubscriptionSpec(R, "EtatCivil", ACTIF, PORTAIL, UNIT, "etat-civil", "10452", 32, 140),
    SubscriptionSpec(R, "depotDossierPACS", ACTIF, PORTAIL, DAILY, "etat-civil", "10452", 10, 140),
    SubscriptionSpec(R, "recensementCitoyen", ACTIF, PORTAIL, TWICE, "accueil", "10452", 14, 140),
    SubscriptionSpec(R, "JeChangeDeCoordonnees", ACTIF, PORTAIL, NONE, "accueil", "10452", 12, 140),
    SubscriptionSpec(R, "FormulaireQF", ACTIF, PORTAIL, DAILY, "accueil", "11873", 24, 105),
    SubscriptionSpec(R, "CERTDC", INACTIF, None, UNIT, "etat-civil", "10588"),
    SubscriptionSpec(R, "HebergementTourisme", REFUSE, None, UNIT, "accueil", "10453"),
    SubscriptionSpec(MO, "EtatCivil", ACTIF, API, UNIT, "etat-civil", "9817", 34, 160),
    SubscriptionSpec(MO, "CERTDC", ACTIF, PORTAIL, UNIT, "etat-civil", "9820", 24, 150),
    SubscriptionSpec(MO, "HebergementTourisme", ACTIF, PORTAIL, DAILY, "taxe-sejour", "9817", 18, 160),
    SubscriptionSpec(MO, "JeChangeDeCoordonnees", ACTIF, PORTAIL, TWICE, "accueil", "9817", 18, 160),
    SubscriptionSpec(MO, "depotDossierPACS", SUSPENDU, PORTAIL, DAILY, "etat-civil", "9817", 12, 160, 20),
    SubscriptionSpec(MO, "recensementCitoyen", ACTIF, PORTAIL, DAILY, "accueil", "9817", 18, 160),
    SubscriptionSpec(MO, "FormulaireQF", INACTIF, None, UNIT, "accueil", "12034"),
    SubscriptionSpec(BE, "EtatCivil", ACTIF, PORTAIL, UNIT, "etat-civil", "10977", 30, 115),
    SubscriptionSpec(BE, "recensementCitoyen", ACTIF, PORTAIL, UNIT, "secretariat", "10977", 12, 115),
    SubscriptionSpec(BE, "JeChangeDeCoordonnees", ACTIF, PORTAIL, DAILY, "secretariat", "10977", 12, 115),
    SubscriptionSpec(BE, "FormulaireQF", ACTIF, PORTAIL, UNIT, "periscolaire", "11502", 16, 108),
    SubscriptionSpec(BE, "depotDossierPACS", ACTIF, PORTAIL, TWICE, "etat-civil", "10977", 8, 115),
    SubscriptionSpec(BE, "CERTDC", REFUSE, None, UNIT, "etat-civil", "10980"),
)

# Who signed each commune's DataPass requests: (first name, last name, position, phone).
MAYORS = {
    "rochefourchat": ("Gérard", "Arnaud", "Maire", "0475276100"),
    "montclar": ("Isabelle", "Rousseau", "Maire", "0475530100"),
    "beaulieu": ("Didier", "Moreau", "Maire", "0475370100"),
}


def _request(
    spec: SubscriptionSpec,
    codes: list[str],
    status: RequestStatus,
    admin: Account,
    organization: Organization,
    decided_by: Account,
    at: datetime,
) -> SubscriptionRequest:
    first, last, position, phone = MAYORS[spec.commune.key]
    qf = spec.process_code == "FormulaireQF"
    return SubscriptionRequest(
        status=status,
        datapass_number=spec.datapass,
        organization_siret=organization.siret,
        organization_name=organization.name,
        organization_id=organization.id,
        process_codes=codes,
        requester_first_name=first,
        requester_last_name=last,
        requester_position=position,
        requester_email=f"maire@{spec.commune.domain}",
        requester_phone=phone,
        business_admin_first_name=admin.first_name,
        business_admin_last_name=admin.last_name,
        business_admin_position=admin.function or "Administrateur local",
        business_admin_email=admin.email,
        business_admin_phone=admin.phone,
        dpo_name="Syndicat numérique Drôme-Ardèche (DPO mutualisé)" if qf else None,
        dpo_email="dpo@numerique-drome-ardeche.test" if qf else None,
        created_at=at - timedelta(days=9),
        decided_at=at,
        decided_by_id=decided_by.id,
        refusal_reason=None if status is RequestStatus.VALIDEE else REFUSAL_REASON,
    )


def create_requests(session, organizations, admins, platform_admin, *, now) -> dict[str, SubscriptionRequest]:
    """One decided DataPass request per number; refused when all its démarches were refused."""
    requests = {}
    for spec in SUBSCRIPTIONS:
        if spec.datapass in requests:
            continue
        same = [s for s in SUBSCRIPTIONS if s.datapass == spec.datapass]
        status = RequestStatus.REFUSEE if all(s.status is REFUSE for s in same) else RequestStatus.VALIDEE
        at = now - timedelta(days=max(s.activated_days_ago for s in same) + 6)
        requests[spec.datapass] = _request(
            spec,
            [s.process_code for s in same],
            status,
            admins[spec.commune.key],
            organizations[spec.commune.key],
            platform_admin,
            at,
        )
    session.add_all(requests.values())
    session.add(_pending_request(now))
    session.flush()
    return requests


def _pending_request(now: datetime) -> SubscriptionRequest:
    """A fourth commune waiting for the platform administrator's decision."""
    return SubscriptionRequest(
        status=RequestStatus.EN_ATTENTE,
        datapass_number="12561",
        organization_siret="21260318000010",
        organization_name="Commune de Saint-Pons-de-Valdaine",
        process_codes=["EtatCivil", "recensementCitoyen", "JeChangeDeCoordonnees"],
        requester_first_name="Martine",
        requester_last_name="Faure",
        requester_position="Maire",
        requester_email="maire@mairie-saint-pons-de-valdaine.test",
        requester_phone="0475460100",
        business_admin_first_name="Yannick",
        business_admin_last_name="Boyer",
        business_admin_position="Secrétaire de mairie",
        business_admin_email="secretariat@mairie-saint-pons-de-valdaine.test",
        business_admin_phone="0475460101",
        created_at=now - timedelta(days=3),
    )


def create_subscription(
    session: Session,
    spec: SubscriptionSpec,
    organization: Organization,
    *,
    request: SubscriptionRequest,
    admin: Account,
    delegate: Account,
    secret_hash: str,
    now: datetime,
) -> Subscription:
    """A subscription as it stands today; a suspended one is Actif until `apply_suspensions`."""
    validated = request.decided_at if spec.status is not REFUSE else None
    activated = now - timedelta(days=spec.activated_days_ago) if spec.receives else None
    subscription = Subscription(
        organization_id=organization.id,
        process_id=process_by_code(session, spec.process_code).id,
        request_id=request.id,
        datapass_number=spec.datapass,
        status=ACTIF if spec.receives else spec.status,
        access_mode=spec.access_mode,
        responsible_admin_id=admin.id,
        validated_at=validated,
        updated_at=activated or request.decided_at,
        activated_at=activated,
        activation_date=activated.date() if activated else None,
        notification_frequency=spec.frequency,
        notification_email=f"{spec.mailbox}@{spec.commune.domain}",
        # Everything before the demo's "now" counts as already notified: no flood of emails at first start.
        notified_until=now,
    )
    if spec.access_mode is API:
        subscription.editor_name = EDITOR
        subscription.technical_delegate_id = delegate.id
        subscription.api_client_id = DEMO_API_CLIENT_ID
        subscription.api_secret_hash = secret_hash
        subscription.api_secret_issued_at = activated
    session.add(subscription)
    return subscription


def apply_suspensions(subscriptions: dict[tuple[str, str], Subscription], *, now: datetime) -> None:
    """Suspend, once their dossiers are delivered, the subscriptions the demo shows as Suspendu."""
    for spec in SUBSCRIPTIONS:
        if spec.suspended_days_ago is not None:
            subscription = subscriptions[spec.commune.key, spec.process_code]
            subscription.status = SUSPENDU
            subscription.suspension_date = (now - timedelta(days=spec.suspended_days_ago)).date()
            subscription.updated_at = now - timedelta(days=spec.suspended_days_ago + 1)
