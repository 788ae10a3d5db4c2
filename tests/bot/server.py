"""Running the real `queueday serve` as a subprocess against a fake Slack, for tests and bench.

fake = FakeSlack().start()
server = start_server(fake, tmp_path)      # waits for /healthz
...
server.stop()
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.bot.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "test-signing-secret"
HOOK_SECRET = "test-hook-secret"
GITHUB_SECRET = "test-github-secret"
# Settings the server must not inherit from the developer's shell.
_OURS = ("SLACK_", "QUEUEDAY_", "DATABASE_URL", "PORT")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve_env(fake: FakeSlack, workdir: Path, **overrides: str | None) -> dict[str, str]:
    """The environment for `queueday serve` against `fake`, its database in `workdir`.

    An override of None removes that variable.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    env.update(
        {
            "SLACK_BOT_TOKEN": fake.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": f"sqlite:///{workdir / 'queueday.db'}",
            "QUEUEDAY_SECRET_KEY": "test-secret-key-at-least-32-characters",
            "QUEUEDAY_BASE_URL": "http://queueday.test",
            "QUEUEDAY_HOOK_SECRET": HOOK_SECRET,
            "GITHUB_WEBHOOK_SECRET": GITHUB_SECRET,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def oauth_env(fake: FakeSlack) -> dict[str, str | None]:
    """Overrides for `serve_env`/`start_server` that start OAuth mode against `fake`:
    the fake's client id and secret, and no SLACK_BOT_TOKEN (installs bring tokens)."""
    from tests.bot.fake_slack_oauth import CLIENT_ID, CLIENT_SECRET

    return {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "SLACK_BOT_TOKEN": None}  # fmt: skip


def serve_command(port: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *extra,
    ]


@dataclass
class RunningServer:
    """A `queueday serve` process; `log()` is its output so far."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    fake: FakeSlack, workdir: Path, *, timeout: float = 60.0, **overrides: str | None
) -> RunningServer:
    """Start `python -m bot serve` on a free port in `workdir` and wait for /healthz."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = workdir / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            serve_command(port),
            cwd=workdir,  # so that no .env of the repository is read
            env=serve_env(fake, workdir, **overrides),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"queueday serve exited with {process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"queueday serve did not answer /healthz in {timeout}s:\n{server.log()}")
