"""Tools for attacking a real `queueday serve`: a server of one's own (its log and memory
read in isolation), a listener standing for an attacker's URL, raw and chunked requests.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session

import bot.usecases as uc
import tests.bot.server as server_module
from bot.cli.local_slack import LoopbackServer
from bot.usecases.feeds import feed_links
from storage import migrate
from storage.db import make_engine
from tests.bot.fake_slack import FakeSlack
from tests.bot.server import RunningServer, start_server
from tests.usecases.conftest import ADMIN, NOW, TEAM, build_team

FEED_SECRET = "hostile-tests-secret-key-of-32-characters"
ROTATION = "support"  # the server's own workspace's rotation (the tickets go there)


@dataclass(frozen=True)
class Hardened:
    """A server of this module's own, access log on, and what was seeded before it started."""

    server: RunningServer
    database_url: str
    feed_token: str  # a live personal feed's token (workspace TEAM)

    def log_since(self, mark: int) -> str:
        return self.server.log()[mark:]

    def mark(self) -> int:
        return len(self.server.log())


@contextmanager
def hardened_server(fake: FakeSlack, workdir: Path) -> Iterator[Hardened]:
    """`queueday serve --access-log` on a database with a published team (TEAM, for
    feeds) and a rotation in the fake's workspace (for the hooks)."""
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{workdir / 'queueday.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
        links = feed_links(
            session, team_id=TEAM, user="U01", now=NOW, secret=FEED_SECRET, base_url="http://x"
        )
        uc.create_rotation(
            session, team_id=fake.team_id, actor=ADMIN, actor_name="Ada", now=NOW, name=ROTATION
        )
    engine.dispose()
    token = links.person.url.rsplit("/", 1)[1].removesuffix(".ics")
    original = server_module.serve_command
    server_module.serve_command = lambda port, *extra: original(port, "--access-log", *extra)
    try:
        running = start_server(fake, workdir, QUEUEDAY_SECRET_KEY=FEED_SECRET)
    finally:
        server_module.serve_command = original
    try:
        yield Hardened(running, url, token)
    finally:
        running.stop()


@dataclass
class Catcher:
    """A loopback listener standing for a URL an attacker chose: records each request."""

    received: list[tuple[str, bytes]] = field(default_factory=list)
    _server: LoopbackServer | None = None

    def __enter__(self) -> Catcher:
        def handle(request: BaseHTTPRequestHandler) -> None:
            length = int(request.headers.get("content-length") or 0)
            self.received.append((request.path, request.rfile.read(length)))
            request.send_response(200)
            request.send_header("content-length", "0")
            request.end_headers()

        self._server = LoopbackServer(handle, get=True)
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.base_url + "/steal"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def raw(
    base_url: str,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> Answer:
    """One request on a connection of its own, the path sent exactly as given."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body or method == "POST":
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(response.status, response.read())
    finally:
        connection.close()


def chunked(
    base_url: str,
    path: str,
    total: int,
    headers: dict[str, str] | None = None,
    *,
    chunk: bytes = b"x" * 65536,
) -> Answer:
    """POST `total` bytes with Transfer-Encoding: chunked (no Content-Length), sending
    from a thread while this one reads the answer: a server that refuses early closes
    the connection before the body is all sent."""
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: queueday.test\r\nTransfer-Encoding: chunked\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items()) + "\r\n"

    def send() -> None:
        try:
            sock.sendall(head.encode())
            sent = 0
            while sent < total:
                piece = chunk[: total - sent]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # refused and closed: the rest of the body is not wanted

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    received = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            received += data
            if _complete(received):
                break
    except ConnectionResetError:
        pass
    finally:
        sender.join(timeout=30)
        sock.close()
    status_line, _, _ = received.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 "), received[:200]
    _, _, content = received.partition(b"\r\n\r\n")
    return Answer(int(status_line.split()[1]), content)


def declared(base_url: str, path: str, length: int) -> Answer:
    """POST with `Content-Length: length` and no body sent: the answer must come unread."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=30) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: q\r\nContent-Length: {length}\r\n\r\n".encode()
        )
        received = b""
        while not _complete(received):
            data = sock.recv(65536)
            if not data:
                break
            received += data
    status_line, _, _ = received.partition(b"\r\n")
    _, _, content = received.partition(b"\r\n\r\n")
    return Answer(int(status_line.split()[1]), content)


def _complete(received: bytes) -> bool:
    head, found, content = received.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(content) >= int(value)
    return False


def rss_kib(pid: int) -> int:
    """The resident memory of process `pid` (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")
