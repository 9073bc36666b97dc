"""Connexion: the login form, or the password form when the tab opened an activation or reset link."""

import streamlit as st

from pages.components.auth_forms import login_form, password_link_form
from pages.components.session import ACTIVATION_PARAM

token = st.query_params.get(ACTIVATION_PARAM)
if token:
    password_link_form(token)
else:
    login_form()
