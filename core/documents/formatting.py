"""French formatting of the values found in the operators' flows.

Code tables hold only what the samples, their PDFs or the demo's own formats show; an unknown code is
shown as written.
"""

import re
from datetime import date, datetime

from core.config import get_settings

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# EtatCivil (the PDF of the sample writes "Madame"), PACS (recap PDF: "Mme"), recensementCitoyen ("M").
CIVILITIES = {"MADAME": "Madame", "MONSIEUR": "Monsieur", "MME": "Mme", "M": "M.", "MLLE": "Mlle"}
# FRA is the only country code of the samples; their PDFs print it "FRANCE" and the nationality "Française".
COUNTRIES = {"FRA": "France", "99100": "France"}  # 99100: France in INSEE's code officiel géographique
NATIONALITIES = {"FRA": "Française"}
# recensementCitoyen writes the sex as INSEE does (1, 2); CERTDC as a word; API Particulier and
# FranceConnect as F/M and female/male.
SEXES = {
    "1": "Masculin",
    "2": "Féminin",
    "M": "Masculin",
    "F": "Féminin",
    "MASCULIN": "Masculin",
    "FEMININ": "Féminin",
    "MALE": "Masculin",
    "FEMALE": "Féminin",
}
TRUE_WORDS = {"true", "oui", "yes"}
FALSE_WORDS = {"false", "non", "no"}
MAX_VALUE_LENGTH = 300

_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(:\d{2}(\.\d+)?)?$")


def clean(value: object) -> str | None:
    """The text of a value, trimmed; None for nothing at all."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def french_date(value: object) -> str | None:
    """2024-03-05 → 05/03/2024; a date and time → 05/03/2024 à 14:30 (Paris time when the value is aware).

    Anything else (already French, partial, unknown) is returned as written.
    """
    text = clean(value)
    if text is None:
        return None
    year_month = _YEAR_MONTH.match(text)
    if year_month:
        return f"{year_month.group(2)}/{year_month.group(1)}"
    if not _ISO_DATE.match(text):
        return text
    try:
        if len(text) == 10:
            return date.fromisoformat(text).strftime("%d/%m/%Y")
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(get_settings().zone)
    return moment.strftime("%d/%m/%Y à %H:%M")


def french_time(value: object) -> str | None:
    """10:00:00 → 10:00."""
    text = clean(value)
    match = _TIME.match(text or "")
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else text


def date_and_time(day: object, time: object) -> str | None:
    """A date and a separate time, as the INSERM flows write them."""
    shown_day, shown_time = french_date(day), french_time(time)
    if shown_day and shown_time:
        return f"{shown_day} à {shown_time}"
    return shown_day or shown_time


def yes_no(value: object) -> str | None:
    """Booleans of the flows (true/false) → Oui/Non; anything else as written."""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    text = clean(value)
    if text is None:
        return None
    lowered = text.lower()
    if lowered in TRUE_WORDS:
        return "Oui"
    if lowered in FALSE_WORDS:
        return "Non"
    return text


def coded(value: object, table: dict[str, str]) -> str | None:
    """A code through its table, the code itself when the table does not know it."""
    text = clean(value)
    if text is None:
        return None
    return table.get(text.upper(), text)


def label_or_code(label: object, code: object) -> str | None:
    """The flows give a code and its label side by side: the label when present."""
    return clean(label) or clean(code)


def month_year(month: object, year: object) -> str | None:
    """5, 2024 → mai 2024."""
    shown_year = clean(year)
    try:
        name = MONTHS[int(str(month)) - 1]
    except (ValueError, IndexError):
        name = clean(month)
    return " ".join(part for part in (name, shown_year) if part) or None


def number(value: object, unit: str = "") -> str | None:
    """1234 → 1 234 (non-breaking spaces, French style), with an optional unit."""
    text = clean(value)
    if text is None:
        return None
    try:
        shown = f"{int(text):,}".replace(",", "\u00a0")
    except ValueError:
        shown = text
    return f"{shown}\u00a0{unit}" if unit else shown


def joined(*parts: object, sep: str = " ") -> str | None:
    """Non-empty parts joined; None when none is left."""
    kept = [text for text in (clean(p) for p in parts) if text]
    return sep.join(kept) or None


def person_name(first_names: object, last_name: object) -> str | None:
    return joined(first_names, last_name)


def town(postal_code: object, name: object) -> str | None:
    """06300 NICE."""
    return joined(postal_code, name)


def place_with_code(name: object, postal_code: object) -> str | None:
    """NICE (06000)."""
    shown_name, code = clean(name), clean(postal_code)
    if shown_name and code:
        return f"{shown_name} ({code})"
    return shown_name or code


def shorten(text: str, limit: int = MAX_VALUE_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_value(value: object) -> str | None:
    """A value of an unknown format: booleans and ISO dates the French way, long texts shortened."""
    if isinstance(value, bool):
        return yes_no(value)
    text = clean(value)
    if text is None:
        return None
    if text.lower() in ("true", "false"):
        return yes_no(text)
    if _ISO_DATE.match(text):
        text = french_date(text) or text
    return shorten(text)


_LOWER_THEN_UPPER = re.compile(r"(?<=[a-zà-ÿ0-9])(?=[A-Z])")
_ACRONYM_THEN_WORD = re.compile(r"(?<=[A-Z])(?=[A-Z][a-zà-ÿ])")


def humanise(name: str) -> str:
    """An element or key name as words: DateDeNaissance → Date de naissance, CodeINSEE → Code INSEE."""
    local = name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
    spaced = _ACRONYM_THEN_WORD.sub(" ", _LOWER_THEN_UPPER.sub(" ", re.sub(r"[_\-.]+", " ", local)))
    words = [w if (len(w) > 1 and w.isupper()) else w.lower() for w in spaced.split()]
    if not words:
        return local
    return words[0][:1].upper() + words[0][1:] + "".join(" " + w for w in words[1:])


def address(*lines: object, postal_code: object = None, town_name: object = None, country: object = None) -> str | None:
    """20 RUE PIERRE SEGURAN, 06300 NICE[, France]: the street lines, then the town, then the country."""
    return joined(*lines, town(postal_code, town_name), coded(country, COUNTRIES), sep=", ")
