"""Data retention with a frozen clock: what a purge removes (files, when no one else uses them) and what it keeps."""

from datetime import timedelta

import pytest
from sqlmodel import select

from core.config import get_settings
from core.models import Attachment, Case, CaseStatus, Event, EventAction, PartyKind
from core.services.case_actions import case_attachments
from core.services.case_files import attachment_for_download, send_file_to_usager
from core.services.dossier_view import dossier_view
from core.services.folders import IncomingFile
from core.services.retention import RetentionReport, purge_closed_attachments, retention_limit
from tests.core.test_case_actions import NOW, PDF, World

YEAR_AND_A_DAY = timedelta(days=366)


@pytest.fixture
def world(session, store):
    return World(session, store)


def close(world: World, case: Case, ago: timedelta | None) -> Case:
    case.status, case.closed_at = CaseStatus.CLOSED, (NOW - ago if ago is not None else None)
    world.session.flush()
    return case


def files_of(world: World, case: Case) -> list[Attachment]:
    return case_attachments(world.session, case)


def unique_files(tag: str) -> tuple[IncomingFile, ...]:
    return (IncomingFile(f"{tag}.pdf", "Pièce justificative", "application/pdf", PDF + tag.encode()),)


def test_the_limit_is_the_same_day_twelve_months_earlier_by_default():
    assert get_settings().retention_months == 12
    assert retention_limit(NOW) == NOW.replace(year=2025)


def test_old_closed_dossier_loses_its_files_but_keeps_rows_metadata_and_history(world):
    old = world.case(files=unique_files("ancien"))
    send_file_to_usager(world.session, actor=world.agent, case_id=old.id, file_name="Acte.pdf",
                        content=PDF + b"acte", now=NOW - timedelta(days=400), store=world.store)  # fmt: skip
    close(world, old, YEAR_AND_A_DAY)
    before = [(a.id, a.file_name, a.size, a.sha256, a.mime_type) for a in files_of(world, old)]
    history_before = [e.id for e in world.events(old)]
    assert all(world.store.exists(sha) for *_, sha, _ in before)

    report = purge_closed_attachments(world.session, now=NOW, store=world.store)

    assert report == RetentionReport(purged_dossiers=1, purged_attachments=2, removed_files=2, shared_files_kept=0)
    after = files_of(world, old)
    assert [(a.id, a.file_name, a.size, a.sha256, a.mime_type) for a in after] == before  # metadata kept
    assert {a.purged_at for a in after} == {NOW}
    assert not any(world.store.exists(sha) for *_, sha, _ in before)  # files removed
    events = world.events(old)
    assert [e.id for e in events[:-1]] == history_before  # history kept, one entry added
    purge = events[-1]
    assert (purge.action_type, purge.transmitter_kind, purge.author, purge.created_at) == (
        EventAction.ATTACH_PURGE,
        PartyKind.SI,
        "HubEE Box",
        NOW,
    )
    assert purge.message == "Pièces jointes purgées le 02/03/2026 : 2 fichier(s), dossier clos depuis plus de 12 mois."
    assert world.session.get(Case, old.id).status is CaseStatus.CLOSED


def test_a_file_shared_by_hash_with_a_live_dossier_stays_in_the_store(world):
    old = close(world, world.case(), YEAR_AND_A_DAY)  # demande.xml and justificatif.pdf, the same bytes as…
    live = world.case()  # …this open dossier's files
    report = purge_closed_attachments(world.session, now=NOW, store=world.store)
    assert (report.purged_attachments, report.removed_files, report.shared_files_kept) == (2, 0, 2)
    assert all(a.purged_at == NOW for a in files_of(world, old))
    for attachment in files_of(world, live):
        assert attachment.purged_at is None and world.store.exists(attachment.sha256)
    name, _, data = attachment_for_download(world.session, actor=world.agent, case_id=live.id,
                                            attachment_id=files_of(world, live)[1].id, now=NOW, store=world.store)  # fmt: skip
    assert (name, data) == ("justificatif.pdf", PDF)
    # Once the last user is purged too, the file goes.
    close(world, live, YEAR_AND_A_DAY)
    again = purge_closed_attachments(world.session, now=NOW, store=world.store)
    assert (again.purged_dossiers, again.removed_files, again.shared_files_kept) == (1, 2, 0)
    assert not world.store.exists(files_of(world, live)[0].sha256)


