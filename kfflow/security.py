"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile: above OWASP ASVS L2)."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
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


def new_secret_token() -> str:
    """A random bearer secret (API key, sign-in session, calendar feed URL)."""
    return secrets.token_urlsafe(32)


def secret_hash(token: str) -> str:
    """What is stored of a secret token: its SHA-256, so a database leak yields no usable token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
