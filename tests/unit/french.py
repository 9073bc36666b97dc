"""Checks that a message meant for a person is a French sentence (SPEC: the interface speaks French)."""

import re

_FRENCH_WORDS = re.compile(
    r"\b(le|la|les|l'|de|du|des|d'|un|une|ce|cette|ces|vous|votre|vos|ne|n'|pas|plus|seul|seuls|seules|"
    r"est|sont|doit|peut|peuvent|aux|au|qu'|que|dans|pour|par|sur|avec|aucun|aucune|ou|et)\b",
    re.IGNORECASE,
)
_ENGLISH_WORDS = re.compile(
    r"\b(the|not|cannot|can't|denied|forbidden|permission|you|your|invalid|must|error|allowed)\b", re.IGNORECASE
)


def is_french_sentence(text: str | None) -> bool:
    """A capitalised sentence ending with a full stop, with French words and no English ones."""
    if not text or not text.strip():
        return False
    text = text.strip()
    return (
        (text[0].isupper() or text[0] in "«")
        and text.endswith(".")
        and bool(_FRENCH_WORDS.search(text))
        and not _ENGLISH_WORDS.search(text)
    )


def assert_french_sentence(text: str | None) -> None:
    assert is_french_sentence(text), f"not a French sentence for a person: {text!r}"
