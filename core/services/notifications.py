"""Email notifications of a Portail-mode subscription at its frequency (SPEC §5, seed 001).

Unitaire: one email per new or modified dossier, with its number. Quotidienne / Biquotidienne: a digest at
fixed Paris times counting new and modified dossiers per démarche, without any number (as HubEE does).
Aucune: nothing. API-mode subscriptions get queue rows instead (core/services/folders.py).

`Subscription.notified_until` is the cursor: a run covers (cursor, end] and moves the cursor to `end` in the
same transaction as the queued emails, so a restart neither repeats nor misses anything. `end` stays SETTLE
behind `now`: a delivery stamped just before `now` may not be committed yet, and must not fall behind the cursor.
"""

from collections import defaultdict
from dataclasses import astuple, dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from core.config import Settings, get_settings
from core.errors import InvalidInput
from core.mail import queue_email
from core.models import (
    AccessMode,
    Case,
    CaseStatus,
    Event,
    EventAction,
    NotificationFrequency,
    Organization,
    PartyKind,
    Process,
    Subscription,
)

SETTLE = timedelta(seconds=15)
CHUNK = 500
F = NotificationFrequency


@dataclass(frozen=True)
class UnitReport:
    emails: int = 0
    new_dossiers: int = 0
    modified_dossiers: int = 0


@dataclass(frozen=True)
class DigestReport:
    emails: int = 0
    subscriptions: int = 0
    new_dossiers: int = 0
    modified_dossiers: int = 0


# --- Which rows a subscription's window holds ------------------------------------------------------------


def _emailed(frequency: NotificationFrequency):
    return sa.and_(
        Subscription.access_mode == AccessMode.PORTAIL,
        Subscription.notification_frequency == frequency,
        sa.func.coalesce(Subscription.notification_email, "") != "",
    )


def _in_window(column, end: datetime):
    """After the subscription's cursor, not before its switch to Portail (earlier ones went to the API), up to end."""
    return sa.and_(
        sa.or_(Subscription.notified_until.is_(None), column > Subscription.notified_until),
        sa.or_(Subscription.access_mode_changed_at.is_(None), column >= Subscription.access_mode_changed_at),
        column <= end,
    )


def _case_of_subscription():
    # The organization clause is implied, but lets the database walk the (organization, transmitted_at) index.
    return sa.and_(Case.subscription_id == Subscription.id, Case.organization_id == Subscription.organization_id)


def _operator_event(end: datetime):
    """What makes a dossier "modified": the usager's complement or any other event from the operator.

    A file deposit counts once its files are all there (`notify` is then set); a complement also writes the
    return to Nouveau as its own event.
    """
    return sa.and_(
        Event.case_id == Case.id,
        Event.transmitter_kind == PartyKind.OSL,
        Event.action_type != EventAction.TRANSMISSION,
        sa.or_(Event.action_type != EventAction.ATTACH_DEPOSIT, Event.notify.is_(True)),
        _in_window(Event.created_at, end),
    )


def _advance(session: Session, ids: list[int], end: datetime) -> None:
    for start in range(0, len(ids), CHUNK):
        session.exec(
            sa.update(Subscription).where(Subscription.id.in_(ids[start : start + CHUNK])).values(notified_until=end)
        )


def _paris(moment: datetime) -> str:
    return f"{moment.astimezone(get_settings().zone):%d/%m/%Y à %H:%M}"


# --- Unitaire ---------------------------------------------------------------------------------------------

UPDATE_REASONS = {
    EventAction.ATTACH_DEPOSIT: "un nouveau fichier de l'usager a été transmis par l'opérateur",
    EventAction.SENDING_MESSAGE: "un message de l'usager a été transmis par l'opérateur",
}


def _update_reason(event: Event) -> str:
    if event.action_type is EventAction.STATUS_UPDATE and event.case_status_after is CaseStatus.CLOSED:
        return "l'opérateur a clos le télédossier"
    if event.action_type is EventAction.STATUS_UPDATE and event.case_status_after is CaseStatus.HUBEE_NOTIFIED:
        return "l'usager a envoyé un complément ou une modification : le télédossier est revenu au statut « Nouveau »"
    return UPDATE_REASONS.get(event.action_type, "l'opérateur a ajouté un événement")


