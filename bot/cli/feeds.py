"""`queueday feeds`: a person's calendar feed links, and their rotation's, from the shell."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from pydantic import ValidationError
from sqlmodel import Session, col, select

from bot.cli.common import BadInput, database
from bot.settings import SecretKeyError, Settings, require_secret_key
from bot.usecases.access import SYSTEM
from bot.usecases.feeds import feed_links, reset_feed_link
from bot.usecases.tokens import FeedKind
from storage.db import DatabaseURLError
from storage.models import Member, Rotation, Workspace


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
@click.option(
    "--reset",
    type=click.Choice([kind.value for kind in FeedKind]),
    default=None,
    help="First replace the person's link, or the rotation's (with --rotation): the old "
    "one answers 404 from then on.",
)
def feeds(user: str, rotation: str | None, team: str | None, reset: str | None) -> None:
    """Print the person's feed link and their rotation's: web (QUEUEDAY_BASE_URL's
    scheme, https:// in production) and webcal://.

    One link a line on standard output (what each is goes to standard error); the
    same links every time, until someone resets one.
    """
    if reset == FeedKind.ROTATION and rotation is None:
        raise BadInput("--reset rotation needs --rotation NAME")
    try:
        settings = Settings()
        secret = require_secret_key(settings)  # the same refusal as serve and worker
    except (ValidationError, DatabaseURLError, SecretKeyError) as exc:
        raise BadInput(str(exc).splitlines()[0]) from None
    with database() as engine:
        with Session(engine, expire_on_commit=False) as session:
            team_id = team or _team_of(session, user)
            now = datetime.now(UTC)
            if reset is not None:
                reset_feed_link(
                    session,
                    team_id=team_id,
                    actor=SYSTEM,
                    now=now,
                    secret=secret,
                    base_url=settings.queueday_base_url,
                    kind=FeedKind(reset),
                    rotation=rotation,
                    user=user,
                )
            links = feed_links(
                session,
                team_id=team_id,
                user=user,
                rotation=rotation,
                now=now,
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
