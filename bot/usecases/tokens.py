"""Calendar feed links: tokens derived from the secret key, stored only as hashes.

A token is HMAC-SHA256(secret key, kind + workspace + subject + revision), so the same
link can be shown again at any time without keeping it anywhere; the database holds
only its SHA-256 for lookup. "Reset link" bumps the revision, which changes the token.
Changing the secret key changes every token, so every old link stops working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from enum import StrEnum

# Bumping this would change every link at once, like a new secret key.
_SCHEME = "queueday-feed-v1"
# 32 bytes of HMAC-SHA256 as unpadded url-safe base64: 43 characters, 256 bits.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
FEED_PATH = "/calendar/{token}.ics"


class FeedKind(StrEnum):
    """Whose days a feed shows: one person's (in every rotation), or a whole rotation's."""

    PERSON = "person"
    ROTATION = "rotation"


def feed_token(secret: str, kind: FeedKind, team_id: str, subject: str, revision: int) -> str:
    """The link token of a person's (subject: user id) or rotation's (subject: name) feed.

    Fields are joined with NUL, which none of them can contain, so two different
    owners never sign the same message.
    """
    if not secret:
        raise ValueError("secret: must not be empty")
    if revision < 1:
        raise ValueError(f"revision: must be >= 1, got {revision}")
    for field in (team_id, subject):
        if not field or "\0" in field:
            raise ValueError(f"feed owner: bad name {field!r}")
    message = "\0".join((_SCHEME, kind.value, team_id, subject, str(revision)))
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256, hex (the token can't be derived)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_token(text: str) -> bool:
    """True if `text` has a token's shape (checked before any database lookup)."""
    return TOKEN_PATTERN.match(text) is not None


def same_token(expected: str, given: str) -> bool:
    """Constant-time comparison, so a response's timing tells nothing about the token."""
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))


def feed_urls(base_url: str, token: str) -> tuple[str, str]:
    """The link as (web, webcal): the base URL's own scheme, and webcal:// for one click.

    Calendar apps open webcal:// links as a subscription; the web link is what Google
    Calendar's "From URL" and Outlook's "Subscribe from web" take.
    """
    base = base_url.rstrip("/")
    path = FEED_PATH.format(token=token)
    web = base + path
    _, _, rest = base.partition("://")
    return web, "webcal://" + (rest or base) + path
