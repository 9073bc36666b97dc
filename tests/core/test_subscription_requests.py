"""Demandes d'abonnement (SPEC §5, seeds 003 and 004): the request, its checks, and the platform's decision."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from fpdf import FPDF
from sqlmodel import select

from core.errors import Conflict, Forbidden, InvalidInput
from core.models import (
    Account,
    AccountRole,
    ActorType,
    Civility,
    Organization,
    OutboxEmail,
    RequestStatus,
    Role,
    Subscription,
    SubscriptionStatus,
)
from core.services.accounts import account_by_email
from core.services.actors import actor_for
from core.services.folders import process_by_code
from core.services.forms import InvalidFields
from core.services.request_decisions import (
    list_subscription_requests,
    refuse_subscription_request,
    validate_subscription_request,
)
from core.services.subscription_requests import (
    MAX_DELIBERATION_BYTES,
    Person,
    RequestForm,
    deliberation_pdf,
    is_mayor,
    request_form_view,
    submit_subscription_request,
)
from tests.factories import make_account, make_organization, subscribe, valid_siret

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
NEW_SIRET = valid_siret("2126031800")
MAYOR = Person("Martine", "Faure", "Maire", "maire@saint-pons.test", "04 75 46 01 00")
SECRETARY = Person("Yannick", "Boyer", "Secrétaire de mairie", "y.boyer@saint-pons.test", "0475460101")


def pdf_bytes() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Délibération : tarification selon le quotient familial CAF/MSA")
    return bytes(pdf.output())


def form(**changes) -> RequestForm:
    base = RequestForm(
        organization_siret=NEW_SIRET,
        organization_name="Commune de Saint-Pons",
        requester=MAYOR,
        business_admin=SECRETARY,
        process_codes=("EtatCivil", "recensementCitoyen"),
    )
    return replace(base, **changes)


def qf_form(**changes) -> RequestForm:
    fields = dict(
        process_codes=("FormulaireQF",),
        deliberation_pdf=pdf_bytes(),
        dpo_name="Syndicat numérique (DPO mutualisé)",
        dpo_email="dpo@syndicat.test",
        dpo_position="Délégué à la protection des données",
    )
    return form(**{**fields, **changes})


@pytest.fixture
def platform(session):
    return actor_for(session, make_account(session, None, ActorType.PLATFORM_ADMIN))


@pytest.fixture
def commune(session):
    org = make_organization(session, "Commune de Rochefourchat")
    subscribe(session, org, "EtatCivil")
    subscribe(session, org, "HebergementTourisme", status=SubscriptionStatus.REFUSE, access_mode=None)
    admin = make_account(session, org, ActorType.ADMIN_LOCAL)
    return org, actor_for(session, admin)


# --- The form -------------------------------------------------------------------------------------


def test_form_greys_out_subscribed_and_pending_demarches(session, commune, platform, store):
    org, admin = commune
    submit_subscription_request(
        session, actor=admin, form=form(process_codes=("CERTDC",), business_admin=SECRETARY), now=NOW, store=store
    )
    view = request_form_view(session, actor=admin)
    assert (view.organization_siret, view.organization_name) == (org.siret, "Commune de Rochefourchat")
    assert view.requester.email == session.get(Account, admin.id).email
    unavailable = {p.code: p.unavailable for p in view.processes if p.unavailable}
    assert unavailable == {
        "EtatCivil": "votre service instructeur est déjà abonné à cette démarche",
        "CERTDC": "une demande est déjà en attente pour cette démarche",
    }
    assert request_form_view(session, actor=platform, siret=org.siret).organization_id == org.id


def test_every_wrong_field_is_reported_at_once(session, platform, store):
    bad = form(
        organization_siret="12345678901234",
        organization_name="",
        requester=Person("", "Faure", "Maire", "maire@", "12"),
        process_codes=(),
    )
    with pytest.raises(InvalidFields) as error:
        submit_subscription_request(session, actor=platform, form=bad, now=NOW, store=store)
    assert list(error.value.errors) == [
        "organization_siret",
        "organization_name",
        "requester_first_name",
        "requester_phone",
        "requester_email",
        "process_codes",
    ]
    assert error.value.errors["organization_siret"] == "Ce SIRET n'est pas valide (clé de contrôle incorrecte)."


def test_a_second_request_for_a_subscribed_demarche_is_refused(session, commune, store):
    _, admin = commune
    with pytest.raises(InvalidFields) as error:
        submit_subscription_request(session, actor=admin, form=form(process_codes=("EtatCivil",)), now=NOW, store=store)
    assert error.value.errors["process_codes"] == (
        "Démarche « EtatCivil » : votre service instructeur est déjà abonné à cette démarche. "
        "Un seul abonnement par démarche."
    )
    # A refused subscription may be asked for again.
    request = submit_subscription_request(
        session, actor=admin, form=form(process_codes=("HebergementTourisme",)), now=NOW, store=store
    )
    assert request.status is RequestStatus.EN_ATTENTE and request.datapass_number == str(request.id)


def test_only_gestion_des_abonnements_files_a_request(session, commune, store):
    org, _ = commune
    reader = make_account(
        session, org, ActorType.ADMIN_LOCAL, roles=frozenset({Role.USERS_GESTION, Role.SUBSCRIPTIONS_CONSULTATION})
    )
    with pytest.raises(Forbidden):
        submit_subscription_request(session, actor=actor_for(session, reader), form=form(), now=NOW, store=store)


def test_the_future_admin_cannot_be_someone_of_another_si(session, platform, store):
    make_account(session, make_organization(session), ActorType.ADMIN_LOCAL, email="y.boyer@saint-pons.test")
    with pytest.raises(InvalidFields) as error:
        submit_subscription_request(session, actor=platform, form=form(), now=NOW, store=store)
    assert list(error.value.errors) == ["business_admin_email"]


# --- FormulaireQF ---------------------------------------------------------------------------------


def test_qf_request_stores_a_real_pdf(session, platform, store):
    request = submit_subscription_request(session, actor=platform, form=qf_form(), now=NOW, store=store)
    assert request.dpo_email == "dpo@syndicat.test"
    assert store.read_bytes(request.deliberation_attachment_id) == pdf_bytes()
    assert deliberation_pdf(session, actor=platform, request_id=request.id, store=store).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("deliberation", "message"),
    [
        (None, "Joignez la délibération (fichier PDF)."),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "La délibération doit être un fichier PDF."),
        (b"%PDF-1.7 but cut in the middle", "La délibération doit être un fichier PDF."),
        (b"%PDF-1.4\n" + b"0" * MAX_DELIBERATION_BYTES + b"\n%%EOF\n", "La délibération ne doit pas dépasser 10 Mo."),
    ],
)
def test_qf_deliberation_is_checked(session, platform, store, deliberation, message):
    with pytest.raises(InvalidFields) as error:
        submit_subscription_request(
            session, actor=platform, form=qf_form(deliberation_pdf=deliberation), now=NOW, store=store
        )
    assert error.value.errors == {"deliberation": message}


def test_qf_dpo_differs_from_the_demandeur_and_is_not_the_mayor(session, platform, store):
    same = qf_form(dpo_name="Martine FAURE", dpo_email="dpo@saint-pons.test")
    with pytest.raises(InvalidFields) as error:
        submit_subscription_request(session, actor=platform, form=same, now=NOW, store=store)
    assert error.value.errors == {
        "dpo_email": "Le délégué à la protection des données doit être une autre personne que le demandeur."
    }
    mayor = qf_form(requester=SECRETARY, dpo_name="Martine Faure", dpo_email="maire@saint-pons.test", dpo_position="")
    with pytest.raises(InvalidFields) as error:
        submit_subscription_request(session, actor=platform, form=mayor, now=NOW, store=store)
    assert (
        error.value.errors["dpo_position"]
        == "Le champ « Fonction du délégué à la protection des données » est obligatoire."
    )
    assert set(error.value.errors) == {"dpo_position"}


@pytest.mark.parametrize(
    ("position", "email", "mayor"),
    [
        ("Maire", "", True),
        ("Madame le Maire", "", True),
        ("maire délégué", "", True),
        ("DPO", "maire@commune.test", True),
        ("Adjointe au maire", "", False),
        ("Maire-adjoint", "", False),
        ("Secrétaire de mairie", "", False),
        ("DPO mutualisé", "dpo@syndicat.test", False),
    ],
)
def test_who_counts_as_the_mayor(position, email, mayor):
    assert is_mayor(position, email) is mayor


# --- The decision ---------------------------------------------------------------------------------


def test_validation_creates_the_si_its_inactive_subscriptions_and_its_administrator(session, platform, store):
    request = submit_subscription_request(session, actor=platform, form=form(), now=NOW, store=store)
    [pending] = list_subscription_requests(session, actor=platform, pending_only=True)
    assert not pending.organization_exists and pending.new_admins == (("y.boyer@saint-pons.test", "Yannick Boyer"),)
    with pytest.raises(InvalidInput) as error:
        validate_subscription_request(
            session,
            actor=platform,
            request_id=request.id,
            civilities={"y.boyer@saint-pons.test": Civility.MONSIEUR},
            now=NOW,
        )
    assert error.value.field == "branch_code"
    decision = validate_subscription_request(
        session,
        actor=platform,
        request_id=request.id,
        civilities={"y.boyer@saint-pons.test": Civility.MONSIEUR},
        branch_code="26318",
        now=NOW,
    )
    organization = session.get(Organization, decision.organization_id)
    assert (organization.siret, organization.name, organization.branch_code) == (
        NEW_SIRET,
        "Commune de Saint-Pons",
        "26318",
    )
    subscriptions = session.exec(select(Subscription).where(Subscription.organization_id == organization.id)).all()
    assert {s.status for s in subscriptions} == {SubscriptionStatus.INACTIF}
    assert {s.datapass_number for s in subscriptions} == {str(request.id)}
    admin = account_by_email(session, "y.boyer@saint-pons.test")
    assert (admin.actor_type, admin.organization_id, admin.civility, admin.function) == (
        ActorType.ADMIN_LOCAL,
        organization.id,
        Civility.MONSIEUR,
        "Secrétaire de mairie",
    )
    assert set(session.exec(select(AccountRole.role).where(AccountRole.account_id == admin.id))) == {
        Role.USERS_GESTION,
        Role.SUBSCRIPTIONS_GESTION,
    }
    assert {s.responsible_admin_id for s in subscriptions} == {admin.id}
    [mail] = session.exec(select(OutboxEmail).where(OutboxEmail.to_address == admin.email)).all()
    assert mail.template == "activation"
    assert request.status is RequestStatus.VALIDEE and request.decided_by_id == platform.id
    with pytest.raises(Conflict, match="déjà été traitée"):
        refuse_subscription_request(session, actor=platform, request_id=request.id, reason="Trop tard", now=NOW)


def test_validation_gives_a_refused_subscription_a_new_chance(session, commune, platform, store):
    org, admin = commune
    request = submit_subscription_request(
        session,
        actor=admin,
        form=form(process_codes=("HebergementTourisme",), business_admin=SECRETARY),
        now=NOW,
        store=store,
    )
    validate_subscription_request(
        session, actor=platform, request_id=request.id, civilities={SECRETARY.email: Civility.MONSIEUR}, now=NOW
    )
    tourism = process_by_code(session, "HebergementTourisme")
    [subscription] = session.exec(
        select(Subscription).where(Subscription.organization_id == org.id, Subscription.process_id == tourism.id)
    ).all()
    assert (subscription.status, subscription.request_id, subscription.validated_at) == (
        SubscriptionStatus.INACTIF,
        request.id,
        NOW,
    )


def test_qf_validation_makes_the_demandeur_a_local_admin_who_sees_dossiers(session, platform, store):
    request = submit_subscription_request(session, actor=platform, form=qf_form(), now=NOW, store=store)
    civilities = {MAYOR.email: Civility.MADAME, SECRETARY.email: Civility.MONSIEUR}
    decision = validate_subscription_request(
        session, actor=platform, request_id=request.id, civilities=civilities, branch_code="26318", now=NOW
    )
    assert set(decision.new_accounts) == {MAYOR.email, SECRETARY.email}
    requester = account_by_email(session, MAYOR.email)
    assert requester.actor_type is ActorType.ADMIN_LOCAL
    assert Role.DOSSIERS_GESTION in actor_for(session, requester).roles


def test_refusal_needs_a_reason_and_creates_nothing(session, platform, store):
    request = submit_subscription_request(session, actor=platform, form=form(), now=NOW, store=store)
    with pytest.raises(InvalidInput) as error:
        refuse_subscription_request(session, actor=platform, request_id=request.id, reason=" ", now=NOW)
    assert error.value.field == "refusal_reason"
    refuse_subscription_request(
        session, actor=platform, request_id=request.id, reason="SIRET d'un établissement privé", now=NOW
    )
    assert (request.status, request.refusal_reason) == (RequestStatus.REFUSEE, "SIRET d'un établissement privé")
    assert session.exec(select(Organization).where(Organization.siret == NEW_SIRET)).first() is None
    assert list_subscription_requests(session, actor=platform, pending_only=True) == []


def test_only_the_platform_decides_and_an_si_sees_its_own_requests(session, commune, platform, store):
    org, admin = commune
    request = submit_subscription_request(
        session, actor=admin, form=form(process_codes=("CERTDC",)), now=NOW, store=store
    )
    submit_subscription_request(session, actor=platform, form=form(), now=NOW, store=store)
    with pytest.raises(Forbidden):
        validate_subscription_request(session, actor=admin, request_id=request.id, civilities={}, now=NOW)
    assert [r.id for r in list_subscription_requests(session, actor=admin)] == [request.id]
    assert len(list_subscription_requests(session, actor=platform)) == 2
    with pytest.raises(InvalidInput, match="civilité"):
        validate_subscription_request(session, actor=platform, request_id=request.id, civilities={}, now=NOW)
