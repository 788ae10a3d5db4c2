"""Time-off calendar URLs at rest: sealed with Fernet (AES-128-CBC and HMAC-SHA256, from
`cryptography`) under a key derived from QUEUEDAY_SECRET_KEY.

The key is HKDF-SHA256 of the secret with its own `info`, so the key that signs feed
links is never the one that seals URLs, and neither can be learnt from the other. A
sealed value starts with `fernet:`; a value without it is a URL stored before sealing
(or by a process with no key) and is read as it is, then sealed at the next sync.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "fernet:"
_INFO = b"queueday time-off calendar urls v1"


class SealError(ValueError):
    """A sealed URL cannot be opened: the key is missing or is not the one it was sealed
    with. The message says what to do; it never holds any of the URL."""


@functools.lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def seal(url: str, secret: str | None) -> str:
    """The URL as it is stored: sealed with the key, or as it is without one."""
    if secret is None or is_sealed(url):
        return url
    return PREFIX + _fernet(secret).encrypt(url.encode()).decode("ascii")


def unseal(stored: str, secret: str | None) -> str:
    """The URL a stored value holds; SealError when it cannot be opened."""
    if not is_sealed(stored):
        return stored
    if secret is None:
        raise SealError(
            "the calendar's link is encrypted and this process has no QUEUEDAY_SECRET_KEY; "
            "run it with the key the link was added with"
        )
    try:
        return _fernet(secret).decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        raise SealError(
            "the calendar's link was encrypted with another QUEUEDAY_SECRET_KEY; set the "
            "old key again, or remove the calendar and add its link again"
        ) from None
