"""Password policy (SPEC §4) and slow salted hashing (bcrypt)."""

import bcrypt

from core.config import get_settings
from core.errors import InvalidInput

SPECIAL_CHARACTERS = "!@#$%&*()"
MIN_LENGTH = 8
# bcrypt reads at most 72 bytes; longer passwords would be silently truncated, so refuse them.
MAX_BYTES = 72


def policy_violations(password: str) -> list[str]:
    """Every rule the password breaks, in French, in the order a person fixes them."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"au moins {MIN_LENGTH} caractères")
    if not any(c.isdigit() for c in password):
        problems.append("au moins un chiffre")
    if not any(c.isupper() for c in password):
        problems.append("au moins une lettre majuscule")
    if not any(c in SPECIAL_CHARACTERS for c in password):
        problems.append("au moins un caractère spécial parmi ! @ # $ % & * ( )")
    if len(password.encode()) > MAX_BYTES:
        problems.append(f"au plus {MAX_BYTES} octets")
    return problems


def check_policy(password: str) -> None:
    problems = policy_violations(password)
    if problems:
        raise InvalidInput("Le mot de passe doit contenir " + ", ".join(problems) + ".", field="password")


def hash_password(password: str) -> str:
    rounds = get_settings().bcrypt_rounds
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash or len(password.encode()) > MAX_BYTES:
        return False
    return bcrypt.checkpw(password.encode(), password_hash.encode())
