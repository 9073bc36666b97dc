"""Gestion des comptes (SPEC §3): the list, its filters and CSV, creation, rights, deactivation."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from core.csv_export import BOM
from core.errors import Conflict, Forbidden, InvalidInput
from core.models import (
    Account,
    AccountRole,
    ActorType,
    AuditEntry,
    Civility,
    Habilitation,
    OutboxEmail,
    PortalSession,
    Role,
    SessionStage,
)
from core.services.account_admin import (
    ACCOUNT_CSV_HEADER,
    FEW_ADMINS,
    NO_HABILITATION,
    AccountQuery,
    NewAccount,
    account_form_options,
    add_account,
    export_accounts_csv,
    list_accounts,
)
from core.services.account_sheet import account_sheet
from core.services.accounts import AccountRights, create_account, set_account_active, update_account_rights
from core.services.actors import actor_for
from core.services.forms import InvalidFields
from core.sessions import open_session
from core.text import search_key
from tests.factories import make_account, make_organization, subscribe

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def person(session, org, actor_type, first, last, *, roles=None, habilitations=frozenset(), email=None):
    return create_account(
        session,
        actor=None,
        email=email
        or f"{search_key(first)}.{search_key(last)}@mairie.test".replace(" ", "")
        .replace("=", "")
        .replace("+", "")
        .replace("(", "")
        .replace(")", ""),
        civility=Civility.MADAME,
        first_name=first,
        last_name=last,
        phone="0123456789",
        actor_type=actor_type,
        organization_id=org.id if org else None,
        roles=roles,
        habilitations=habilitations,
        now=NOW,
    )


@pytest.fixture
def commune(session):
    """An SI with two subscriptions, its administratrice locale and an agent (as in seed 000's list)."""
    org = make_organization(session, "Commune de Rochefourchat")
    etat_civil = subscribe(session, org, "EtatCivil").process_id
    rco = subscribe(session, org, "recensementCitoyen").process_id
    admin = person(session, org, ActorType.ADMIN_LOCAL, "Valérie", "LECLERC")
    agent = person(session, org, ActorType.AGENT, "Jeanne", "DUPONT", habilitations=frozenset({etat_civil}))
    return {"org": org, "admin": admin, "agent": agent, "etat_civil": etat_civil, "rco": rco}


def actor(session, account):
    return actor_for(session, account)


def names(page):
    return [row.last_name for row in page.rows]


# --- The list -------------------------------------------------------------------------------------


def test_list_shows_the_seed_columns(session, commune):
    page = list_accounts(session, actor=actor(session, commune["admin"]), query=AccountQuery())
    by_name = {row.last_name: row for row in page.rows}
    assert names(page) == ["DUPONT", "LECLERC"]
    assert by_name["LECLERC"].roles == ("Gestion des utilisateurs", "Gestion des abonnements")
    assert by_name["LECLERC"].habilitations == (NO_HABILITATION,)
    assert (by_name["DUPONT"].actor_type, by_name["DUPONT"].active) == ("Agent", True)
    assert by_name["DUPONT"].roles == ("Gestion des télédossiers",)
    assert by_name["DUPONT"].habilitations == ("Demande d'acte d'état civil (AEC)",)
    assert page.total == 2 and page.may_manage


def test_filters_by_type_role_demarche_and_activity(session, commune):
    me = actor(session, commune["admin"])
    person(session, commune["org"], ActorType.AGENT, "Paul", "MARTIN", habilitations=frozenset({commune["rco"]}))
    gone = person(session, commune["org"], ActorType.AGENT, "Luc", "ROUX", habilitations=frozenset({commune["rco"]}))
    gone.active = False
    session.flush()

    def listed(**filters):
        return names(list_accounts(session, actor=me, query=AccountQuery(**filters)))

    assert listed(actor_type=ActorType.ADMIN_LOCAL) == ["LECLERC"]
    assert listed(role=Role.USERS_GESTION) == ["LECLERC"]
    assert listed(role=Role.DOSSIERS_GESTION) == ["DUPONT", "MARTIN", "ROUX"]
    assert listed(process_id=commune["rco"]) == ["MARTIN", "ROUX"]
    assert listed(active=False) == ["ROUX"]
    assert listed(active=True, process_id=commune["rco"]) == ["MARTIN"]


def test_search_ignores_case_and_accents_on_names_and_email(session, commune):
    me = actor(session, commune["admin"])
    person(session, commune["org"], ActorType.AGENT, "Éloïse", "Bérénger", habilitations=frozenset({commune["rco"]}))

    def found(text):
        return names(list_accounts(session, actor=me, query=AccountQuery(search=text)))

    assert found("valerie") == ["LECLERC"]
    assert found("ELOISE beren") == ["Bérénger"]
    assert found("jeanne.dupont@") == ["DUPONT"]
    assert found("100%") == []


def test_pages_come_from_the_server(session, commune):
    me = actor(session, commune["admin"])
    for n in range(28):
        person(
            session, commune["org"], ActorType.AGENT, "Agent", f"Z{n:02d}", habilitations=frozenset({commune["rco"]})
        )
    first = list_accounts(session, actor=me, query=AccountQuery(), page=1, page_size=25)
    second = list_accounts(session, actor=me, query=AccountQuery(), page=2, page_size=25)
    beyond = list_accounts(session, actor=me, query=AccountQuery(), page=9, page_size=25)
    assert (first.total, first.page_count, len(first.rows), len(second.rows)) == (30, 2, 25, 5)
    assert names(second) == [f"Z{n:02d}" for n in range(23, 28)]
    assert beyond.page == 2


def test_only_the_own_si_and_read_only_for_consultation(session, commune):
    neighbour = make_organization(session, "Commune voisine")
    person(session, neighbour, ActorType.ADMIN_LOCAL, "Autre", "VOISIN")
    reader = person(session, commune["org"], ActorType.ADMIN_LOCAL, "Lise", "LECTRICE", roles={Role.USERS_CONSULTATION})
    page = list_accounts(session, actor=actor(session, reader), query=AccountQuery(organization_id=neighbour.id))
    assert "VOISIN" not in names(page) and "LECLERC" in names(page)
    assert not page.may_manage
    with pytest.raises(Forbidden):
        list_accounts(session, actor=actor(session, commune["agent"]), query=AccountQuery())


def test_platform_admin_lists_any_si_or_everybody(session, commune):
    platform = actor(session, person(session, None, ActorType.PLATFORM_ADMIN, "Plate", "FORME"))
    neighbour = make_organization(session, "Commune voisine")
    person(session, neighbour, ActorType.ADMIN_LOCAL, "Autre", "VOISIN")
    assert names(list_accounts(session, actor=platform, query=AccountQuery(organization_id=neighbour.id))) == ["VOISIN"]
    everybody = list_accounts(session, actor=platform, query=AccountQuery())
    assert set(names(everybody)) == {"DUPONT", "LECLERC", "VOISIN", "FORME"}
    assert {r.organization_name for r in everybody.rows} == {"Commune de Rochefourchat", "Commune voisine", None}


def test_warning_below_two_active_local_admins(session, commune):
    me = actor(session, commune["admin"])
    assert list_accounts(session, actor=me, query=AccountQuery()).warning == FEW_ADMINS
    person(session, commune["org"], ActorType.ADMIN_LOCAL, "Marc", "SECOND")
    assert list_accounts(session, actor=me, query=AccountQuery()).warning is None


def test_csv_for_french_excel_with_formulas_neutralised(session, commune):
    person(session, commune["org"], ActorType.AGENT, "=cmd", "+SOMME(A1)", habilitations=frozenset({commune["rco"]}))
    text = "".join(export_accounts_csv(session, actor=actor(session, commune["admin"]), query=AccountQuery()))
    assert text.startswith(BOM)
    lines = text[1:].split("\r\n")
    assert lines[0] == ";".join(ACCOUNT_CSV_HEADER)
    assert "Oui;'+SOMME(A1);'=cmd;" in text
    assert (
        "Oui;LECLERC;Valérie;valerie.leclerc@mairie.test;Administrateur local;"
        "Gestion des utilisateurs, Gestion des abonnements;Sans habilitations;Commune de Rochefourchat"
    ) in lines


# --- Creation -------------------------------------------------------------------------------------


def new_agent(**changes):
    fields = dict(
        actor_type=ActorType.AGENT,
        email="paul.agent@mairie.test",
        civility=Civility.MONSIEUR,
        first_name="Paul",
        last_name="Agent",
        phone="01 23 45 67 89",
        function="Agent d'état civil",
    )
    return NewAccount(**{**fields, **changes})


def test_creation_reports_every_wrong_field_at_once(session, commune):
    form = new_agent(email="pas-une-adresse", civility=None, first_name=" ", phone="12", phone_secondary="abc")
    with pytest.raises(InvalidFields) as error:
        add_account(session, actor=actor(session, commune["admin"]), form=form, now=NOW)
    assert list(error.value.errors) == ["email", "civility", "first_name", "phone", "phone_secondary", "habilitations"]
    assert error.value.errors["first_name"] == "Le champ « Prénom » est obligatoire."
    assert error.value.errors["habilitations"] == "Un agent doit être habilité à au moins une démarche."


def test_creation_refuses_an_existing_email_and_unsubscribed_demarches(session, commune):
    cert_dc = subscribe(session, make_organization(session), "CERTDC").process_id
    form = new_agent(email="JEANNE.dupont@mairie.test", habilitations=frozenset({cert_dc}))
    with pytest.raises(InvalidFields) as error:
        add_account(session, actor=actor(session, commune["admin"]), form=form, now=NOW)
    assert error.value.errors == {
        "email": "Un compte existe déjà avec l'adresse jeanne.dupont@mairie.test.",
        "habilitations": "Seules les démarches auxquelles le service instructeur est abonné peuvent être attribuées.",
    }


def test_agent_created_with_two_habilitations_gets_its_activation_email(session, commune):
    habilitations = frozenset({commune["etat_civil"], commune["rco"]})
    account = add_account(
        session, actor=actor(session, commune["admin"]), form=new_agent(habilitations=habilitations), now=NOW
    )
    assert (account.organization_id, account.phone) == (commune["org"].id, "0123456789")
    assert set(session.exec(select(AccountRole.role).where(AccountRole.account_id == account.id))) == {
        Role.DOSSIERS_GESTION
    }
    assert set(session.exec(select(Habilitation.process_id).where(Habilitation.account_id == account.id))) == (
        habilitations
    )
    [mail] = session.exec(select(OutboxEmail).where(OutboxEmail.to_address == "paul.agent@mairie.test")).all()
    assert mail.template == "activation" and "Commune de Rochefourchat" in mail.body_text


def test_creation_needs_gestion_des_utilisateurs_in_that_si(session, commune):
    reader = person(session, commune["org"], ActorType.ADMIN_LOCAL, "Lise", "LECTRICE", roles={Role.USERS_CONSULTATION})
    with pytest.raises(Forbidden):
        add_account(session, actor=actor(session, reader), form=new_agent(), now=NOW)
    with pytest.raises(Forbidden):
        account_form_options(session, actor=actor(session, reader))
    options = account_form_options(session, actor=actor(session, commune["admin"]))
    assert [label for _, label in options.processes] == [
        "Demande d'acte d'état civil (AEC)",
        "Recensement citoyen obligatoire (RCO)",
    ]


def test_only_the_platform_admin_creates_a_delegue_technique(session, commune):
    dt_form = new_agent(actor_type=ActorType.DELEGUE_TECHNIQUE, email="dt@editeur.test")
    with pytest.raises(InvalidInput):
        add_account(session, actor=actor(session, commune["admin"]), form=dt_form, now=NOW)
    platform = actor(session, person(session, None, ActorType.PLATFORM_ADMIN, "Plate", "FORME"))
    account = add_account(session, actor=platform, form=dt_form, now=NOW)
    assert (account.actor_type, account.organization_id) == (ActorType.DELEGUE_TECHNIQUE, None)


# --- Rights ---------------------------------------------------------------------------------------


def rights(actor_type=ActorType.AGENT, roles=(Role.DOSSIERS_GESTION,), habilitations=()):
    return AccountRights(actor_type, frozenset(roles), frozenset(habilitations))


def test_habilitations_only_for_subscribed_demarches_and_at_least_one(session, commune):
    me, agent = actor(session, commune["admin"]), commune["agent"]
    both = rights(habilitations={commune["etat_civil"], commune["rco"]})
    update_account_rights(session, actor=me, account_id=agent.id, rights=both, now=NOW)
    assert actor(session, agent).habilitations == {commune["etat_civil"], commune["rco"]}
    cert_dc = subscribe(session, make_organization(session), "CERTDC").process_id
    with pytest.raises(Forbidden, match="abonné"):
        update_account_rights(session, actor=me, account_id=agent.id, rights=rights(habilitations={cert_dc}), now=NOW)
    with pytest.raises(InvalidInput, match="au moins une démarche"):
        update_account_rights(session, actor=me, account_id=agent.id, rights=rights(), now=NOW)
    assert actor(session, agent).habilitations == {commune["etat_civil"], commune["rco"]}
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "account.rights")).first()
    assert entry.target_id == str(agent.id) and entry.account_id == commune["admin"].id


