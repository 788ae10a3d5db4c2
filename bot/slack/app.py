"""The Bolt app, built by a factory from settings-like values; listeners registered per kind.

One workspace per install by default: `auth.test` at start names the token's team, every
request is authorized with that one token, and a request from any other team gets a
polite refusal (`bot.slack.middleware.refuse_other_teams`). OAuth mode (SLACK_CLIENT_ID
and SLACK_CLIENT_SECRET set) serves every workspace that installs the app, each request
with its own workspace's token (`bot.slack.installs`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine

from bot.services import (
    DEFAULT_API_URL,
    Installation,
    ReactionEmoji,
    Services,
    make_client,
    utc_now,
)
from bot.slack import installs, middleware
from bot.slack.installs import OAuthConfig
from bot.slack.listeners import (
    actions,
    commands,
    errors,
    events,
    reminders,
    shortcuts,
    timeoff_config,
    views,
)
from bot.slack.listeners import installs as install_events

if TYPE_CHECKING:
    from pydantic import SecretStr

    from bot.settings import Settings

log = logging.getLogger(__name__)

# Bolt's default pool of 5 threads turned a sixth concurrent command into a 404 after
# 3 s; 32 answered bursts at once (DESIGN.md section 5).
LISTENER_THREADS = 32


class SlackAuthError(RuntimeError):
    """Slack refused the bot token at start (`auth.test` failed)."""


@dataclass(frozen=True)
class SlackConfig:
    """What the Slack side needs from the settings; secrets as plain strings (not in repr)."""

    bot_token: str | None = field(repr=False)
    signing_secret: str | None = field(repr=False)
    app_token: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    # OAuth mode (installs in several workspaces) when set; bot_token is then unused.
    oauth: OAuthConfig | None = None
    # SLACK_CLIENT_ID or SLACK_CLIENT_SECRET set without the other: refused at start.
    oauth_half: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackConfig:
        """Raises ValueError for a malformed SLACK_SCOPES."""

        def secret(value: SecretStr | None) -> str | None:
            return value.get_secret_value() or None if value is not None else None

        client_id = secret(settings.slack_client_id)
        client_secret = secret(settings.slack_client_secret)
        oauth = None
        if client_id and client_secret:
            oauth = OAuthConfig(
                client_id=client_id,
                client_secret=client_secret,
                scopes=installs.parse_scopes(settings.slack_scopes),
                state_ttl=settings.queueday_oauth_state_ttl,
                base_url=settings.queueday_base_url,
            )
        half = None
        if bool(client_id) != bool(client_secret):
            half = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        return cls(
            bot_token=secret(settings.slack_bot_token),
            signing_secret=secret(settings.slack_signing_secret),
            app_token=secret(settings.slack_app_token),
            api_url=settings.slack_api_url,
            oauth=oauth,
            oauth_half=half,
        )

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is set; HTTP otherwise."""
        return bool(self.app_token)

    @property
    def mode(self) -> str:
        """How workspaces are served, for the start-up line and the refusals."""
        transport = "Socket Mode" if self.socket_mode else "HTTP mode"
        if self.oauth is not None:
            return f"OAuth installs in several workspaces, {transport}"
        return f"one workspace (SLACK_BOT_TOKEN), {transport}"

    def missing(self) -> list[str]:
        """The environment variables `serve` needs and does not have."""
        if self.oauth_half is not None:
            return [self.oauth_half]  # OAuth mode was meant; say what completes it
        names = [] if self.bot_token or self.oauth is not None else ["SLACK_BOT_TOKEN"]
        if not self.socket_mode and not self.signing_secret:
            names.append("SLACK_SIGNING_SECRET")
        return names


@dataclass(frozen=True)
class Identity:
    """Whose bot token this is: the workspace, and the authorization Bolt uses for it."""

    installation: Installation
    authorization: AuthorizeResult


def identify(client: WebClient, token: str) -> Identity:
    """Ask Slack whose token this is (`auth.test`).

    Raises:
        SlackAuthError: Slack refused the token or could not be reached.
    """
    try:
        response = client.auth_test(token=token)
    except SlackApiError as exc:
        raise SlackAuthError(
            f"Slack refused SLACK_BOT_TOKEN: {exc.response.get('error', 'unknown error')}"
        ) from None
    except OSError as exc:
        raise SlackAuthError(f"cannot reach Slack at {client.base_url}: {exc}") from None
    installation = Installation(
        team_id=str(response["team_id"]),
        team_name=str(response.get("team") or ""),
        bot_user_id=response.get("user_id"),
        bot_id=response.get("bot_id"),
        enterprise_id=response.get("enterprise_id") or None,
    )
    authorization = AuthorizeResult.from_auth_test_response(
        bot_token=token, auth_test_response=response
    )
    return Identity(installation, authorization)


