"""Text helpers for search: lower-case, no accents, single spaces."""

import unicodedata


def search_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())
