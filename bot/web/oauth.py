"""`GET /slack/install` and `GET /slack/oauth_redirect` (OAuth mode): Bolt's OAuthFlow
over Starlette.

The install route issues a state (kept in the database, so Slack's redirect may reach any
replica) and a cookie holding it, and sends the browser to Slack's authorize page; the
redirect route checks that the state in the address is the cookie's and still unused
and unexpired, then exchanges the code with `oauth.v2.access` and saves the install.
Both run in a worker thread (the flow calls Slack and the database synchronously). A
failure is a page that says what went wrong (bot.slack.views.install), never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.oauth import OAuthFlow
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot.services import utc_now
from bot.slack.installs import INSTALL_PATH, REDIRECT_PATH
from bot.slack.views.install import install_failed_page
from bot.usecases.installs import MAX_PENDING_INSTALLS, room_for_an_install

log = logging.getLogger(__name__)

# Slack's codes and the flow's states are well under these; anything longer is no install.
MAX_CODE = 512
MAX_STATE = 200  # slack_oauth_states.state is String(200)
MAX_TEAM = 32  # a workspace or org id to preselect: T… or E…, String(32) in the stores


def oauth_routes(
    flow: OAuthFlow | None, engine: Engine, clock: Callable[[], datetime] = utc_now
) -> list[Route]:
    """The two routes, or none when the app is not in OAuth mode (they then answer 404)."""
    if flow is None:
        return []

    def room() -> bool:
        with Session(engine, expire_on_commit=False) as session:
            return room_for_an_install(session, now=clock())

    async def install(request: Request) -> Response:
        team = request.query_params.get("team", "")
        if team and (len(team) > MAX_TEAM or not team.isalnum()):
            return HTMLResponse(install_failed_page("bad_team", INSTALL_PATH), status_code=400)
        if not await run_in_threadpool(room):
            log.warning("refused an install: %d installs under way", MAX_PENDING_INSTALLS)
            return HTMLResponse(install_failed_page("busy", INSTALL_PATH), status_code=503)
        return _response(await run_in_threadpool(flow.handle_installation, _bolt(request)))

    async def redirect(request: Request) -> Response:
        code = request.query_params.get("code", "")
        state = request.query_params.get("state", "")
        if len(code) > MAX_CODE or len(state) > MAX_STATE:
            log.info("refused an OAuth redirect with a code or state too long")
            return HTMLResponse(install_failed_page("bad_request", INSTALL_PATH), status_code=400)
        return _response(await run_in_threadpool(flow.handle_callback, _bolt(request)))

    return [
        Route(INSTALL_PATH, install, methods=["GET"]),
        Route(REDIRECT_PATH, redirect, methods=["GET"]),
    ]


def _bolt(request: Request) -> BoltRequest:
    headers: dict[str, str | Sequence[str]] = {
        name: request.headers.getlist(name) for name in request.headers.keys()
    }
    return BoltRequest(body="", query=request.url.query, headers=headers)


def _response(answer: BoltResponse) -> Response:
    """Bolt's answer as Starlette's, its Set-Cookie (the state's cookie) included."""
    response = Response(content=answer.body, status_code=answer.status)
    for name, values in answer.headers.items():
        for value in values:
            response.headers.append(name, value)
    return response
