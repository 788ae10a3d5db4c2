"""The core stays pure: scheduling/ reads no database, Slack, scheduler, clock or env."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parent.parent / "scheduling"
FORBIDDEN_MODULES = {
    "sqlmodel",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "slack_bolt",
    "slack_sdk",
    "apscheduler",
    "os",
    "requests",
    "httpx",
    "urllib.request",
    "http",
    "socket",
    "storage",
    "bot",
    "subprocess",
}
FORBIDDEN_CALLS = {"now", "today", "utcnow", "getenv", "time", "perf_counter"}


def core_files() -> list[Path]:
    return sorted(CORE.glob("*.py"))


@pytest.mark.parametrize("path", core_files(), ids=lambda p: p.name)
def test_core_imports_nothing_impure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module)
    bad = {m for m in imported for f in FORBIDDEN_MODULES if m == f or m.startswith(f + ".")}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", core_files(), ids=lambda p: p.name)
def test_core_reads_no_clock_or_environment(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not calls & FORBIDDEN_CALLS, f"{path.name} calls {calls & FORBIDDEN_CALLS}"
    assert "environ" not in names


def test_the_checker_catches_an_impure_module(tmp_path: Path) -> None:
    """The scan above would notice a clock read (so it is not a test that cannot fail)."""
    bad = tmp_path / "bad.py"
    bad.write_text("from datetime import datetime\nstamp = datetime.now()\n", encoding="utf-8")
    tree = ast.parse(bad.read_text(encoding="utf-8"))
    calls = {
        n.func.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    }
    assert calls & FORBIDDEN_CALLS == {"now"}