def _unit_rows(session: Session, end: datetime, *, modified: bool):
    query = (
        select(Case, Subscription.notification_email, Process.label, Organization.name)
        .join(Subscription, _case_of_subscription())
        .join(Process, Process.id == Case.process_id)
        .join(Organization, Organization.id == Case.organization_id)
        .where(_emailed(F.UNITAIRE))
    )
    if not modified:
        return session.exec(query.where(_in_window(Case.transmitted_at, end)).order_by(Case.transmitted_at)).all()
    query = query.add_columns(Event).join(Event, _operator_event(end))
    return session.exec(query.order_by(Event.created_at)).all()


def send_unit_notifications(session: Session, *, now: datetime) -> UnitReport:
    """Queue one email per new or modified dossier of the Unitaire subscriptions, then move every cursor."""
    end = now - SETTLE
    new_cases = _unit_rows(session, end, modified=False)
    for case, address, label, organization in new_cases:
        context = {"number": case.external_id, "process": label, "organization": organization}
        context["when"] = _paris(case.transmitted_at)
        queue_email(session, to=address, template="notification_new_case", context=context, now=now)
    announced = {case.id for case, *_ in new_cases}
    latest: dict = {}
    for row in _unit_rows(session, end, modified=True):
        case, event = row[0], row[4]
        # The latest event tells what happened; at the same instant, the status change (e.g. back to Nouveau).
        rank = (event.created_at, event.action_type is EventAction.STATUS_UPDATE)
        if case.id not in announced and (case.id not in latest or rank >= latest[case.id][0]):
            latest[case.id] = (rank, row)
    for _, (case, address, label, organization, event) in latest.values():
        context = {"number": case.external_id, "process": label, "organization": organization}
        context |= {"reason": _update_reason(event), "when": _paris(event.created_at)}
        queue_email(session, to=address, template="notification_updated_case", context=context, now=now)
    _advance_silent_cursors(session, end)
    return UnitReport(len(new_cases) + len(latest), len(new_cases), len(latest))


def _advance_silent_cursors(session: Session, end: datetime) -> None:
    # Unitaire ones are done up to `end`; Aucune (or no address) ones too, so that switching them to another
    # frequency later announces what comes next, not their whole past.
    silent = sa.or_(
        Subscription.notification_frequency == F.AUCUNE,
        sa.func.coalesce(Subscription.notification_email, "") == "",
    )
    session.exec(
        sa.update(Subscription)
        .where(
            Subscription.access_mode == AccessMode.PORTAIL,
            sa.or_(_emailed(F.UNITAIRE), silent),
            sa.or_(Subscription.notified_until.is_(None), Subscription.notified_until < end),
        )
        .values(notified_until=end)
    )


# --- Digests ----------------------------------------------------------------------------------------------


def parse_times(text: str, *, setting: str, count: int) -> tuple[time, ...]:
    """'08:00,13:00' as times; a French error naming the setting when it is not `count` distinct HH:MM."""
    try:
        times = tuple(sorted({time.fromisoformat(part.strip()) for part in text.split(",") if part.strip()}))
    except ValueError:
        times = ()
    if len(times) != count or any(t.second or t.microsecond for t in times):
        raise InvalidInput(
            f"Le réglage {setting} doit contenir {count} heure(s) distincte(s) au format HH:MM "
            f"séparées par des virgules (valeur actuelle : « {text} »).",
            field=setting,
        )
    return times


def digest_times(settings: Settings | None = None) -> dict[NotificationFrequency, tuple[time, ...]]:
    """The Paris times of the Quotidienne and Biquotidienne digests, from the settings."""
    settings = settings or get_settings()
    return {
        F.QUOTIDIENNE: parse_times(settings.notification_daily_time, setting="HUBEE_NOTIFICATION_DAILY_TIME", count=1),
        F.BIQUOTIDIENNE: parse_times(
            settings.notification_twice_daily_times, setting="HUBEE_NOTIFICATION_TWICE_DAILY_TIMES", count=2
        ),
    }


def latest_slot(times: tuple[time, ...], end: datetime, zone) -> datetime:
    """The last digest time (Paris) at or before `end`, in UTC."""
    local = end.astimezone(zone)
    candidates = [
        datetime.combine(local.date() - timedelta(days=days), at, tzinfo=zone) for days in (0, 1) for at in times
    ]
    return max(c for c in candidates if c <= end).astimezone(UTC)


@dataclass
class _Line:
    label: str
    new: int = 0
    modified: int = 0


