"""`pip install .` gives a `queueday` that works from any directory; starting logs no noise.

The wheel is built from a copy of the working tree and installed into a fresh virtualenv
that borrows the dependencies of the running one (a plain path in a .pth file: the
running one's editable install of this repository is not picked up), so the installed
command can only find its migrations and modules as package data.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.slack.app import SlackConfig, create_app
from tests.bot.fake_slack import FakeSlack
from tests.bot.server import ROOT

IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".hypothesis", "*.db",
    ".*_cache", ".queueday-secret", ".env",
)  # fmt: skip


def _run(*command: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    clean = {k: v for k, v in clean.items() if not k.startswith(("SLACK_", "QUEUEDAY_"))}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bin/ directory of a fresh virtualenv with `pip install --no-deps` of this repo."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    built = _run(
        sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
        "--no-index", "-w", base / "dist", source, cwd=base,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    assert "Deprecat" not in built.stdout + built.stderr  # e.g. the license table form
    venv = base / "venv"
    created = _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base)
    assert created.returncode == 0, created.stderr
    purelib = Path(sysconfig.get_paths()["purelib"])
    (site,) = venv.glob("lib/python*/site-packages")
    (site / "borrowed-dependencies.pth").write_text(f"{purelib}\n")
    (wheel,) = (base / "dist").glob("queueday-*.whl")
    done = _run(
        sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q",
        "--no-deps", "--no-index", wheel, cwd=base,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    yield venv / "bin"


def test_the_installed_command_works_from_another_directory(
    installed: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run(
        installed / "python", "-c", "import bot, storage; print(bot.__file__)", cwd=elsewhere
    )
    assert where.stdout.startswith(str(installed.parent)), where.stdout + where.stderr

    version = _run(installed / "queueday", "--version", cwd=elsewhere)
    assert version.returncode == 0, version.stderr
    assert version.stdout == "queueday 0.1.0\n"

    plan = _run(installed / "queueday", "plan", ROOT / "examples" / "team.json", cwd=elsewhere)
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["assignments"]

    # The migrations are package data: a database in yet another directory gets built.
    url = f"sqlite:///{tmp_path / 'data' / 'q.db'}"
    (tmp_path / "data").mkdir()
    upgraded = _run(installed / "queueday", "db", "upgrade", cwd=elsewhere, DATABASE_URL=url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("database at revision ")

    # The rotation page's templates are package data too: the installed copy renders.
    rendered = _run(
        installed / "python", "-c",
        "from bot.web.page import CSS, _ENV; "
        "print(len(CSS) > 0, _ENV.get_template('rotation.html').filename)",
        cwd=elsewhere,
    )  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.startswith(f"True {installed.parent}"), rendered.stdout
    assert list(elsewhere.iterdir()) == []


def test_version_option() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("queueday ") and result.output.strip() != "queueday"


def test_building_the_app_logs_no_unused_token_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt warned "As you gave `client` as well, `token` will be unused" on every start."""
    with FakeSlack() as fake:
        monkeypatch.setenv("SLACK_BOT_TOKEN", fake.bot_token)  # as `serve` runs
        config = SlackConfig(bot_token=fake.bot_token, signing_secret="s", api_url=fake.api_url)
        with caplog.at_level(logging.DEBUG):
            create_app(config)
    assert "will be unused" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
