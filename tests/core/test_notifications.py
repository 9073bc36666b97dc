"""Email notifications per subscription frequency, with a frozen clock: Unitaire, Quotidienne, Biquotidienne,
Aucune; nothing twice, nothing missed across runs, API-mode subscriptions left to their queue."""

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from core.config import get_settings
from core.errors import InvalidInput
from core.models import (
    AccessMode,
    Case,
    CaseStatus,
    Event,
    EventAction,
    EventStatus,
    Notification,
    NotificationFrequency,
    Operator,
    OutboxEmail,
    PartyKind,
)
from core.services.folders import IncomingFile, IncomingFolder, Recipient, deliver_folder, process_by_code
from core.services.notifications import (
    SETTLE,
    latest_slot,
    parse_times,
    send_digests,
    send_unit_notifications,
)
from tests.factories import make_organization, subscribe

PARIS = ZoneInfo("Europe/Paris")
# Monday 4 May 2026, 10:00 in Paris.
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
_numbers = itertools.count(1)
F = NotificationFrequency


def paris(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, second, tzinfo=PARIS).astimezone(UTC)


def portal_subscription(
    session, organization, process_code="EtatCivil", *, frequency=F.UNITAIRE, email="mairie@a.test"
):
    subscription = subscribe(session, organization, process_code)
    subscription.notification_frequency = frequency
    subscription.notification_email = email
    subscription.notified_until = T0 - timedelta(days=1)
    session.flush()
    return subscription


def deliver(session, organization, *, at: datetime, process_code="EtatCivil", store=None):
    n = next(_numbers)
    process = process_by_code(session, process_code)
    folder = deliver_folder(
        session,
        operator=session.get(Operator, process.operator_id),
        incoming=IncomingFolder(
            process_code=process_code,
            external_id=f"NOTIF{n:08d}",
            applicant_first_name="Marie",
            applicant_last_name="Durand",
            recipients=(Recipient(organization.siret, f"NOTIF{n:08d}-01"),),
            files=(IncomingFile("demande.xml", "Document principal", "application/xml", b"<demande/>"),),
        ),
        now=at,
        store=store,
    )
    return folder.external_id + "-01"


def case_event(session, number: str, *, at: datetime, action=EventAction.STATUS_UPDATE, after=None, kind=PartyKind.OSL):
    case = session.exec(select(Case).where(Case.external_id == number)).one()
    session.add(
        Event(
            case_id=case.id,
            action_type=action,
            transmitter_kind=kind,
            author="DILA",
            case_status_before=case.status,
            case_status_after=after or case.status,
            status=EventStatus.SENT,
            notify=True,
            created_at=at,
            updated_at=at,
        )
    )
    if after:
        case.status = after
    session.flush()


def emails(session, template: str | None = None) -> list[OutboxEmail]:
    query = select(OutboxEmail).order_by(OutboxEmail.id)
    if template:
        query = query.where(OutboxEmail.template == template)
    return list(session.exec(query))


# --- Unitaire ----------------------------------------------------------------------------------------------


def test_unitaire_one_email_per_new_dossier_with_its_number_then_never_again(session, store):
    organization = make_organization(session, "Commune de Lunel")
    subscription = portal_subscription(session, organization, email="etat-civil@lunel.test")
    first, second = (
        deliver(session, organization, at=T0, store=store),
        deliver(session, organization, at=T0, store=store),
    )

    report = send_unit_notifications(session, now=T0 + timedelta(seconds=20))

    assert (report.emails, report.new_dossiers, report.modified_dossiers) == (2, 2, 0)
    sent = emails(session, "notification_new_case")
    assert [m.to_address for m in sent] == ["etat-civil@lunel.test"] * 2
    assert {m.subject for m in sent} == {
        f"HubEE Box : nouveau télédossier {n} (Demande d'acte d'état civil (AEC))" for n in (first, second)
    }
    assert "Commune de Lunel" in sent[0].body_text and "/teledossiers" in sent[0].body_text
    assert "04/05/2026 à 10:00" in sent[0].body_text  # Paris time
    assert subscription.notified_until == T0 + timedelta(seconds=20) - SETTLE
    assert send_unit_notifications(session, now=T0 + timedelta(minutes=5)).emails == 0
    assert len(emails(session)) == 2


