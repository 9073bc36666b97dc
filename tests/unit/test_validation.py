"""What people type: SIRET, email, French phone numbers, INSEE codes (core.validation); passwords
(core.passwords, SPEC §4); search keys (core.text)."""

import pytest

from core.errors import InvalidInput
from core.passwords import check_policy, hash_password, policy_violations, verify_password
from core.text import search_key
from core.validation import (
    luhn_valid,
    normalize_email,
    normalize_insee,
    normalize_phone,
    normalize_siret,
    required_text,
)
from tests.unit.french import assert_french_sentence

# --- SIRET -----------------------------------------------------------------------------------------------------

REAL_SIRETS = [
    "13000918600011",  # DILA
    "11000101300017",  # DGS
    "13002526500013",  # DINUM
    "21750001600019",  # Ville de Paris
]


@pytest.mark.parametrize("siret", REAL_SIRETS)
def test_real_sirets_are_accepted(siret: str):
    assert normalize_siret(siret) == siret


@pytest.mark.parametrize(
    "typed", ["130 009 186 00011", " 130009186 00011 ", "130\u00a0009\u00a0186\u00a000011", "130 009\t186 00011"]
)
def test_siret_may_be_typed_with_spaces(typed: str):
    assert normalize_siret(typed) == "13000918600011"


def _with_wrong_key(siret: str) -> str:
    return siret[:-1] + str((int(siret[-1]) + 1) % 10)


@pytest.mark.parametrize("siret", [_with_wrong_key(s) for s in REAL_SIRETS] + ["12345678901234"])
def test_siret_with_a_wrong_check_digit_is_refused(siret: str):
    assert not luhn_valid(siret)
    with pytest.raises(InvalidInput) as raised:
        normalize_siret(siret)
    assert "clé de contrôle" in raised.value.message
    assert raised.value.field == "siret"
    assert_french_sentence(raised.value.message)


@pytest.mark.parametrize(
    "typed",
    [
        "1300091860001",
        "130009186000110",
        "1300091860001A",
        "13000-918600011",
        "130.009.186.00011",
        "",
        None,
        "ABCDEFGHIJKLMN",
    ],
)
def test_siret_must_be_fourteen_digits(typed):
    with pytest.raises(InvalidInput) as raised:
        normalize_siret(typed)
    assert "14 chiffres" in raised.value.message
    assert_french_sentence(raised.value.message)


def test_siret_error_carries_the_field_it_is_about():
    with pytest.raises(InvalidInput) as raised:
        normalize_siret("123", field="business_siret")
    assert raised.value.field == "business_siret"


@pytest.mark.parametrize("siret", ["35600000049837", "35600000000001", "356 000 000 00010"])
def test_la_poste_establishments_use_the_sum_of_digits_rule_not_luhn(siret: str):
    compact = siret.replace(" ", "")
    assert sum(map(int, compact)) % 5 == 0 and not luhn_valid(compact)
    assert normalize_siret(siret) == compact


def test_la_poste_sirets_breaking_both_rules_are_refused():
    assert sum(map(int, "35600000012344")) % 5 != 0 and not luhn_valid("35600000012344")
    with pytest.raises(InvalidInput) as raised:
        normalize_siret("356 000 000 12344")
    assert "clé de contrôle" in raised.value.message


def test_la_poste_head_office_siret_is_accepted():
    assert luhn_valid("35600000000048")
    assert normalize_siret("35600000000048") == "35600000000048"


def test_luhn():
    assert luhn_valid("0") and luhn_valid("18") and luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


# --- Email -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("prenom.nom@mairie-exemple.fr", "prenom.nom@mairie-exemple.fr"),
        ("  Prenom.Nom@Mairie-Exemple.FR ", "prenom.nom@mairie-exemple.fr"),
        ("etat-civil+hubee@ville.paris.fr", "etat-civil+hubee@ville.paris.fr"),
        ("a_b@sous.domaine.gouv.fr", "a_b@sous.domaine.gouv.fr"),
    ],
)
def test_valid_emails_are_trimmed_and_lower_cased(typed: str, stored: str):
    assert normalize_email(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "prenom.nom",
        "prenom.nom@",
        "@mairie.fr",
        "prenom nom@mairie.fr",
        "prenom.nom@mairie",
        "prenom.nom@mairie..fr",
        "prenom.nom@-mairie.fr",
        "prenom@nom@mairie.fr",
        "x" * 311 + "@mairie.fr",  # 321 characters, more than the column holds
    ],
)
def test_invalid_emails_are_refused_with_an_example(typed):
    with pytest.raises(InvalidInput) as raised:
        normalize_email(typed)
    assert raised.value.field == "email"
    assert "exemple" in raised.value.message
    assert_french_sentence(raised.value.message)


# --- Phones ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0123456789", "0123456789"),
        ("01 23 45 67 89", "0123456789"),
        ("01.23.45.67.89", "0123456789"),
        ("01-23-45-67-89", "0123456789"),
        ("06 12 34 56 78", "0612345678"),
        ("09 70 00 00 00", "0970000000"),
        ("+33 1 23 45 67 89", "+33123456789"),
        ("+33612345678", "+33612345678"),
        ("0033 6 12 34 56 78", "0033612345678"),
    ],
)
def test_french_phone_numbers(typed: str, stored: str):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "012345678",  # 9 digits
        "01234567890",  # 11 digits
        "0023456789",  # 00 is not a French number
        "+33 0 12 34 56 78",  # no 0 after +33
        "+44 20 7946 0958",  # a British number
        "01 23 45 67 8A",
        "+33 1 23 45 67",
    ],
)
def test_invalid_phone_numbers_are_refused(typed):
    with pytest.raises(InvalidInput) as raised:
        normalize_phone(typed, "phone_secondary")
    assert raised.value.field == "phone_secondary"
    assert "français" in raised.value.message
    assert_french_sentence(raised.value.message)


