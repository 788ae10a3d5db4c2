"""`queueday plan`: the contract of DESIGN.md section 3, driven as a user would."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import icalendar
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.main import main

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "team.json"
REPLAN = ROOT / "examples" / "team-replan.json"


def small_spec(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "start": "2027-01-04",
        "end": "2027-01-29",
        "members": [
            {"id": "U1", "name": "Ada"},
            {"id": "U2", "name": "Ben"},
            {"id": "U3", "name": "Chen"},
        ],
    }
    spec.update(changes)
    return spec


def run(tmp_path: Path, spec: Any, *args: str) -> Any:
    path = tmp_path / "spec.json"
    path.write_text(spec if isinstance(spec, str) else json.dumps(spec), encoding="utf-8")
    return CliRunner().invoke(main, ["plan", str(path), *args])


def test_example_team_plans_to_the_contract() -> None:
    result = CliRunner().invoke(main, ["plan", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert set(plan) == {"assignments", "unfilled", "balances"}
    keys = [(a["date"], a["member"]) for a in plan["assignments"]]
    assert keys == sorted(keys)
    spec = json.loads(EXAMPLE.read_text())
    assert {"date": "2027-01-12", "member": "U0ADA"} in plan["assignments"]  # fixed kept
    # Kemal joins on 2027-02-01: no day before; balances cover everyone on the team.
    assert all(a["date"] >= "2027-02-01" for a in plan["assignments"] if a["member"] == "U0KEMAL")
    assert set(plan["balances"]) == {m["id"] for m in spec["members"]}
    assert all(abs(b) < 1 for b in plan["balances"].values())
    assert all(round(b, 3) == b for b in plan["balances"].values())


def test_output_file_and_formats(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(main, ["plan", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["assignments"]

    table = CliRunner().invoke(main, ["plan", str(EXAMPLE), "--format", "table"])
    assert table.exit_code == 0
    assert "Ada Lovelace" in table.stdout and "Balance" in table.stdout

    ics = CliRunner().invoke(main, ["plan", str(EXAMPLE), "--format", "ics"])
    assert ics.exit_code == 0
    calendar = icalendar.Calendar.from_ical(ics.stdout)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(json.loads(out.read_text())["assignments"])
    again = icalendar.Calendar.from_ical(
        CliRunner().invoke(main, ["plan", str(EXAMPLE), "--format", "ics"]).stdout
    )
    assert [e["UID"] for e in events] == [e["UID"] for e in again.walk("VEVENT")]


def test_explain_says_why_days_moved_after_time_off() -> None:
    result = CliRunner().invoke(main, ["plan", str(REPLAN), "--explain"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    previous = {(e["date"], e["member"]) for e in json.loads(REPLAN.read_text())["previous"]}
    now = {(a["date"], a["member"]) for a in plan["assignments"]}
    changed = {(c["date"], c["member"]) for c in plan["changes"]}
    assert changed == previous ^ now
    away = [c for c in plan["changes"] if c["member"] == "U0CHEN" and c["action"] == "removed"]
    assert away and "away 2027-02-08..2027-02-12" in away[0]["reason"]
    assert all(c["reason"] for c in plan["changes"])


def test_explain_in_the_table_reads_as_sentences_a_line_each() -> None:
    result = CliRunner().invoke(main, ["plan", str(REPLAN), "--format", "table", "--explain"])
    assert result.exit_code == 0, result.output
    why = result.stdout.split("Why the plan differs from the previous one:\n")[1].splitlines()
    assert why and all(line.startswith("  ") and line.endswith(".") for line in why), why
    assert "  Thu 2027-02-11: Ben Okafor takes over from Chen Wei. Chen Wei is away " in (
        "\n".join(why)
    )
    # Each sentence is one line however long (rich used to break them mid-sentence).
    assert all(re.match(r"  \w{3} \d{4}-\d{2}-\d{2}: ", line) for line in why), why


def test_table_gaps_count_open_slots_in_english(tmp_path: Path) -> None:
    gap = {
        "start": "2027-01-04",
        "end": "2027-01-08",
        "slots_per_day": 2,
        "members": [
            {
                "id": "U1",
                "name": "Ada",
                "unavailable": [{"start": "2027-01-05", "end": "2027-01-05"}],
            },
            {"id": "U2", "name": "Ben"},
        ],
    }
    result = run(tmp_path, gap, "--format", "table")
    assert result.exit_code == 0, result.output
    gap_line = "Tue 2027-01-05: 1 open slot; 1 person available of 2 needed; away: Ada."
    assert gap_line in result.stdout
    assert "(s)" not in result.stdout


def test_explain_with_ics_is_refused_not_ignored(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plan", str(REPLAN), "--format", "ics", "--explain"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: --explain works with --format json or table, not ics"
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"history": [{"date": "2026-12-01", "member": "U9"}]}, "history[0].member"),
        ({"end": "2026-12-01"}, "end"),
        ({"start": "2027-02-30"}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"slots_per_day": 0}, "slots_per_day"),
        ({"holidays": {"country": "XX"}}, "holidays.country"),
        ({"workdays": ["MO", "FUNDAY"]}, "workdays[1]"),
        ({"members": []}, "members"),
        ({"members": [{"id": "U1"}, {"id": "U1"}]}, "members[1].id"),
        (
            {
                "members": [
                    {"id": "U1", "unavailable": [{"start": "2027-01-10", "end": "2027-01-05"}]}
                ]
            },
            "members[0].unavailable[0].end",
        ),
        ({"members": [{"id": "U1", "weight": -1}]}, "members[0].weight"),
        ({"fixed": [{"date": "2027-01-09", "member": "U1"}]}, "fixed[0].date"),
        ({"history": [{"date": "2027-01-05", "member": "U1"}]}, "history[0].date"),
    ],
)
def test_invalid_spec_exits_2_naming_the_field(
    tmp_path: Path, changes: dict[str, Any], field: str
) -> None:
    result = run(tmp_path, small_spec(**changes))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {field}: "), lines[0]


def test_unreadable_and_malformed_files_exit_2(tmp_path: Path) -> None:
    missing = CliRunner().invoke(main, ["plan", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    broken = run(tmp_path, "{not json")
    assert broken.exit_code == 2 and "Invalid JSON" in broken.stderr


def test_unknown_fields_are_reported_not_fatal(tmp_path: Path) -> None:
    result = run(tmp_path, small_spec(slot_per_day=2))
    assert result.exit_code == 0
    assert "slot_per_day: unknown field, ignored" in result.stderr


def test_real_process_never_prints_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(small_spec(members=[{"id": 5}])), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "plan", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("Error: members[0].id: ")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(["2027-01-05", "MO", "U1", "", "x"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "start",
                    "end",
                    "members",
                    "id",
                    "date",
                    "member",
                    "unavailable",
                    "weight",
                    "history",
                    "fixed",
                    "slots_per_day",
                    "workdays",
                    "holidays",
                    "country",
                    "joined",
                    "left",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(spec=json_values)
def test_any_json_gives_a_plan_or_a_one_line_error(tmp_path: Path, spec: Any) -> None:
    result = run(tmp_path, spec)
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "0001-01-01", "end": "9999-12-31"}, "start"),
        ({"start": "2027-01-01", "end": "2035-12-31"}, "end"),
        ({"members": [{"id": "U1", "left": "9999-12-31"}]}, "members[0].left"),
    ],
)
def test_absurd_dates_are_refused_not_crashed(
    tmp_path: Path, changes: dict[str, Any], field: str
) -> None:
    result = run(tmp_path, small_spec(**changes))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {field}: ")
