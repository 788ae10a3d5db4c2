"""OAuth mode: installs in several workspaces, each with its own bot token.

On when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are both set (README, "Installing in
several workspaces"). Bolt's OAuthFlow serves `GET /slack/install` (a state is issued,
kept in the database and in a cookie, and the browser is sent to Slack's authorize page)
and `GET /slack/oauth_redirect` (the state is checked and consumed, the code exchanged
with `oauth.v2.access`, the install saved). Installs and states live in slack_sdk's
SQLAlchemy stores on QueueDay's own database (tables: storage.slack_installs), so any
replica serves any workspace. Each request is authorized with its workspace's bot token
(Bolt's InstallationStoreAuthorize; an Enterprise Grid org-wide install by
`enterprise_id` and `is_enterprise_install`), refreshed before it expires when the app
has token rotation on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.middleware import Middleware
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.engine import Engine

from bot.services import SERVICES_KEY, Installation, Services
from bot.slack.views.install import install_failed_page, installed_page

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# manifest.yml's bot scopes (tests/bot/slack/test_installs.py keeps the two the same).
DEFAULT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "users:read.email",
    "channels:read",
    "groups:read",
    "reactions:read",
    "channels:history",
    "groups:history",
    "im:history",
    "usergroups:read",
    "usergroups:write",
    "channels:write.topic",
    "groups:write.topic",
    "users.profile:read",
)
# A rotated bot token lasts 12 hours; it is refreshed when a request finds it within
# this many minutes of expiring (Bolt's default).
REFRESH_MINUTES_BEFORE_EXPIRY = 120
_HTML = {"Content-Type": "text/html; charset=utf-8"}


@dataclass(frozen=True)
class OAuthConfig:
    """The app's OAuth credentials and where the install flow points (secrets not in repr)."""

    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    scopes: Sequence[str] = DEFAULT_SCOPES
    state_ttl: int = 600  # seconds from /slack/install to Slack's redirect back
    base_url: str = "http://localhost:3000"

    @property
    def redirect_uri(self) -> str:
        """The Redirect URL the app's settings at api.slack.com must list."""
        return self.base_url.rstrip("/") + REDIRECT_PATH

    @property
    def install_url(self) -> str:
        return self.base_url.rstrip("/") + INSTALL_PATH


def parse_scopes(text: str) -> tuple[str, ...]:
    """SLACK_SCOPES (comma- or space-separated) as a tuple; empty: DEFAULT_SCOPES.

    Raises:
        ValueError: a scope that is not of Slack's form (`chat:write`, `commands`).
    """
    scopes = tuple(part for part in text.replace(",", " ").split() if part)
    for scope in scopes:
        if len(scope) > 100 or not all(c.isalnum() or c in ":._-" for c in scope):
            raise ValueError(f"SLACK_SCOPES: {scope[:40]!r} is not a Slack scope like chat:write")
    return scopes or DEFAULT_SCOPES


def authorize_url(api_url: str) -> str:
    """Slack's authorize page beside its Web API: https://slack.com/oauth/v2/authorize for
    the real one (SLACK_API_URL https://slack.com/api/), the fake's in tests."""
    return urljoin(api_url, "/oauth/v2/authorize")


@dataclass(frozen=True)
class OAuthParts:
    """What the Bolt app is built with in OAuth mode."""

    settings: OAuthSettings
    authorize: InstallationStoreAuthorize
    store: SQLAlchemyInstallationStore


def oauth_parts(config: OAuthConfig, engine: Engine, client: WebClient) -> OAuthParts:
    """The OAuth settings, the stores on `engine` and the authorize that reads them.

    The stores' tables come from our migrations (storage.slack_installs), never from
    `create_tables`. Only bot tokens are asked for and looked up (`bot_only`). Authorize
    results are cached by token, so a workspace's `auth.test` is asked once per token
    (a refresh or a reinstall gives a new token, and an uninstall ends the lookup first).
    """
    # The stores read, then write, in one transaction: on SQLite it must hold the write
    # lock from its start, or a writer committing in between fails it with "database is
    # locked" (storage.db, write_transaction). PostgreSQL ignores the option.
    writer = engine.execution_options(sqlite_begin="immediate")
    store = SQLAlchemyInstallationStore(client_id=config.client_id, engine=writer)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=config.state_ttl, engine=writer)
    authorize = InstallationStoreAuthorize(
        logger=logging.getLogger("bot.slack.bolt"),
        installation_store=store,
        client_id=config.client_id,
        client_secret=config.client_secret,
        token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE_EXPIRY,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
    settings = OAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(config.scopes),
        user_scopes=[],
        redirect_uri=config.redirect_uri,
        install_path=INSTALL_PATH,
        install_page_rendering_enabled=False,  # straight on to Slack's own page
        redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=_installed, failure=_failed),
        authorization_url=authorize_url(str(client.base_url)),
        installation_store=store,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE_EXPIRY,
        state_store=states,
        state_expiration_seconds=config.state_ttl,
    )
    return OAuthParts(settings, authorize, store)


def _installed(args: SuccessArgs) -> BoltResponse:
    installation = args.installation
    log.info(
        "installed in %s (team %s, enterprise %s, org-wide %s)",
        installation.team_name or installation.enterprise_name,
        installation.team_id,
        installation.enterprise_id,
        installation.is_enterprise_install,
    )
    name = installation.team_name or installation.enterprise_name or ""
    body = installed_page(name, bool(installation.is_enterprise_install))
    return BoltResponse(status=200, body=body, headers=dict(_HTML))


def _failed(args: FailureArgs) -> BoltResponse:
    """A page saying what went wrong; 400 for what the browser sent, 503 when the
    database failed (try again), never 500."""
    log.warning("an install failed: %s", args.reason, exc_info=args.error)
    install_url = args.settings.install_path if args.settings is not None else INSTALL_PATH
    status = 503 if args.reason == "storage_error" else 400
    if args.reason == "access_denied":
        status = 200  # the installer said no: nothing is wrong
    return BoltResponse(
        status=status, body=install_failed_page(args.reason, install_url), headers=dict(_HTML)
    )


class ProvideWorkspaceServices(Middleware):
    """Puts the app's Services into each request's context, naming the request's own
    workspace (OAuth mode: there is no one workspace to name at start-up).

    Runs after Bolt's authorize, so the bot user and the workspace's name come from the
    install that authorized the request; the team and org come from the request itself
    (for an org-wide install the token is the org's, the workspace is the request's).
    """

    def __init__(self, services: Services) -> None:
        self.services = services

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        context = req.context
        result = context.authorize_result
        installation = Installation(
            team_id=context.team_id or "",
            # An org-wide token's auth.test names the org, not this workspace.
            team_name="" if context.is_enterprise_install else str(getattr(result, "team", "")),
            bot_user_id=context.bot_user_id,
            bot_id=context.bot_id,
            enterprise_id=context.enterprise_id,
        )
        context[SERVICES_KEY] = replace(self.services, installation=installation)
        return next()
