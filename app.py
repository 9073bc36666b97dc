"""HubEE Box portal: page config, the sign-in gate, then the pages this account's roles open."""

import streamlit as st

from core.logging_setup import configure_logging
from pages.components.layout import header
from pages.components.nav import pages_for
from pages.components.session import portal_user

configure_logging("portal")  # once per process (the module keeps a flag); app.py runs at every interaction
st.set_page_config(page_title="HubEE Box", page_icon=":material/account_balance:", layout="wide")

user = portal_user()
header(user)
st.navigation(pages_for(user.actor if user else None), position="sidebar" if user else "hidden").run()
