"""SPEC §3: an account belongs to exactly one SI, except the délégué technique and the platform administrator,
who belong to none — so they can never see an SI's dossiers through an SI membership."""

import pytest

from core.errors import InvalidInput
from core.models import ActorType
from tests.factories import make_account, make_organization


@pytest.mark.parametrize("actor_type", [ActorType.DELEGUE_TECHNIQUE, ActorType.PLATFORM_ADMIN], ids=lambda t: t.name)
def test_orgless_actor_types_cannot_be_attached_to_an_si(session, actor_type):
    organization = make_organization(session)
    with pytest.raises(InvalidInput):
        make_account(session, organization, actor_type)


@pytest.mark.parametrize("actor_type", [ActorType.DELEGUE_TECHNIQUE, ActorType.PLATFORM_ADMIN], ids=lambda t: t.name)
def test_orgless_actor_types_are_created_without_an_si(session, actor_type):
    account = make_account(session, None, actor_type)
    assert account.organization_id is None and account.actor_type is actor_type


@pytest.mark.parametrize("actor_type", [ActorType.AGENT, ActorType.ADMIN_LOCAL], ids=lambda t: t.name)
def test_si_accounts_need_an_si(session, actor_type):
    with pytest.raises(InvalidInput) as raised:
        make_account(session, None, actor_type)
    assert raised.value.field == "organization"