def _digest_counts(session: Session, due, slot: datetime) -> dict[int, tuple[int, int]]:
    new = session.exec(
        select(Subscription.id, sa.func.count(Case.id))
        .join(Case, sa.and_(_case_of_subscription(), _in_window(Case.transmitted_at, slot)))
        .where(due)
        .group_by(Subscription.id)
    ).all()
    modified = session.exec(
        select(Subscription.id, sa.func.count(sa.distinct(Case.id)))
        .join(Case, sa.and_(_case_of_subscription(), sa.not_(_in_window(Case.transmitted_at, slot))))
        .join(Event, _operator_event(slot))
        .where(due)
        .group_by(Subscription.id)
    ).all()
    counts: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for subscription_id, n in new:
        counts[subscription_id] = (n, counts[subscription_id][1])
    for subscription_id, n in modified:
        counts[subscription_id] = (counts[subscription_id][0], n)
    return counts


def _mailboxes(subscriptions, counts) -> dict[tuple[int, str], tuple[str, str, list[_Line]]]:
    """One digest per SI and notified address (case-insensitive), one line per démarche with news."""
    mailboxes: dict[tuple[int, str], tuple[str, str, list[_Line]]] = {}
    for subscription_id, organization_id, address, label, organization in subscriptions:
        new, modified = counts.get(subscription_id, (0, 0))
        if new or modified:
            key = (organization_id, address.strip().lower())
            mailboxes.setdefault(key, (address.strip(), organization, []))[2].append(_Line(label, new, modified))
    return mailboxes


def _digest_frequency(
    session: Session, frequency: NotificationFrequency, slot: datetime, now: datetime
) -> DigestReport:
    due = sa.and_(
        _emailed(frequency), sa.or_(Subscription.notified_until.is_(None), Subscription.notified_until < slot)
    )
    subscriptions = session.exec(
        select(
            Subscription.id,
            Subscription.organization_id,
            Subscription.notification_email,
            Process.label,
            Organization.name,
        )
        .join(Process, Process.id == Subscription.process_id)
        .join(Organization, Organization.id == Subscription.organization_id)
        .where(due)
        .order_by(Organization.name, Process.label)
    ).all()
    mailboxes = _mailboxes(subscriptions, _digest_counts(session, due, slot))
    for address, organization, lines in mailboxes.values():
        queue_email(
            session,
            to=address,
            template="notification_digest",
            context=_digest_context(frequency, slot, organization, lines),
            now=now,
        )
    _advance(session, [row[0] for row in subscriptions], slot)
    return DigestReport(
        emails=len(mailboxes),
        subscriptions=len(subscriptions),
        new_dossiers=sum(line.new for *_, lines in mailboxes.values() for line in lines),
        modified_dossiers=sum(line.modified for *_, lines in mailboxes.values() for line in lines),
    )


def _count_words(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n < 2 else plural}"


def _digest_context(frequency: NotificationFrequency, slot: datetime, organization: str, lines: list[_Line]) -> dict:
    new, modified = sum(line.new for line in lines), sum(line.modified for line in lines)
    parts = [_count_words(new, "nouveau télédossier", "nouveaux télédossiers")] if new else []
    parts += [_count_words(modified, "télédossier mis à jour", "télédossiers mis à jour")] if modified else []
    rendered = []
    for line in lines:
        figures = [_count_words(line.new, "nouveau", "nouveaux")] if line.new else []
        figures += [_count_words(line.modified, "mis à jour", "mis à jour")] if line.modified else []
        rendered.append(f"  - {line.label} : {', '.join(figures)}")
    return {
        "summary": " et ".join(parts),
        "organization": organization,
        "until": _paris(slot),
        "lines": "\n".join(rendered),
        "frequency": "quotidien" if frequency is F.QUOTIDIENNE else "biquotidien",
    }


def send_digests(session: Session, *, now: datetime, settings: Settings | None = None) -> DigestReport:
    """Queue the Quotidienne and Biquotidienne digests whose time has come, one per SI and notified address."""
    settings = settings or get_settings()
    end = now - SETTLE
    total = DigestReport()
    for frequency, times in digest_times(settings).items():
        report = _digest_frequency(session, frequency, latest_slot(times, end, settings.zone), now)
        total = DigestReport(*(a + b for a, b in zip(astuple(total), astuple(report), strict=True)))
    return total
