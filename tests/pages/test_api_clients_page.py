"""Clients API des opérateurs through AppTest: the platform administrator creates, regenerates and revokes."""

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.config import get_settings
from core.db import session_scope
from core.models import ActorType, OperatorClient, Role
from core.permissions import Actor
from core.services.api_clients import issue_token, verify_client_secret
from pages.components.nav import screens_for
from tests.pages.test_app_shell import account_with_password, login

ADMIN_EMAIL = "plateforme@syndicat.test"
ZONE = get_settings().zone
NOTICE = "Notez la clé secrète maintenant : elle n'est conservée que sous forme d'empreinte."


def open_page(db) -> AppTest:
    with session_scope(db) as s:
        account_with_password(s, None, ActorType.PLATFORM_ADMIN, email=ADMIN_EMAIL)
    at = login(ADMIN_EMAIL)
    at.switch_page("pages/api_clients.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Clients API des opérateurs"]
    return at


def shown_secret(at: AppTest) -> str:
    assert [w.value for w in at.warning] == [NOTICE]
    [code] = at.code
    return code.value


def stored_hash(client_id: str) -> str:
    with session_scope() as s:
        return s.exec(select(OperatorClient.secret_hash).where(OperatorClient.client_id == client_id)).one()


def token_for(client_id: str, secret: str) -> str | None:
    with session_scope() as s:
        grant = issue_token(s, client_id=client_id, client_secret=secret, scope="OSL", now=utcnow())
    return grant.access_token


def create_client(at: AppTest, operator: str, label: str) -> tuple[str, str]:
    at.selectbox(key="api_clients_new_operator").set_value(operator)
    at.text_input(key="api_clients_new_label").input(label)
    at.button(key="api_clients_new_submit").click().run()
    assert not at.exception, at.exception
    secret = shown_secret(at)
    client_id = at.dataframe[0].value.iloc[0]["Client id"]
    return client_id, secret


def test_a_new_secret_is_shown_once_works_and_the_client_is_listed(db):
    at = open_page(db)
    assert at.info[0].value == "Aucun client API d'opérateur."
    assert at.selectbox(key="api_clients_new_operator").options == ["DGS", "DILA", "DINUM"]

    client_id, secret = create_client(at, "DGS", "Démarches santé")

    assert client_id.startswith("osl-dgs-")
    row = at.dataframe[0].value.iloc[0]
    assert (row["Opérateur"], row["Libellé"], row["État"]) == ("DGS", "Démarches santé", "Actif")
    assert row["Créé le"] == f"{utcnow().astimezone(ZONE):%d/%m/%Y}"
    assert verify_client_secret(secret, stored_hash(client_id))
    assert token_for(client_id, secret)

    at.run()
    assert not at.code and not at.warning
    assert list(at.dataframe[0].value["Client id"]) == [client_id]


def test_regenerate_asks_for_confirmation_and_kills_the_old_secret(db):
    at = open_page(db)
    client_id, old_secret = create_client(at, "DILA", "Service-Public.fr")
    at.run()
    button = at.button(key=f"api_clients_regenerate_{client_id}")
    assert button.disabled

    at.checkbox(key=f"api_clients_regenerate_ok_{client_id}").check().run()
    at.button(key=f"api_clients_regenerate_{client_id}").click().run()
    assert not at.exception, at.exception

    new_secret = shown_secret(at)
    assert new_secret != old_secret
    assert not verify_client_secret(old_secret, stored_hash(client_id))
    assert token_for(client_id, old_secret) is None
    assert token_for(client_id, new_secret)


def test_revoke_ends_the_client(db):
    at = open_page(db)
    client_id, secret = create_client(at, "DINUM", "")
    at.run()
    assert at.dataframe[0].value.iloc[0]["Libellé"] == "—"

    at.checkbox(key=f"api_clients_revoke_ok_{client_id}").check().run()
    at.button(key=f"api_clients_revoke_{client_id}").click().run()
    assert not at.exception, at.exception

    assert at.success[0].value == f"Client {client_id} révoqué : ses jetons ne fonctionnent plus."
    assert at.dataframe[0].value.iloc[0]["État"] == f"Révoqué le {utcnow().astimezone(ZONE):%d/%m/%Y}"
    assert not [e for e in at.expander if e.label.startswith(client_id)]
    assert token_for(client_id, secret) is None


def test_only_the_platform_admin_has_the_screen():
    admin = Actor(id=1, actor_type=ActorType.PLATFORM_ADMIN, organization_id=None)
    local = Actor(
        id=2,
        actor_type=ActorType.ADMIN_LOCAL,
        organization_id=1,
        roles=frozenset({Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION}),
    )
    assert "Clients API des opérateurs" in [s.title for s in screens_for(admin)]
    assert "Clients API des opérateurs" not in [s.title for s in screens_for(local)]
