"""Télédossiers (the inbox) through AppTest: counts per tab, filters in the URL, visibility, bulk actions, CSV.

`commune` (also used by test_dossier_page) is Rochefourchat with dossiers of three démarches in every status,
a neighbour commune with one dossier, an agent habilitated to two démarches and an administrateur local.
"""

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.db import session_scope
from core.models import ActorType, Case, CaseStatus, Operator, Organization, Role, Subscription
from core.services.folders import IncomingFile, IncomingFolder, Recipient, deliver_folder, process_by_code
from core.services.inbox import CSV_HEADER, InboxQuery
from pages.components.dossier_parts import inbox_csv_bytes, selection_zip
from tests.factories import make_organization, subscribe
from tests.pages.test_app_shell import account_with_password, login

AGENT = "agent@rochefourchat.test"
ADMIN = "admin@rochefourchat.test"
S = CaseStatus
XML = (
    "<EnveloppeMetierType><DemandeActe><TypeActe><Code>NAISSANCE</Code><Libelle>Acte de naissance</Libelle>"
    "</TypeActe><NatureActe><Libelle>Copie intégrale</Libelle></NatureActe><Titulaire><Nom>*Dupont*</Nom>"
    "<Prenoms>Jeanne</Prenoms></Titulaire></DemandeActe></EnveloppeMetierType>"
).encode()
PDF = b"%PDF-1.4\n% justificatif\n"
FILES = (
    IncomingFile("demande.xml", "Formulaire", "application/xml", XML),
    IncomingFile("justificatif.pdf", "Pièce justificative", "application/pdf", PDF),
)
# key: (démarche, personne concernée, day of transmission, status); the key is also the start of the number.
DOSSIERS = {
    "11EC01": ("EtatCivil", "Jeanne Martin", date(2026, 1, 10), S.HUBEE_NOTIFIED),
    "11EC02": ("EtatCivil", "Élodie Dupré", date(2026, 2, 15), S.HUBEE_NOTIFIED),
    "11EC03": ("EtatCivil", "Paul Lamarque", date(2026, 1, 12), S.SI_RECEIVED),
    "11EC04": ("EtatCivil", "Marc Petit", date(2026, 1, 13), S.IN_PROGRESS),
    "11EC05": ("EtatCivil", "Anne Roux", date(2026, 1, 14), S.REFUSED),
    "11EC06": ("EtatCivil", "Luc Blanc", date(2026, 1, 15), S.DONE),
    "11EC07": ("EtatCivil", "Rose Noir", date(2026, 1, 16), S.CLOSED),
    "22RC01": ("recensementCitoyen", "Hugo Martin", date(2026, 2, 20), S.HUBEE_NOTIFIED),
    "22RC02": ("recensementCitoyen", "Léa Morel", date(2026, 2, 21), S.ADD_AWAITING),
    "33CD01": ("CERTDC", "Jean Martinez", date(2026, 2, 22), S.HUBEE_NOTIFIED),
}
AGENT_SEES = {k for k, (code, *_) in DOSSIERS.items() if code != "CERTDC"}


def number(key: str) -> str:
    return f"{key}AB-01"


def deliver_case(session, organization, code: str, key: str, subject: str, at: datetime, files=FILES) -> Case:
    process = process_by_code(session, code)
    first, _, last = subject.partition(" ")
    folder = deliver_folder(
        session,
        operator=session.get(Operator, process.operator_id),
        incoming=IncomingFolder(
            process_code=code,
            external_id=f"{key}AB",
            applicant_first_name=first,
            applicant_last_name=last,
            applicant_email="usager@example.test",
            recipients=(Recipient(siret=organization.siret, case_external_id=number(key)),),
            files=files,
        ),
        now=at,
    )
    return session.exec(select(Case).where(Case.folder_id == folder.id)).one()


@pytest.fixture
def commune(db):
    """Case ids by key, the two subscriptions' ids, and the neighbour's dossier id."""
    with session_scope(db) as s:
        org = make_organization(s, "Mairie de Rochefourchat")
        subscriptions = {code: subscribe(s, org, code) for code in ("EtatCivil", "recensementCitoyen", "CERTDC")}
        habilitations = frozenset(subscriptions[c].process_id for c in ("EtatCivil", "recensementCitoyen"))
        agent = account_with_password(s, org, habilitations=habilitations, email=AGENT)
        account_with_password(
            s, org, ActorType.ADMIN_LOCAL, email=ADMIN, roles=frozenset({Role.USERS_GESTION, Role.DOSSIERS_GESTION})
        )
        ids = {}
        for key, (code, subject, day, status) in DOSSIERS.items():
            case = deliver_case(
                s, org, code, key, subject, datetime.combine(day, datetime.min.time(), UTC).replace(hour=9)
            )
            case.status = status
            ids[key] = case.id
        neighbour = make_organization(s, "Mairie de Montclar")
        subscribe(s, neighbour, "EtatCivil")
        theirs = deliver_case(
            s, neighbour, "EtatCivil", "44NB01", "Jeanne Martin", datetime(2026, 2, 23, 9, tzinfo=UTC)
        )
        s.flush()
        return {
            "org": org.id,
            "ids": ids,
            "agent": agent.id,
            "neighbour_case": theirs.id,
            "subscriptions": {code: sub.id for code, sub in subscriptions.items()},
        }


