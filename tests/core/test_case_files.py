"""Files of a télédossier: one file, a dossier's ZIP, a selection's ZIP, and a file sent to the usager."""

import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from sqlmodel import select

from core.db import session_scope
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import Attachment, Case, Event, EventAction, PartyKind
from core.services.case_files import attachment_for_download, case_zip, cases_zip, send_file_to_usager
from core.services.dossier_view import dossier_view
from core.services.folders import IncomingFile
from tests.core.test_case_actions import NOW, PDF, S, World

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


@pytest.fixture
def world(session, store):
    return World(session, store)


def names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_one_file_is_served_checked_and_recorded(world):
    case = world.case()
    xml = next(a for a in dossier_view(world.session, actor=world.agent, case_id=case.id).attachments)
    name, mime, data = attachment_for_download(
        world.session, actor=world.agent, case_id=case.id, attachment_id=xml.id, now=NOW, store=world.store
    )
    assert (name, mime, data) == ("demande.xml", "application/xml", b"<demande/>")
    assert case.status is S.IN_PROGRESS
    assert world.events(case)[1].action_type is EventAction.ATTACH_DL


def test_an_altered_file_is_refused_and_nothing_is_recorded(db, store):
    with session_scope(db) as s:
        world = World(s, store)
        case_id = world.case().id
        attachment = s.exec(select(Attachment).where(Attachment.file_name == "justificatif.pdf")).one()
        store.path_for(attachment.sha256).write_bytes(b"%PDF-1.4 altered")
        agent, attachment_id = world.agent, attachment.id
    with pytest.raises(Conflict) as error, session_scope(db) as s:
        attachment_for_download(s, actor=agent, case_id=case_id, attachment_id=attachment_id, now=NOW, store=store)
    assert error.value.message.startswith("Le fichier « justificatif.pdf » est altéré sur le serveur")
    with session_scope(db) as s:  # the refused download left no trace: still Nouveau, no download event
        assert s.get(Case, case_id).status is S.HUBEE_NOTIFIED
        assert s.exec(select(Event.action_type).where(Event.case_id == case_id)).all() == [EventAction.TRANSMISSION]


def test_dossier_zip_holds_its_own_files_with_unique_safe_names(world):
    files = (
        IncomingFile("piece.pdf", "PJ", "application/pdf", PDF + b"1"),
        IncomingFile("piece.pdf", "PJ", "application/pdf", PDF + b"2"),
        IncomingFile("../../etc/passwd", "PJ", "text/plain", b"root"),
        IncomingFile("pour-le-second.pdf", "PJ", "application/pdf", PDF, recipients=(f"{world.next_number()}-02",)),
    )
    first, second = world.deliver(orgs=[world.a, world.b], files=files)
    send_file_to_usager(world.session, actor=world.agent, case_id=first.id, file_name="Acte.pdf", content=PDF,
                        now=NOW, store=world.store)  # fmt: skip
    later = NOW + timedelta(minutes=1)
    data = case_zip(world.session, actor=world.agent, case_id=first.id, now=later, store=world.store)
    assert names(data) == ["passwd", "piece.pdf", "piece (2).pdf", "Acte.pdf"]
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {archive.read("piece.pdf"), archive.read("piece (2).pdf")} == {PDF + b"1", PDF + b"2"}
    assert archive.read("Acte.pdf") == PDF and archive.read("passwd") == b"root"
    assert first.status is S.IN_PROGRESS and world.events(first)[-2].action_type is EventAction.ATTACH_DL_ALL
    theirs = case_zip(world.session, actor=world.neighbour, case_id=second.id, now=NOW, store=world.store)
    assert names(theirs) == ["passwd", "piece.pdf", "piece (2).pdf", "pour-le-second.pdf"]


def test_selection_zip_has_a_folder_per_dossier_and_says_what_was_left_out(world):
    new, received = world.case(), world.case(status=S.SI_RECEIVED)
    refused, closed = world.case(status=S.REFUSED), world.case(status=S.CLOSED)
    theirs = world.deliver(orgs=[world.b])[0]
    ids = [new.id, refused.id, theirs.id, received.id, closed.id, new.id]
    data, report = cases_zip(world.session, actor=world.agent, case_ids=ids, now=NOW, store=world.store)
    assert names(data) == [
        f"{new.external_id}/demande.xml",
        f"{new.external_id}/justificatif.pdf",
        f"{received.external_id}/demande.xml",
        f"{received.external_id}/justificatif.pdf",
    ]
    assert [(line.external_id, line.ok, line.message) for line in report] == [
        (new.external_id, True, "2 fichier(s) ajouté(s)."),
        (refused.external_id, False, "Les pièces jointes d'un télédossier refusé ne peuvent plus être téléchargées."),
        (None, False, "Ce télédossier n'existe pas ou vous n'y avez pas accès."),
        (received.external_id, True, "2 fichier(s) ajouté(s)."),
        (closed.external_id, False, "Les pièces jointes d'un télédossier clos ne peuvent plus être téléchargées."),
    ]
    assert (new.status, received.status, refused.status) == (S.IN_PROGRESS, S.IN_PROGRESS, S.REFUSED)
    assert theirs.status is S.HUBEE_NOTIFIED and len(world.events(refused)) == 1


