"""The portal's Streamlit scripts, one per screen; registered explicitly by `pages.components.nav`."""
