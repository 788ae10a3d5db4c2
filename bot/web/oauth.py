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
from collections.abc import Sequence

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.oauth import OAuthFlow
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot.slack.installs import INSTALL_PATH, REDIRECT_PATH
from bot.slack.views.install import install_failed_page

log = logging.getLogger(__name__)

# Slack's codes and the flow's states are well under these; anything longer is no install.
MAX_CODE = 512
MAX_STATE = 200  # slack_oauth_states.state is String(200)


def oauth_routes(flow: OAuthFlow | None) -> list[Route]:
    """The two routes, or none when the app is not in OAuth mode (they then answer 404)."""
    if flow is None:
        return []

    async def install(request: Request) -> Response:
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
