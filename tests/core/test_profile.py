""" "Mon compte": own civility, function and phones; the dossier roles for an administrateur local only."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from core.errors import Forbidden, InvalidInput
from core.models import AccountRole, ActorType, Civility, Role
from core.services.profile import ProfileUpdate, set_own_dossier_roles, update_own_profile
from tests.factories import make_account, make_organization, subscribe

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def roles_of(session, account_id):
    return set(session.exec(select(AccountRole.role).where(AccountRole.account_id == account_id)))


def test_person_updates_own_phones_and_function(session):
    agent = make_account(session, make_organization(session), ActorType.ADMIN_LOCAL)
    update = ProfileUpdate(
        civility=Civility.MONSIEUR, phone="+33 6 12 34 56 78", function=" Secrétaire de mairie ", phone_secondary=""
    )
    account = update_own_profile(session, account_id=agent.id, update=update, now=NOW)
    assert (account.civility, account.phone, account.function, account.phone_secondary) == (
        Civility.MONSIEUR,
        "+33612345678",
        "Secrétaire de mairie",
        None,
    )


def test_invalid_phone_names_the_field_and_changes_nothing(session):
    agent = make_account(session, make_organization(session), ActorType.ADMIN_LOCAL)
    with pytest.raises(InvalidInput) as error:
        update_own_profile(
            session, account_id=agent.id, update=ProfileUpdate(civility=Civility.MONSIEUR, phone="12"), now=NOW
        )
    assert error.value.field == "phone"
    assert agent.civility is Civility.MADAME and agent.phone == "0123456789"


def test_admin_local_adds_and_removes_its_dossier_roles(session):
    admin = make_account(session, make_organization(session), ActorType.ADMIN_LOCAL)
    set_own_dossier_roles(session, account_id=admin.id, roles=frozenset({Role.DOSSIERS_GESTION}), now=NOW)
    assert roles_of(session, admin.id) == {Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION, Role.DOSSIERS_GESTION}
    set_own_dossier_roles(session, account_id=admin.id, roles=frozenset(), now=NOW)
    assert Role.DOSSIERS_GESTION not in roles_of(session, admin.id)


def test_agent_cannot_change_its_own_roles(session):
    org = make_organization(session)
    process_id = subscribe(session, org, "EtatCivil").process_id
    agent = make_account(session, org, ActorType.AGENT, habilitations=frozenset({process_id}))
    with pytest.raises(Forbidden):
        set_own_dossier_roles(session, account_id=agent.id, roles=frozenset({Role.DOSSIERS_CONSULTATION}), now=NOW)
    assert roles_of(session, agent.id) == {Role.DOSSIERS_GESTION}
