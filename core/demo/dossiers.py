"""The demo's télédossiers: delivered by their operators through `deliver_folder`, then worked on."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.demo import scenarios
from core.demo.documents import GENERATORS, coordonnees
from core.demo.lifecycle import Hand
from core.demo.subscriptions import EDITOR, SUBSCRIPTIONS, SubscriptionSpec
from core.demo.world import CommuneSpec
from core.models import AccessMode, Account, Case, CaseStatus, Folder, FolderStatus, Notification, Operator, Process
from core.permissions import Actor, CaseRef, may_change_case_status, may_view_case
from core.services.actors import actor_for
from core.services.folders import IncomingFolder, Recipient, deliver_folder
from core.storage import AttachmentStore

HISTORY_DAYS = 90
# Folders of JeChangeDeCoordonnees sent to several communes at once: (number of folders, recipients each).
SHARED_JCC = ((4, 2), (2, 3))
SOFTWARE_HAND = Hand(f"Logiciel d'état civil {EDITOR}")


@dataclass
class Channel:
    """A démarche as one commune receives it, and who works on it there."""

    spec: SubscriptionSpec
    subscription_id: int
    process: Process
    operator: Operator
    handlers: list[Hand]
    viewers: list[Hand]

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """When dossiers could arrive: the last 90 days, until the day before a suspension."""
        start = now - timedelta(days=HISTORY_DAYS)
        end = now - timedelta(minutes=30)
        if self.spec.suspended_days_ago is not None:
            end = now - timedelta(days=self.spec.suspended_days_ago + 1)
        return start, end


def _hands(actors: list[tuple[Account, Actor]], organization_id: int, process_id: int, rule) -> list[Hand]:
    """The accounts that `rule` (a core.permissions check) allows on this commune's dossiers of this démarche."""
    ref = CaseRef(organization_id=organization_id, process_id=process_id, status=CaseStatus.IN_PROGRESS)
    return [Hand(account.full_name, account.id) for account, actor in actors if rule(actor, ref)]


def build_channels(session: Session, subscriptions, accounts: list[Account]) -> list[Channel]:
    """Every subscription that received dossiers, with the accounts allowed to act on them."""
    actors = [(account, actor_for(session, account)) for account in accounts]
    channels = []
    for spec in SUBSCRIPTIONS:
        if not spec.receives:
            continue
        subscription = subscriptions[spec.commune.key, spec.process_code]
        process = session.get(Process, subscription.process_id)
        org_id = subscription.organization_id
        if spec.access_mode is AccessMode.API:
            handlers = viewers = [SOFTWARE_HAND]
        else:
            handlers = _hands(actors, org_id, process.id, may_change_case_status)
            viewers = _hands(actors, org_id, process.id, may_view_case)
        operator = session.get(Operator, process.operator_id)
        channels.append(Channel(spec, subscription.id, process, operator, handlers, viewers))
    return channels


