"""The inbox: counts, filters, search, pagination, URL parameters, CSV export, the "new dossiers" notice."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from core.csv_export import BOM
from core.permissions import READ_ONLY_REASON
from core.services.case_actions import open_case
from core.services.inbox import (
    CSV_HEADER,
    InboxQuery,
    inbox_csv,
    inbox_page,
    new_cases_since,
)
from core.workflow import INBOX_TABS
from tests.core.test_case_actions import NOW, S, World

TAB_LABELS = [tab for tab, _ in INBOX_TABS]


@pytest.fixture
def world(session, store):
    """Commune A: 5 EtatCivil, 2 RCO, 1 CERTDC, in several statuses; commune B: 2 EtatCivil."""
    w = World(session, store)
    statuses = [None, S.SENT, S.SI_RECEIVED, S.IN_PROGRESS, S.REFUSED]
    for i, status in enumerate(statuses):
        w.case(status=status, at=NOW - timedelta(hours=10 - i), subject=f"Personne{i} Martin", files=())
    w.case("recensementCitoyen", status=S.DONE, at=NOW - timedelta(hours=3), files=())
    w.case("recensementCitoyen", status=S.CLOSED, at=NOW - timedelta(hours=2), files=())
    w.case("CERTDC", status=S.ADD_AWAITING, at=NOW - timedelta(hours=1), files=())
    w.deliver(orgs=[w.b], at=NOW - timedelta(hours=4), files=())
    w.deliver(orgs=[w.a, w.b], at=NOW - timedelta(minutes=30), subject="Hélène Lefèvre-Dupont", files=())
    return w


def counts(page) -> dict[str, int]:
    return {tab.label: tab.count for tab in page.tabs}


def test_counts_per_tab_are_what_the_person_may_see(world):
    agent = inbox_page(world.session, actor=world.agent, query=InboxQuery())
    # EtatCivil (6 incl. the shared folder) + CERTDC (1); never RCO, never commune B.
    assert counts(agent) == {
        "Tous": 7,
        "Nouveaux": 3,
        "Reçus": 1,
        "En cours": 1,
        "En attente de compléments": 1,
        "Refusés": 1,
        "Traités": 0,
        "Clos": 0,
    }
    assert agent.total == 7 == len(agent.rows) and agent.page_count == 1
    assert {r.process_code for r in agent.rows} == {"EtatCivil", "CERTDC"}
    admin = inbox_page(world.session, actor=world.admin, query=InboxQuery())
    assert counts(admin)["Tous"] == 9 and counts(admin)["Traités"] == 1 and counts(admin)["Clos"] == 1
    neighbour = inbox_page(world.session, actor=world.neighbour, query=InboxQuery())
    assert counts(neighbour)["Tous"] == 2 and {r.number[-2:] for r in neighbour.rows} == {"01", "02"}
    for page in (agent, admin, neighbour):
        assert sum(c for label, c in counts(page).items() if label != "Tous") == counts(page)["Tous"]
    for tab in TAB_LABELS[1:]:
        rows = inbox_page(world.session, actor=world.admin, query=InboxQuery(tab=tab)).rows
        assert len(rows) == counts(admin)[tab]


def test_tab_rows_statuses_and_labels(world):
    page = inbox_page(world.session, actor=world.agent, query=InboxQuery(tab="Nouveaux"))
    assert {r.status for r in page.rows} == {S.HUBEE_NOTIFIED, S.SENT}
    assert {r.status_label for r in page.rows} == {"Nouveau"} and page.total == 3
    refused = inbox_page(world.session, actor=world.agent, query=InboxQuery(tab="Refusés")).rows[0]
    assert not refused.can_download
    assert refused.download_refusal == "Les pièces jointes d'un télédossier refusé ne peuvent plus être téléchargées."
    reader = inbox_page(world.session, actor=world.reader, query=InboxQuery())
    assert reader.total == 6 and not any(r.can_download for r in reader.rows)


def test_filters_by_demarche_and_paris_dates(world):
    certdc = inbox_page(world.session, actor=world.agent, query=InboxQuery(process_code="CERTDC"))
    assert certdc.total == 1 and counts(certdc)["En attente de compléments"] == 1
    # A démarche the agent has no habilitation for: nothing, not an error.
    assert inbox_page(world.session, actor=world.agent, query=InboxQuery(process_code="recensementCitoyen")).total == 0
    unknown = inbox_page(world.session, actor=world.agent, query=InboxQuery(process_code="Inconnue"))
    assert unknown.total == 7 and unknown.query.process_code is None
    assert [code for code, _ in world_choices(world.agent, world)] == ["CERTDC", "EtatCivil", "FormulaireQF"]
    assert len(world_choices(world.admin, world)) == 5
    # Paris days: every dossier above arrived on 2 March (the first at 23:30 UTC on 1 March, 00:30 in Paris).
    world.case(at=datetime(2026, 2, 28, 22, 59, 59, tzinfo=UTC))  # 28 February, 23:59:59 in Paris
    world.case(at=datetime(2026, 2, 28, 23, 0, tzinfo=UTC))  # 1 March, midnight in Paris
    world.case(at=datetime(2026, 3, 1, 22, 59, tzinfo=UTC))  # 1 March, 23:59 in Paris
    for first, last, total in ((2, 2, 7), (1, 1, 2), (1, None, 9), (None, 28, 1)):
        query = InboxQuery(
            date_from=date(2026, 3, first) if first else None,
            date_to=date(2026, 2 if last == 28 else 3, last) if last else None,
        )
        assert inbox_page(world.session, actor=world.agent, query=query).total == total, (first, last)


def world_choices(actor, world):
    return inbox_page(world.session, actor=actor, query=InboxQuery()).processes


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("lefevre", True),
        ("LEFÈVRE", True),
        ("Dupont", True),
        ("hél", True),
        ("helene lef", True),
        ("ène", False),  # the start of a word, not any part of it
        ("martin", False),
    ],
)
def test_name_search_ignores_case_and_accents(world, text, found):
    page = inbox_page(world.session, actor=world.agent, query=InboxQuery(search=text))
    names = {r.subject_name for r in page.rows}
    assert (names == {"Hélène Lefèvre-Dupont"}) is found
    assert page.total == len(page.rows) == counts(page)["Tous"]


def test_martin_is_found_and_wildcards_are_plain_text(world):
    page = inbox_page(world.session, actor=world.agent, query=InboxQuery(search="marti"))
    assert page.total == 6  # five « PersonneN Martin » and the CERTDC of « Jeanne Martin »
    assert inbox_page(world.session, actor=world.agent, query=InboxQuery(search="%")).total == 0
    assert inbox_page(world.session, actor=world.agent, query=InboxQuery(search="_")).total == 0


def test_number_search_by_prefix_or_exact_number(world):
    case = world.case(status=S.DONE)
    for text in (case.external_id, case.external_id[:6].lower(), f" {case.external_id[:-3]} "):
        page = inbox_page(world.session, actor=world.agent, query=InboxQuery(search=text))
        assert [r.number for r in page.rows] == [case.external_id], text
    theirs = world.deliver(orgs=[world.b])[0]
    assert inbox_page(world.session, actor=world.agent, query=InboxQuery(search=theirs.external_id)).total == 0


def test_pagination_sorted_both_ways(world):
    for i in range(23):
        world.case(at=NOW - timedelta(days=2, minutes=i), files=())
    newest = [inbox_page(world.session, actor=world.agent, query=InboxQuery(page=p, page_size=10)) for p in (1, 2, 3)]
    assert [len(p.rows) for p in newest] == [10, 10, 10] and newest[0].page_count == 3
    numbers = [r.number for p in newest for r in p.rows]
    assert len(set(numbers)) == 30
    times = [r.transmitted_at for p in newest for r in p.rows]
    assert times == sorted(times, reverse=True)
    oldest = inbox_page(world.session, actor=world.agent, query=InboxQuery(sort="oldest", page_size=10))
    assert [r.number for r in oldest.rows] == numbers[::-1][:10]
    beyond = inbox_page(world.session, actor=world.agent, query=InboxQuery(page=99, page_size=10))
    assert beyond.query.page == 3 and [r.number for r in beyond.rows] == [r.number for r in newest[2].rows]


def test_query_parameters_round_trip_and_bad_values_fall_back():
    query = InboxQuery(
        tab="En attente de compléments",
        process_code="EtatCivil",
        date_from=date(2026, 1, 5),
        date_to=date(2026, 2, 1),
        search="Lefèvre",
        sort="oldest",
        page=3,
        page_size=100,
    )
    params = query.to_params()
    assert params["onglet"] == "en-attente-de-complements" and params["tri"] == "anciens"
    assert InboxQuery.from_params(params) == query
    assert InboxQuery().to_params() == {}
    assert InboxQuery.from_params({}) == InboxQuery()
    bad = {"onglet": "n'importe", "du": "2026-13-01", "au": ["2026-02-01", "x"], "page": "-4", "par_page": "9999"}
    assert InboxQuery.from_params(bad) == InboxQuery(page_size=200)
    assert InboxQuery.from_params({"onglet": "Clos", "page": "deux", "tri": "?"}) == InboxQuery(tab="Clos")
    swapped = InboxQuery.from_params({"du": "2026-03-01", "au": "2026-01-01", "par_page": "3"})
    assert (swapped.date_from, swapped.date_to, swapped.page_size) == (date(2026, 1, 1), date(2026, 3, 1), 10)


def test_csv_streams_every_row_of_the_filter(world, monkeypatch):
    monkeypatch.setattr("core.services.inbox.CSV_BATCH", 2)
    world.case(subject="=HYPERLINK(x) Martin", at=NOW - timedelta(days=3))
    for i in range(60):
        world.case(at=NOW - timedelta(days=4, minutes=i), files=())
    chunks = inbox_csv(world.session, actor=world.agent, query=InboxQuery(page_size=10))
    first = next(chunks)
    assert first.startswith(BOM) and first[1:].strip() == ";".join(CSV_HEADER)
    rows = list(csv.reader(io.StringIO("".join(chunks)), delimiter=";"))
    assert len(rows) == 68  # every dossier of the filter, not one page
    header_free = {r[0]: r for r in rows}
    formula = next(r for r in rows if "HYPERLINK" in r[2])
    assert formula[2] == "'=HYPERLINK(x) Martin" and formula[1] == "Demande d'acte d'état civil (AEC)"
    assert formula[3] == "usager@example.test" and formula[6] == "Nouveau"
    assert formula[4] == "27/02/2026 10:30"  # Paris time
    assert len(header_free) == 68
    refused = list(inbox_csv(world.session, actor=world.agent, query=InboxQuery(tab="Refusés")))
    assert len(refused) == 2 and refused[1].endswith(";Refusé\r\n")


def test_new_cases_since_counts_only_visible_arrivals(world):
    since = NOW - timedelta(hours=2, minutes=30)
    assert new_cases_since(world.session, actor=world.agent, since=since) == 2  # CERTDC + the shared folder
    assert new_cases_since(world.session, actor=world.admin, since=since) == 3
    assert new_cases_since(world.session, actor=world.neighbour, since=since) == 1
    open_case(world.session, actor=world.agent, case_id=world.case(at=NOW).id, now=NOW)
    assert new_cases_since(world.session, actor=world.agent, since=since) == 3


def test_rows_received_before_a_modality_switch_are_read_only(world):
    world.subscriptions["EtatCivil"].access_mode_changed_at = NOW - timedelta(hours=5)
    world.session.flush()
    rows = inbox_page(world.session, actor=world.agent, query=InboxQuery(process_code="EtatCivil")).rows
    frozen = {r.number for r in rows if r.read_only}
    assert len(frozen) == 5 and len(rows) == 6  # the shared folder arrived after the switch
    first = next(r for r in rows if r.read_only and r.status is S.IN_PROGRESS)
    assert not first.can_download and first.download_refusal == READ_ONLY_REASON
