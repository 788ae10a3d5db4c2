"""`queueday worker`, `queueday remind --now`, `queueday import tickets|highlights`."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import (
    BadInput,
    NotConfigured,
    configure_logging,
    database,
    link_secret,
    load_settings,
    team_for,
)
from bot.cli.storage import import_group
from scheduling.wording import plural

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.usecases.capture import NoteInput, NoteKind
    from bot.worker.scheduler import Senders
    from bot.worker.sender import WorkerConfig

log = logging.getLogger(__name__)


def register(main: click.Group) -> None:
    main.add_command(worker)
    main.add_command(remind)
    import_group.add_command(import_tickets)
    import_group.add_command(import_highlights)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant; one without an offset is UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"--now: {text!r} is not an ISO time like 2027-01-12T09:30:00+01:00"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _sender(config: WorkerConfig) -> tuple[Senders, Engine]:
    """Settings, database (upgraded) and Slack identity; refuses without SLACK_BOT_TOKEN.

    In OAuth mode (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) there is no one token: each
    pass sends every installed workspace's rows with its own (bot.worker.installs).
    """
    from sqlalchemy.exc import OperationalError

    from bot.services import make_client
    from bot.settings import make_engine_from
    from bot.slack.app import SlackAuthError, identify
    from bot.slack.views.home import OPEN_SWAP
    from bot.worker.sender import Sender, SlackClient, feed_lookup
    from storage import migrate
    from storage.db import DatabaseURLError

    settings = load_settings()
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    client_id = settings.slack_client_id.get_secret_value() if settings.slack_client_id else ""
    client_secret = (
        settings.slack_client_secret.get_secret_value() if settings.slack_client_secret else ""
    )
    if bool(client_id) != bool(client_secret):
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise NotConfigured(
            f"{missing} is not set: OAuth mode needs both SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET (or neither, for one workspace with SLACK_BOT_TOKEN); see README"
        )
    oauth = bool(client_id and client_secret)
    if not token and not oauth:
        raise NotConfigured("SLACK_BOT_TOKEN is not set; reminders are posted with it (see README)")
    secret = link_secret(settings)  # DMs carry feed links: never send them without
    try:
        engine = make_engine_from(settings)
        migrate.upgrade(engine)
    except DatabaseURLError as exc:
        raise NotConfigured(str(exc)) from None
    except OperationalError as exc:
        raise click.ClickException(f"database error: {str(exc.orig).strip()}") from None
    config = replace(
        config, highlight_max_age=timedelta(days=settings.queueday_highlight_max_age_days)
    )
    feeds = feed_lookup(secret, settings.queueday_base_url)
    if oauth:
        from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
        from slack_sdk.oauth.token_rotation import TokenRotator

        from bot.worker.installs import WorkspaceSenders

        def one_workspace(*, client: SlackClient, team_id: str) -> Sender:
            return Sender(engine, client, team_id=team_id, config=config, feeds=feeds,
                          swap_action=OPEN_SWAP, own_rows_only=True)  # fmt: skip

        writer = engine.execution_options(sqlite_begin="immediate")  # as `serve`'s stores
        log.info("Slack: OAuth installs in several workspaces (each with its own token)")
        senders = WorkspaceSenders(
            engine,
            SQLAlchemyInstallationStore(client_id=client_id, engine=writer),
            TokenRotator(
                client_id=client_id,
                client_secret=client_secret,
                client=make_client(settings.slack_api_url),
            ),
            api_url=settings.slack_api_url,
            make_sender=one_workspace,
        )
        return senders, engine
    client = make_client(settings.slack_api_url, token)
    try:
        identity = identify(client, token)
    except SlackAuthError as exc:
        raise click.ClickException(str(exc)) from None
    sender = Sender(
        engine,
        client,
        team_id=identity.installation.team_id,
        config=config,
        feeds=feeds,
        swap_action=OPEN_SWAP,
    )
    return sender, engine


_LEASE = click.option(
    "--lease",
    type=click.FloatRange(1, 3600),
    default=120.0,
    show_default=True,
    help="Seconds a claimed reminder is held; a crashed worker's come back after this.",
)


@click.command()
@click.option(
    "--interval",
    type=click.FloatRange(1, 3600),
    default=30.0,
    show_default=True,
    help="Seconds between passes.",
)
@click.option(
    "--batch", type=click.IntRange(1, 1000), default=100, show_default=True, help="Rows per claim."
)
@_LEASE
def worker(interval: float, batch: int, lease: float) -> None:
    """Send reminders as they fall due, until stopped (safe to run twice at once)."""
    from bot.worker.scheduler import run_worker
    from bot.worker.sender import WorkerConfig

    configure_logging()
    config = WorkerConfig(interval=interval, batch=batch, lease=timedelta(seconds=lease))
    sender, engine = _sender(config)
    settings = load_settings()
    try:
        run_worker(
            sender,
            interval=interval,
            timeoff_every=settings.queueday_timeoff_sync_minutes * 60.0,
            allow_private_urls=settings.queueday_allow_private_urls,
            departures_every=24 * 3600.0,  # users.info for the coming week's people
            timeoff_secret=link_secret(settings),  # opens the calendar URLs sealed at rest
        )
    finally:
        engine.dispose()


@click.command()
@click.option(
    "--now",
    "now_text",
    required=True,
    metavar="ISO_TIME",
    help="Send what is due at or before this instant (no offset: UTC).",
)
@_LEASE
def remind(now_text: str, lease: float) -> None:
    """Send every reminder due by --now that is not sent yet and still useful, then exit.

    For cron-style platforms and for tests; a crontab line every few minutes with
    `--now "$(date -u +%Y-%m-%dT%H:%M:%SZ)"` replaces the long-running worker.
    """
    from bot.worker.sender import WorkerConfig

    as_of = parse_instant(now_text)
    configure_logging()
    from bot.worker.scheduler import each
    from bot.worker.sender import Sender

    sender, engine = _sender(WorkerConfig(lease=timedelta(seconds=lease)))
    try:
        senders = each(sender)
        lines = [(one.team_id, one.run_once(as_of).line()) for one in senders]
    finally:
        engine.dispose()
    if len(lines) == 1 and isinstance(sender, Sender):
        click.echo(f"reminders due by {as_of.isoformat()}: {lines[0][1]}")
        return
    for team_id, line in lines:  # OAuth mode: one line per installed workspace
        click.echo(f"reminders due by {as_of.isoformat()} in {team_id}: {line}")
    if not lines:
        click.echo(f"reminders due by {as_of.isoformat()}: no workspace is installed")


# --- importing tickets and highlights ------------------------------------------------

TICKET_COLUMNS = ("id", "title", "url", "area", "severity", "status")
HIGHLIGHT_COLUMNS = ("text", "url", "area", "id")
ALIASES = {"text": "title", "summary": "title", "name": "title", "state": "status"}


def read_notes(path: Path, kind: NoteKind) -> list[tuple[int, NoteInput, bool]]:
    """The rows of a tickets or highlights CSV; BadInput (exit 2) naming file, line, column.

    Tickets: `id,title,url,area,severity,status`; highlights: `text,url,area[,id]`. A
    header row with these names may come first, in any order; without one the columns
    are in this order. Only the text (title) is required.
    """
    from bot.usecases.capture import NoteInput, NoteKind, tracker_key
    from bot.web.hooks import CLOSED, OPEN

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    is_ticket = kind is NoteKind.TICKET
    columns: tuple[str, ...] = TICKET_COLUMNS if is_ticket else HIGHLIGHT_COLUMNS
    main = "title" if is_ticket else "text"
    rows: list[tuple[int, NoteInput, bool]] = []
    for number, raw in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in raw]
        if not any(cells) or cells[0].startswith("#"):
            continue
        names = [ALIASES.get(c.lower(), c.lower()) if is_ticket else c.lower() for c in cells]
        if not rows and main in names and set(names) <= set(columns) | {""}:
            columns = tuple(names)  # a header row
            continue
        if len(cells) > len(columns):
            raise BadInput(
                f"{path}:{number}: {len(cells)} columns; expected at most {len(columns)} "
                f"({','.join(columns)})"
            )
        row = dict(zip(columns, cells, strict=False))
        if not row.get(main):
            raise BadInput(f"{path}:{number}: {main}: empty")
        url = row.get("url") or None
        if url is not None and not url.startswith(("https://", "http://")):
            raise BadInput(f"{path}:{number}: url: must start with https:// or http://")
        status = (row.get("status") or "open").lower()
        if status not in CLOSED | OPEN:
            raise BadInput(f"{path}:{number}: status: {status!r} is neither open nor closed")
        ident = row.get("id") or None
        note = NoteInput(
            row[main],
            url=url,
            area=row.get("area") or None,
            severity=row.get("severity") or None,
            external_id=tracker_key(ident) if ident else None,
        )
        rows.append((number, note, status in CLOSED))
    if not rows:
        raise BadInput(f"{path}: no rows")
    return rows


def _import(path: Path, rotation: str | None, team: str | None, kind: NoteKind) -> None:
    from sqlmodel import Session, col, select

    from bot.usecases.capture import import_notes
    from storage.models import Rotation

    rows = read_notes(path, kind)
    with database() as engine, Session(engine, expire_on_commit=False) as session:
        if rotation is None:
            names = list(session.exec(select(Rotation.name).order_by(col(Rotation.name))))
            if len(names) != 1:
                raise BadInput(f"--rotation: name one of {', '.join(names) or '(none yet)'}")
            rotation = names[0]
        report = import_notes(
            session,
            team_id=team_for(session, rotation, team),
            rotation=rotation,
            now=datetime.now(UTC),
            kind=kind,
            rows=rows,
        )
    what = "ticket" if kind.value == "ticket" else "highlight"
    click.echo(
        f"{plural(report.rows, 'row')}: imported {plural(report.added, what)}, "
        f"{report.already} already known"
    )


_ROTATION = click.option("--rotation", help="The rotation (default: the only one).")
_TEAM = click.option("--team", help="Slack team id, when several workspaces share the name.")
_FILE = click.argument(
    "csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=Path)
)


@click.command("tickets")
@_FILE
@_ROTATION
@_TEAM
def import_tickets(csv_file: Path, rotation: str | None, team: str | None) -> None:
    """Import bug tickets: CSV columns id,title,url,area,severity,status."""
    from bot.usecases.capture import NoteKind

    _import(csv_file, rotation, team, NoteKind.TICKET)


@click.command("highlights")
@_FILE
@_ROTATION
@_TEAM
def import_highlights(csv_file: Path, rotation: str | None, team: str | None) -> None:
    """Import highlights (what customers like): CSV columns text,url,area."""
    from bot.usecases.capture import NoteKind

    _import(csv_file, rotation, team, NoteKind.HIGHLIGHT)
