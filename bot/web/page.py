"""`GET|HEAD /rotations/<token>`: the rotation page, and its fairness chart as a PNG.

Rendered on each request from a read-only use case (a 1,000-person rotation takes well
under 200 ms, bench/page_bench.py); a strong ETag of the bytes lets a browser's
revalidation answer 304. An unknown, reset or malformed link answers 404 like any
unknown path. Nothing is loaded from another host: the stylesheet is inline and
allowed by its hash, the charts are inline SVG, and no script runs at all.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

import jinja2
from markupsafe import Markup
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.usecases.page import PAGE_PATH, RotationPage, open_page, rotation_page
from bot.web.calendar import Served, canonical_path, strong_etag
from bot.web.fairness_png import fairness_png
from bot.web.page_rows import grid_rows, longdate, people_rows, shortdate, weight_text
from bot.web.redact import redact_feed_paths_in_logs
from scheduling.calendar import WEEKDAY_LONG
from scheduling.charts import Bar, fairness_svg, history_svg
from scheduling.wording import plural

HTML = "text/html; charset=utf-8"
PNG = "image/png"
CHART_PATH = PAGE_PATH + "/fairness.png"


def _template_text(name: str) -> str:
    return resources.files("bot.web").joinpath("templates", name).read_text("utf-8")


CSS = _template_text("page.css")
# The only thing the page may load or run: its own inline stylesheet, by hash.
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
CSP = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    # Revalidated on every visit (ETag); nothing shared (a proxy) may keep a copy.
    "cache-control": "private, no-cache",
}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["longdate"] = longdate
    env.filters["shortdate"] = shortdate
    return env


_ENV = _environment()


def bars_of(page: RotationPage) -> list[Bar]:
    """The fairness chart's bars: the people on the team today, as in the table."""
    return [
        Bar(
            p.name,
            p.balance,
            p.projected,
            note="" if p.weight == 1 else f"weight {weight_text(p.weight)}",
        )
        for p in page.people
        if p.on_team
    ]


def render_page(page: RotationPage) -> bytes:
    """The page's HTML (names escaped by Jinja2's autoescape and by the chart builder)."""
    template = _ENV.get_template("rotation.html")
    html = template.render(
        page=page,
        css=Markup(CSS),
        fairness_svg=Markup(fairness_svg(bars_of(page), title=f"Balances in {page.rotation}")),
        history_svg=Markup(
            history_svg(
                page.history_labels, page.history, title=f"Balances by quarter in {page.rotation}"
            )
        ),
        plural=plural,
        grid_rows=grid_rows,
        people_rows=people_rows(page.people),
        weekday_names=WEEKDAY_LONG,
    )
    return html.encode("utf-8")


@dataclass(frozen=True)
class PageSource:
    """Where pages come from: the database, the key, the links' base URL, the clock."""

    engine: Engine
    secret: str
    base_url: str
    clock: Callable[[], datetime]

    def load(self, token: str, *, chart: bool) -> Served | None:
        """The page (or its chart) of `token` as it is now; None for no such link."""
        now = self.clock()
        with Session(self.engine) as session:
            owner = open_page(session, token=token, secret=self.secret)
            if owner is None:
                return None
            page = rotation_page(
                session, owner, now=now, secret=self.secret, base_url=self.base_url
            )
        body = fairness_png(bars_of(page)) if chart else render_page(page)
        return Served(body=body, etag=strong_etag(body), last_modified=now)


def _not_modified(request: Request, served: Served) -> bool:
    """If-None-Match only: the page sends no Last-Modified, so a date proves nothing."""
    given = request.headers.get("if-none-match")
    if given is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in given.split(",")}
    return "*" in tags or served.etag in tags


def page_routes(
    engine: Engine,
    *,
    secret: str,
    base_url: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[Route]:
    """The page routes for `create_web_app(routes=...)`; keeps tokens out of the logs."""
    if not secret:
        raise ValueError("secret: rotation pages need QUEUEDAY_SECRET_KEY")
    redact_feed_paths_in_logs()
    source = PageSource(engine, secret, base_url, clock)

    async def answer(request: Request, *, chart: bool) -> Response:
        if not canonical_path(request):
            raise HTTPException(404)  # a link QueueDay gave out is never percent-encoded
        token = request.path_params["token"]
        served = await run_in_threadpool(source.load, token, chart=chart)
        if served is None:
            raise HTTPException(404)
        headers = {"etag": served.etag, **SECURITY_HEADERS}
        media_type = PNG if chart else HTML
        if _not_modified(request, served):
            return Response(status_code=304, headers=headers)
        if request.method == "HEAD":
            headers["content-length"] = str(len(served.body))
            return Response(b"", headers=headers, media_type=media_type)
        return Response(served.body, headers=headers, media_type=media_type)

    async def page(request: Request) -> Response:
        return await answer(request, chart=False)

    async def chart(request: Request) -> Response:
        return await answer(request, chart=True)

    return [
        Route(PAGE_PATH, page, methods=["GET", "HEAD"]),
        Route(CHART_PATH, chart, methods=["GET", "HEAD"]),
    ]