def test_agent_promoted_to_local_admin_has_no_habilitation_any_more(session, commune):
    promoted = rights(ActorType.ADMIN_LOCAL, (Role.USERS_GESTION, Role.DOSSIERS_GESTION), {commune["etat_civil"]})
    update_account_rights(
        session, actor=actor(session, commune["admin"]), account_id=commune["agent"].id, rights=promoted, now=NOW
    )
    after = actor(session, commune["agent"])
    assert (after.actor_type, after.habilitations) == (ActorType.ADMIN_LOCAL, frozenset())
    assert after.roles == {Role.USERS_GESTION, Role.DOSSIERS_GESTION}


def test_nobody_changes_their_own_type_habilitations_or_management(session, commune):
    admin = commune["admin"]
    me = actor(session, admin)
    with pytest.raises(Forbidden, match="type d'acteur"):
        update_account_rights(
            session, actor=me, account_id=admin.id, rights=rights(ActorType.AGENT, habilitations={1}), now=NOW
        )
    with pytest.raises(Forbidden):
        update_account_rights(
            session, actor=me, account_id=admin.id,
            rights=rights(ActorType.ADMIN_LOCAL, me.roles | {Role.USERS_CONSULTATION} - {Role.USERS_GESTION}), now=NOW,
        )  # fmt: skip
    # Seed 000, Action 2: its own dossier roles are allowed.
    update_account_rights(
        session,
        actor=me,
        account_id=admin.id,
        rights=rights(ActorType.ADMIN_LOCAL, me.roles | {Role.DOSSIERS_GESTION}),
        now=NOW,
    )
    assert Role.DOSSIERS_GESTION in actor(session, admin).roles
    agent = actor(session, commune["agent"])
    with pytest.raises(Forbidden, match="habilitations"):
        update_account_rights(
            session, actor=agent, account_id=agent.id, rights=rights(habilitations={commune["rco"]}), now=NOW
        )


