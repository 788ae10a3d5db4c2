"""`GET|HEAD /calendar/<token>.ics`: calendar feeds, with ETag and Last-Modified.

Calendar apps poll every feed they subscribe to, mostly finding it unchanged. A poll
costs two indexed statements (the link, and a version of everything the feed shows);
the document is rendered only when that version moves, and kept in memory by it. An
unknown, revoked or malformed link answers exactly like any unknown path: 404, and so
does a link spelled with percent-escapes.
Responses are never compressed (some Outlook versions fail on gzip'd feeds).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.usecases.feeds import mark_served, open_feed, render_feed
from bot.usecases.tokens import FEED_PATH
from bot.web.redact import redact_feed_paths_in_logs

MEDIA_TYPE = "text/calendar"
# Clients re-ask each time they poll; nothing shared (a proxy) may keep a copy.
CACHE_CONTROL = "private, no-cache"
CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Rendered:
    """A feed's document for one version of its data."""

    version: tuple[object, ...]
    body: bytes
    etag: str


@dataclass(frozen=True)
class Served:
    """What to answer: the document, its strong ETag and its Last-Modified."""

    body: bytes
    etag: str
    last_modified: datetime


class FeedCache:
    """Each feed's latest document, least recently used dropped beyond `max_bytes`."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[tuple[object, ...], Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, owner: tuple[object, ...], version: tuple[object, ...]) -> Rendered | None:
        with self._lock:
            entry = self._entries.get(owner)
            if entry is None or entry.version != version:
                return None
            self._entries.move_to_end(owner)
            return entry

    def put(self, owner: tuple[object, ...], entry: Rendered) -> None:
        with self._lock:
            old = self._entries.pop(owner, None)
            if old is not None:
                self._bytes -= len(old.body)
            if len(entry.body) > self._max_bytes:
                return
            self._entries[owner] = entry
            self._bytes += len(entry.body)
            while self._bytes > self._max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)


def strong_etag(body: bytes) -> str:
    """A strong validator: the same bytes, the same tag, whichever process served them."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def load_feed(
    engine: Engine, *, token: str, secret: str, now: datetime, cache: FeedCache
) -> Served | None:
    """The feed of `token` as it is now, or None for a link that names no feed.

    A poll of an unchanged feed is one statement; a Session is only opened to render a
    changed feed or to record its new ETag.
    """
    feed = open_feed(engine, token=token, secret=secret, now=now)
    if feed is None:
        return None
    rendered = cache.get(feed.owner, feed.version)
    if rendered is None:
        with Session(engine) as session:
            body = render_feed(session, feed)
        rendered = Rendered(version=feed.version, body=body, etag=strong_etag(body))
        cache.put(feed.owner, rendered)
    stored = feed.token.modified_at
    if feed.token.etag != rendered.etag or stored is None:
        with Session(engine, expire_on_commit=False) as session:
            stored = mark_served(session, feed, etag=rendered.etag, now=now)
    return Served(body=rendered.body, etag=rendered.etag, last_modified=stored)


def not_modified(headers: Headers, served: Served) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or served.etag in tags
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False  # an unreadable date is ignored, as the RFC says
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return served.last_modified <= since


def canonical_path(request: Request) -> bool:
    """True if the path arrived as written, with no percent-escapes.

    The server decodes `/%63alendar/<token>.ics` and `/calendar%2F<token>.ics` to the
    feed's path; answering those would serve a link in a spelling that log filters,
    proxies and caches do not recognise as one.
    """
    raw = request.scope.get("raw_path")
    return raw is None or raw.decode("latin-1") == request.scope["path"]


def calendar_routes(
    engine: Engine,
    *,
    secret: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    cache: FeedCache | None = None,
) -> list[Route]:
    """The feed route for `create_web_app(routes=...)`; keeps tokens out of the logs."""
    if not secret:
        raise ValueError("secret: calendar feeds need QUEUEDAY_SECRET_KEY")
    redact_feed_paths_in_logs()
    feeds = cache if cache is not None else FeedCache()

    async def calendar_feed(request: Request) -> Response:
        token = request.path_params["token"]
        if not canonical_path(request):
            raise HTTPException(404)  # a link QueueDay gave out is never percent-encoded
        served = await run_in_threadpool(
            load_feed, engine, token=token, secret=secret, now=clock(), cache=feeds
        )
        if served is None:
            raise HTTPException(404)
        headers = {
            "etag": served.etag,
            "last-modified": format_datetime(served.last_modified.astimezone(UTC), usegmt=True),
            "cache-control": CACHE_CONTROL,
            "x-content-type-options": "nosniff",
        }
        if not_modified(request.headers, served):
            return Response(status_code=304, headers=headers)
        if request.method == "HEAD":
            headers["content-length"] = str(len(served.body))
            return Response(b"", headers=headers, media_type=MEDIA_TYPE)
        return Response(served.body, headers=headers, media_type=MEDIA_TYPE)

    return [Route(FEED_PATH, calendar_feed, methods=["GET", "HEAD"])]
