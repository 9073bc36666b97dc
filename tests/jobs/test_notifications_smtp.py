"""The notification and outbox jobs together against a real SMTP server on loopback: Unitaire within a minute
with the dossier number, digests without, a refusing server retried and each message sent once."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from core.db import session_scope
from core.mail import BATCH, queue_email
from core.models import JobOutcome, JobRun, NotificationFrequency, Operator
from core.services.folders import IncomingFile, IncomingFolder, Recipient, deliver_folder, process_by_code
from jobs import digest_notifications, outbox, unit_notifications
from tests.factories import make_organization, subscribe

T0 = datetime(2026, 5, 4, 8, 0, 5, tzinfo=UTC)  # 10:00:05 in Paris


def commune(db, frequency: NotificationFrequency, email: str):
    with session_scope(db) as s:
        organization = make_organization(s, "Commune de Frontignan")
        subscription = subscribe(s, organization, "EtatCivil")
        subscription.notification_frequency = frequency
        subscription.notification_email = email
        subscription.notified_until = T0 - timedelta(hours=12)
        return organization.siret


def deliver(db, siret: str, number: str, at: datetime, store) -> None:
    with session_scope(db) as s:
        process = process_by_code(s, "EtatCivil")
        deliver_folder(
            s,
            operator=s.get(Operator, process.operator_id),
            incoming=IncomingFolder(
                process_code="EtatCivil",
                external_id=number,
                applicant_first_name="Paul",
                applicant_last_name="Martin",
                recipients=(Recipient(siret, f"{number}-01"),),
                files=(IncomingFile("demande.xml", "Document principal", "application/xml", b"<demande/>"),),
            ),
            now=at,
            store=store,
        )


def runs(db, job_id: str) -> list[JobRun]:
    with session_scope(db) as s:
        return list(s.exec(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id)))


def test_unitaire_email_reaches_the_mail_server_within_a_minute_with_the_number(db, smtp, store):
    siret = commune(db, NotificationFrequency.UNITAIRE, "etat-civil@frontignan.test")
    deliver(db, siret, "EC000777", T0, store)

    # The jobs run every 20 seconds: the next runs after the delivery.
    for now in (T0 + timedelta(seconds=20), T0 + timedelta(seconds=40)):
        unit_notifications.run(now=now)
        outbox.run(now=now)

    (message,) = smtp.messages
    assert message["To"] == "etat-civil@frontignan.test"
    assert message["Subject"] == "HubEE Box : nouveau télédossier EC000777-01 (Demande d'acte d'état civil (AEC))"
    assert "Numéro du télédossier : EC000777-01" in message.get_content()
    assert [r.counts["new_dossiers"] for r in runs(db, "notifications_unitaires")] == [1, 0]
    assert [r.counts["sent"] for r in runs(db, "outbox")] == [1, 0]


def test_a_refusing_server_is_retried_and_the_message_sent_once(db, smtp, store):
    siret = commune(db, NotificationFrequency.UNITAIRE, "etat-civil@frontignan.test")
    deliver(db, siret, "EC000778", T0, store)
    smtp.replies = ["451 4.3.0 Mailbox temporarily unavailable", "421 4.3.2 Service not available"]

    unit_notifications.run(now=T0 + timedelta(seconds=20))
    for seconds in (20, 40, 60 + 20, 60 + 40, 180 + 20, 180 + 40):
        outbox.run(now=T0 + timedelta(seconds=seconds))

    assert len(smtp.messages) == 1 and "EC000778-01" in smtp.messages[0]["Subject"]
    outcomes = [(r.outcome, r.counts) for r in runs(db, "outbox")]
    assert [counts["retried"] for _, counts in outcomes] == [1, 0, 1, 0, 0, 0]
    assert [counts["sent"] for _, counts in outcomes] == [0, 0, 0, 0, 1, 0]
    assert {outcome for outcome, _ in outcomes} == {JobOutcome.SUCCESS}


def test_daily_digest_reaches_the_mail_server_without_dossier_numbers(db, smtp, store):
    siret = commune(db, NotificationFrequency.QUOTIDIENNE, "mairie@frontignan.test")
    for n in range(3):
        deliver(db, siret, f"EC00090{n}", T0 + timedelta(hours=1), store)
    tomorrow_8_in_paris = datetime(2026, 5, 5, 6, 0, 30, tzinfo=UTC)

    digest_notifications.run(now=tomorrow_8_in_paris)
    outbox.run(now=tomorrow_8_in_paris)
    digest_notifications.run(now=tomorrow_8_in_paris + timedelta(hours=1))
    outbox.run(now=tomorrow_8_in_paris + timedelta(hours=1))

    (message,) = smtp.messages
    assert message["Subject"] == "HubEE Box : 3 nouveaux télédossiers pour Commune de Frontignan"
    body = message.get_content()
    assert "Demande d'acte d'état civil (AEC) : 3 nouveaux" in body and "EC0009" not in body


def test_one_outbox_run_drains_a_digest_morning_burst(db, smtp):
    with session_scope(db) as s:
        for n in range(2 * BATCH + 10):
            queue_email(
                s,
                to=f"mairie{n}@burst.test",
                template="login_code",
                context={"full_name": "X", "code": "000000", "minutes": 10},
                now=T0,
            )
    outbox.run(now=T0)
    assert len(smtp.messages) == 2 * BATCH + 10
    assert runs(db, "outbox")[0].counts == {"sent": 2 * BATCH + 10, "retried": 0, "failed": 0}
