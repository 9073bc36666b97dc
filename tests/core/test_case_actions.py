"""What the SI does with a télédossier, through the services: visibility, the life cycle, history, notifications.

`World` (also used by test_inbox and test_case_files) builds two communes with dossiers delivered the way the
hub delivers them, and the people who work on them.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import (
    Account,
    ActorType,
    Case,
    CaseStatus,
    Event,
    EventAction,
    EventStatus,
    Folder,
    Notification,
    Operator,
    PartyKind,
    Role,
)
from core.permissions import READ_ONLY_REASON
from core.services import case_actions
from core.services.actors import actor_for
from core.services.case_actions import (
    Author,
    add_comment,
    apply_status_change,
    change_case_status,
    edit_comment,
    mark_cases_done,
    open_case,
    record_download,
    send_message_to_usager,
)
from core.services.dossier_view import SAME_INSTANT_ORDER, dossier_view
from core.services.folders import IncomingFile, IncomingFolder, Recipient, deliver_folder, process_by_code
from core.workflow import Trigger
from tests.factories import make_account, make_organization, subscribe

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PDF = b"%PDF-1.4\n% test\n"
S = CaseStatus


class World:
    """Commune A (EtatCivil, RCO, CERTDC, FormulaireQF, JCC) and commune B (EtatCivil), and their people."""

    def __init__(self, session, store):
        self.session, self.store, self._n = session, store, 0
        self.a, self.b = make_organization(session, "Commune A"), make_organization(session, "Commune B")
        codes = ("EtatCivil", "recensementCitoyen", "CERTDC", "FormulaireQF", "JeChangeDeCoordonnees")
        self.subscriptions = {code: subscribe(session, self.a, code) for code in codes}
        subscribe(session, self.b, "EtatCivil")
        self.pid = {code: process_by_code(session, code).id for code in codes}
        habilitated = frozenset({self.pid["EtatCivil"], self.pid["CERTDC"], self.pid["FormulaireQF"]})
        self.agent = self.person(self.a, habilitations=habilitated)
        self.colleague = self.person(self.a, habilitations=habilitated)
        self.reader = self.person(
            self.a, roles=frozenset({Role.DOSSIERS_CONSULTATION}), habilitations=frozenset({self.pid["EtatCivil"]})
        )
        self.admin = self.person(
            self.a, ActorType.ADMIN_LOCAL, roles=frozenset({Role.USERS_GESTION, Role.DOSSIERS_GESTION})
        )
        self.neighbour = self.person(self.b, habilitations=frozenset({process_by_code(session, "EtatCivil").id}))

    def person(self, org, actor_type=ActorType.AGENT, **kwargs):
        return actor_for(self.session, make_account(self.session, org, actor_type, **kwargs))

    def next_number(self, code="EtatCivil") -> str:
        return f"{self._n + 1:04d}AB{code[:4].upper()}"

    def deliver(self, code="EtatCivil", *, orgs=None, subject="Jeanne Martin", at=None, files=None) -> list[Case]:
        """One folder to `orgs` (commune A by default); its cases (numbers <folder>-01, -02…) in recipient order."""
        number = self.next_number(code)
        self._n += 1
        orgs = orgs or [self.a]
        process = process_by_code(self.session, code)
        first, _, last = subject.partition(" ")
        folder = deliver_folder(
            self.session,
            operator=self.session.get(Operator, process.operator_id),
            incoming=IncomingFolder(
                process_code=code,
                external_id=number,
                applicant_first_name=first,
                applicant_last_name=last,
                applicant_email="usager@example.test",
                recipients=tuple(
                    Recipient(siret=o.siret, case_external_id=f"{number}-{i:02d}") for i, o in enumerate(orgs, 1)
                ),
                files=files
                if files is not None
                else (
                    IncomingFile("demande.xml", "Formulaire", "application/xml", b"<demande/>"),
                    IncomingFile("justificatif.pdf", "Pièce justificative", "application/pdf", PDF),
                ),
            ),
            now=at or NOW - timedelta(days=1),
            store=self.store,
        )
        return self.session.exec(select(Case).where(Case.folder_id == folder.id).order_by(Case.external_id)).all()

    def case(self, code="EtatCivil", status: CaseStatus | None = None, **kwargs) -> Case:
        case = self.deliver(code, **kwargs)[0]
        if status is not None:
            case.status = status
            self.session.flush()
        return case

    def events(self, case: Case) -> list[Event]:
        rows = self.session.exec(select(Event).where(Event.case_id == case.id)).all()
        return sorted(rows, key=lambda e: (e.created_at, SAME_INSTANT_ORDER.get(e.action_type, 3)))

    def operator_queue(self, case: Case) -> list[Notification]:
        return self.session.exec(
            select(Notification).where(Notification.case_id == case.id, Notification.recipient_kind == PartyKind.OSL)
        ).all()

    def name(self, actor) -> str:
        return self.session.get(Account, actor.id).full_name


@pytest.fixture
def world(session, store):
    return World(session, store)


# --- Visibility ------------------------------------------------------------------------------------


def test_dossiers_of_another_demarche_or_commune_do_not_exist_for_the_agent(world):
    rco = world.case("recensementCitoyen")
    theirs = world.deliver(orgs=[world.b])[0]
    for case in (rco, theirs):
        for call in (
            lambda c: open_case(world.session, actor=world.agent, case_id=c.id, now=NOW),
            lambda c: record_download(world.session, actor=world.agent, case_id=c.id, now=NOW),
            lambda c: change_case_status(world.session, actor=world.agent, case_id=c.id, target=S.DONE, now=NOW),
            lambda c: add_comment(world.session, actor=world.agent, case_id=c.id, text="Vu", now=NOW),
            lambda c: dossier_view(world.session, actor=world.agent, case_id=c.id),
        ):
            with pytest.raises(NotFound) as error:
                call(case)
            assert error.value.message == "Ce télédossier n'existe pas ou vous n'y avez pas accès."
    with pytest.raises(NotFound) as unknown:
        open_case(world.session, actor=world.agent, case_id="00000000-0000-0000-0000-000000000000", now=NOW)
    assert unknown.value.message == "Ce télédossier n'existe pas ou vous n'y avez pas accès."
    with pytest.raises(NotFound):
        open_case(world.session, actor=world.agent, case_id="pas-un-identifiant", now=NOW)
    assert [e.action_type for e in world.events(rco)] == [EventAction.TRANSMISSION]
    assert rco.status is S.HUBEE_NOTIFIED
    # The administrateur local sees every démarche of its commune, never the neighbour's.
    assert open_case(world.session, actor=world.admin, case_id=rco.id, now=NOW) is rco
    with pytest.raises(NotFound):
        open_case(world.session, actor=world.admin, case_id=theirs.id, now=NOW)


# --- Automatic transitions -------------------------------------------------------------------------


def test_first_opening_makes_the_dossier_recu_and_tells_the_operator(world):
    case = world.case()
    open_case(world.session, actor=world.agent, case_id=case.id, now=NOW)
    consultation, moved = world.events(case)[1:]
    assert case.status is S.SI_RECEIVED and case.updated_at == NOW
    assert (consultation.action_type, consultation.author, consultation.author_account_id) == (
        EventAction.CONSULTATION,
        world.name(world.agent),
        world.agent.id,
    )
    assert consultation.transmitter_kind is PartyKind.SI and not consultation.notify
    assert (consultation.case_status_before, consultation.case_status_after) == (S.HUBEE_NOTIFIED, S.HUBEE_NOTIFIED)
    # The box made the change: the event names the person but carries no account (not a decision).
    assert (moved.action_type, moved.case_status_before, moved.case_status_after) == (
        EventAction.STATUS_UPDATE,
        S.HUBEE_NOTIFIED,
        S.SI_RECEIVED,
    )
    assert (moved.author, moved.author_account_id, moved.status, moved.notify) == (
        world.name(world.agent),
        None,
        EventStatus.SENT,
        True,
    )
    [notification] = world.operator_queue(case)
    dila = world.session.exec(select(Operator).where(Operator.code == "DILA")).one()
    assert (notification.operator_id, notification.event_id, notification.process_id) == (
        dila.id,
        moved.id,
        world.pid["EtatCivil"],
    )


def test_later_openings_only_add_consultations_one_per_visit(world):
    case = world.case()
    open_case(world.session, actor=world.agent, case_id=case.id, now=NOW)
    open_case(world.session, actor=world.agent, case_id=case.id, now=NOW + timedelta(minutes=5))  # same visit
    open_case(world.session, actor=world.colleague, case_id=case.id, now=NOW + timedelta(minutes=6))
    open_case(world.session, actor=world.agent, case_id=case.id, now=NOW + timedelta(hours=2))
    actions = [(e.action_type, e.author_account_id) for e in world.events(case)[1:]]
    assert actions == [
        (EventAction.CONSULTATION, world.agent.id),
        (EventAction.STATUS_UPDATE, None),
        (EventAction.CONSULTATION, world.colleague.id),
        (EventAction.CONSULTATION, world.agent.id),
    ]
    assert case.status is S.SI_RECEIVED and len(world.operator_queue(case)) == 1


def test_consultation_only_opens_but_never_downloads(world):
    case = world.case()
    open_case(world.session, actor=world.reader, case_id=case.id, now=NOW)
    assert case.status is S.SI_RECEIVED
    with pytest.raises(Forbidden) as error:
        record_download(world.session, actor=world.reader, case_id=case.id, now=NOW)
    assert error.value.message == "Cette action demande le rôle « Gestion des télédossiers »."
    assert case.status is S.SI_RECEIVED


@pytest.mark.parametrize("start", [S.HUBEE_NOTIFIED, S.SENT, S.SI_RECEIVED])
def test_first_download_makes_it_en_cours_later_ones_do_not(world, start):
    case = world.case(status=start)
    record_download(world.session, actor=world.agent, case_id=case.id, now=NOW)
    record_download(world.session, actor=world.agent, case_id=case.id, now=NOW + timedelta(hours=1))
    assert case.status is S.IN_PROGRESS
    actions = [(e.action_type, e.case_status_before, e.case_status_after) for e in world.events(case)[1:]]
    assert actions == [
        (EventAction.ATTACH_DL_ALL, start, start),
        (EventAction.STATUS_UPDATE, start, S.IN_PROGRESS),
        (EventAction.ATTACH_DL_ALL, S.IN_PROGRESS, S.IN_PROGRESS),
    ]
    assert len(world.operator_queue(case)) == 1


def test_one_file_download_names_the_file_and_must_belong_to_the_dossier(world):
    case, other = world.case(), world.case()
    files = case_actions.case_attachments(world.session, case)
    assert [f.file_name for f in files] == ["demande.xml", "justificatif.pdf"]
    event = record_download(world.session, actor=world.agent, case_id=case.id, attachment_id=files[1].id, now=NOW)
    assert (event.action_type, event.message) == (EventAction.ATTACH_DL, "justificatif.pdf")
    assert case.status is S.IN_PROGRESS
    foreign = case_actions.case_attachments(world.session, other)[0]
    with pytest.raises(NotFound):
        record_download(world.session, actor=world.agent, case_id=case.id, attachment_id=foreign.id, now=NOW)
    assert other.status is S.HUBEE_NOTIFIED


@pytest.mark.parametrize(("status", "word"), [(S.REFUSED, "refusé"), (S.CLOSED, "clos")])
def test_refused_and_closed_dossiers_cannot_be_downloaded(world, status, word):
    case = world.case(status=status)
    with pytest.raises(Forbidden) as error:
        record_download(world.session, actor=world.agent, case_id=case.id, now=NOW)
    assert error.value.message == f"Les pièces jointes d'un télédossier {word} ne peuvent plus être téléchargées."
    assert len(world.events(case)) == 1


# --- Manual statuses -------------------------------------------------------------------------------


def test_refusal_needs_a_reason_and_is_reported_to_the_operator(world):
    case = world.case(status=S.IN_PROGRESS)
    with pytest.raises(InvalidInput) as error:
        change_case_status(world.session, actor=world.agent, case_id=case.id, target=S.REFUSED, message=" ", now=NOW)
    assert (error.value.field, error.value.message) == ("message", "Le motif du refus est obligatoire.")
    change_case_status(
        world.session, actor=world.agent, case_id=case.id, target=S.REFUSED, message="  Acte inexistant. ", now=NOW
    )
    refusal = world.events(case)[-1]
    assert case.status is S.REFUSED and case.updated_at == NOW
    assert (refusal.case_status_before, refusal.case_status_after, refusal.message) == (
        S.IN_PROGRESS,
        S.REFUSED,
        "Acte inexistant.",
    )
    assert (refusal.author_account_id, refusal.transmitter_kind) == (world.agent.id, PartyKind.SI)
    assert [n.event_id for n in world.operator_queue(case)] == [refusal.id]
    assert world.session.get(Folder, case.folder_id).updated_at == NOW


def test_complement_request_needs_a_message_and_is_also_a_message_to_the_usager(world):
    case = world.case(status=S.SI_RECEIVED)
    with pytest.raises(InvalidInput) as error:
        change_case_status(world.session, actor=world.agent, case_id=case.id, target=S.ADD_AWAITING, now=NOW)
    assert error.value.field == "message"
    change_case_status(
        world.session, actor=world.agent, case_id=case.id, target=S.ADD_AWAITING, message="Merci de joindre…", now=NOW
    )
    status, message = world.events(case)[-2:]
    assert (status.action_type, status.case_status_after) == (EventAction.STATUS_UPDATE, S.ADD_AWAITING)
    assert (message.action_type, message.message) == (EventAction.SENDING_MESSAGE, "Merci de joindre…")
    assert {n.event_id for n in world.operator_queue(case)} == {status.id, message.id}
    # From En attente de compléments: only Traité or Refusé.
    with pytest.raises(Conflict):
        change_case_status(
            world.session, actor=world.agent, case_id=case.id, target=S.ADD_AWAITING, message="x", now=NOW
        )
    change_case_status(world.session, actor=world.agent, case_id=case.id, target=S.DONE, now=NOW)
    assert case.status is S.DONE


@pytest.mark.parametrize("code", ["CERTDC", "FormulaireQF"])
def test_no_complement_for_certdc_and_formulaire_qf(world, code):
    case = world.case(code, status=S.IN_PROGRESS)
    with pytest.raises(InvalidInput) as error:
        change_case_status(
            world.session, actor=world.agent, case_id=case.id, target=S.ADD_AWAITING, message="Complétez", now=NOW
        )
    assert error.value.message == "Cette démarche ne permet pas de demander un complément à l'usager."
    with pytest.raises(Forbidden) as message:
        send_message_to_usager(world.session, actor=world.agent, case_id=case.id, message="Bonjour", now=NOW)
    assert message.value.message == "Cette démarche ne permet pas d'envoyer de message à l'usager."
    assert case.status is S.IN_PROGRESS and world.operator_queue(case) == []


def test_no_status_goes_back_and_clos_is_final(world):
    done, closed = world.case(status=S.DONE), world.case(status=S.CLOSED)
    with pytest.raises(Conflict) as back:
        change_case_status(world.session, actor=world.agent, case_id=done.id, target=S.REFUSED, message="x", now=NOW)
    assert back.value.message.startswith("Passage impossible du statut « Traité » au statut « Refusé »")
    with pytest.raises(Forbidden) as final:
        change_case_status(world.session, actor=world.agent, case_id=closed.id, target=S.DONE, now=NOW)
    assert final.value.message == "Ce télédossier est clos : plus aucune modification n'est possible."
    for call in (
        lambda: add_comment(world.session, actor=world.agent, case_id=closed.id, text="Trop tard", now=NOW),
        lambda: send_message_to_usager(world.session, actor=world.agent, case_id=closed.id, message="x", now=NOW),
    ):
        with pytest.raises(Forbidden):
            call()
    assert len(world.events(closed)) == 1


def test_business_software_sets_statuses_through_the_same_implementation(world):
    case = world.case()
    software = Author("Logiciel Arpège")
    apply_status_change(world.session, case=case, author=software, target=S.SI_INTG_ERROR, message="XML invalide",
                        trigger=Trigger.SI_SOFTWARE, now=NOW)  # fmt: skip
    event = world.events(case)[-1]
    assert (event.author, event.author_account_id, event.message) == ("Logiciel Arpège", None, "XML invalide")
    assert case.status is S.SI_INTG_ERROR and len(world.operator_queue(case)) == 1
    with pytest.raises(Conflict):  # an agent cannot set an integration error
        apply_status_change(world.session, case=case, author=software, target=S.SI_RECEIVED, now=NOW)


def test_read_only_dossier_is_opened_but_never_changed(world):
    case = world.case()
    world.subscriptions["EtatCivil"].access_mode_changed_at = NOW - timedelta(hours=1)
    world.session.flush()
    open_case(world.session, actor=world.agent, case_id=case.id, now=NOW)
    assert case.status is S.HUBEE_NOTIFIED
    assert [e.action_type for e in world.events(case)] == [EventAction.TRANSMISSION, EventAction.CONSULTATION]
    for call in (
        lambda: record_download(world.session, actor=world.agent, case_id=case.id, now=NOW),
        lambda: change_case_status(world.session, actor=world.agent, case_id=case.id, target=S.DONE, now=NOW),
        lambda: add_comment(world.session, actor=world.agent, case_id=case.id, text="x", now=NOW),
    ):
        with pytest.raises(Forbidden) as error:
            call()
        assert error.value.message == READ_ONLY_REASON
    view = dossier_view(world.session, actor=world.agent, case_id=case.id)
    assert view.read_only and view.read_only_reason == READ_ONLY_REASON and view.next_statuses == ()
    # A dossier received after the switch is not frozen.
    later = world.case(at=NOW - timedelta(minutes=10))
    open_case(world.session, actor=world.agent, case_id=later.id, now=NOW)
    assert later.status is S.SI_RECEIVED


# --- Bulk Traité ------------------------------------------------------------------------------------


def test_mark_cases_done_reports_each_dossier_and_keeps_the_good_ones(world):
    good = world.case(status=S.IN_PROGRESS)
    closed = world.case(status=S.CLOSED)
    done = world.case(status=S.DONE)
    awaiting = world.case(status=S.ADD_AWAITING)
    theirs = world.deliver(orgs=[world.b])[0]
    ids = [good.id, closed.id, theirs.id, done.id, "n'importe quoi", awaiting.id, good.id]
    outcomes = mark_cases_done(world.session, actor=world.agent, case_ids=ids, now=NOW)
    assert [(o.external_id, o.ok) for o in outcomes] == [
        (good.external_id, True),
        (closed.external_id, False),
        (None, False),
        (done.external_id, False),
        (None, False),
        (awaiting.external_id, True),
    ]
    assert outcomes[1].message == "Ce télédossier est clos : plus aucune modification n'est possible."
    assert outcomes[2].message == outcomes[4].message == "Ce télédossier n'existe pas ou vous n'y avez pas accès."
    assert outcomes[3].message == "Déjà au statut « Traité » : rien à changer."
    assert (good.status, closed.status, done.status, awaiting.status) == (S.DONE, S.CLOSED, S.DONE, S.DONE)
    assert theirs.status is S.HUBEE_NOTIFIED and len(world.events(closed)) == 1


def test_a_failure_after_writing_rolls_back_that_dossier_only(world, monkeypatch):
    first, second, third = (world.case(status=S.IN_PROGRESS) for _ in range(3))
    real = case_actions.apply_status_change

    def fails_on_second(session, *, case, **kwargs):
        events = real(session, case=case, **kwargs)
        if case.id == second.id:
            raise Conflict("Modifié entre-temps par quelqu'un d'autre.")
        return events

    monkeypatch.setattr(case_actions, "apply_status_change", fails_on_second)
    outcomes = mark_cases_done(world.session, actor=world.agent, case_ids=[first.id, second.id, third.id], now=NOW)
    assert [o.ok for o in outcomes] == [True, False, True]
    world.session.expire_all()
    assert [c.status for c in (first, second, third)] == [S.DONE, S.IN_PROGRESS, S.DONE]
    assert [e.action_type for e in world.events(second)] == [EventAction.TRANSMISSION]
    assert world.operator_queue(second) == [] and len(world.operator_queue(third)) == 1


# --- Messages and comments --------------------------------------------------------------------------


def test_message_to_the_usager_is_queued_for_the_operator(world):
    case = world.case(status=S.IN_PROGRESS)
    with pytest.raises(InvalidInput) as empty:
        send_message_to_usager(world.session, actor=world.agent, case_id=case.id, message="  ", now=NOW)
    assert (empty.value.field, empty.value.message) == ("message", "Le message à l'usager est obligatoire.")
    with pytest.raises(InvalidInput) as long:
        send_message_to_usager(world.session, actor=world.agent, case_id=case.id, message="x" * 1001, now=NOW)
    assert long.value.message == "Le message à l'usager ne doit pas dépasser 1000 caractères."
    event = send_message_to_usager(world.session, actor=world.agent, case_id=case.id, message="Bonjour", now=NOW)
    assert (event.action_type, event.message, event.status) == (
        EventAction.SENDING_MESSAGE,
        "Bonjour",
        EventStatus.SENT,
    )
    assert [n.event_id for n in world.operator_queue(case)] == [event.id]
    assert case.status is S.IN_PROGRESS


def test_internal_comments_stay_inside_and_only_their_author_edits_them(world):
    case = world.case(status=S.IN_PROGRESS)
    comment = add_comment(world.session, actor=world.agent, case_id=case.id, text=" Appeler la mairie ", now=NOW)
    assert (comment.action_type, comment.comment, comment.notify) == (EventAction.COM_ADD, "Appeler la mairie", False)
    assert world.operator_queue(case) == []
    later = NOW + timedelta(hours=1)
    edit_comment(world.session, actor=world.agent, event_id=comment.id, text="Mairie appelée", now=later)
    assert (comment.comment, comment.updated_at, comment.created_at) == ("Mairie appelée", later, NOW)
    with pytest.raises(Forbidden) as other:
        edit_comment(world.session, actor=world.colleague, event_id=comment.id, text="Non", now=later)
    assert other.value.message == "Seul l'auteur d'un commentaire peut le modifier."
    with pytest.raises(Forbidden):
        add_comment(world.session, actor=world.reader, case_id=case.id, text="Lu", now=NOW)
    with pytest.raises(NotFound):
        edit_comment(world.session, actor=world.neighbour, event_id=comment.id, text="?", now=later)
    case.status = S.CLOSED
    with pytest.raises(Forbidden):
        edit_comment(world.session, actor=world.agent, event_id=comment.id, text="Encore", now=later)
    assert comment.comment == "Mairie appelée"


# --- The dossier page's read model ------------------------------------------------------------------


def test_dossier_view_tells_the_whole_story_in_french(world):
    case = world.case(subject="Hélène Lefèvre")
    session, agent = world.session, world.agent
    open_case(session, actor=agent, case_id=case.id, now=NOW)
    record_download(session, actor=agent, case_id=case.id, now=NOW + timedelta(minutes=1))
    add_comment(session, actor=agent, case_id=case.id, text="Acte trouvé", now=NOW + timedelta(minutes=2))
    change_case_status(session, actor=agent, case_id=case.id, target=S.ADD_AWAITING, message="Joindre le livret",
                       now=NOW + timedelta(minutes=3))  # fmt: skip
    view = dossier_view(session, actor=agent, case_id=case.id)
    who = world.name(agent)
    assert [h.description for h in view.history] == [
        "Transmission par DILA",
        f"Consultation par {who}",
        "Statut : Nouveau → Reçu",
        f"Téléchargement de toutes les pièces jointes par {who}",
        "Statut : Reçu → En cours",
        "Commentaire interne : Acte trouvé",
        "Statut : En cours → En attente de compléments (message : Joindre le livret)",
        "Message à l'usager : Joindre le livret",
    ]
    header = view.header
    assert (header.number, header.status_label, header.subject_name, header.process_code, header.operator_code) == (
        case.external_id,
        "En attente de compléments",
        "Hélène Lefèvre",
        "EtatCivil",
        "DILA",
    )
    assert [(c.text, bool(c.edit)) for c in view.comments] == [("Acte trouvé", True)]
    assert [(n.label, n.message_required) for n in view.next_statuses] == [("Refusé", True), ("Traité", False)]
    assert [a.file_name for a in view.attachments] == ["demande.xml", "justificatif.pdf"]
    assert all(a.download and a.origin == "Transmis avec le dossier" for a in view.attachments)
    assert view.may_message and view.may_comment and view.may_send_file and not view.read_only
    # Read only for the colleague's comment, nothing to decide for Consultation.
    other = dossier_view(session, actor=world.colleague, case_id=case.id)
    assert other.comments[0].edit.reason == "Seul l'auteur d'un commentaire peut le modifier."
    reader = dossier_view(session, actor=world.reader, case_id=case.id)
    assert reader.next_statuses == () and not reader.may_download
    assert reader.attachments[0].download.reason == "Cette action demande le rôle « Gestion des télédossiers »."
    assert [h.description for h in reader.history] == [h.description for h in view.history]


def test_dossier_view_for_a_refused_certdc(world):
    case = world.case("CERTDC", status=S.IN_PROGRESS)
    change_case_status(
        world.session, actor=world.agent, case_id=case.id, target=S.REFUSED, message="Hors délai", now=NOW
    )
    view = dossier_view(world.session, actor=world.agent, case_id=case.id)
    assert view.history[-1].description == "Statut : En cours → Refusé (motif : Hors délai)"
    assert view.history[0].description == "Transmission par DGS"
    assert [n.label for n in view.next_statuses] == []  # nothing but the operator's closure after Refusé
    assert view.may_download.reason == "Les pièces jointes d'un télédossier refusé ne peuvent plus être téléchargées."
    assert (
        not view.may_message
        and view.may_message.reason == "Cette démarche ne permet pas d'envoyer de message à l'usager."
    )
    assert view.may_send_file.reason == "Cette démarche ne permet pas d'envoyer un fichier à l'usager."
    in_progress = world.case("CERTDC", status=S.IN_PROGRESS)
    choices = dossier_view(world.session, actor=world.agent, case_id=in_progress.id).next_statuses
    assert [n.status for n in choices] == [S.REFUSED, S.DONE]  # no complément for CERTDC