def test_recent_unclosed_and_partly_open_dossiers_are_left_alone(world):
    recent = close(world, world.case(files=unique_files("recent")), timedelta(days=300))
    undated = close(world, world.case(files=unique_files("sans-date")), None)
    open_case = world.case(files=unique_files("ouvert"), status=CaseStatus.DONE)
    ours, theirs = world.deliver(orgs=[world.a, world.b], files=unique_files("partage"))
    close(world, ours, YEAR_AND_A_DAY)  # the other commune's case of the same folder is still open
    report = purge_closed_attachments(world.session, now=NOW, store=world.store)
    assert report == RetentionReport()
    for case in (recent, undated, open_case, ours, theirs):
        assert [a.purged_at for a in files_of(world, case)] == [None]
        assert world.store.exists(files_of(world, case)[0].sha256)
        assert EventAction.ATTACH_PURGE not in {e.action_type for e in world.events(case)}
    close(world, theirs, YEAR_AND_A_DAY)  # both closed long ago: the folder goes, each commune is told
    assert purge_closed_attachments(world.session, now=NOW, store=world.store).purged_dossiers == 2
    for case in (ours, theirs):
        assert world.events(case)[-1].action_type is EventAction.ATTACH_PURGE


def test_the_setting_changes_the_limit(world, monkeypatch):
    case = close(world, world.case(files=unique_files("six-mois")), timedelta(days=200))
    assert purge_closed_attachments(world.session, now=NOW, store=world.store) == RetentionReport()
    monkeypatch.setattr(get_settings(), "retention_months", 6)
    assert purge_closed_attachments(world.session, now=NOW, store=world.store).purged_attachments == 1
    assert "plus de 6 mois" in world.events(case)[-1].message


def test_a_second_run_changes_nothing_and_batches_cover_everything(world, monkeypatch):
    monkeypatch.setattr("core.services.retention.BATCH", 2)
    cases = [close(world, world.case(files=unique_files(f"lot-{i}")), YEAR_AND_A_DAY) for i in range(5)]
    first = purge_closed_attachments(world.session, now=NOW, store=world.store, max_folders=3)
    assert (first.purged_dossiers, first.removed_files) == (3, 3)
    rest = purge_closed_attachments(world.session, now=NOW, store=world.store)
    assert (rest.purged_dossiers, rest.removed_files) == (2, 2)
    later = NOW + timedelta(days=1)
    assert purge_closed_attachments(world.session, now=later, store=world.store) == RetentionReport()
    purges = world.session.exec(select(Event).where(Event.action_type == EventAction.ATTACH_PURGE)).all()
    assert sorted(e.case_id for e in purges) == sorted(c.id for c in cases)
    assert {a.purged_at for c in cases for a in files_of(world, c)} == {NOW}


def test_the_dossier_page_still_lists_the_files_and_tells_the_purge(world):
    case = close(world, world.case(files=unique_files("fiche")), YEAR_AND_A_DAY)
    purge_closed_attachments(world.session, now=NOW, store=world.store)
    view = dossier_view(world.session, actor=world.agent, case_id=case.id)
    assert [(a.file_name, a.size, bool(a.download)) for a in view.attachments] == [("fiche.pdf", len(PDF) + 5, False)]
    assert [h.description for h in view.history if h.author == "HubEE Box"] == [
        "Suppression des pièces jointes à la fin de leur durée de conservation"
    ]