def test_single_dossier_zip_refused_for_consultation_and_closed(world):
    case, closed = world.case(), world.case(status=S.CLOSED)
    with pytest.raises(Forbidden):
        case_zip(world.session, actor=world.reader, case_id=case.id, now=NOW, store=world.store)
    with pytest.raises(Forbidden):
        case_zip(world.session, actor=world.agent, case_id=closed.id, now=NOW, store=world.store)
    with pytest.raises(NotFound):
        case_zip(world.session, actor=world.neighbour, case_id=case.id, now=NOW, store=world.store)
    assert case.status is S.HUBEE_NOTIFIED


@pytest.mark.parametrize(("name", "content", "mime"), [("acte.pdf", PDF, "application/pdf"),
                                                         ("Photo.PNG", PNG, "image/png"),
                                                         ("scan.jpeg", JPEG, "image/jpeg")])  # fmt: skip
def test_file_to_the_usager_is_stored_linked_and_reported(world, name, content, mime):
    case = world.case(status=S.IN_PROGRESS)
    event = send_file_to_usager(world.session, actor=world.agent, case_id=case.id, file_name=name, content=content,
                                message="Voici votre acte.", now=NOW + timedelta(minutes=1), store=world.store)  # fmt: skip
    assert (event.action_type, event.transmitter_kind, event.message) == (
        EventAction.ATTACH_DEPOSIT,
        PartyKind.SI,
        "Voici votre acte.",
    )
    stored = world.session.exec(select(Attachment).where(Attachment.event_id == event.id)).one()
    assert (stored.file_name, stored.mime_type, stored.size) == (name, mime, len(content))
    assert stored.sha256 == hashlib.sha256(content).hexdigest() and world.store.read_bytes(stored.sha256) == content
    assert [n.event_id for n in world.operator_queue(case)] == [event.id]
    view = dossier_view(world.session, actor=world.agent, case_id=case.id)
    assert view.attachments[-1].origin == "Envoyé à l'usager"
    assert view.history[-1].description == f"Fichier envoyé à l'usager : « {name} »"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("note.txt", b"hello", "Seuls les fichiers PDF, PNG et JPEG peuvent être envoyés à l'usager."),
        ("photo.pdf", PNG, "Le nom « photo.pdf » ne correspond pas au contenu du fichier (PNG)."),
        ("vide.pdf", b"", "Le fichier est vide."),
        ("gros.pdf", PDF + b"x" * 1024 * 1024, "Le fichier dépasse la taille maximale autorisée (1 Mo)."),
        ("", PDF, "Le nom du fichier est vide ou invalide."),
    ],
)
def test_file_to_the_usager_is_checked(world, name, content, message):
    case = world.case(status=S.IN_PROGRESS, files=())
    with pytest.raises(InvalidInput) as error:
        send_file_to_usager(world.session, actor=world.agent, case_id=case.id, file_name=name, content=content,
                            now=NOW, store=world.store)  # fmt: skip
    assert error.value.message == message
    assert len(world.events(case)) == 1 and not list(world.store.stored_hashes())


def test_file_to_the_usager_only_where_the_demarche_allows_it(world):
    jcc, certdc = world.case("JeChangeDeCoordonnees"), world.case("CERTDC")
    for case, who in ((jcc, world.admin), (certdc, world.agent)):
        with pytest.raises(Forbidden) as error:
            send_file_to_usager(world.session, actor=who, case_id=case.id, file_name="a.pdf", content=PDF, now=NOW,
                                store=world.store)  # fmt: skip
        assert error.value.message == "Cette démarche ne permet pas d'envoyer un fichier à l'usager."
    with pytest.raises(Forbidden):
        send_file_to_usager(world.session, actor=world.reader, case_id=world.case().id, file_name="a.pdf",
                            content=PDF, now=NOW, store=world.store)  # fmt: skip


def test_purged_files_are_listed_but_neither_served_nor_zipped(world):
    case = world.case()
    pdf = next(a for a in world.session.exec(select(Attachment)) if a.file_name == "justificatif.pdf")
    pdf.purged_at = NOW - timedelta(days=1)
    world.session.flush()
    view = dossier_view(world.session, actor=world.agent, case_id=case.id)
    listed = {a.file_name: a.download for a in view.attachments}
    assert listed["demande.xml"] and not listed["justificatif.pdf"]
    assert listed["justificatif.pdf"].reason == "Ce fichier a été supprimé à la fin de sa durée de conservation."
    assert names(case_zip(world.session, actor=world.agent, case_id=case.id, now=NOW, store=world.store)) == [
        "demande.xml"
    ]
    with pytest.raises(Conflict):
        attachment_for_download(
            world.session, actor=world.agent, case_id=case.id, attachment_id=pdf.id, now=NOW, store=world.store
        )