def test_unitaire_waits_until_a_delivery_cannot_still_be_uncommitted(session, store):
    organization = make_organization(session)
    portal_subscription(session, organization)
    number = deliver(session, organization, at=T0, store=store)
    assert send_unit_notifications(session, now=T0 + SETTLE - timedelta(seconds=1)).emails == 0
    assert send_unit_notifications(session, now=T0 + SETTLE).emails == 1
    assert number in emails(session)[0].subject


def test_a_dossier_stamped_before_a_run_but_committed_after_it_is_not_missed(session, store):
    """A delivery whose transaction commits a few seconds after its timestamp is still within the window."""
    organization = make_organization(session)
    portal_subscription(session, organization)
    assert send_unit_notifications(session, now=T0 + timedelta(seconds=5)).emails == 0
    deliver(session, organization, at=T0, store=store)  # stamped T0, visible only now
    assert send_unit_notifications(session, now=T0 + timedelta(seconds=25)).emails == 1


def test_unitaire_modified_dossier_by_usager_complement_or_operator_event(session, store):
    organization = make_organization(session)
    portal_subscription(session, organization)
    complemented, closed = (
        deliver(session, organization, at=T0, store=store),
        deliver(session, organization, at=T0, store=store),
    )
    send_unit_notifications(session, now=T0 + timedelta(minutes=1))
    later = T0 + timedelta(hours=2)
    case_event(session, complemented, at=later, action=EventAction.SENDING_MESSAGE)
    case_event(session, complemented, at=later, after=CaseStatus.HUBEE_NOTIFIED)
    case_event(session, closed, at=later, after=CaseStatus.CLOSED)
    # Events of the commune itself are not news for the commune.
    case_event(session, closed, at=later, action=EventAction.COM_ADD, kind=PartyKind.SI)

    report = send_unit_notifications(session, now=later + timedelta(minutes=1))

    assert (report.emails, report.new_dossiers, report.modified_dossiers) == (2, 0, 2)
    updates = {m.subject: m.body_text for m in emails(session, "notification_updated_case")}
    complement_body = updates[f"HubEE Box : télédossier {complemented} mis à jour (Demande d'acte d'état civil (AEC))"]
    assert "revenu au statut « Nouveau »" in complement_body
    assert (
        "clos le télédossier"
        in updates[f"HubEE Box : télédossier {closed} mis à jour (Demande d'acte d'état civil (AEC))"]
    )
    assert send_unit_notifications(session, now=later + timedelta(minutes=2)).emails == 0


def test_a_new_dossier_with_an_event_in_the_same_window_gets_one_email(session, store):
    organization = make_organization(session)
    portal_subscription(session, organization)
    number = deliver(session, organization, at=T0, store=store)
    case_event(session, number, at=T0 + timedelta(seconds=2), action=EventAction.SENDING_MESSAGE)
    report = send_unit_notifications(session, now=T0 + timedelta(minutes=1))
    assert (report.new_dossiers, report.modified_dossiers) == (1, 0)


def test_incomplete_file_deposit_is_not_news_yet(session, store):
    organization = make_organization(session)
    portal_subscription(session, organization)
    number = deliver(session, organization, at=T0, store=store)
    send_unit_notifications(session, now=T0 + timedelta(minutes=1))
    case_event(session, number, at=T0 + timedelta(hours=1), action=EventAction.ATTACH_DEPOSIT)
    deposit = session.exec(select(Event).where(Event.action_type == EventAction.ATTACH_DEPOSIT)).one()
    deposit.notify = False  # its files are still being uploaded
    session.flush()
    assert send_unit_notifications(session, now=T0 + timedelta(hours=1, minutes=1)).emails == 0


