"""`queueday feeds`: a person's calendar feed links, and their rotation's, from the shell."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from pydantic import ValidationError
from sqlmodel import Session, col, select

from bot.cli_storage import BadInput, _database
from bot.settings import Settings, secret_key
from bot.usecases.feeds import feed_links
from storage.db import DatabaseURLError
from storage.models import Member, Rotation, Workspace

NO_SECRET = (
    "QUEUEDAY_SECRET_KEY is not set; with PostgreSQL, feed links need one "
    "(the same for every process)"
)


def register(main: click.Group) -> None:
    main.add_command(feeds)


@click.command()
@click.option("--member", "user", required=True, metavar="U…", help="The person's Slack user id.")
@click.option(
    "--rotation", default=None, help="This rotation's feed only (default: each of theirs)."
)
@click.option(
    "--team", default=None, metavar="T…", help="The workspace, when the database has several."
)
def feeds(user: str, rotation: str | None, team: str | None) -> None:
    """Print the person's feed link and their rotation's, https:// and webcal://.

    One link a line on standard output (what each is goes to standard error); the
    same links every time, until someone resets one.
    """
    try:
        settings = Settings()
        secret = secret_key(settings)
    except (ValidationError, DatabaseURLError) as exc:
        raise BadInput(str(exc).splitlines()[0]) from None
    if secret is None:
        raise BadInput(NO_SECRET)
    with _database() as engine:
        with Session(engine, expire_on_commit=False) as session:
            links = feed_links(
                session,
                team_id=team or _team_of(session, user),
                user=user,
                rotation=rotation,
                now=datetime.now(UTC),
                secret=secret,
                base_url=settings.queueday_base_url,
            )
    for link in links.all():
        click.echo(f"# {link.title}", err=True)
        click.echo(link.url)
        click.echo(link.webcal)


def _team_of(session: Session, user: str) -> str:
    """The only workspace, or the only one the person is in; else ask for --team."""
    teams = list(session.exec(select(Workspace.team_id).order_by(col(Workspace.team_id))))
    if len(teams) == 1:
        return teams[0]
    theirs = sorted(
        set(
            session.exec(
                select(Workspace.team_id)
                .join(Rotation, col(Rotation.workspace_id) == Workspace.id)
                .join(Member, col(Member.rotation_id) == Rotation.id)
                .where(Member.user_id == user)
            )
        )
    )
    if len(theirs) == 1:
        return theirs[0]
    if not teams:
        raise BadInput("the database has no workspaces yet")
    if not theirs:
        raise BadInput(f"{user} is not in any rotation")
    raise BadInput(f"{user} is in several workspaces ({', '.join(theirs)}); pass --team")
