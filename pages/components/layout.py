"""The frame around every screen: the République Française banner, who is signed in, "Se déconnecter"."""

from html import escape

import streamlit as st

from core.services.portal import SignedInUser
from pages.components.session import idle_watch, sign_out

# DSFR-like touches the theme (.streamlit/config.toml) cannot express.
_STYLE = """
<style>
.hubee-banner { display: flex; align-items: center; gap: 1.5rem; padding: 0.25rem 0 0.75rem 0; }
.hubee-rf { border-left: 0; font-weight: 700; text-transform: uppercase; line-height: 1.05;
  font-size: 0.95rem; letter-spacing: 0.01em; color: #161616; }
.hubee-rf .hubee-flag { display: flex; width: 2.6rem; height: 0.3rem; margin-bottom: 0.35rem; }
.hubee-rf .hubee-flag span { flex: 1; }
.hubee-rf .hubee-motto { display: block; margin-top: 0.35rem; font-size: 0.62rem; font-weight: 400;
  font-style: italic; text-transform: none; letter-spacing: 0; }
.hubee-service { border-left: 1px solid #dddddd; padding-left: 1.5rem; }
.hubee-service .hubee-name { font-size: 1.35rem; font-weight: 700; color: #161616; }
.hubee-service .hubee-tagline { font-size: 0.85rem; color: #3a3a3a; }
.hubee-user { text-align: right; font-size: 0.9rem; color: #3a3a3a; line-height: 1.3; }
.hubee-user strong { color: #161616; }
</style>
"""

_BANNER = """
<div class="hubee-banner" role="banner">
  <div class="hubee-rf">
    <span class="hubee-flag" aria-hidden="true">
      <span style="background:#000091"></span><span style="background:#ffffff;border:1px solid #eeeeee"></span>
      <span style="background:#e1000f"></span>
    </span>
    République<br>Française
    <span class="hubee-motto">Liberté<br>Égalité<br>Fraternité</span>
  </div>
  <div class="hubee-service">
    <div class="hubee-name">HubEE Box</div>
    <div class="hubee-tagline">Hub d'échange de l'État — les télédossiers de votre collectivité</div>
  </div>
</div>
<script>document.documentElement.lang = "fr";</script>
"""


def header(user: SignedInUser | None) -> None:
    """The banner on every screen; the signed-in person and the logout button when there is one."""
    st.html(_STYLE)
    if user is None:
        st.html(_BANNER, unsafe_allow_javascript=True)
        st.divider()
        return
    left, right = st.columns([3, 1], vertical_alignment="center")
    with left:
        st.html(_BANNER, unsafe_allow_javascript=True)
    with right, st.container(horizontal_alignment="right", gap="small"):
        where = escape(user.organization_name or user.actor_type)
        st.html(f'<div class="hubee-user"><strong>{escape(user.display_name)}</strong><br>{where}</div>')
        st.button("Se déconnecter", key="logout", icon=":material/logout:", on_click=sign_out, type="secondary")
    idle_watch()
    st.divider()
