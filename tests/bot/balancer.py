"""Several real `queueday serve` replicas on one PostgreSQL behind a real HAProxy (Debian's
package, installed by .ci/run), on loopback, for tests and bench/slack_bench.py.

with replicas_behind_haproxy(fake, tmp_path, database_url, count=3) as cluster:
    cluster.url                 # HAProxy's frontend
    cluster.replicas[0].url     # one replica directly
    cluster.served_by(reply)    # which replica answered a request through HAProxy

The generated config is the one the README's "Running more than one process" shows:
round-robin, a health check on /healthz, and a retry on another replica when a
connection to one fails (`retry-on conn-failure` with `option redispatch`). A request a
replica already took is never sent again (it may have been handled): if the replica
dies before answering, the client gets HAProxy's 502 (or, on a keep-alive connection,
the connection closed without an answer), and Slack retries or shows the person an
error.
"""

from __future__ import annotations

import http.client
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.bot.fake_slack import FakeSlack
from tests.bot.server import RunningServer, free_port, start_server

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
REPLICA_HEADER = "x-queueday-replica"  # set by HAProxy: the server line that answered


def haproxy_config(port: int, replicas: list[tuple[str, int]], *, check_ms: int = 300) -> str:
    """HAProxy's config: `port` on loopback, round-robin over `replicas` (name, port)."""
    servers = "\n".join(
        f"    server {name} 127.0.0.1:{replica_port} check" for name, replica_port in replicas
    )
    return f"""\
global
    maxconn 512
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A connection refused (a replica gone) is tried again on another replica; a request
    # a replica took is not (it may have been handled): its client gets a 502.
    retries 3
    retry-on conn-failure
    option redispatch 1

frontend slack
    bind 127.0.0.1:{port}
    default_backend queueday

backend queueday
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    # Down after two failed checks (a refused connection fails at once; a busy replica's
    # slow answer within `timeout check` is no failure), up again after one.
    timeout check 3s
    default-server inter {check_ms}ms fall 2 rise 1
    http-response set-header X-QueueDay-Replica %s
{servers}
"""


@dataclass
class Balancer:
    """A running HAProxy in front of `replicas`."""

    url: str
    process: subprocess.Popen[bytes]
    replicas: list[RunningServer]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_haproxy(workdir: Path, replicas: list[RunningServer], *, timeout: float = 30) -> Balancer:
    """HAProxy over `replicas`, once every replica has answered a health check through it."""
    port = free_port()
    names = [(f"replica{n}", int(r.url.rsplit(":", 1)[1])) for n, r in enumerate(replicas)]
    config = workdir / "haproxy.cfg"
    config.write_text(haproxy_config(port, names), encoding="utf-8")
    log_path = workdir / "haproxy.log"
    with log_path.open("wb") as log:
        # -db: stay in the foreground, so the test owns the process.
        process = subprocess.Popen(
            [HAPROXY, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
    balancer = Balancer(f"http://127.0.0.1:{port}", process, replicas, log_path)
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < len(replicas):
        if process.poll() is not None or time.monotonic() > deadline:
            balancer.stop()
            raise RuntimeError(f"HAProxy did not reach every replica:\n{balancer.log()}")
        try:
            status, name = health(port)
        except OSError:
            time.sleep(0.05)  # not listening yet
            continue
        if status == 200 and name:
            seen.add(name)
        else:
            time.sleep(0.05)  # a replica not yet marked up by its first check
    return balancer


def health(port: int) -> tuple[int, str]:
    """GET /healthz through HAProxy: the status and the replica that answered."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader(REPLICA_HEADER) or ""
    finally:
        conn.close()


def served_by(headers: dict[str, str]) -> str:
    """The replica that answered, from a reply's (lower-cased) headers."""
    return headers.get(REPLICA_HEADER, "")


@contextmanager
def replicas_behind_haproxy(
    fake: FakeSlack, workdir: Path, database_url: str, *, count: int = 3
) -> Iterator[Balancer]:
    """`count` `queueday serve` processes on `database_url`, HAProxy in front."""
    with ExitStack() as stack:
        replicas = []
        for n in range(count):
            server = start_server(fake, workdir / f"replica{n}", DATABASE_URL=database_url)
            stack.callback(server.stop)
            replicas.append(server)
        balancer = start_haproxy(workdir, replicas)
        stack.callback(balancer.stop)
        yield balancer