# --- INSEE -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("75056", "75056"), (" 01001 ", "01001"), ("2A004", "2A004"), ("2b033", "2B033"), ("97411", "97411")],
)
def test_insee_codes_including_corsica(typed: str, stored: str):
    assert normalize_insee(typed) == stored


@pytest.mark.parametrize("typed", ["", None, "7505", "750560", "2C004", "2A04", "ABCDE", "2A0041", "75 056"])
def test_invalid_insee_codes(typed):
    with pytest.raises(InvalidInput) as raised:
        normalize_insee(typed)
    assert raised.value.field == "branch_code"
    assert_french_sentence(raised.value.message)


def test_required_text_names_the_field():
    assert required_text("  Dupont ", "Nom", "last_name") == "Dupont"
    with pytest.raises(InvalidInput) as raised:
        required_text("   ", "Nom", "last_name")
    assert raised.value.field == "last_name" and "« Nom »" in raised.value.message
    with pytest.raises(InvalidInput) as raised:
        required_text("x" * 101, "Prénom", "first_name", 100)
    assert "100 caractères" in raised.value.message
    assert_french_sentence(raised.value.message)


# --- Passwords (SPEC §4) ---------------------------------------------------------------------------------------

VALID_PASSWORD = "Mairie2024!"
RULES = {
    "length": "au moins 8 caractères",
    "digit": "au moins un chiffre",
    "upper": "au moins une lettre majuscule",
    "special": "au moins un caractère spécial parmi ! @ # $ % & * ( )",
}


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("Ab1!", {"length"}),
        ("Mairie!!", {"digit"}),
        ("mairie2024!", {"upper"}),
        ("Mairie2024", {"special"}),
        ("Mairie2024?", {"special"}),  # « ? » is not in the SPEC's list
        ("Mairie2024-", {"special"}),
        ("mairie", {"length", "digit", "upper", "special"}),
        ("", {"length", "digit", "upper", "special"}),
        ("abcdefgh", {"digit", "upper", "special"}),
        ("A1!", {"length"}),
    ],
)
def test_password_message_names_each_missing_rule(password: str, broken: set[str]):
    with pytest.raises(InvalidInput) as raised:
        check_policy(password)
    message = raised.value.message
    assert raised.value.field == "password"
    for rule, text in RULES.items():
        assert (text in message) is (rule in broken), (rule, message)
    assert_french_sentence(message)
    assert len(policy_violations(password)) == len(broken)


@pytest.mark.parametrize("password", [VALID_PASSWORD, "Abcdefg1@", "(Hôtel-de-Ville 75)", "ÉCOLE#2024", "12345678A%"])
def test_valid_passwords_are_accepted(password: str):
    assert policy_violations(password) == []
    check_policy(password)


@pytest.mark.parametrize("special", list("!@#$%&*()"))
def test_each_special_character_of_the_spec_counts(special: str):
    check_policy(f"Mairie2024{special}")


def test_passwords_longer_than_72_bytes_are_refused():
    accented = "Aé1!" + "é" * 35  # 39 characters but 75 bytes in UTF-8: bytes are what bcrypt counts
    assert len(accented) < 72 < len(accented.encode())
    with pytest.raises(InvalidInput) as raised:
        check_policy(accented)
    assert "72 octets" in raised.value.message
    assert policy_violations("A1!" + "a" * 69) == []  # exactly 72 bytes is fine


def test_a_password_past_72_bytes_never_verifies():
    # bcrypt reads only 72 bytes: without a guard, anything sharing the first 72 bytes would be accepted.
    prefix = "Mairie2024!" + "a" * 61
    assert len(prefix.encode()) == 72
    hashed = hash_password(prefix)
    assert verify_password(prefix, hashed)
    assert verify_password(prefix + "b", hashed) is False
    assert verify_password(prefix + "a" * 50, hashed) is False
    with pytest.raises((InvalidInput, ValueError)):
        hash_password(prefix + "b")


def test_hash_and_verify_round_trip():
    hashed = hash_password(VALID_PASSWORD)
    assert hashed.startswith("$2") and VALID_PASSWORD not in hashed
    assert verify_password(VALID_PASSWORD, hashed)
    assert not verify_password("Mairie2024?", hashed)
    assert not verify_password("mairie2024!", hashed)
    assert not verify_password("", hashed)
    assert not verify_password(VALID_PASSWORD, None)
    assert not verify_password(VALID_PASSWORD, "")


def test_hashes_are_salted():
    first, second = hash_password(VALID_PASSWORD), hash_password(VALID_PASSWORD)
    assert first != second
    assert verify_password(VALID_PASSWORD, first) and verify_password(VALID_PASSWORD, second)


# --- Search keys -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Élodie DU PRÉ", "elodie du pre"),
        ("  Jean-François   Lefèvre ", "jean-francois lefevre"),
        ("ANAÏS\tNoël\nÇa", "anais noel ca"),
        ("Zoë\u00a0Bâtard", "zoe batard"),  # non-breaking space
        ("e\u0301cole", "ecole"),  # decomposed accent
        ("", ""),
        (None, ""),
    ],
)
def test_search_key_ignores_accents_case_and_spacing(text, key):
    assert search_key(text) == key


def test_search_key_makes_typed_and_stored_names_meet():
    assert search_key("lefevre") in search_key("Jean-François LEFÈVRE")
    assert search_key("Héloïse  Dupont") == search_key("heloise dupont")
