"""Feed tokens kept out of the logs: every feed path in a log line, however escaped, redacted.

uvicorn's access log prints each request's raw path, and a feed path carries its token.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

# Any feed or rotation page path, whatever it carries, as uvicorn's access log prints it.
_FEED_PATH_IN_TEXT = re.compile(r"/(calendar|rotations)/[^\s\"?]*", re.IGNORECASE)
# Enough rounds of unescaping for any path a person would type; more only hides.
_MAX_DECODES = 8
REDACTED_PATH = "/calendar/[redacted].ics"
REDACTED_PAGE_PATH = "/rotations/[redacted]"


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
    return _FEED_PATH_IN_TEXT.sub(_redacted, decoded)


def _redacted(match: re.Match[str]) -> str:
    return REDACTED_PAGE_PATH if match.group(1).lower() == "rotations" else REDACTED_PATH


def _names_a_feed(text: str) -> bool:
    """Cheap pre-check: could `text` hold a feed path, plainly or escaped?"""
    lower = text.lower()
    return "%" in text or "/calendar/" in lower or "/rotations/" in lower


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
