"""What several `queueday` commands share: one-line refusals, logging, settings, the database.

Every failure a person can cause becomes one line and exit status 2 (a click exception),
never a traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.settings import (
    SecretKeyError,
    Settings,
    make_engine_from,
    require_secret_key,
    settings_error,
)
from bot.slack.text import shell_text
from bot.usecases.errors import UseCaseError
from storage import migrate
from storage.db import DatabaseURLError
from storage.models import Rotation, Workspace


class BadInput(click.ClickException):
    """A one-line error that exits with status 2 (bad input, nothing changed)."""

    exit_code = 2


class NotConfigured(click.ClickException):
    """A setting a command needs is missing or wrong: one line, exit status 2."""

    exit_code = 2


def configure_logging() -> None:
    """INFO lines on stderr for the long-running commands, unless logging is set up."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )


def load_settings(refusal: type[click.ClickException] = NotConfigured) -> Settings:
    """The settings from the environment and .env; a bad value is one line naming it."""
    try:
        return Settings()
    except ValidationError as exc:
        raise refusal(settings_error(exc)) from None


def link_secret(settings: Settings) -> str:
    """The key that signs feed links; without a usable one, refuse to start (exit 2).

    Every command that makes links (serve, worker, remind, console, feeds) calls this,
    so they all refuse the same way, naming QUEUEDAY_SECRET_KEY.
    """
    try:
        return require_secret_key(settings)
    except SecretKeyError as exc:
        raise NotConfigured(str(exc)) from None


@contextmanager
def database(*, require_current: bool = True) -> Iterator[Engine]:
    """The engine for DATABASE_URL; every failure becomes one line, never a traceback."""
    settings = load_settings(BadInput)
    try:
        engine = make_engine_from(settings)
    except DatabaseURLError as exc:
        raise BadInput(str(exc)) from None
    try:
        if require_current and not migrate.is_current(engine):
            current = migrate.current_revision(engine) or "empty"
            raise BadInput(
                f"the database is not up to date (at {current}, needs "
                f"{migrate.head_revision()}); run `queueday db upgrade`"
            )
        yield engine
    except UseCaseError as exc:
        raise BadInput(shell_text(exc.message)) from None  # plain ids, not <@U…>
    except OperationalError as exc:
        raise click.ClickException(
            f"database error: {str(exc.orig).strip().splitlines()[0]}"
        ) from None
    finally:
        engine.dispose()


def team_for(session: Session, rotation: str, team: str | None) -> str:
    """The workspace whose rotation this is, when --team is not given."""
    if team is not None:
        return team
    query = select(Workspace.team_id).join(Rotation).where(Rotation.name == rotation)
    teams = list(session.exec(query))
    if not teams:
        raise BadInput(f"--rotation: there is no rotation called {rotation!r}")
    if len(teams) > 1:
        raise BadInput(f"--rotation: several workspaces have {rotation!r}; pass --team")
    return teams[0]