def check(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def open_inbox(email: str, **params) -> AppTest:
    at = login(email)
    at.query_params.update(params)
    return check(at.switch_page("pages/inbox.py").run())


def table(at: AppTest):
    return at.dataframe[0].value


def numbers(at: AppTest) -> list[str]:
    return list(table(at)["Numéro"])


def keys(at: AppTest) -> set[str]:
    return {n.removesuffix("AB-01") for n in numbers(at)}


def test_tabs_count_what_each_person_may_see(commune):
    at = open_inbox(AGENT)
    assert [t.value for t in at.title] == ["Télédossiers"]
    assert at.segmented_control(key="inbox_tab").options == [
        "Tous (9)", "Nouveaux (3)", "Reçus (1)", "En cours (1)", "En attente de compléments (1)", "Refusés (1)",
        "Traités (1)", "Clos (1)",
    ]  # fmt: skip
    # Neither the CERTDC dossier (no habilitation) nor the neighbour's Jeanne Martin.
    assert keys(at) == AGENT_SEES
    assert list(table(at).columns) == [
        "Numéro", "Démarche", "Personne concernée", "Transmis le", "Mis à jour le", "Statut",
    ]  # fmt: skip
    first = table(at).iloc[0]  # newest first
    assert (first["Numéro"], first["Personne concernée"], first["Transmis le"]) == (
        number("22RC02"), "Léa Morel", "21/02/2026 10:00",  # 09:00 UTC is 10:00 in Paris in winter
    )  # fmt: skip
    assert first["Statut"] == "En attente de compléments"
    admin = open_inbox(ADMIN)
    assert admin.segmented_control(key="inbox_tab").options[:2] == ["Tous (10)", "Nouveaux (4)"]
    assert keys(admin) == set(DOSSIERS)


def test_filters_narrow_the_rows_and_live_in_the_url(commune):
    at = open_inbox(AGENT)
    at.selectbox(key="inbox_process").select("recensementCitoyen").run()
    check(at)
    assert at.query_params["demarche"] == "recensementCitoyen"
    assert keys(at) == {"22RC01", "22RC02"}
    assert at.segmented_control(key="inbox_tab").options[:2] == ["Tous (2)", "Nouveaux (1)"]
    at.segmented_control(key="inbox_tab").set_value("Nouveaux").run()
    assert at.query_params["onglet"] == "nouveaux" and keys(at) == {"22RC01"}
    at.selectbox(key="inbox_process").select(None).run()
    at.text_input(key="inbox_search").input("dupre").run()  # accents and capitals do not matter
    assert at.query_params["recherche"] == "dupre" and keys(at) == {"11EC02"}
    at.text_input(key="inbox_search").input("").run()
    at.date_input(key="inbox_from").set_value(date(2026, 2, 1)).run()
    assert at.query_params["du"] == "2026-02-01" and keys(at) == {"11EC02", "22RC01"}
    at.text_input(key="inbox_search").input("11EC0").run()  # a number: its start
    assert keys(at) == {"11EC02"}
    assert "demarche" not in at.query_params


def test_a_bookmarked_view_opens_as_it_was(commune):
    at = open_inbox(AGENT, onglet="nouveaux", demarche="EtatCivil", tri="anciens")
    assert numbers(at) == [number("11EC01"), number("11EC02")]  # oldest first
    assert at.selectbox(key="inbox_process").value == "EtatCivil"
    assert at.segmented_control(key="inbox_tab").value == "Nouveaux"
    assert at.selectbox(key="inbox_sort").value == "oldest"
    # A démarche this agent may not see is dropped, not an error, and the URL says what is shown.
    at = open_inbox(AGENT, demarche="CERTDC")
    assert keys(at) == AGENT_SEES and "demarche" not in at.query_params


def test_pages_of_the_list(commune, db):
    with session_scope(db) as s:
        org = s.get(Organization, commune["org"])
        for i in range(3):
            deliver_case(s, org, "EtatCivil", f"55PG0{i}", "Zoé Faure", datetime(2025, 12, 1 + i, 9, tzinfo=UTC))
    at = open_inbox(AGENT, par_page="10")
    assert len(numbers(at)) == 10
    assert any("Page 1 sur 2 — 12 télédossiers" in c.value for c in at.caption)
    at.button(key="inbox_next").click().run()
    check(at)
    assert at.query_params["page"] == "2" and keys(at) == {"55PG00", "55PG01"}
    assert at.button(key="inbox_next").disabled


def test_mark_the_selection_done_after_a_confirmation(commune, db):
    at = open_inbox(AGENT)
    at.button(key="inbox_select_all").click().run()
    check(at)
    assert any(m.value == "**9 télédossiers sélectionnés**" for m in at.markdown)
    at.button(key="inbox_done").click().run()
    warning = check(at).warning[0].value
    assert warning.startswith("6 télédossiers sur 9 sélectionnés passeront au statut « Traité »")
    assert "Cette action est définitive" in warning
    at.button(key="inbox_done_confirm").click().run()
    check(at)
    assert [w.value for w in at.warning] == [
        "« Marquer comme traités » : 6 télédossiers sur 9 passés au statut « Traité »."
    ]
    report = at.dataframe[0].value  # the report comes before the list
    unchanged = report[report["Résultat"] == "Inchangé"]
    assert sorted(unchanged["Numéro"]) == [number("11EC05"), number("11EC06"), number("11EC07")]
    with session_scope(db) as s:
        statuses = {k: s.get(Case, i).status for k, i in commune["ids"].items()}
    assert statuses["11EC01"] is S.DONE and statuses["22RC02"] is S.DONE
    assert (statuses["11EC05"], statuses["11EC07"], statuses["33CD01"]) == (S.REFUSED, S.CLOSED, S.HUBEE_NOTIFIED)
    assert at.segmented_control(key="inbox_tab").options[6] == "Traités (7)"


def test_cancelling_the_confirmation_changes_nothing(commune, db):
    at = open_inbox(AGENT, onglet="nouveaux")
    at.button(key="inbox_select_all").click().run()
    at.button(key="inbox_done").click().run()
    assert check(at).warning[0].value.startswith("3 télédossiers sur 3 sélectionnés passeront")
    at.button(key="inbox_done_cancel").click().run()
    assert not check(at).warning
    with session_scope(db) as s:
        assert s.get(Case, commune["ids"]["11EC01"]).status is S.HUBEE_NOTIFIED


def test_selection_zip_names_what_is_left_out(commune):
    at = open_inbox(AGENT, onglet="refuses")
    at.button(key="inbox_select_all").click().run()
    captions = [c.value for c in check(at).caption]
    assert any(
        c.startswith(f"N° {number('11EC05')}") and "refusé ne peuvent plus être téléchargées" in c for c in captions
    )
    ids = commune["ids"]
    notes = {}
    data = selection_zip(commune["agent"], [ids["11EC01"], ids["11EC05"], ids["33CD01"]], notes)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == [
        f"{number('11EC01')}/demande.xml",
        f"{number('11EC01')}/justificatif.pdf",
    ]
    assert list(notes.values()) == [
        "Les pièces jointes d'un télédossier refusé ne peuvent plus être téléchargées.",
        "Ce télédossier n'existe pas ou vous n'y avez pas accès.",
    ]


def test_read_only_dossiers_are_flagged(commune, db):
    with session_scope(db) as s:
        s.get(Subscription, commune["subscriptions"]["recensementCitoyen"]).access_mode_changed_at = datetime(
            2026, 2, 21, 0, tzinfo=UTC
        )
    at = open_inbox(AGENT, demarche="recensementCitoyen")
    statuses = dict(zip(numbers(at), table(at)["Statut"], strict=True))
    assert statuses == {number("22RC02"): "En attente de compléments", number("22RC01"): "Nouveau (lecture seule)"}


def test_csv_export_is_the_current_filter(commune):
    at = open_inbox(AGENT, demarche="recensementCitoyen")
    assert "Exporter la liste (CSV)" in [b.label for b in at.get("download_button")]
    text = inbox_csv_bytes(commune["agent"], InboxQuery(process_code="recensementCitoyen")).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == list(CSV_HEADER)
    assert [(r[0], r[2], r[4], r[6]) for r in rows[1:]] == [
        (number("22RC02"), "Léa Morel", "21/02/2026 10:00", "En attente de compléments"),
        (number("22RC01"), "Hugo Martin", "20/02/2026 10:00", "Nouveau"),
    ]


def test_new_arrivals_are_announced(commune, db):
    with session_scope(db) as s:
        # Transmitted « after » the list is read: the notice counts it.
        deliver_case(
            s, s.get(Organization, commune["org"]), "EtatCivil", "66NW01", "Nina Simon", utcnow() + timedelta(minutes=5)
        )
    at = open_inbox(AGENT)
    assert [i.value for i in at.info] == ["1 nouveau télédossier depuis l'affichage de la liste."]
    assert at.button(key="inbox_refresh").label == "Actualiser la liste"