def _sent_at(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A transmission instant: any day, more often in the daytime and evening, when people fill forms."""
    moment = start + (end - start) * rng.random()
    # Draw the same numbers whatever the hour, so that the world depends as little as possible on `now`.
    night_owl, shift = rng.random() < 0.2, timedelta(hours=rng.randint(7, 14))
    if moment.hour < 6 and not night_owl:
        moment += shift
    return min(moment, end)


class Numbers:
    """Unique dossier numbers in the portal's style (14 hex digits, then -01, -02… per recipient)."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def next(self) -> str:
        while (number := f"{self.rng.getrandbits(56):014X}") in self.used:
            pass
        self.used.add(number)
        return number


@dataclass(frozen=True)
class Delivery:
    channels: tuple[Channel, ...]  # the first is the main recipient
    sent_at: datetime


def plan_deliveries(rng: random.Random, channels: list[Channel], now: datetime) -> list[Delivery]:
    """Every folder to send, oldest first: each channel's volume, plus JCC folders to several communes."""
    deliveries = []
    for channel in channels:
        start, end = channel.window(now)
        deliveries += [Delivery((channel,), _sent_at(rng, start, end)) for _ in range(channel.spec.volume)]
    jcc = [c for c in channels if c.process.code == "JeChangeDeCoordonnees"]
    for count, size in SHARED_JCC:
        for _ in range(count):
            group = tuple(rng.sample(jcc, size))
            deliveries.append(Delivery(group, _sent_at(rng, *group[0].window(now))))
    return sorted(deliveries, key=lambda d: d.sent_at)


def deliver(session: Session, rng: random.Random, delivery: Delivery, number: str, communes: dict[str, CommuneSpec]):
    """Send one folder as its operator would; the cases created, in recipient order."""
    main, *others = delivery.channels
    commune = communes[main.spec.commune.key].commune
    if others:  # only JeChangeDeCoordonnees goes to several communes at once
        extra = tuple(communes[c.spec.commune.key].commune for c in others)
        dossier = coordonnees.build(rng, commune, delivery.sent_at, number, others=extra)
    else:
        dossier = GENERATORS[main.process.code](rng, commune, delivery.sent_at, number)
    recipients = tuple(
        Recipient(siret=communes[c.spec.commune.key].siret, case_external_id=f"{number}-{i:02d}")
        for i, c in enumerate(delivery.channels, start=1)
    )
    incoming = IncomingFolder(
        process_code=main.process.code,
        external_id=number,
        applicant_first_name=dossier.applicant.first_name,
        applicant_last_name=dossier.applicant.last_name,
        applicant_email=dossier.applicant_email,
        subject_name=dossier.subject_name,
        recipients=recipients,
        files=dossier.files,
    )
    folder = deliver_folder(session, operator=main.operator, incoming=incoming, now=delivery.sent_at)
    cases = session.exec(select(Case).where(Case.folder_id == folder.id).order_by(Case.external_id)).all()
    return folder, cases


def work_on(
    session: Session,
    rng: random.Random,
    case: Case,
    channel: Channel,
    *,
    now: datetime,
    store: AttachmentStore,
    forced: str | None = None,
) -> None:
    """Play what happened to the case since it arrived."""
    age_days = (now - case.transmitted_at).total_seconds() / 86400
    target = forced or scenarios.pick_target(rng, age_days, channel.process.allows_complement)
    if channel.spec.access_mode is AccessMode.API:
        steps = scenarios.software_plan(rng, target)
    else:
        steps = scenarios.portal_plan(rng, target, channel.process.allows_complement)
    if not steps or not channel.handlers:
        return
    stage = scenarios.Stage(
        case=case,
        process=channel.process,
        operator=channel.operator,
        handler=rng.choice(channel.handlers),
        viewer=rng.choice(channel.viewers or channel.handlers),
        store=store,
    )
    times = scenarios.step_times(rng, case.transmitted_at, now - timedelta(minutes=1), len(steps))
    scenarios.play(session, rng, stage, steps, times)


def settle_folder(session: Session, folder: Folder, cases: list[Case], channels: tuple[Channel, ...]) -> None:
    """Close a folder whose every case is closed, and drop API notifications the software already took."""
    folder.updated_at = max(c.updated_at for c in cases)
    if all(c.status is CaseStatus.CLOSED for c in cases):
        folder.status = FolderStatus.CLOSED
        folder.closed_at = max(c.closed_at for c in cases)
    for case, channel in zip(cases, channels, strict=True):
        if channel.spec.access_mode is AccessMode.API and case.status is not CaseStatus.HUBEE_NOTIFIED:
            for notification in session.exec(select(Notification).where(Notification.case_id == case.id)):
                session.delete(notification)


def deliver_all(session: Session, rng: random.Random, channels: list[Channel], communes, *, now, store) -> None:
    """Every demo dossier, delivered by its operator then worked on by the commune."""
    numbers = Numbers(rng)
    errors_left = ["error", "error", "recovered"]  # a few integration errors on the API subscription
    for delivery in plan_deliveries(rng, channels, now):
        folder, cases = deliver(session, rng, delivery, numbers.next(), communes)
        for case, channel in zip(cases, delivery.channels, strict=True):
            api = channel.spec.access_mode is AccessMode.API
            old_enough = now - case.transmitted_at > timedelta(days=3)
            forced = errors_left.pop() if api and errors_left and old_enough else None
            work_on(session, rng, case, channel, now=now, store=store, forced=forced)
        settle_folder(session, folder, cases, delivery.channels)
