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
import logging
import re
from enum import StrEnum
from urllib.parse import unquote

# Bumping this would change every link at once, like a new secret key.
_SCHEME = "queueday-feed-v1"
# 32 bytes of HMAC-SHA256 as unpadded url-safe base64: 43 characters, 256 bits.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
FEED_PATH = "/calendar/{token}.ics"
# Any feed path, whatever it carries, as uvicorn's access log would print it.
_FEED_PATH_IN_TEXT = re.compile(r"/calendar/[^\s\"?]*", re.IGNORECASE)
# Enough rounds of unescaping for any path a person would type; more only hides.
_MAX_DECODES = 8
REDACTED_PATH = "/calendar/[redacted].ics"


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


class RedactFeedPaths(logging.Filter):
    """Replaces feed paths in a log record (uvicorn's access log prints the path).

    The path is matched as the server reads it, percent-escapes decoded (uvicorn logs
    the raw path, so `/%63alendar/<token>.ics` would otherwise pass), and in any case.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
            isinstance(arg, str) and _names_a_feed(arg) for arg in record.args
        ):
            record.args = tuple(
                redact_feed_paths(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str) and _names_a_feed(record.msg):
            record.msg = redact_feed_paths(record.msg)
        return True


def redact_feed_paths(text: str) -> str:
    """`text` with every feed path in it, however escaped, as REDACTED_PATH (all of it
    as REDACTED_PATH when it is escaped too many times over to read)."""
    if not _names_a_feed(text):
        return text
    decoded = _decoded(text)
    if decoded is None:
        return REDACTED_PATH
    if not _FEED_PATH_IN_TEXT.search(decoded):
        return text
    return _FEED_PATH_IN_TEXT.sub(REDACTED_PATH, decoded)


def _names_a_feed(text: str) -> bool:
    """Cheap pre-check: could `text` hold a feed path, plainly or escaped?"""
    return "%" in text or "/calendar/" in text.lower()


def _decoded(text: str) -> str | None:
    """Percent-escapes decoded until none is left (`%2563` is `%63` is `c`); None when
    that takes more than _MAX_DECODES rounds."""
    for _ in range(_MAX_DECODES):
        decoded = unquote(text)
        if decoded == text:
            return text
        text = decoded
    return None


def redact_feed_paths_in_logs(*logger_names: str) -> None:
    """Install the redaction on uvicorn's loggers (and any named), once each."""
    for name in logger_names or ("uvicorn.access", "uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFeedPaths) for f in logger.filters):
            logger.addFilter(RedactFeedPaths())
