"""Presenting values safely: data typed by people is never interpreted as Markdown."""

import re
from collections.abc import Iterable

import streamlit as st

DASH = "—"
# Markdown, Streamlit directives (:red[...], :material/...:) and LaTeX ($) characters.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+!|~$:])")


def md_escape(text: object) -> str:
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def shown(value: object | None) -> str:
    """A value ready for Markdown: escaped, lists joined with commas, a dash when empty."""
    if value is None or value == "" or value == ():
        return DASH
    if isinstance(value, tuple | list):
        return ", ".join(md_escape(v) for v in value)
    return md_escape(value)


def fields(rows: Iterable[tuple[str, object | None]]) -> None:
    """A compact block of "Label : value" lines."""
    st.markdown("  \n".join(f"**{label}**\u00a0: {shown(value)}" for label, value in rows))
