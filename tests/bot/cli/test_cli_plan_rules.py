"""`queueday plan` with min_gap_days and stint_days: the JSON warnings and the table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bot.cli.main import main

TEAM = [
    {"id": "U1", "name": "Ada"},
    {"id": "U2", "name": "Ben"},
    {"id": "U3", "name": "Chen", "unavailable": [{"start": "2027-01-05", "end": "2027-01-20"}]},
]


def plan(tmp_path: Path, *args: str, **spec: Any) -> str:
    path = tmp_path / "spec.json"
    text = {"start": "2027-01-04", "end": "2027-01-29", "members": TEAM, **spec}
    path.write_text(json.dumps(text), encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_old_specs_keep_the_plan_shape(tmp_path: Path) -> None:
    assert set(json.loads(plan(tmp_path))) == {"assignments", "unfilled", "balances"}


def test_a_rule_adds_warnings_even_when_empty(tmp_path: Path) -> None:
    data = json.loads(plan(tmp_path, stint_days=2))
    assert data["warnings"] == []


def test_a_gap_time_off_makes_impossible_is_a_warning_with_both_dates(tmp_path: Path) -> None:
    # Ada is away all but the first three days, so Ben does most days: no 3-day gaps.
    away = {
        "id": "U1",
        "name": "Ada",
        "unavailable": [{"start": "2027-01-07", "end": "2027-01-29"}],
    }
    path = tmp_path / "spec.json"
    spec = {
        "start": "2027-01-04",
        "end": "2027-01-15",
        "min_gap_days": 3,
        "members": [away, {"id": "U2", "name": "Ben"}],
    }
    path.write_text(json.dumps(spec), encoding="utf-8")
    data = json.loads(CliRunner().invoke(main, ["plan", str(path)]).stdout)
    assert len(data["assignments"]) == 10 and data["unfilled"] == []
    assert data["warnings"]
    first = data["warnings"][0]
    assert first["rule"] == "min_gap_days" and len(first["dates"]) == 2
    assert "closer than min_gap_days 3" in first["reason"]
    table = CliRunner().invoke(main, ["plan", str(path), "--format", "table"]).stdout
    assert "Warning: Ben serves" in table
    assert "Rules: at least 3 working days between a person's days." in table


def test_the_table_shows_stints_and_the_gap_between_them(tmp_path: Path) -> None:
    table = plan(tmp_path, "--format", "table", stint_days=2, min_gap_days=3)
    assert "(1/2)" in table and "(2/2)" in table
    assert "Smallest gap" in table and "Stints" in table
    assert "Rules: two-day stints" in table and "at least 3 working days between stints" in table


def test_the_table_shows_each_persons_smallest_gap(tmp_path: Path) -> None:
    table = plan(tmp_path, "--format", "table")
    assert "Smallest gap" in table
    assert "(1/2)" not in table and "Rules:" not in table
