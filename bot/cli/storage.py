"""The database commands of `queueday`: db upgrade, import history, export, restore."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click
from alembic.util import CommandError
from sqlmodel import Session, select

from bot.cli.common import BadInput, database, team_for
from bot.usecases.access import SYSTEM
from bot.usecases.backup import export_data, restore_data
from bot.usecases.history_import import HistoryRow, import_history
from scheduling.wording import plural
from storage import migrate
from storage.models import Rotation


def register(main: click.Group) -> None:
    """Add the database commands to the `queueday` group."""
    main.add_command(db)
    main.add_command(import_group)
    main.add_command(export)
    main.add_command(restore)


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target migration.")
def upgrade(revision: str) -> None:
    """Bring the database at DATABASE_URL to the newest schema (or to REVISION)."""
    with database(require_current=False) as engine:
        before = migrate.current_revision(engine)
        try:
            migrate.upgrade(engine, revision)
        except CommandError as exc:  # an unknown revision
            raise BadInput(f"--revision: {exc}") from None
        after = migrate.current_revision(engine)
    click.echo(f"database at revision {after} (was {before or 'empty'})")


@db.command()
def current() -> None:
    """Print the database's schema revision and the newest one."""
    with database(require_current=False) as engine:
        click.echo(
            f"database at {migrate.current_revision(engine) or 'empty'}; "
            f"newest is {migrate.head_revision()}"
        )


@db.command()
@click.option("--team", required=True, help="The Slack team id (T…) whose data goes.")
@click.option("--yes", is_flag=True, help="Do not ask; delete at once.")
def purge(team: str, yes: bool) -> None:
    """Delete one workspace and everything it has: rotations, people, days, links, audit,
    its stored Slack install (OAuth mode). Take a `queueday export` first to keep a copy."""
    from bot.usecases.installs import purge_workspace

    team = team.strip()
    if not team or len(team) > 32 or not team.isalnum():
        raise BadInput(f"--team: {team[:40]!r} is not a Slack team id like T0123ABCD")
    if not yes:
        click.confirm(f"Delete every row of workspace {team}? This cannot be undone", abort=True)
    with database() as engine, Session(engine, expire_on_commit=False) as session:
        deleted = purge_workspace(session, team_id=team)
    click.echo(f"deleted workspace {team}: {plural(deleted, 'row')}")


@click.group("import")
def import_group() -> None:
    """Bring data in from other tools."""


def _read_history(path: Path) -> list[HistoryRow]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    rows = []
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() in ("date", "day"):
            continue  # a header row
        if len(cells) < 2 or len(cells) > 3 or not cells[1]:
            raise BadInput(
                f"{path}:{number}: expected date, member id or email, optional name; "
                f"got {len(cells)} columns"
            )
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            raise BadInput(
                f"{path}:{number}: date: {cells[0]!r} is not a YYYY-MM-DD date"
            ) from None
        name = cells[2] if len(cells) == 3 and cells[2] else None
        rows.append(HistoryRow(line=number, day=day, who=cells[1], name=name))
    if not rows:
        raise BadInput(f"{path}: no rows")
    return rows


@import_group.command("history")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rotation", required=True, help="The rotation the days belong to.")
@click.option("--team", help="Slack team id, when several workspaces share the name.")
@click.option("--dry-run", is_flag=True, help="Report unknown people and duplicates only.")
def history(csv_file: Path, rotation: str, team: str | None, dry_run: bool) -> None:
    """Import served days: CSV columns date, member id or email, optional name."""
    rows = _read_history(csv_file)
    with database() as engine, Session(engine, expire_on_commit=False) as session:
        report = import_history(
            session,
            team_id=team_for(session, rotation, team),
            rotation=rotation,
            actor=SYSTEM,
            now=datetime.now(UTC),
            rows=rows,
            dry_run=dry_run,
        )
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{plural(report.rows, 'row')}: {verb} {plural(report.imported, 'day')}, "
        f"{report.already} already known"
    )
    for person in report.unknown:
        click.echo(f"unknown person: {person}")
    for duplicate in report.duplicates:
        click.echo(f"duplicate: {duplicate}")


@click.command()
@click.option("--rotation", help="Only this rotation (default: everything).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the backup here instead of standard output.",
)
def export(rotation: str | None, output: Path | None) -> None:
    """Write a JSON backup of the database (no secrets)."""
    with database() as engine, Session(engine) as session:
        if (
            rotation is not None
            and not session.exec(select(Rotation.id).where(Rotation.name == rotation)).first()
        ):
            raise BadInput(f"--rotation: there is no rotation called {rotation!r}")
        data = export_data(session, now=datetime.now(UTC), rotation=rotation)
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{output}: cannot write: {exc.strerror or exc}") from None


@click.command()
@click.argument("backup", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
def restore(backup: Path) -> None:
    """Load a backup written by `queueday export` into an empty database."""
    try:
        data = json.loads(backup.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"{backup}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{backup}: not JSON: {exc}") from None
    with database(require_current=False) as engine:
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            counts = restore_data(session, data=data, now=datetime.now(UTC))
    click.echo("restored " + ", ".join(_count(n, table) for table, n in counts.items()))


# How a restored table's rows are counted: `1 rotation`, `2 rotations`, `1 audit entry`.
_ROW_NOUNS = {"audit": "audit entry", "time_off": "time-off block", "feeds": "feed link"}


def _count(n: int, table: str) -> str:
    noun = _ROW_NOUNS.get(table) or table.removesuffix("s").replace("_", " ")
    return plural(n, noun)
