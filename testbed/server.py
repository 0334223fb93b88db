"""Serve a saved mirror of rfi.fr on 127.0.0.1, with paths exactly as on the live site.

Spiders take their base URL from ``RFI_BASE_URL``; pointing it at this server lets tests, benches and
``make demo`` crawl real page markup without touching rfi.fr (``python -m testbed serve DIR`` runs it
from a checkout). The request path is percent-decoded as
UTF-8 and looked up under the mirror root, so ``/cn/%E4%B8%AD%E5%9B%BD/`` serves
``ROOT/cn/中国/index.html`` and an extensionless path (``/cn/rss``, an article slug) is a plain file.

Besides files, the server can imitate the site's behaviours that the crawler must cope with: a
fixed latency per response, 403 answers to clients that do not look like a browser (RFI blocks
datacenter clients on some paths), dynamic routes (XHR JSON, redirects, errors) and connections cut
without an answer. Every request is recorded, with the times it arrived and was answered, in a
thread-safe log that tests read and reset: politeness (delays, concurrency, backoff) is checked on
what the site saw, not on what the crawler says it did.
"""

from __future__ import annotations

import mimetypes
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import unquote, urlsplit

__all__ = [
    "DropConnection",
    "MirrorRequest",
    "MirrorServer",
    "RequestLog",
    "RequestRecord",
    "Route",
    "content_type_for",
    "looks_like_browser",
    "resolve_path",
]

#: A dynamic route: called with the request, returns (status, headers, body).
Route = Callable[["MirrorRequest"], tuple[int, Mapping[str, str], bytes | str]]

_XML_ROOTS = (b"<rss", b"<urlset", b"<sitemapindex", b"<feed")
_BROWSER_ENGINES = ("Chrome/", "Firefox/", "Safari/", "AppleWebKit/", "Gecko/")
_NOT_BROWSERS = ("scrapy", "python", "curl", "wget", "bot", "spider", "crawl")


@dataclass(frozen=True)
class MirrorRequest:
    """What a dynamic route or a block rule sees of a request."""

    method: str
    raw_path: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes = b""

    @property
    def user_agent(self) -> str:
        return self.headers.get("User-Agent", "")


class DropConnection(Exception):
    """Raised by a route to cut the connection without answering (a TCP reset), as an overloaded
    site or a flaky network does; the request is logged with status 0."""


@dataclass(frozen=True)
class RequestRecord:
    """One line of the request log.

    ``received_at`` and ``answered_at`` are wall-clock times (``time.time()``, so that they compare
    with HTTP dates such as ``Retry-After``): when the request's headers had been read, and when
    its answer was ready to send (after ``delay`` and any route). Between the two the request is
    in flight at the server.
    """

    method: str
    raw_path: str
    path: str
    user_agent: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    received_at: float = field(default=0.0, compare=False)
    answered_at: float = field(default=0.0, compare=False)