# --- Activity -------------------------------------------------------------------------------------


def test_deactivation_ends_sessions_and_reactivation_restores(session, commune):
    me, agent = actor(session, commune["admin"]), commune["agent"]
    open_session(session, agent, SessionStage.ACTIVE, now=NOW)
    set_account_active(session, actor=me, account_id=agent.id, active=False, now=NOW)
    assert (agent.active, agent.deactivated_at) == (False, NOW)
    assert all(
        s.ended_at == NOW for s in session.exec(select(PortalSession).where(PortalSession.account_id == agent.id))
    )
    with pytest.raises(Conflict):
        set_account_active(session, actor=me, account_id=agent.id, active=False, now=NOW)
    set_account_active(session, actor=me, account_id=agent.id, active=True, now=NOW)
    assert (agent.active, agent.deactivated_at) == (True, None)
    assert session.get(Account, agent.id) is not None
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.target_id == str(agent.id))).all()
    assert {"account.deactivate", "account.reactivate"} <= set(actions)


def test_no_self_deactivation_and_no_delegue_technique_by_an_si(session, commune):
    me = actor(session, commune["admin"])
    with pytest.raises(Forbidden, match="propre compte"):
        set_account_active(session, actor=me, account_id=commune["admin"].id, active=False, now=NOW)
    delegate = person(session, None, ActorType.DELEGUE_TECHNIQUE, "Dé", "LÉGUÉ")
    with pytest.raises(Forbidden, match="délégué technique"):
        set_account_active(session, actor=me, account_id=delegate.id, active=False, now=NOW)
    platform = actor(session, person(session, None, ActorType.PLATFORM_ADMIN, "Plate", "FORME"))
    set_account_active(session, actor=platform, account_id=delegate.id, active=False, now=NOW)
    assert not delegate.active


def test_sheet_says_what_may_be_changed(session, commune):
    me = actor(session, commune["admin"])
    own = account_sheet(session, actor=me, account_id=commune["admin"].id)
    assert own.is_self and not own.rights_editable and own.own_dossier_roles and not own.may_set_active
    other = account_sheet(session, actor=me, account_id=commune["agent"].id)
    assert other.rights_editable and other.may_set_active
    assert [label for _, label in other.processes] == [
        "Demande d'acte d'état civil (AEC)",
        "Recensement citoyen obligatoire (RCO)",
    ]
    delegate = make_account(session, None, ActorType.DELEGUE_TECHNIQUE)
    with pytest.raises(Forbidden):
        account_sheet(session, actor=me, account_id=delegate.id)
