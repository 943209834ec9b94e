"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile: above OWASP ASVS L2)."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000
# zxcvbn's score 0–4; 3 is "safely unguessable: moderate protection from an offline slow-hash scenario".
MIN_PASSWORD_SCORE = 3
# zxcvbn knows English words, names and the most common leaked passwords; these are the Swedish words
# that the leaked-password lists show in Swedish passwords ("Sommar2026!"), and words of this service.
SWEDISH_PASSWORD_WORDS = ("sommar", "vinter", "hosten", "hösten", "varen", "våren", "losenord", "lösenord",
                          "valkommen", "välkommen", "hejsan", "region", "regionen", "kommun", "kfflow",
                          "kompetens", "sverige", "stockholm", "jonkoping", "jönköping", "dalarna", "skane")
# Only so much of a password is analysed (zxcvbn slows down on long inputs; past this it is strong anyway).
_ANALYSED_LENGTH = 64
# Verified against when a username does not exist, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("kfflow-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_policy_error(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why this password may not be used (a Swedish sentence), or None.

    Length first, then zxcvbn (Dropbox's estimator, with its lists of common passwords, words and names,
    keyboard patterns, dates and repeats) told the user's own name and address and common Swedish words."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Lösenordet ska ha minst {MIN_PASSWORD_LENGTH} tecken."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Lösenordet får ha högst {MAX_PASSWORD_LENGTH} tecken."
    words = [w for w in user_inputs if w] + list(SWEDISH_PASSWORD_WORDS)
    if zxcvbn(password[:_ANALYSED_LENGTH], user_inputs=words)["score"] < MIN_PASSWORD_SCORE:
        return ("Lösenordet är för lätt att gissa: det är vanligt, eller bygger på ett ord, ett namn, ett datum "
                "eller ett tangentbordsmönster. Välj en längre fras av flera ord som inte hör ihop.")
    return None


def new_one_time_password() -> str:
    """A password an admin hands over, to be changed at the next sign-in: 4 × 4 letters and digits that
    are easy to read out (no 0/O, 1/l/I)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def new_secret_token() -> str:
    """A random bearer secret (API key, sign-in session, calendar feed URL)."""
    return secrets.token_urlsafe(32)


def secret_hash(token: str) -> str:
    """What is stored of a secret token: its SHA-256, so a database leak yields no usable token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
