"""Gestion des abonnements (SPEC §5): list and CSV, modality, API secret, notifications, activation, suspension."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlmodel import select

from core.csv_export import BOM
from core.errors import Conflict, Forbidden, InvalidInput
from core.models import (
    AccessMode,
    ActorType,
    ApiClientKind,
    ApiToken,
    AuditEntry,
    NotificationFrequency,
    Role,
    Subscription,
    SubscriptionStatus,
)
from core.permissions import case_ref
from core.services.actors import actor_for
from core.services.api_clients import verify_client_secret
from core.services.subscription_changes import (
    SubscriptionSettings,
    activate_subscription,
    choose_access_mode,
    regenerate_api_secret,
    suspend_subscription,
    update_subscription_settings,
)
from core.services.subscriptions import (
    NO_HABILITATED_ACCOUNT,
    SUBSCRIPTION_CSV_HEADER,
    SubscriptionQuery,
    apply_subscription_dates,
    export_subscriptions_csv,
    list_subscriptions,
    subscription_view,
)
from tests.factories import make_account, make_organization, subscribe

# 23:30 UTC on 9 March is already 10 March in Paris.
NOW = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
PARIS_TODAY = date(2026, 3, 10)
NOTIFY = SubscriptionSettings(NotificationFrequency.UNITAIRE, "etat-civil@mairie.test")


@pytest.fixture
def world(session):
    org = make_organization(session, "Commune de Rochefourchat")
    inactive = subscribe(
        session, org, "CERTDC", status=SubscriptionStatus.INACTIF, access_mode=None, activation_date=None
    )
    active = subscribe(session, org, "EtatCivil")
    active.datapass_number = "10452"
    admin = make_account(session, org, ActorType.ADMIN_LOCAL)
    neighbour = make_organization(session, "Commune voisine")
    subscribe(session, neighbour, "EtatCivil")
    platform = make_account(session, None, ActorType.PLATFORM_ADMIN)
    return SimpleNamespace(
        org=org,
        inactive=inactive,
        active=active,
        neighbour=neighbour,
        admin=actor_for(session, admin),
        platform=actor_for(session, platform),
    )


def processes(page):
    return [(row.organization.split(" - ")[1], row.process.split(" - ")[0]) for row in page.rows]


# --- The list and its CSV -------------------------------------------------------------------------


def test_list_shows_the_seed_columns_of_the_own_si(session, world):
    page = list_subscriptions(session, actor=world.admin, query=SubscriptionQuery())
    assert processes(page) == [("Commune de Rochefourchat", "CERTDC"), ("Commune de Rochefourchat", "EtatCivil")]
    row = page.rows[1]
    assert (row.operator, row.process) == ("DILA", "EtatCivil - Demande d'acte d'état civil (AEC)")
    assert row.organization == f"{world.org.branch_code} - Commune de Rochefourchat"
    assert (row.datapass, row.access_mode, row.has_delegate, row.status) == (
        "10452",
        AccessMode.PORTAIL,
        False,
        SubscriptionStatus.ACTIF,
    )


def test_filters_by_operator_demarche_and_status(
    session,
    world,
):
    dgs = session.exec(sa.text("select id from operator where code = 'DGS'")).scalar_one()

    def listed(**filters):
        return processes(list_subscriptions(session, actor=world.admin, query=SubscriptionQuery(**filters)))

    assert listed(operator_id=dgs) == [("Commune de Rochefourchat", "CERTDC")]
    assert listed(process_id=world.active.process_id) == [("Commune de Rochefourchat", "EtatCivil")]
    assert listed(status=SubscriptionStatus.INACTIF) == [("Commune de Rochefourchat", "CERTDC")]


def test_platform_admin_sees_every_si_and_searches(session, world):
    everything = list_subscriptions(session, actor=world.platform, query=SubscriptionQuery())
    assert everything.total == 3
    found = list_subscriptions(session, actor=world.platform, query=SubscriptionQuery(search="voisine"))
    assert processes(found) == [("Commune voisine", "EtatCivil")]
    by_siret = list_subscriptions(session, actor=world.platform, query=SubscriptionQuery(search=world.org.siret))
    assert by_siret.total == 2


def test_consultation_reads_and_the_others_are_refused(session, world):
    reader = make_account(
        session,
        world.org,
        ActorType.AGENT,
        roles=frozenset({Role.SUBSCRIPTIONS_CONSULTATION}),
        habilitations=frozenset({world.active.process_id}),
    )
    reader = actor_for(session, reader)
    assert list_subscriptions(session, actor=reader, query=SubscriptionQuery()).total == 2
    view = subscription_view(session, actor=reader, subscription_id=world.active.id, now=NOW)
    assert not view.may_manage and not view.may_configure and "Gestion des abonnements" in view.read_only_reason
    with pytest.raises(Forbidden):
        activate_subscription(
            session, actor=reader, subscription_id=world.inactive.id, activation_date=PARIS_TODAY, now=NOW
        )
    agent = actor_for(session, make_account(session, world.org, habilitations=frozenset({world.active.process_id})))
    with pytest.raises(Forbidden):
        list_subscriptions(session, actor=agent, query=SubscriptionQuery())


def test_pages_come_from_the_server(session, world):
    for n in range(30):
        subscribe(session, make_organization(session, f"Commune {n:02d}"), "EtatCivil")
    page = list_subscriptions(session, actor=world.platform, query=SubscriptionQuery(), page=2, page_size=25)
    assert (page.total, page.page, page.page_count, len(page.rows)) == (33, 2, 2, 8)


def test_csv_has_exactly_the_nine_columns_and_french_dates(session, world):
    world.active.activation_date = date(2021, 10, 11)
    world.active.suspension_date = date(2026, 3, 11)
    world.active.technical_delegate_id = make_account(session, None, ActorType.DELEGUE_TECHNIQUE).id
    subscribe(session, make_organization(session, "Commune voisine 2"), "EtatCivil").datapass_number = "=1+1"
    text = "".join(export_subscriptions_csv(session, actor=world.platform, query=SubscriptionQuery()))
    assert text.startswith(BOM)
    lines = text[1:].split("\r\n")
    assert lines[0] == (
        "Opérateur;Démarche;Service instructeur;N° Datapass;Modalité d'accès;DT;Statut;Date d'activation;"
        "Date de suspension"
    )
    assert len(SUBSCRIPTION_CSV_HEADER) == 9
    assert (
        f"DILA;EtatCivil - Demande d'acte d'état civil (AEC);{world.org.branch_code} - Commune de Rochefourchat;"
        "10452;Portail;Oui;Actif;11/10/2021;11/03/2026"
    ) in lines
    assert (
        f"DGS;CERTDC - Certificat de décès électronique;{world.org.branch_code} - Commune de Rochefourchat;;;Non;Inactif;;"
        in lines
    )
    assert sum(";'=1+1;Portail;" in line for line in lines) == 1
    # The SI's own export holds only its subscriptions.
    own = "".join(export_subscriptions_csv(session, actor=world.admin, query=SubscriptionQuery()))
    assert len(own[1:].strip().split("\r\n")) == 3


def test_one_subscription_per_si_and_demarche_in_the_database(session, world):
    session.add(Subscription(organization_id=world.org.id, process_id=world.active.process_id))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


# --- Modality and API secret ----------------------------------------------------------------------


def test_modality_needs_confirmation_and_the_first_choice_freezes_nothing(session, world):
    with pytest.raises(InvalidInput) as error:
        choose_access_mode(
            session,
            actor=world.admin,
            subscription_id=world.inactive.id,
            access_mode=AccessMode.PORTAIL,
            confirmed=False,
            now=NOW,
        )
    assert error.value.field == "confirmed"
    credentials = choose_access_mode(
        session,
        actor=world.admin,
        subscription_id=world.inactive.id,
        access_mode=AccessMode.PORTAIL,
        confirmed=True,
        now=NOW,
    )
    assert credentials is None
    assert (world.inactive.access_mode, world.inactive.access_mode_changed_at, world.inactive.updated_at) == (
        AccessMode.PORTAIL,
        None,
        NOW,
    )


def test_switch_to_api_shows_a_secret_once_and_freezes_older_dossiers(session, world):
    credentials = choose_access_mode(
        session, actor=world.admin, subscription_id=world.active.id, access_mode=AccessMode.API, confirmed=True, now=NOW
    )
    subscription = world.active
    assert subscription.api_client_id == credentials.client_id and len(credentials.secret) >= 40
    assert credentials.secret not in (subscription.api_secret_hash or "")
    assert verify_client_secret(credentials.secret, subscription.api_secret_hash)
    assert subscription.access_mode_changed_at == NOW
    before = SimpleNamespace(
        organization_id=world.org.id,
        process_id=subscription.process_id,
        status=None,
        transmitted_at=NOW - timedelta(minutes=1),
    )
    after = SimpleNamespace(**{**before.__dict__, "transmitted_at": NOW + timedelta(minutes=1)})
    assert case_ref(before, subscription).read_only and not case_ref(after, subscription).read_only
    view = subscription_view(session, actor=world.admin, subscription_id=subscription.id, now=NOW)
    assert view.api_client_id == credentials.client_id and not hasattr(view, "secret")


def test_regeneration_invalidates_the_old_secret_and_its_tokens(session, world):
    first = choose_access_mode(
        session, actor=world.admin, subscription_id=world.active.id, access_mode=AccessMode.API, confirmed=True, now=NOW
    )
    token = ApiToken(
        token_hash="x" * 64,
        kind=ApiClientKind.SI,
        subscription_id=world.active.id,
        created_at=NOW,
        expires_at=NOW + timedelta(hours=1),
    )
    session.add(token)
    session.flush()
    later = NOW + timedelta(minutes=5)
    second = regenerate_api_secret(session, actor=world.admin, subscription_id=world.active.id, now=later)
    assert second.client_id == first.client_id and second.secret != first.secret
    assert verify_client_secret(second.secret, world.active.api_secret_hash)
    assert not verify_client_secret(first.secret, world.active.api_secret_hash)
    session.refresh(token)
    assert token.revoked_at == later
    assert world.active.api_secret_issued_at == later


def test_back_to_portail_drops_secret_editor_and_delegate(session, world):
    choose_access_mode(
        session, actor=world.admin, subscription_id=world.active.id, access_mode=AccessMode.API, confirmed=True, now=NOW
    )
    delegate = make_account(session, None, ActorType.DELEGUE_TECHNIQUE)
    settings = SubscriptionSettings(NotificationFrequency.AUCUNE, "", "Opale Informatique", delegate.id)
    update_subscription_settings(
        session, actor=world.admin, subscription_id=world.active.id, settings=settings, now=NOW
    )
    assert (world.active.editor_name, world.active.technical_delegate_id) == ("Opale Informatique", delegate.id)
    choose_access_mode(
        session,
        actor=world.admin,
        subscription_id=world.active.id,
        access_mode=AccessMode.PORTAIL,
        confirmed=True,
        now=NOW,
    )
    assert (world.active.api_secret_hash, world.active.editor_name, world.active.technical_delegate_id) == (None,) * 3
    with pytest.raises(Conflict):
        regenerate_api_secret(session, actor=world.admin, subscription_id=world.active.id, now=NOW)


def test_the_delegue_technique_manages_but_does_not_choose_the_modality(session, world):
    choose_access_mode(
        session, actor=world.admin, subscription_id=world.active.id, access_mode=AccessMode.API, confirmed=True, now=NOW
    )
    delegate = make_account(session, None, ActorType.DELEGUE_TECHNIQUE)
    update_subscription_settings(
        session,
        actor=world.admin,
        subscription_id=world.active.id,
        settings=SubscriptionSettings(NotificationFrequency.AUCUNE, None, None, delegate.id),
        now=NOW,
    )
    dt = actor_for(session, delegate)
    assert processes(list_subscriptions(session, actor=dt, query=SubscriptionQuery())) == [
        ("Commune de Rochefourchat", "EtatCivil")
    ]
    assert regenerate_api_secret(session, actor=dt, subscription_id=world.active.id, now=NOW).secret
    with pytest.raises(Forbidden):
        choose_access_mode(
            session, actor=dt, subscription_id=world.active.id, access_mode=AccessMode.PORTAIL, confirmed=True, now=NOW
        )


# --- Notifications and delegation -----------------------------------------------------------------


def test_notified_email_is_required_unless_aucune(session, world):
    sid = world.active.id
    with pytest.raises(InvalidInput) as error:
        update_subscription_settings(
            session,
            actor=world.admin,
            subscription_id=sid,
            settings=SubscriptionSettings(NotificationFrequency.QUOTIDIENNE, ""),
            now=NOW,
        )
    assert error.value.field == "notification_email"
    with pytest.raises(InvalidInput):
        update_subscription_settings(
            session,
            actor=world.admin,
            subscription_id=sid,
            settings=SubscriptionSettings(NotificationFrequency.UNITAIRE, "pas@"),
            now=NOW,
        )
    update_subscription_settings(
        session,
        actor=world.admin,
        subscription_id=sid,
        settings=SubscriptionSettings(NotificationFrequency.AUCUNE, " "),
        now=NOW,
    )
    assert (world.active.notification_frequency, world.active.notification_email) == (
        NotificationFrequency.AUCUNE,
        None,
    )
    update_subscription_settings(
        session,
        actor=world.admin,
        subscription_id=sid,
        settings=SubscriptionSettings(NotificationFrequency.BIQUOTIDIENNE, " Accueil@Mairie.test "),
        now=NOW,
    )
    assert world.active.notification_email == "accueil@mairie.test"


def test_editor_and_delegate_only_in_api_mode(session, world):
    delegate = make_account(session, None, ActorType.DELEGUE_TECHNIQUE)
    agent = make_account(session, world.org, habilitations=frozenset({world.active.process_id}))
    with pytest.raises(InvalidInput, match="modalité d'accès API"):
        update_subscription_settings(
            session,
            actor=world.admin,
            subscription_id=world.active.id,
            settings=SubscriptionSettings(NotificationFrequency.AUCUNE, "", "Opale"),
            now=NOW,
        )
    choose_access_mode(
        session, actor=world.admin, subscription_id=world.active.id, access_mode=AccessMode.API, confirmed=True, now=NOW
    )
    with pytest.raises(InvalidInput, match="délégué technique actif"):
        update_subscription_settings(
            session,
            actor=world.admin,
            subscription_id=world.active.id,
            settings=SubscriptionSettings(NotificationFrequency.AUCUNE, "", None, agent.id),
            now=NOW,
        )
    view = subscription_view(session, actor=world.admin, subscription_id=world.active.id, now=NOW)
    assert [i for i, _ in view.delegates] == [delegate.id]


# --- Activation and suspension --------------------------------------------------------------------


def ready(session, world):
    """The inactive subscription with its modality and notification address chosen."""
    sid = world.inactive.id
    choose_access_mode(
        session, actor=world.admin, subscription_id=sid, access_mode=AccessMode.PORTAIL, confirmed=True, now=NOW
    )
    update_subscription_settings(session, actor=world.admin, subscription_id=sid, settings=NOTIFY, now=NOW)
    return sid


def test_activation_needs_a_modality_and_a_date_from_today_in_paris(session, world):
    sid = world.inactive.id
    with pytest.raises(InvalidInput) as error:
        activate_subscription(session, actor=world.admin, subscription_id=sid, activation_date=PARIS_TODAY, now=NOW)
    assert error.value.field == "access_mode"
    ready(session, world)
    with pytest.raises(InvalidInput) as error:
        activate_subscription(
            session, actor=world.admin, subscription_id=sid, activation_date=date(2026, 3, 9), now=NOW
        )
    assert error.value.field == "activation_date"
    outcome = activate_subscription(
        session, actor=world.admin, subscription_id=sid, activation_date=PARIS_TODAY, now=NOW
    )
    assert outcome.effective_now and world.inactive.status is SubscriptionStatus.ACTIF
    assert (world.inactive.activated_at, world.inactive.activation_date) == (NOW, PARIS_TODAY)
    with pytest.raises(Conflict):
        activate_subscription(session, actor=world.admin, subscription_id=sid, activation_date=PARIS_TODAY, now=NOW)


def test_activation_warns_when_nobody_is_habilitated(session, world):
    sid = ready(session, world)
    outcome = activate_subscription(
        session, actor=world.admin, subscription_id=sid, activation_date=date(2026, 4, 1), now=NOW
    )
    assert outcome.warning == NO_HABILITATED_ACCOUNT
    make_account(session, world.org, habilitations=frozenset({world.inactive.process_id}))
    view = subscription_view(session, actor=world.admin, subscription_id=sid, now=NOW)
    assert view.warning is None


def test_a_later_activation_is_applied_by_the_scheduler_on_its_date(session, world):
    sid = ready(session, world)
    activate_subscription(session, actor=world.admin, subscription_id=sid, activation_date=date(2026, 3, 12), now=NOW)
    assert world.inactive.status is SubscriptionStatus.INACTIF
    assert apply_subscription_dates(session, now=datetime(2026, 3, 11, 22, 59, tzinfo=UTC)) == {
        "activated": 0,
        "suspended": 0,
    }
    midnight_paris = datetime(2026, 3, 11, 23, 0, tzinfo=UTC)
    assert apply_subscription_dates(session, now=midnight_paris) == {"activated": 1, "suspended": 0}
    assert (world.inactive.status, world.inactive.activated_at) == (SubscriptionStatus.ACTIF, midnight_paris)


def test_suspension_from_the_next_day_then_reactivation(session, world):
    sid = world.active.id
    world.active.notification_email = "etat-civil@mairie.test"
    assert suspend_subscription(session, actor=world.admin, subscription_id=sid, now=NOW) == date(2026, 3, 11)
    assert world.active.status is SubscriptionStatus.ACTIF
    with pytest.raises(Conflict, match="11/03/2026"):
        suspend_subscription(session, actor=world.admin, subscription_id=sid, now=NOW)
    next_day = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
    assert apply_subscription_dates(session, now=next_day) == {"activated": 0, "suspended": 1}
    assert world.active.status is SubscriptionStatus.SUSPENDU
    # Still suspended on later runs: its old activation date does not bring it back.
    assert apply_subscription_dates(session, now=next_day + timedelta(days=1)) == {"activated": 0, "suspended": 0}
    activate_subscription(
        session, actor=world.admin, subscription_id=sid, activation_date=date(2026, 3, 20), now=next_day
    )
    assert (world.active.status, world.active.suspension_date) == (SubscriptionStatus.SUSPENDU, None)
    assert apply_subscription_dates(session, now=datetime(2026, 3, 20, 6, 0, tzinfo=UTC))["activated"] == 1
    assert world.active.status is SubscriptionStatus.ACTIF


def test_every_change_is_audited_and_updates_mis_a_jour_le(session, world):
    sid = ready(session, world)
    later = NOW + timedelta(hours=1)
    activate_subscription(session, actor=world.admin, subscription_id=sid, activation_date=PARIS_TODAY, now=later)
    assert world.inactive.updated_at == later
    actions = session.exec(
        select(AuditEntry.action)
        .where(AuditEntry.target_type == "subscription", AuditEntry.target_id == str(sid))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["subscription.access_mode", "subscription.settings", "subscription.activate"]


def test_platform_admin_reads_but_does_not_manage(session, world):
    view = subscription_view(session, actor=world.platform, subscription_id=world.active.id, now=NOW)
    assert view.organization_siret == world.org.siret and not view.may_manage
    with pytest.raises(Forbidden):
        suspend_subscription(session, actor=world.platform, subscription_id=world.active.id, now=NOW)


def test_a_refused_subscription_cannot_be_changed(session, world):
    world.inactive.status = SubscriptionStatus.REFUSE
    session.flush()
    view = subscription_view(session, actor=world.admin, subscription_id=world.inactive.id, now=NOW)
    assert not view.may_manage and "refusé" in view.read_only_reason
    with pytest.raises(Conflict):
        choose_access_mode(
            session,
            actor=world.admin,
            subscription_id=world.inactive.id,
            access_mode=AccessMode.API,
            confirmed=True,
            now=NOW,
        )
