"""`queueday page`: the link to a rotation's web page, and resetting it."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlmodel import Session, col, select

from bot.cli.common import BadInput, database, link_secret, load_settings, team_for
from bot.usecases.access import SYSTEM
from bot.usecases.page import page_link
from storage.models import Rotation, Workspace


def register(main: click.Group) -> None:
    main.add_command(page)


@click.command()
@click.option("--rotation", default=None, help="The rotation (default: the only one).")
@click.option(
    "--team", default=None, metavar="T…", help="The workspace, when the database has several."
)
@click.option(
    "--reset", is_flag=True, help="First replace the link: the old one answers 404 from then on."
)
def page(rotation: str | None, team: str | None, reset: bool) -> None:
    """Print the link to the rotation's page (its quarter and fairness at a glance).

    The same link every time, under QUEUEDAY_BASE_URL, until it is reset. Anyone with
    the link can see the page, so share it where the team is.
    """
    settings = load_settings(BadInput)
    secret = link_secret(settings)
    with database() as engine:
        with Session(engine, expire_on_commit=False) as session:
            name = rotation if rotation is not None else _only_rotation(session, team)
            link = page_link(
                session,
                team_id=team_for(session, name, team),
                rotation=name,
                now=datetime.now(UTC),
                secret=secret,
                base_url=settings.queueday_base_url,
                actor=SYSTEM,
                reset=reset,
            )
    click.echo(link.url)


def _only_rotation(session: Session, team: str | None) -> str:
    """The name of the only rotation (of `team`); else ask for --rotation."""
    query = select(Rotation.name).join(Workspace, col(Workspace.id) == Rotation.workspace_id)
    if team is not None:
        query = query.where(Workspace.team_id == team)
    names = sorted(set(session.exec(query)))
    if not names:
        raise BadInput("there are no rotations yet")
    if len(names) > 1:
        raise BadInput(f"there are several rotations ({', '.join(names)}); pass --rotation NAME")
    return names[0]