class RequestLog:
    """Thread-safe record of every request the server answered, in arrival order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> list[RequestRecord]:
        """A snapshot copy; later requests do not change it."""
        with self._lock:
            return list(self._records)

    def paths(self, status: int | None = None) -> list[str]:
        """Decoded paths requested, optionally only those answered with ``status``."""
        return [r.path for r in self.records if status is None or r.status == status]

    def count(self, path: str) -> int:
        return sum(1 for r in self.records if r.path == path)

    def max_in_flight(self) -> int:
        """The most requests the server held at once (received and not yet answered)."""
        events = sorted(
            [(r.received_at, 1) for r in self.records] + [(r.answered_at, -1) for r in self.records],
            key=lambda event: (event[0], event[1]),  # an answer before an arrival at the same time
        )
        current = highest = 0
        for _, step in events:
            current += step
            highest = max(highest, current)
        return highest

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    reset = clear

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self):
        return iter(self.records)


def looks_like_browser(headers: Mapping[str, str]) -> bool:
    """True when the User-Agent claims a real browser engine and no crawler or library.

    Scrapy's default ``Scrapy/2.x (+https://scrapy.org)``, python-requests and curl fail;
    Chromium driven by Playwright (``Mozilla/5.0 ... HeadlessChrome/... Safari/537.36``) passes.
    """
    agent = headers.get("User-Agent", "")
    if not agent.startswith("Mozilla/5.0"):
        return False
    lowered = agent.lower()
    if any(word in lowered for word in _NOT_BROWSERS):
        return False
    return any(engine in agent for engine in _BROWSER_ENGINES)


def content_type_for(path: Path, body: bytes) -> str:
    """The Content-Type RFI would send: XML documents and feeds by content, else HTML.

    Mirror files are mostly extensionless (``/cn/rss``, article slugs), so the content decides;
    a few static types (robots.txt, JSON, images) go by extension.
    """
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml") or head.startswith(_XML_ROOTS):
        if b"<rss" in head:
            return "application/rss+xml; charset=utf-8"
        return "application/xml; charset=utf-8"
    suffix = path.suffix.lower()
    if suffix in {".txt", ".json", ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg",
                  ".mp3", ".mp4"}:
        guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if guessed.startswith("text/") or guessed in {"application/json", "text/javascript"}:
            return f"{guessed}; charset=utf-8"
        return guessed
    return "text/html; charset=utf-8"


def resolve_path(root: Path, path: str) -> Path | None:
    """The file under ``root`` that serves the decoded URL ``path``, or None (a 404).

    ``/a/`` and ``/a`` (a directory) serve ``a/index.html``; anything else is a file. Paths
    that would leave the root (``..``) are refused.
    """
    parts = [p for p in path.split("/") if p]
    if any(p in {".", ".."} or "\x00" in p for p in parts):
        return None
    target = root.joinpath(*parts)
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    try:
        resolved = target.resolve()
        resolved.relative_to(root)
    except (OSError, ValueError):
        return None
    return resolved if resolved.is_file() else None


class MirrorServer:
    """A threaded HTTP server for one mirror directory, run from a background thread.

    Options:

    ``delay``
        seconds to wait before every response (latency for benches and timeout tests).
    ``forbid``
        a predicate ``(MirrorRequest) -> bool``; when it returns True the answer is 403.
    ``forbid_unless_browser``
        paths (exact decoded paths, or prefixes ending in ``*``) or a predicate on the decoded path:
        those are answered 403 unless ``browser_check(headers)`` (default :func:`looks_like_browser`)
        passes. This is how RFI treats datacenter clients on articles and sitemaps.
    ``routes``
        ``{path prefix: Route}``; the longest matching prefix of the decoded path wins and its
        callable answers instead of the file system (XHR JSON, redirects, errors). A route may
        call :meth:`MirrorServer.serve_file` to answer as the mirror would, and may raise
        :class:`DropConnection` to cut the connection without an answer.
    ``on_request``
        called with each :class:`RequestRecord` after it is logged (the CLI prints them).
    """

    def __init__(
        self,
        root: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        delay: float = 0.0,
        forbid: Callable[[MirrorRequest], bool] | None = None,
        forbid_unless_browser: Iterable[str] | Callable[[str], bool] | None = None,
        browser_check: Callable[[Mapping[str, str]], bool] = looks_like_browser,
        routes: Mapping[str, Route] | None = None,
        on_request: Callable[[RequestRecord], None] | None = None,
    ) -> None:
        root_path = Path(root)
        if not root_path.is_dir():
            raise ValueError(f"mirror root {str(root)!r} is not a directory; give the folder "
                             "that holds the saved pages (e.g. one with cn/index.html)")
        self.root = root_path.resolve()
        self.host = host
        self.port = port
        self.delay = delay
        self.forbid = forbid
        self.browser_check = browser_check
        self._browser_only = _path_predicate(forbid_unless_browser)
        self.routes: dict[str, Route] = dict(routes or {})
        self.log = RequestLog()
        self.on_request = on_request
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash, like ``RFI_BASE_URL``."""
        if self._httpd is None:
            raise RuntimeError("mirror server is not started; call start() first")
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of a path on this server (the path as given, encoded or not)."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def add_route(self, prefix: str, route: Route) -> None:
        self.routes[prefix] = route

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        handler = type("BoundMirrorHandler", (_MirrorHandler,), {"mirror": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"rfi-mirror-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close open keep-alive connections: a stopped mirror answers nothing."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._connections_lock:
            open_connections, self._connections = self._connections, set()
        for connection in open_connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (``python -m testbed serve``)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- answering -------------------------------------------------------------------------------

    def answer(self, request: MirrorRequest) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a request (the handler only does the I/O)."""
        if self.delay:
            time.sleep(self.delay)
        if self.forbid is not None and self.forbid(request):
            return _error(HTTPStatus.FORBIDDEN, request.raw_path)
        if self._browser_only(request.path) and not self.browser_check(request.headers):
            return _error(HTTPStatus.FORBIDDEN, request.raw_path)
        route = self._route_for(request.path)
        if route is not None:
            status, headers, body = route(request)
            if isinstance(body, str):
                body = body.encode("utf-8")
            return int(status), dict(headers), body
        return self.serve_file(request)

    def serve_file(self, request: MirrorRequest) -> tuple[int, dict[str, str], bytes]:
        """The answer from the mirror's files (what a path without a route gets)."""
        if request.method not in {"GET", "HEAD"}:
            return _error(HTTPStatus.METHOD_NOT_ALLOWED, request.raw_path)
        target = resolve_path(self.root, request.path)
        if target is None:
            return _error(HTTPStatus.NOT_FOUND, request.raw_path)
        body = target.read_bytes()
        return 200, {"Content-Type": content_type_for(target, body)}, body

    def _route_for(self, path: str) -> Route | None:
        matches = [prefix for prefix in self.routes if path.startswith(prefix)]
        return self.routes[max(matches, key=len)] if matches else None


def _path_predicate(spec: Iterable[str] | Callable[[str], bool] | None) -> Callable[[str], bool]:
    if spec is None:
        return lambda path: False
    if callable(spec):
        return spec
    exact = {p for p in spec if not p.endswith("*")}
    prefixes = tuple(p[:-1] for p in spec if p.endswith("*"))
    return lambda path: path in exact or (bool(prefixes) and path.startswith(prefixes))


def _error(status: HTTPStatus, raw_path: str) -> tuple[int, dict[str, str], bytes]:
    body = (f"<!DOCTYPE html><html><head><title>{status.value} {status.phrase}</title></head>"
            f"<body><h1>{status.value} {status.phrase}</h1><p>{raw_path}</p></body></html>")
    return status.value, {"Content-Type": "text/html; charset=utf-8"}, body.encode("utf-8")


class _MirrorHandler(BaseHTTPRequestHandler):
    """Turns HTTP I/O into :meth:`MirrorServer.answer` calls and logs each request."""

    mirror: MirrorServer
    protocol_version = "HTTP/1.1"
    server_version = "rficrawl-mirror"
    # Idle keep-alive connections close after this many seconds, so stop() leaves nothing behind.
    timeout = 15

    def setup(self) -> None:
        super().setup()
        with self.mirror._connections_lock:
            self.mirror._connections.add(self.connection)

    def finish(self) -> None:
        with self.mirror._connections_lock:
            self.mirror._connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        received_at = time.time()
        raw_path = self.path
        split = urlsplit(raw_path)
        length = int(self.headers.get("Content-Length") or 0)
        body_in = self.rfile.read(length) if length else b""
        try:
            path = unquote(split.path, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            path = None
        headers = {key: value for key, value in self.headers.items()}
        dropped = False
        if path is None:
            status, out_headers, body = _error(HTTPStatus.BAD_REQUEST, raw_path)
            path = split.path
        else:
            request = MirrorRequest(self.command, raw_path, path, split.query, headers, body_in)
            try:
                status, out_headers, body = self.mirror.answer(request)
            except DropConnection:
                dropped = True
                status, out_headers, body = 0, {}, b""
        record = RequestRecord(
            self.command, raw_path, path, headers.get("User-Agent", ""), status, headers,
            received_at, time.time(),
        )
        self.mirror.log.append(record)
        if self.mirror.on_request is not None:
            self.mirror.on_request(record)
        if dropped:
            self._reset()
            return
        self.send_response(status)
        for key, value in out_headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self) -> None:
        """Close the connection with a TCP reset (SO_LINGER 0), so the client sees it cut."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the request log is the record; the CLI prints its own lines."""