def test_aucune_api_mode_and_no_address_send_nothing(session, store):
    silent = make_organization(session)
    portal_subscription(session, silent, frequency=F.AUCUNE)
    api = make_organization(session)
    api_subscription = portal_subscription(session, api)
    api_subscription.access_mode = AccessMode.API
    nobody = make_organization(session)
    portal_subscription(session, nobody, email=None)
    for organization in (silent, api, nobody):
        deliver(session, organization, at=T0, store=store)

    assert send_unit_notifications(session, now=T0 + timedelta(minutes=1)).emails == 0
    assert send_digests(session, now=paris(5, 13, 1)).emails == 0
    assert emails(session) == []
    # The API subscription's software hears of it through its queue instead.
    assert session.exec(select(Notification).where(Notification.subscription_id == api_subscription.id)).all()


def test_switching_from_aucune_to_unitaire_announces_only_what_comes_next(session, store):
    organization = make_organization(session)
    subscription = portal_subscription(session, organization, frequency=F.AUCUNE)
    deliver(session, organization, at=T0, store=store)
    send_unit_notifications(session, now=T0 + timedelta(minutes=1))
    subscription.notification_frequency = F.UNITAIRE
    later = deliver(session, organization, at=T0 + timedelta(hours=1), store=store)
    assert send_unit_notifications(session, now=T0 + timedelta(hours=1, minutes=1)).emails == 1
    assert later in emails(session)[0].subject


def test_dossiers_received_in_api_mode_are_not_emailed_after_a_switch_to_portail(session, store):
    organization = make_organization(session)
    subscription = portal_subscription(session, organization)
    subscription.access_mode = AccessMode.API
    subscription.notified_until = None
    session.flush()
    deliver(session, organization, at=T0, store=store)
    subscription.access_mode = AccessMode.PORTAIL
    subscription.access_mode_changed_at = T0 + timedelta(hours=1)
    after_switch = deliver(session, organization, at=T0 + timedelta(hours=2), store=store)
    assert send_unit_notifications(session, now=T0 + timedelta(hours=3)).emails == 1
    assert after_switch in emails(session)[0].subject


# --- Digests -----------------------------------------------------------------------------------------------


def test_quotidienne_one_digest_a_day_counting_per_demarche_without_numbers(session, store):
    organization = make_organization(session, "Commune de Sète")
    portal_subscription(session, organization, "EtatCivil", frequency=F.QUOTIDIENNE, email="Accueil@sete.test")
    portal_subscription(session, organization, "recensementCitoyen", frequency=F.QUOTIDIENNE, email="accueil@sete.test")
    numbers = [deliver(session, organization, at=paris(4, 14), store=store) for _ in range(3)]
    numbers.append(deliver(session, organization, at=paris(4, 15), process_code="recensementCitoyen", store=store))

    assert send_digests(session, now=paris(5, 7, 59)).emails == 0  # the digest of the 4th was at 08:00 that day
    report = send_digests(session, now=paris(5, 8, 0, 30))

    assert (report.emails, report.subscriptions, report.new_dossiers) == (1, 2, 4)
    (digest,) = emails(session, "notification_digest")
    assert digest.subject == "HubEE Box : 4 nouveaux télédossiers pour Commune de Sète"
    assert "  - Demande d'acte d'état civil (AEC) : 3 nouveaux" in digest.body_text
    assert "  - Recensement citoyen obligatoire (RCO) : 1 nouveau" in digest.body_text
    assert "jusqu'au 05/05/2026 à 08:00" in digest.body_text and "/teledossiers" in digest.body_text
    assert not any(n in digest.subject + digest.body_text for n in numbers)
    assert send_digests(session, now=paris(5, 12)).emails == 0
    deliver(session, organization, at=paris(5, 9), store=store)
    assert send_digests(session, now=paris(5, 23)).emails == 0  # next one tomorrow 08:00
    assert send_digests(session, now=paris(6, 8, 1)).new_dossiers == 1


def test_biquotidienne_at_eight_and_one(session, store):
    organization = make_organization(session)
    portal_subscription(session, organization, frequency=F.BIQUOTIDIENNE)
    deliver(session, organization, at=paris(5, 7), store=store)
    assert send_digests(session, now=paris(5, 8, 1)).new_dossiers == 1
    deliver(session, organization, at=paris(5, 12, 59, 50), store=store)
    assert send_digests(session, now=paris(5, 12, 59, 59)).emails == 0
    assert send_digests(session, now=paris(5, 13, 0, 30)).new_dossiers == 1
    assert len(emails(session, "notification_digest")) == 2


