"""`queueday plan`: a rotation period planned from a spec file, no database, no network."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli.common import BadInput
from bot.cli.plan_output import plan_table, plan_to_json
from scheduling.planner import make_plan
from scheduling.spec import SpecError, parse_spec, spec_warnings


def register(main: click.Group) -> None:
    main.add_command(plan)


@click.command()
@click.argument("spec_file", metavar="SPEC.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the plan here instead of standard output.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "table", "ics"]),
    default="json",
    show_default=True,
    help="Plan format.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Say why each assignment differs from `previous` and why days are short.",
)
def plan(spec_file: Path, output: Path | None, output_format: str, explain: bool) -> None:
    """Plan a rotation period from a spec file; no database, no network."""
    if explain and output_format == "ics":
        # A calendar has no place for reasons: refuse rather than drop them silently.
        raise BadInput("--explain works with --format json or table, not ics")
    try:
        text = spec_file.read_bytes()
    except OSError as exc:
        raise BadInput(f"{spec_file}: cannot read: {exc.strerror or exc}") from None
    try:
        rotation = parse_spec(text)
    except SpecError as exc:
        raise BadInput(str(exc)) from None
    for warning in spec_warnings(text):
        click.echo(f"warning: {warning}", err=True)
    result = make_plan(rotation)
    if output_format == "json":
        rules = rotation.min_gap_days is not None or rotation.stint_days == 2
        data = plan_to_json(result, explain=explain, rules=rules)
        rendered = json.dumps(data, indent=1) + "\n"
    elif output_format == "table":
        rendered = plan_table(rotation, result, explain=explain)
    else:
        from bot.cli.plan_ics import plan_ics

        rendered = plan_ics(rotation, result).decode("utf-8")
    if output is None:
        sys.stdout.write(rendered)
    else:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"{output}: cannot write: {exc.strerror or exc}") from None
