"""A small real HTTP server on loopback that serves .ics bodies, for time-off sync tests.

It honours If-None-Match / If-Modified-Since (304), can answer with any status, hang
until released, or stream a large body; it counts the requests per path.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LAST_MODIFIED = "Mon, 04 Jan 2027 07:00:00 GMT"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    hang: threading.Event | None = None  # wait on it before answering
    size: int | None = None  # stream this many bytes of garbage instead of `body`
    redirect: str | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class IcsServer:
    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(self, path: str, body: str | bytes, **kwargs: object) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **kwargs)  # type: ignore[arg-type]
        return self.url(path)


@contextmanager
def ics_server() -> Iterator[IcsServer]:
    server_box: list[IcsServer] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802
            state = server_box[0]
            path = self.path.split("?", 1)[0]
            state.hits.setdefault(path, []).append(dict(self.headers.items()))
            route = state.routes.get(path)
            if route is None:
                self.send_error(404)
                return
            if route.hang is not None:
                route.hang.wait(10)
                return
            if route.redirect is not None:
                self.send_response(302)
                self.send_header("Location", route.redirect)
                self.end_headers()
                return
            if route.status != 200:
                self.send_error(route.status)
                return
            if route.size is not None:
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.end_headers()
                chunk = b"x" * 65536
                sent = 0
                try:
                    while sent < route.size:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            if self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.send_header("ETag", route.etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(route.body)))
            self.send_header("ETag", route.etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            self.wfile.write(route.body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_box.append(IcsServer(base=f"http://127.0.0.1:{httpd.server_address[1]}"))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_box[0]
    finally:
        for route in server_box[0].routes.values():
            if route.hang is not None:
                route.hang.set()
        httpd.shutdown()
        httpd.server_close()
