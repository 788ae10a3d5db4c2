"""Imports point inward: each front door of bot/ and the layers below it keep to their lane.

cli -> (slack, web, worker) -> usecases -> (storage, scheduling), as DESIGN.md section 1
draws it; README's "Development" section has the same map.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FRONT_DOORS = ("bot.slack", "bot.web", "bot.worker", "bot.cli")


@dataclass(frozen=True)
class Rule:
    """Modules under `owner` may not import anything under `forbidden`."""

    owner: str
    forbidden: tuple[str, ...]
    why: str


RULES = (
    Rule("storage", ("bot",), "storage knows nothing of the application"),
    Rule("bot.usecases", FRONT_DOORS, "use cases are shared by every front door"),
    Rule("bot.settings", FRONT_DOORS, "settings are handed to every front door"),
    Rule("bot.services", FRONT_DOORS, "services are handed to every front door"),
    Rule("bot.slack", ("bot.cli",), "the command line wires the front doors, not the reverse"),
    Rule("bot.web", ("bot.cli", "bot.slack.listeners", "bot.slack.handlers"), "web serves HTTP"),
    Rule(
        "bot.worker",
        ("bot.cli", "bot.slack.listeners", "bot.slack.handlers"),
        "the worker sends reminders; it answers no Slack request",
    ),
)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """Every module `path` imports, at any depth of the file (function-level imports too)."""
    package = module_name(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            # `from bot.slack import listeners` imports the module bot.slack.listeners
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(paths: list[Path], root: Path = ROOT) -> list[str]:
    found = []
    for path in paths:
        owner = module_name(path, root)
        for rule in RULES:
            if not within(owner, rule.owner):
                continue
            for imported in sorted(imports_of(path, root)):
                if any(within(imported, bad) for bad in rule.forbidden):
                    found.append(f"{owner} imports {imported}: {rule.why}")
    return found


def project_files() -> list[Path]:
    return sorted(p for top in ("storage", "bot") for p in (ROOT / top).rglob("*.py"))


def test_every_layer_imports_inward_only() -> None:
    assert violations(project_files()) == []


def test_bot_top_level_is_a_handful_of_modules_and_the_front_doors() -> None:
    modules = {p.name for p in (ROOT / "bot").glob("*.py")}
    packages = {p.name for p in (ROOT / "bot").iterdir() if (p / "__init__.py").exists()}
    assert packages == {"slack", "web", "worker", "cli", "usecases"}
    assert not [m for m in modules if m.startswith("cli_")]
    assert len(modules) <= 6, modules


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        ("bot/web/page.py", "from bot.slack.handlers import days\n", True),
        ("bot/worker/pass.py", "def f():\n    import bot.slack.listeners.events\n", True),
        ("bot/usecases/x.py", "from bot.slack.views.home import home_view\n", True),
        ("bot/slack/x.py", "from bot.cli import main\n", True),
        ("storage/x.py", "from bot.settings import Settings\n", True),
        ("bot/worker/ok.py", "from bot.slack.views.reminders import metadata\n", False),
        ("bot/cli/ok.py", "from bot.slack.app import create_app\n", False),
    ],
)
def test_the_rules_catch_a_wrong_import(
    module: str, source: str, broken: bool, tmp_path: Path
) -> None:
    """Each rule above fails when broken (so the check is not one that cannot fail)."""
    path = tmp_path / module
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    assert bool(violations([path], root=tmp_path)) is broken
