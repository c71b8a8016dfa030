"""The token in a customer page URL: a random secret, signed with the site's key.

The signature (``django.core.signing``, own salt) turns away a guessed or altered token before the
database is asked; the secret's SHA-256 finds the link (a unique index — the raw secret is never
stored, so a copy of the database opens no page). Rotating ``SECRET_KEY`` ends every link unless
the old key stays in ``SECRET_KEY_FALLBACKS``.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core import signing

SALT = "debitor.portal.page-link"


def secret_hash(secret: str) -> str:
    # 256 random bits need no slow hash: nobody can try them all.
    return hashlib.sha256(secret.encode()).hexdigest()


def token_new() -> tuple[str, str]:
    """A new (token for the URL, hash to store)."""
    secret = secrets.token_urlsafe(32)
    return signing.Signer(salt=SALT, sep=".").sign(secret), secret_hash(secret)


def token_hash(token: str) -> str | None:
    """The stored hash the token stands for, or None when its signature does not hold."""
    try:
        secret = signing.Signer(salt=SALT, sep=".").unsign(token)
    except signing.BadSignature:
        return None
    return secret_hash(secret)