def create_app(
    config: SlackConfig,
    *,
    identity: Identity | None = None,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = utc_now,
    base_url: str = "http://localhost:3000",
    secret_key: str | None = None,
    reactions: ReactionEmoji | None = None,
    allow_private_urls: bool = False,
    listener_threads: int = LISTENER_THREADS,
    listener_executor: Executor | None = None,
) -> App:
    """The Bolt app for the bot token's workspace, every listener registered.

    Calls `auth.test` once to learn the workspace unless `identity` already says
    (see `identify`); request verification stays on (a bad signature or a stale
    timestamp gets 401). `secret_key` signs calendar feed links (none: no links shown);
    `listener_executor` replaces the listener thread pool (the console waits on its own).

    Raises:
        SlackAuthError: Slack refused the bot token.
    """
    # The app's client has no token: Bolt gives each request its own copy with the
    # token that `authorize` returns, and the copy keeps the base URL and retries.
    client = make_client(config.api_url)
    oauth = None
    if config.oauth is not None:
        if engine is None:
            raise SlackAuthError("OAuth mode keeps installs in the database; none was given")
        oauth = installs.oauth_parts(config.oauth, engine, client)
        # Each request names its own workspace (installs.ProvideWorkspaceServices).
        installation = Installation(team_id="", team_name="")
        log.info("OAuth mode: install in a workspace at %s", config.oauth.install_url)
        authorize_with: dict[str, Any] = {
            "authorize": oauth.authorize,
            "oauth_settings": oauth.settings,
            "installation_store": oauth.store,
            "installation_store_bot_only": True,
        }
    else:
        if not config.bot_token:
            raise SlackAuthError("SLACK_BOT_TOKEN is not set")
        if identity is None:
            identity = identify(client, config.bot_token)
        installation, authorization = identity.installation, identity.authorization
        log.info("serving Slack workspace %s (%s)", installation.team_name, installation.team_id)

        def authorize() -> AuthorizeResult:
            return authorization

        authorize_with = {"authorize": authorize}
    bolt_logger = logging.getLogger("bot.slack.bolt")
    # Bolt reads SLACK_BOT_TOKEN from the environment itself when no token is passed and,
    # given our tokenless client too, warns on every start that the token is unused;
    # which is what we want (`authorize` hands out the token). Only that one warning,
    # only while the App is built, is dropped.
    bolt_logger.addFilter(_token_unused_filter)
    try:
        app = App(
            name="queueday",
            client=client,
            signing_secret=config.signing_secret or "",
            **authorize_with,
            request_verification_enabled=True,
            raise_error_for_unhandled_request=False,
            process_before_response=False,
            listener_executor=listener_executor
            or ThreadPoolExecutor(listener_threads, thread_name_prefix="bolt"),
            logger=bolt_logger,
        )
    finally:
        bolt_logger.removeFilter(_token_unused_filter)
    services = Services(
        installation=installation,
        engine=engine,
        clock=clock,
        base_url=base_url,
        secret_key=secret_key,
        reactions=reactions or ReactionEmoji(),
        allow_private_urls=allow_private_urls,
    )
    if oauth is None:  # OAuth mode: a team with no install is refused by Bolt's authorize
        app.use(middleware.RefuseOtherTeams(installation.team_id))
    # Received ids in the database, so a retry that reaches another replica is known there
    # (DESIGN.md section 4); an app with no database is alone and remembers them itself.
    seen = middleware.DatabaseReceipts(services) if engine is not None else middleware.RecentIds()
    app.use(middleware.SkipRepeatedEvents(seen))
    if oauth is None:
        app.use(middleware.ProvideServices(services))
    else:
        app.use(installs.ProvideWorkspaceServices(services))
    register_listeners(app)
    install_events.register(app, oauth.store if oauth is not None else None)
    return app


def _token_unused_filter(record: logging.LogRecord) -> bool:
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


def register_listeners(app: App) -> None:
    """Every listener module's `register(app)`, and the one error handler."""
    for module in (commands, actions, views, timeoff_config, events, shortcuts, reminders, errors):
        module.register(app)
