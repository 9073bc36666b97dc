"""The dossier page through AppTest: opening once per visit, business content, files, status changes, messages,
comments, history, read-only and invisible dossiers."""

import uuid
from datetime import UTC, datetime

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.db import session_scope
from core.models import Attachment, Case, CaseStatus, Event, EventAction, Organization, Subscription
from core.permissions import READ_ONLY_REASON
from core.services.actors import load_actor
from core.services.case_actions import NOT_VISIBLE
from core.services.dossier_page import dossier_business_content
from core.services.folders import IncomingFile
from core.storage import get_store
from pages.components.format import md_escape
from tests.pages import test_inbox_page
from tests.pages.test_app_shell import login
from tests.pages.test_inbox_page import ADMIN, AGENT, XML, deliver_case, number

commune = test_inbox_page.commune  # the same world as the inbox's tests

S = CaseStatus


def check(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def open_dossier(email: str, case_id) -> AppTest:
    at = login(email)
    at.query_params["id"] = str(case_id)
    return check(at.switch_page("pages/dossier.py").run())


def events(db, case_id) -> list[Event]:
    with session_scope(db) as s:
        rows = s.exec(select(Event).where(Event.case_id == case_id).order_by(Event.created_at)).all()
        return [(e.action_type, e.case_status_after, e.message) for e in rows]


def status(db, case_id) -> CaseStatus:
    with session_scope(db) as s:
        return s.get(Case, case_id).status


def text(at: AppTest) -> str:
    return "\n".join(m.value for m in [*at.markdown, *at.caption])


def test_opening_makes_a_new_dossier_received_once_per_visit(commune, db):
    case_id = commune["ids"]["11EC01"]
    at = open_dossier(AGENT, case_id)
    assert [t.value for t in at.title] == [f"Télédossier n° {number('11EC01')}"]
    assert status(db, case_id) is S.SI_RECEIVED
    assert "Reçu" in text(at) and "**Personne concernée**\u00a0: Jeanne Martin" in text(at)
    assert "**Transmis le**\u00a0: 10/01/2026 10\\:00" in text(at)
    at.run()
    at.selectbox(key="dossier_status_target").select(S.DONE).run()  # reruns of the same visit
    check(at)
    consultations = [e for e in events(db, case_id) if e[0] is EventAction.CONSULTATION]
    assert len(consultations) == 1
    assert [e[:2] for e in events(db, case_id)][-1] == (EventAction.STATUS_UPDATE, S.SI_RECEIVED)


def test_business_content_and_files(commune):
    at = open_dossier(AGENT, commune["ids"]["11EC02"])
    title = "Demande d'acte d'état civil — Acte de naissance (copie intégrale)"
    assert [h.value for h in at.subheader][0] == md_escape(title)
    assert [e.label for e in at.expander][:2] == ["Acte demandé", "Titulaire de l'acte"]
    assert "**Type d'acte**\u00a0: Acte de naissance" in text(at)
    assert "\\*Dupont\\*" in text(at)  # the citizen's text is never markdown
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Tout télécharger (ZIP)", "Télécharger", "Télécharger"]
    assert "**demande.xml**" in text(at) and "**justificatif.pdf**" in text(at)


def test_a_refused_dossier_shows_why_its_files_cannot_be_downloaded(commune):
    at = open_dossier(AGENT, commune["ids"]["11EC05"])
    assert "Les pièces jointes d'un télédossier refusé ne peuvent plus être téléchargées." in [
        w.value for w in at.warning
    ]
    assert at.get("download_button") == []
    assert "**justificatif.pdf**" in text(at)


def test_refusal_needs_a_reason_and_a_confirmation(commune, db):
    case_id = commune["ids"]["11EC04"]  # En cours
    at = open_dossier(AGENT, case_id)
    assert at.selectbox(key="dossier_status_target").options == ["En attente de compléments", "Refusé", "Traité"]
    at.selectbox(key="dossier_status_target").select(S.REFUSED).run()
    at.button(key="dossier_status_submit").click().run()
    assert [e.value for e in check(at).error] == ["« Motif du refus » est obligatoire pour le statut « Refusé »."]
    at.text_area(key="dossier_status_message_REFUSED").input("Acte introuvable dans nos registres.").run()
    at.button(key="dossier_status_submit").click().run()
    warning = check(at).warning[0].value
    assert warning.startswith("Le statut passera de « En cours » à « Refusé ». Cette action est définitive")
    assert status(db, case_id) is S.IN_PROGRESS  # nothing before the confirmation
    at.button(key="dossier_status_confirm").click().run()
    check(at)
    assert status(db, case_id) is S.REFUSED
    assert events(db, case_id)[-1] == (EventAction.STATUS_UPDATE, S.REFUSED, "Acte introuvable dans nos registres.")
    assert [s.value for s in at.success] == ["Le statut est maintenant « Refusé »."]
    assert not at.selectbox  # Refusé is final for the commune: no status left to choose


def test_complement_request_sends_the_message_and_is_not_offered_for_certdc(commune, db):
    case_id = commune["ids"]["11EC03"]
    at = open_dossier(AGENT, case_id)
    at.selectbox(key="dossier_status_target").select(S.ADD_AWAITING).run()
    at.text_area(key="dossier_status_message_ADD_AWAITING").input("Merci de joindre votre livret de famille.").run()
    at.button(key="dossier_status_submit").click().run()
    at.button(key="dossier_status_confirm").click().run()
    check(at)
    assert status(db, case_id) is S.ADD_AWAITING
    assert events(db, case_id)[-1] == (
        EventAction.SENDING_MESSAGE, S.ADD_AWAITING, "Merci de joindre votre livret de famille.",
    )  # fmt: skip
    admin = open_dossier(ADMIN, commune["ids"]["33CD01"])
    assert admin.selectbox(key="dossier_status_target").options == ["Refusé", "Traité"]


def test_message_comment_and_history(commune, db):
    case_id = commune["ids"]["11EC03"]
    at = open_dossier(AGENT, case_id)
    at.text_area(key="dossier_message_text").input("Votre acte part demain.")
    at.button(key="dossier_message_send").click().run()
    assert [s.value for s in check(at).success] == ["Le message est transmis à l'usager."]
    at.text_area(key="dossier_comment_text").input("Vérifier la *filiation*.")
    at.button(key="dossier_comment_add").click().run()
    check(at)
    assert "Vérifier la \\*filiation\\*." in text(at)
    comment_id = next(e.id for e in _event_rows(db, case_id) if e.action_type is EventAction.COM_ADD)
    at.text_area(key=f"comment_{comment_id}").input("Filiation vérifiée.")
    at.button(key=f"comment_save_{comment_id}").click().run()
    check(at)
    assert "Filiation vérifiée." in text(at) and "(modifié le" in text(at)
    history = at.dataframe[-1].value
    assert list(history.columns) == ["Date", "Par", "Événement"]
    assert history["Événement"].iloc[0].startswith("Transmission par")  # oldest first
    assert list(history["Événement"])[-2:] == [
        "Message à l'usager : Votre acte part demain.",
        "Commentaire interne : Filiation vérifiée.",
    ]


def _event_rows(db, case_id) -> list[Event]:
    with session_scope(db) as s:
        return s.exec(select(Event).where(Event.case_id == case_id)).all()


def test_a_read_only_dossier_explains_itself_and_offers_no_action(commune, db):
    with session_scope(db) as s:
        s.get(Subscription, commune["subscriptions"]["EtatCivil"]).access_mode_changed_at = datetime(
            2026, 3, 1, tzinfo=UTC
        )
    case_id = commune["ids"]["11EC01"]
    at = open_dossier(AGENT, case_id)
    assert READ_ONLY_REASON in [i.value for i in at.info]
    assert not at.selectbox and not at.text_area and at.get("download_button") == []
    assert status(db, case_id) is S.HUBEE_NOTIFIED  # opening a read-only dossier changes nothing


def test_another_demarche_or_commune_is_not_found_without_a_hint(commune, db):
    for case_id in (commune["ids"]["33CD01"], commune["neighbour_case"], uuid.uuid4(), "pas-un-identifiant"):
        at = open_dossier(AGENT, case_id)
        assert [e.value for e in at.error] == [NOT_VISIBLE]
        assert not at.title and not at.dataframe
    assert events(db, commune["ids"]["33CD01"]) == [(EventAction.TRANSMISSION, S.HUBEE_NOTIFIED, None)]


def test_a_file_is_sent_to_the_usager_and_a_wrong_one_is_refused_with_core_words(commune, db):
    case_id = commune["ids"]["11EC04"]
    at = open_dossier(AGENT, case_id)
    at.file_uploader(key="dossier_upload").set_value(("acte.pdf", b"pas un PDF", "application/pdf"))
    at.button(key="dossier_upload_send").click().run()
    assert [e.value for e in check(at).error] == [
        "Seuls les fichiers PDF, PNG et JPEG peuvent être envoyés à l'usager."
    ]
    at.file_uploader(key="dossier_upload").set_value(("acte.pdf", b"%PDF-1.4\n% acte\n", "application/pdf"))
    at.text_area(key="dossier_upload_note").input("Voici votre acte.")
    at.button(key="dossier_upload_send").click().run()
    assert [s.value for s in check(at).success] == ["Le fichier « acte.pdf » est transmis à l'usager."]
    assert events(db, case_id)[-1] == (EventAction.ATTACH_DEPOSIT, S.IN_PROGRESS, "Voici votre acte.")
    assert "Envoyé à l'usager" in text(at) and "**acte.pdf**" in text(at)


def test_unreadable_or_missing_data_files_are_shown_as_such_and_reading_records_nothing(commune, db):
    files = (
        IncomingFile("demande.xml", "Formulaire", "application/xml", XML),
        IncomingFile("annexe.xml", "Formulaire", "application/xml", b"<annexe><champ>"),
        IncomingFile("scan.pdf", "Pièce justificative", "application/pdf", b"%PDF-1.4\n"),
    )
    with session_scope(db) as s:
        case = deliver_case(s, s.get(Organization, commune["org"]), "EtatCivil", "88BR01", "Iris Sol",
                            datetime(2026, 3, 1, 9, tzinfo=UTC), files=files)  # fmt: skip
        case_id = case.id
        lost = s.exec(
            select(Attachment).where(Attachment.file_name == "demande.xml", Attachment.folder_id == case.folder_id)
        ).one()
        get_store().path_for(lost.sha256).unlink()
        agent = load_actor(s, commune["agent"])
        content = dossier_business_content(s, actor=agent, case_id=case_id)
    assert content.problems == (
        "Le fichier demande.xml est introuvable sur le serveur.",
        "Le fichier annexe.xml est illisible : le XML est incomplet ou mal formé (ligne 1, colonne 15).",
    )
    assert events(db, case_id) == [(EventAction.TRANSMISSION, S.HUBEE_NOTIFIED, None)]  # reading is not downloading
    at = open_dossier(AGENT, case_id)
    assert [w.value for w in at.warning] == [md_escape(p) for p in content.problems]
