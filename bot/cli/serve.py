"""`queueday serve`: the Slack app and the web endpoints in one process."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import click

from bot.cli.common import NotConfigured, configure_logging, link_secret, load_settings

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from sqlalchemy.engine import Engine

    from bot.settings import Settings
    from bot.slack.app import Identity, SlackConfig

log = logging.getLogger(__name__)


def register(group: click.Group) -> None:
    group.add_command(serve)


@click.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to listen on (default PORT from the environment or .env, else 3000).",
)
@click.option("--access-log/--no-access-log", default=False, help="Log every HTTP request.")
def serve(host: str, port: int | None, access_log: bool) -> None:
    """Serve Slack (HTTP, or Socket Mode with SLACK_APP_TOKEN), feeds and /healthz."""
    # Imported here, like the helpers' imports, so `queueday plan` skips the web stack.
    from bot.services import ReactionEmoji, utc_now
    from bot.slack.app import create_app
    from bot.web.app import create_web_app, run
    from bot.web.calendar import calendar_routes
    from bot.web.hooks import hook_config, hook_routes
    from bot.web.oauth import oauth_routes
    from bot.web.page import page_routes
    from bot.web.support_hooks import support_hooks
    from bot.web.vendor_hooks import vendor_routes

    configure_logging()
    settings, config = _settings()
    secret = link_secret(settings)
    engine = _database(settings)
    identity = _identify(config) if config.oauth is None else None
    log.info("Slack: %s", config.mode)
    if config.oauth is not None and config.bot_token:
        log.warning("SLACK_BOT_TOKEN is set but unused: OAuth mode uses each install's token")
    bolt_app = create_app(
        config,
        identity=identity,
        engine=engine,
        base_url=settings.queueday_base_url,
        secret_key=secret,
        reactions=ReactionEmoji(settings.queueday_bug_emoji, settings.queueday_highlight_emoji),
        allow_private_urls=settings.queueday_allow_private_urls,
    )
    team_id = identity.installation.team_id if identity is not None else None
    hooks = []
    if team_id is not None:  # tracker hooks name one workspace: single-token mode only
        hooks = [
            *hook_routes(engine, hook_config(settings, team_id), clock=utc_now),
            *vendor_routes(engine, support_hooks(settings), team_id=team_id, clock=utc_now),
        ]
    else:
        _warn_hooks_off(settings)
    web_app = create_web_app(
        bolt_app,
        signing_secret=config.signing_secret,
        team_id=team_id,
        socket_mode=config.socket_mode,
        engine=engine,
        routes=[
            *calendar_routes(engine, secret=secret),
            *page_routes(engine, secret=secret, base_url=settings.queueday_base_url),
            *hooks,
            *oauth_routes(bolt_app.oauth_flow, engine),
        ],
    )
    socket = _connect_socket(bolt_app, config.app_token) if config.app_token else None
    try:
        run(web_app, host=host, port=port or settings.port, access_log=access_log)
    finally:
        if socket is not None:
            socket.close()  # type: ignore[no-untyped-call]
        engine.dispose()


def _settings() -> tuple[Settings, SlackConfig]:
    """The settings, refusing (exit 2) when a token this mode needs is missing."""
    from bot.slack.app import SlackConfig

    settings = load_settings()
    try:
        config = SlackConfig.from_settings(settings)
    except ValueError as exc:
        raise NotConfigured(str(exc)) from None
    missing = config.missing()
    if config.oauth_half is not None:
        raise NotConfigured(
            f"{config.oauth_half} is not set: OAuth mode needs both SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET (or neither, for one workspace with SLACK_BOT_TOKEN); see README"
        )
    if missing:
        mode = config.mode
        verb = "is" if len(missing) == 1 else "are"
        raise NotConfigured(f"{' and '.join(missing)} {verb} not set ({mode}); see README")
    return settings, config


def _warn_hooks_off(settings: Settings) -> None:
    """Say so when a tracker hook's secret is set but OAuth mode leaves the hooks off."""
    names = [
        name.upper()
        for name in (
            "queueday_hook_secret",
            "github_webhook_secret",
            "zendesk_webhook_secret",
            "intercom_client_secret",
            "jira_webhook_secret",
            "linear_webhook_secret",
        )
        if getattr(settings, name) is not None
    ]
    if names:
        log.warning(
            "OAuth mode: the tracker hooks serve one workspace and are off (404): %s ignored",
            ", ".join(names),
        )


def _database(settings: Settings) -> Engine:
    """The engine, the database upgraded to the newest schema."""
    from sqlalchemy.exc import OperationalError

    from bot.settings import make_engine_from
    from storage import migrate
    from storage.db import DatabaseURLError

    try:
        engine = make_engine_from(settings)
    except DatabaseURLError as exc:
        raise NotConfigured(str(exc)) from None
    try:
        migrate.upgrade(engine)
    except OperationalError as exc:
        raise click.ClickException(f"database error: {str(exc.orig).strip()}") from None
    return engine


def _identify(config: SlackConfig) -> Identity:
    from bot.services import make_client
    from bot.slack.app import SlackAuthError, identify

    assert config.bot_token is not None
    try:
        return identify(make_client(config.api_url), config.bot_token)
    except SlackAuthError as exc:
        raise click.ClickException(str(exc)) from None


def _connect_socket(bolt_app: App, app_token: str) -> SocketModeHandler:
    """Connect to Slack over Socket Mode (events then arrive on the WebSocket)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    socket = SocketModeHandler(bolt_app, app_token)
    try:
        socket.connect()  # type: ignore[no-untyped-call]
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown error")
        raise click.ClickException(f"Slack refused SLACK_APP_TOKEN: {error}") from None
    log.info("connected to Slack in Socket Mode")
    return socket
