"""`queueday timeoff`: a rotation's time-off calendars (add, list, remove) and their sync."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlmodel import Session

from bot.cli.common import BadInput, database, link_secret, load_settings, team_for
from bot.usecases.access import SYSTEM
from bot.usecases.timeoff_feeds import (
    SyncReport,
    add_time_off_feed,
    list_time_off_feeds,
    remove_time_off_feed,
)
from bot.usecases.timeoff_fetch import TIMEOUT_SECONDS


def register(main: click.Group) -> None:
    main.add_command(timeoff)


_TEAM = click.option(
    "--team", default=None, metavar="T…", help="The workspace, when the database has several."
)


@click.group()
def timeoff() -> None:
    """Time off from the calendars people already keep (HR tools, shared calendars)."""


@timeoff.group()
def feed() -> None:
    """A rotation's time-off calendar feeds (iCalendar URLs; secrets, never shown in full)."""


@feed.command("add")
@click.option("--rotation", required=True, help="The rotation that takes absences from it.")
@click.argument("url")
@_TEAM
def feed_add(rotation: str, url: str, team: str | None) -> None:
    """Subscribe ROTATION to the iCalendar feed at URL (https://; it is not fetched yet).

    The URL is stored encrypted with a key derived from QUEUEDAY_SECRET_KEY.
    """
    settings = load_settings(BadInput)
    secret = link_secret(settings)
    with database() as engine, Session(engine, expire_on_commit=False) as session:
        info = add_time_off_feed(
            session,
            team_id=team_for(session, rotation, team),
            rotation=rotation,
            actor=SYSTEM,
            now=datetime.now(UTC),
            url=url,
            allow_private=settings.queueday_allow_private_urls,
            secret=secret,
        )
    click.echo(f"{info.id}\t{info.rotation}\t{info.hint}")
    click.echo("added; `queueday timeoff sync` (or the worker) reads it", err=True)


@feed.command("list")
@click.option("--rotation", default=None, help="Only this rotation's feeds.")
@_TEAM
def feed_list(rotation: str | None, team: str | None) -> None:
    """One feed a line: id, rotation, hint of the URL, last sync, unmatched events, state."""
    with database() as engine, Session(engine, expire_on_commit=False) as session:
        team_id = _team(session, rotation, team)
        infos = list_time_off_feeds(session, team_id=team_id, rotation=rotation)
    for info in infos:
        synced = info.synced_at.isoformat(timespec="seconds") if info.synced_at else "never"
        state = f"failing: {info.last_error}" if info.last_error else "ok"
        click.echo(
            f"{info.id}\t{info.rotation}\t{info.hint}\tsynced {synced}\t"
            f"{info.blocks} absences\t{info.unmatched} unmatched\t{state}"
        )
    if not infos:
        click.echo("no time-off calendars", err=True)


@feed.command("remove")
@click.option("--rotation", required=True, help="The rotation the feed belongs to.")
@click.argument("feed_id", metavar="ID", type=click.IntRange(1, 2**31 - 1))
@_TEAM
def feed_remove(rotation: str, feed_id: int, team: str | None) -> None:
    """Unsubscribe: the feed's time off still to come is cancelled and re-planned."""
    with database() as engine, Session(engine, expire_on_commit=False) as session:
        info, cancelled = remove_time_off_feed(
            session,
            team_id=team_for(session, rotation, team),
            rotation=rotation,
            actor=SYSTEM,
            now=datetime.now(UTC),
            feed_id=feed_id,
        )
    click.echo(f"removed {info.id}\t{info.hint}\t{len(cancelled)} absences cancelled")


@timeoff.command("sync")
@click.option("--rotation", default=None, help="Only this rotation's feeds (default: all).")
@_TEAM
@click.option(
    "--timeout",
    type=click.FloatRange(1, 120),
    default=TIMEOUT_SECONDS,
    show_default=True,
    help="Seconds a feed may take to answer, in all.",
)
def sync(rotation: str | None, team: str | None, timeout: float) -> None:
    """Fetch every time-off calendar and book, move or cancel the time off it holds.

    The people given days are told by DM, and the admins once when a feed fails, when
    SLACK_BOT_TOKEN is set (the worker does the same every QUEUEDAY_TIMEOFF_SYNC_MINUTES).
    Exit 0 when the sync ran, even if some feeds failed or some events matched nobody.
    """
    from bot.services import make_client
    from bot.worker.timeoff import sync_pass

    settings = load_settings(BadInput)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    client = make_client(settings.slack_api_url, token) if token else None
    with database() as engine:
        with Session(engine) as session:
            team_id = _team(session, rotation, team)
        reports = sync_pass(
            engine,
            client,
            team_id=team_id,
            now=datetime.now(UTC),
            rotation=rotation,
            allow_private=settings.queueday_allow_private_urls,
            timeout=timeout,
            secret=link_secret(settings),
        )
    for report in reports:
        click.echo(_line(report))
        for summary in report.unmatched:
            click.echo(f"  matched nobody: {summary}")
        for reason in report.skipped:
            click.echo(f"  not booked: {reason}")
    if not reports:
        click.echo("no time-off calendars to sync", err=True)
    if client is None and any(r.handed_over or r.tell_admins for r in reports):
        click.echo("SLACK_BOT_TOKEN is not set: nobody was told by DM", err=True)


def _line(report: SyncReport) -> str:
    whose = report.rotation or f"{report.owner}'s own"  # a personal calendar
    head = f"{report.feed_id}\t{whose}\t{report.hint}\t{report.outcome}"
    if report.error is not None:
        return f"{head}: {report.error}"
    return (
        f"{head}\t{len(report.booked)} booked, {len(report.removed)} removed, "
        f"{report.unmatched_count} unmatched"
    )


def _team(session: Session, rotation: str | None, team: str | None) -> str:
    """The workspace: --team, the rotation's, or the database's only one."""
    if rotation is not None or team is not None:
        return team_for(session, rotation or "", team)
    from sqlmodel import select

    from storage.models import Workspace

    teams = list(session.exec(select(Workspace.team_id)))
    if len(teams) != 1:
        raise BadInput(
            "--team: the database has several workspaces; pass --team"
            if teams
            else "the database has no workspaces yet"
        )
    return teams[0]
