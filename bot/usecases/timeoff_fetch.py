"""Fetching a time-off calendar: a conditional GET with an SSRF guard on every hop.

A feed URL comes from an admin, so it is an SSRF vector: each hop's host is resolved
here, every address it resolves to is checked (no loopback, link-local, private,
multicast or reserved address unless private URLs are allowed) and the connection goes
to the address that was checked, so a second DNS answer cannot point elsewhere.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_URL_LENGTH = 2048
MAX_BYTES = 5 * 1024 * 1024  # the largest HR export we have seen is well under 1 MB
MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 20.0
USER_AGENT = "QueueDay time-off sync"


class FetchError(Exception):
    """A feed could not be read; the message names no more of the URL than its hint."""


@dataclass(frozen=True)
class Fetched:
    """What a GET answered: a new body (200) or "not modified" (304, body empty)."""

    modified: bool
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


def url_hint(url: str) -> str:
    """The URL as it may be shown: scheme, host and the file name, never the key.

    `https://acme.bamboohr.com/feeds/feed.php?id=…&key=…` becomes
    `https://acme.bamboohr.com/…/feed.php?…`.
    """
    parts = urlsplit(url)
    name = parts.path.rsplit("/", 1)[-1]
    shown = name if name.lower().endswith((".ics", ".php")) and len(name) <= 40 else ""
    host = parts.hostname or "?"
    port = f":{parts.port}" if _port(parts.port) else ""
    return f"{parts.scheme}://{host}{port}/…{'/' + shown if shown else ''}" + (
        "?…" if parts.query else ""
    )


def _port(port: int | None) -> bool:
    return port is not None and port not in (80, 443)


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL if it may be fetched (scheme, host, length); ValueError saying why not."""
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(c.isspace() for c in url):
        raise ValueError("the URL contains spaces")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError("the URL is not a valid http(s) URL") from None
    scheme = parts.scheme.lower()
    if scheme == "webcal":
        raise ValueError("use https:// instead of webcal:// (it is the same address)")
    if scheme not in ("https", "http"):
        raise ValueError("the URL must start with https://")
    if scheme == "http" and not allow_private:
        raise ValueError(
            "the URL must start with https:// (http:// only with QUEUEDAY_ALLOW_PRIVATE_URLS=1)"
        )
    if not parts.hostname:
        raise ValueError("the URL has no host")
    if parts.username or parts.password:
        raise ValueError("the URL must not carry a user name or password before the host")
    if not allow_private and _private_host(parts.hostname):
        raise ValueError(
            f"{parts.hostname} is a private, loopback or link-local address "
            "(set QUEUEDAY_ALLOW_PRIVATE_URLS=1 to allow it)"
        )
    return url


def _private_host(host: str) -> bool:
    """True for a host that is plainly not public without asking DNS: an address
    literal that is not global, or localhost. (Names are checked when fetched.)"""
    if host.lower().rstrip(".") == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


def _addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Every address `host` resolves to, refused if any one is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(f"cannot resolve {host}") from None
    found = []
    for info in infos:
        address = str(info[4][0])
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not allow_private and not ip.is_global:
            raise FetchError(
                f"{host} resolves to a private, loopback or link-local address ({ip}); "
                "set QUEUEDAY_ALLOW_PRIVATE_URLS=1 to allow it"
            )
        found.append(address)
    if not found:
        raise FetchError(f"cannot resolve {host}")
    return found


class _Pinned(http.client.HTTPConnection):
    """HTTP to an address that was checked, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    """HTTPS to a checked address; the certificate is checked against the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_private: bool = False,
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """GET the feed, conditionally; FetchError on any failure, with the hint, not the URL.

    `timeout` bounds the whole exchange, redirects included; a body over `max_bytes`
    is refused as soon as it passes the limit.
    """
    deadline = time.monotonic() + timeout
    hint = url_hint(url)
    for _ in range(MAX_REDIRECTS + 1):
        try:
            check_url(url, allow_private=allow_private)
        except ValueError as exc:
            raise FetchError(f"{hint}: {exc}") from None
        parts = urlsplit(url)
        assert parts.hostname is not None
        tls = parts.scheme.lower() == "https"
        port = parts.port or (443 if tls else 80)
        address = _addresses(parts.hostname, port, allow_private=allow_private)[0]
        left = max(deadline - time.monotonic(), 0.001)
        kind = _PinnedTLS if tls else _Pinned
        connection = kind(parts.hostname, port, address, left)
        headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"{hint}: a redirect without a Location")
                url = urljoin(url, location)
                continue
            if response.status == 304:
                return Fetched(modified=False, etag=etag, last_modified=last_modified)
            if response.status != 200:
                raise FetchError(f"{hint}: the server answered {response.status}")
            length = response.getheader("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{hint}: the feed is larger than {max_bytes // 1024} KB")
            body = _read(connection, response, deadline, max_bytes, hint)
            return Fetched(
                modified=True,
                body=body,
                etag=response.getheader("ETag"),
                last_modified=response.getheader("Last-Modified"),
            )
        except TimeoutError:
            raise FetchError(f"{hint}: no answer within {timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{hint}: {type(exc).__name__}: {exc}"[:300]) from None
        finally:
            connection.close()
    raise FetchError(f"{hint}: more than {MAX_REDIRECTS} redirects")


def _read(
    connection: http.client.HTTPConnection,
    response: http.client.HTTPResponse,
    deadline: float,
    max_bytes: int,
    hint: str,
) -> bytes:
    """The body, in chunks, within the deadline and the size limit."""
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        if connection.sock is not None:
            connection.sock.settimeout(left)
        chunk = response.read1(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{hint}: the feed is larger than {max_bytes // 1024} KB")
        chunks.append(chunk)