def test_a_digest_missed_while_the_box_was_down_is_sent_late_and_once(session, store):
    organization = make_organization(session)
    portal_subscription(session, organization, frequency=F.QUOTIDIENNE)
    deliver(session, organization, at=paris(4, 16), store=store)
    assert send_digests(session, now=paris(5, 11, 42)).emails == 1
    assert send_digests(session, now=paris(5, 11, 43)).emails == 0


def test_digest_per_address_and_modified_dossiers_counted(session, store):
    organization = make_organization(session, "Commune de Mèze")
    portal_subscription(session, organization, "EtatCivil", frequency=F.QUOTIDIENNE, email="ec@meze.test")
    portal_subscription(session, organization, "depotDossierPACS", frequency=F.QUOTIDIENNE, email="pacs@meze.test")
    old = deliver(session, organization, at=paris(3, 11), store=store)
    assert send_digests(session, now=paris(4, 8, 1)).emails == 1
    case_event(session, old, at=paris(4, 10), after=CaseStatus.HUBEE_NOTIFIED)
    deliver(session, organization, at=paris(4, 11), process_code="depotDossierPACS", store=store)

    report = send_digests(session, now=paris(5, 8, 1))

    assert (report.emails, report.new_dossiers, report.modified_dossiers) == (2, 1, 1)
    by_address = {m.to_address: m for m in emails(session, "notification_digest")[1:]}
    assert by_address["ec@meze.test"].subject == "HubEE Box : 1 télédossier mis à jour pour Commune de Mèze"
    assert "Demande d'acte d'état civil (AEC) : 1 mis à jour" in by_address["ec@meze.test"].body_text
    assert by_address["pacs@meze.test"].subject == "HubEE Box : 1 nouveau télédossier pour Commune de Mèze"


def test_digest_cursor_is_the_slot_and_unitaire_does_not_move_it(session, store):
    organization = make_organization(session)
    subscription = portal_subscription(session, organization, frequency=F.QUOTIDIENNE)
    send_unit_notifications(session, now=paris(5, 9))
    assert subscription.notified_until == T0 - timedelta(days=1)
    send_digests(session, now=paris(5, 9))
    assert subscription.notified_until == paris(5, 8)


def test_digest_times_come_from_the_settings(session, store):
    organization = make_organization(session)
    portal_subscription(session, organization, frequency=F.QUOTIDIENNE)
    deliver(session, organization, at=paris(4, 16), store=store)
    settings = get_settings().model_copy(update={"notification_daily_time": "18:30"})
    assert send_digests(session, now=paris(4, 18, 29), settings=settings).emails == 0
    assert send_digests(session, now=paris(4, 18, 31), settings=settings).emails == 1


# --- Times ------------------------------------------------------------------------------------------------


def test_latest_slot_in_paris_time_across_days_and_daylight_saving():
    times = (time(8), time(13))
    assert latest_slot(times, paris(5, 9), PARIS) == paris(5, 8)
    assert latest_slot(times, paris(5, 7), PARIS) == paris(4, 13)
    # 29 March 2026: Paris moves from UTC+1 to UTC+2 at 02:00.
    assert latest_slot((time(8),), datetime(2026, 3, 29, 6, 30, tzinfo=UTC), PARIS) == datetime(
        2026, 3, 29, 6, 0, tzinfo=UTC
    )
    assert latest_slot((time(8),), datetime(2026, 3, 28, 7, 30, tzinfo=UTC), PARIS) == datetime(
        2026, 3, 28, 7, 0, tzinfo=UTC
    )


def test_times_setting_is_checked_with_a_french_message():
    assert parse_times(" 13:00,08:00 ", setting="X", count=2) == (time(8), time(13))
    for bad in ("8h", "08:00", "08:00,08:00", "25:00,13:00", ""):
        with pytest.raises(InvalidInput, match="HUBEE_NOTIFICATION_TWICE_DAILY_TIMES doit contenir 2 heure"):
            parse_times(bad, setting="HUBEE_NOTIFICATION_TWICE_DAILY_TIMES", count=2)
