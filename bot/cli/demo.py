"""`queueday demo` and `queueday console`: QueueDay without Slack."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.cli.common import BadInput, link_secret, load_settings
from bot.settings import Settings, make_engine_from
from bot.slack.text import shell_text
from bot.usecases import demo as demo_data
from bot.usecases.errors import UseCaseError
from scheduling.wording import plural
from storage import migrate
from storage.db import DatabaseURLError


def register(main: click.Group) -> None:
    main.add_command(demo)
    main.add_command(console)


@contextmanager
def _upgraded(*, links: bool = False) -> Iterator[tuple[Settings, Engine]]:
    """The settings and the DATABASE_URL engine, upgraded to the newest schema.

    With `links`, a missing or unusable secret key refuses first, before the database.
    """
    settings = load_settings(BadInput)
    if links:
        link_secret(settings)
    try:
        engine = make_engine_from(settings)
    except DatabaseURLError as exc:
        raise BadInput(str(exc).splitlines()[0]) from None
    try:
        migrate.upgrade(engine)
        yield settings, engine
    except UseCaseError as exc:
        raise BadInput(shell_text(exc.message)) from None  # plain ids, not <@U…>
    except OperationalError as exc:
        raise click.ClickException(f"database error: {str(exc.orig).strip()}") from None
    finally:
        engine.dispose()


@click.command()
@click.option("--reset", is_flag=True, help="Delete the demo workspace first and seed it anew.")
def demo(reset: bool) -> None:
    """Seed the demo team into DATABASE_URL (running it again changes nothing)."""
    now = datetime.now(UTC)
    with _upgraded() as (settings, engine), Session(engine, expire_on_commit=False) as session:
        if reset:
            deleted = demo_data.remove_demo(session, now=now)
            click.echo(f"Removed the demo workspace ({plural(deleted, 'row')}).")
        report = demo_data.seed_demo(session, now=now)
        where = settings.sqlalchemy_url.render_as_string(hide_password=True)
    if not report.seeded:
        click.echo(f"The demo is already in {where}; nothing changed (--reset starts over).")
        return
    quarters = ", ".join(f"{start}..{end}" for start, end in report.published)
    click.echo(
        f"Seeded the demo into {where}: workspace {demo_data.TEAM}, rotation "
        f"{demo_data.ROTATION} (channel {demo_data.CHANNEL}, {demo_data.TIMEZONE}) with "
        f"{report.people} people, {report.history_days} days of history, published "
        f"{quarters}, time off, bug tickets and highlights."
    )
    click.echo(f"Next: queueday console --as {demo_data.ADMIN}")


@click.command()
@click.option("--as", "user", default=demo_data.ADMIN, show_default=True, help="Who types.")
@click.option("--team", default=demo_data.TEAM, show_default=True, help="Slack team id.")
@click.option("--channel", default=demo_data.CHANNEL, show_default=True, help="Channel typed in.")
def console(user: str, team: str, channel: str) -> None:
    """Type /queueday commands as someone and read the replies, DMs and App Homes."""
    from bot.cli.console import HELP, Console

    interactive = sys.stdin.isatty()
    with _upgraded(links=True) as (settings, engine):
        session = Console(
            engine,
            user=user,
            team_id=team,
            channel=channel,
            out=sys.stdout,
            base_url=settings.queueday_base_url,
            secret_key=link_secret(settings),
        )
        try:
            if interactive:
                click.echo(
                    f"QueueDay console: you are {session.name(session.user)} "
                    f"({session.user}) in #{channel} of {team}.\n"
                    "Try: who, my, schedule, stats, away next friday, "
                    "swap <your day> with @ben, :click <n>.\n" + HELP
                )
                session.run(_prompted(session.prompt), echo=False)
            else:
                session.run(sys.stdin, echo=True)
        finally:
            session.close()


def _prompted(prompt: object) -> Iterator[str]:
    """Lines typed at a prompt, until end of input."""
    while True:
        try:
            yield input(prompt() if callable(prompt) else str(prompt))
        except EOFError:
            click.echo()
            return
