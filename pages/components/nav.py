"""The screens an account may open, built from its roles: one line per screen in SCREENS.

Hiding a screen is convenience only; every service checks the same rules again (core.permissions).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import streamlit as st

from core.models import Role
from core.permissions import Actor, has_role, is_platform_admin
from core.services.quotient_familial import qf_kit_audience

LOGIN_SCRIPT = "pages/login.py"


def everyone(actor: Actor) -> bool:
    return actor.active


def dossier_roles(actor: Actor) -> bool:
    return has_role(actor, Role.DOSSIERS_CONSULTATION)


def users_roles(actor: Actor) -> bool:
    return has_role(actor, Role.USERS_CONSULTATION) or is_platform_admin(actor)


def subscription_roles(actor: Actor) -> bool:
    return has_role(actor, Role.SUBSCRIPTIONS_CONSULTATION) or is_platform_admin(actor)


def dashboard_audience(actor: Actor) -> bool:
    return dossier_roles(actor) or is_platform_admin(actor)


def platform_admin(actor: Actor) -> bool:
    return is_platform_admin(actor)


@dataclass(frozen=True)
class Screen:
    script: str
    title: str
    icon: str
    url_path: str
    allowed: Callable[[Actor], bool]
    visibility: Literal["visible", "hidden"] = "visible"


# The order is the menu's. A new screen is one line here, e.g.
# Screen("pages/inbox.py", "Télédossiers", ":material/inbox:", "teledossiers", dossier_roles),
# Screen("pages/accounts.py", "Comptes", ":material/group:", "comptes", users_roles),
# Screen("pages/subscriptions.py", "Abonnements", ":material/assignment:", "abonnements", subscription_roles),
# Screen("pages/platform.py", "Plateforme", ":material/settings:", "plateforme", platform_admin),
SCREENS: tuple[Screen, ...] = (
    Screen("pages/home.py", "Accueil", ":material/home:", "accueil", everyone),
    Screen("pages/account.py", "Mon compte", ":material/person:", "mon-compte", everyone),
    Screen("pages/inbox.py", "Télédossiers", ":material/inbox:", "teledossiers", dossier_roles),
    Screen("pages/dossier.py", "Télédossier", ":material/description:", "dossier", dossier_roles, "hidden"),
    Screen("pages/dashboard.py", "Tableau de bord", ":material/monitoring:", "tableau-de-bord", dashboard_audience),
    Screen("pages/accounts.py", "Gestion des comptes", ":material/group:", "comptes", users_roles),
    Screen("pages/account_edit.py", "Fiche du compte", ":material/manage_accounts:", "compte", users_roles, "hidden"),
    Screen(
        "pages/subscriptions.py", "Gestion des abonnements", ":material/assignment:", "abonnements", subscription_roles
    ),
    Screen("pages/subscription.py", "Abonnement", ":material/assignment:", "abonnement", subscription_roles, "hidden"),
    Screen(
        "pages/subscription_request.py",
        "Demande d'abonnement",
        ":material/add_task:",
        "demande-abonnement",
        lambda a: is_platform_admin(a) or (a.organization_id is not None and has_role(a, Role.SUBSCRIPTIONS_GESTION)),
    ),
    Screen("pages/platform.py", "Plateforme", ":material/settings:", "plateforme", platform_admin),
    Screen("pages/api_clients.py", "Clients API des opérateurs", ":material/key:", "clients-api", platform_admin),
    Screen("pages/qf_kit.py", "Quotient familial", ":material/qr_code_2:", "quotient-familial", qf_kit_audience),
    Screen("pages/job_activity.py", "Activité des traitements", ":material/schedule:", "traitements", platform_admin),
)


# Pages open to anybody, signed in or not (the citizens' QF form): never in the menu, never behind the login.
PUBLIC_SCREENS: tuple[Screen, ...] = (
    Screen("pages/qf_public.py", "Quotient familial", ":material/family_restroom:", "qf", everyone, "hidden"),
)


def _public_pages() -> list[st.Page]:
    return [
        st.Page(s.script, title=s.title, icon=s.icon, url_path=s.url_path, visibility="hidden") for s in PUBLIC_SCREENS
    ]


def screens_for(actor: Actor | None) -> list[Screen]:
    return [screen for screen in SCREENS if actor is not None and screen.allowed(actor)]


def pages_for(actor: Actor | None) -> list[st.Page]:
    """The pages of the navigation: the login screen for nobody, otherwise what the roles open; public pages for all."""
    if actor is None:
        return _login_pages() + _public_pages()
    screens = screens_for(actor)
    return [
        st.Page(s.script, title=s.title, icon=s.icon, url_path=s.url_path, default=(i == 0), visibility=s.visibility)
        for i, s in enumerate(screens)
    ] + _public_pages()


def _login_pages() -> list[st.Page]:
    # The login form also answers at every screen's address, so that a bookmarked or reloaded page asks to log in
    # (instead of Streamlit's English "Page not found") and opens that very page once logged in.
    return [
        st.Page(LOGIN_SCRIPT, title="Connexion", icon=":material/login:", url_path="connexion", default=True),
        *(
            st.Page(LOGIN_SCRIPT, title="Connexion", icon=":material/login:", url_path=s.url_path, visibility="hidden")
            for s in SCREENS
        ),
    ]
