"""Streamlit-only helpers shared by the portal's pages."""
