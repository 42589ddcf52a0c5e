"""Serve one results folder on 127.0.0.1 (``orbitcloud view``), and nothing outside it.

Only GET and HEAD of regular files directly inside the folder or below it are answered. A path
is resolved (symbolic links followed) and refused unless the result is still inside the
resolved folder, so ``..``, encoded ``%2e%2e``, absolute paths and links pointing out all get
404. There are no directory listings; ``/`` redirects to ``/report.html``.

Every request must name this server in its ``Host`` header: ``127.0.0.1:PORT`` or
``localhost:PORT`` (any case), exactly once; anything else gets 403. A web page on another
site could otherwise read the folder by pointing its own host name at 127.0.0.1 (DNS
rebinding): the browser would then send that page's host name, which is refused.

Files are streamed in blocks, with ``Content-Length`` from the open file's ``stat``: a large
table is never read whole into memory.
"""

from __future__ import annotations

import io
import mimetypes
import os
import stat
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

HOST = "127.0.0.1"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".czml": "application/json",
    ".yaml": "text/plain; charset=utf-8",
    ".parquet": "application/vnd.apache.parquet",
}


def resolve_inside(root: Path, url_path: str) -> Path | None:
    """The file a URL path names inside ``root``, or None if it is not a file in there."""
    path = unquote(urlsplit(url_path).path)
    if "\x00" in path or "\\" in path:
        return None
    parts = [p for p in path.split("/") if p]
    if any(p in ("..", ".") for p in parts):  # refused outright, not normalised away
        return None
    root = root.resolve()
    try:
        cand = root.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if cand != root and root not in cand.parents:
        return None
    return cand if cand.is_file() else None


BLOCK_BYTES = 1 << 16
"""Bytes read from a file and sent at a time."""


def host_allowed(host_headers: list[str], port: int) -> bool:
    """Whether a request's ``Host`` header(s) name this server: one header, ``127.0.0.1:PORT``
    or ``localhost:PORT`` (the host name in any case; no port only when PORT is 80)."""
    if len(host_headers) != 1:
        return False
    host = host_headers[0].strip()
    names = {f"127.0.0.1:{port}", f"localhost:{port}"}
    if port == 80:
        names |= {"127.0.0.1", "localhost"}
    return host.lower() in names


def _open_regular(path: Path) -> io.FileIO | None:
    """``path`` opened for reading if it is (still) a regular file, else None.

    Opened without following a link and without blocking, then checked with ``fstat``: a FIFO
    or device swapped in after :func:`resolve_inside` is refused, never waited on.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        return io.FileIO(fd, "rb", closefd=True)
    except OSError:
        os.close(fd)
        return None


def make_handler(root: Path) -> type[BaseHTTPRequestHandler]:
    root = Path(root).resolve()

    class Handler(BaseHTTPRequestHandler):
        server_version = "orbitcloud-view"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _send(self, head_only: bool) -> None:
            port = int(self.server.server_address[1])  # type: ignore[index]
            if not host_allowed(self.headers.get_all("Host") or [], port):
                self.send_error(
                    HTTPStatus.FORBIDDEN,
                    "wrong Host",
                    f"this server answers only requests to 127.0.0.1:{port} or localhost:{port}",
                )
                return
            if urlsplit(self.path).path in ("", "/"):
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", "/report.html")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            f = resolve_inside(root, self.path)
            fh = _open_regular(f) if f is not None else None
            if f is None or fh is None:
                self.send_error(HTTPStatus.NOT_FOUND, "not found")
                return
            with fh:
                size = os.fstat(fh.fileno()).st_size
                ctype = _TYPES.get(f.suffix) or mimetypes.guess_type(f.name)[0]
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", ctype or "application/octet-stream")
                self.send_header("Content-Length", str(size))
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                if not head_only:
                    self._copy(fh, size)

        def _copy(self, fh: io.FileIO, size: int) -> None:
            """Send ``size`` bytes of ``fh`` in blocks (no more: a file that grows meanwhile
            must not overrun Content-Length; one that shrinks ends the connection early)."""
            left = size
            try:
                while left > 0:
                    block = fh.read(min(BLOCK_BYTES, left))
                    if not block:
                        break
                    self.wfile.write(block)
                    left -= len(block)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser went away
            if left:
                self.close_connection = True

        def do_GET(self) -> None:
            self._send(False)

        def do_HEAD(self) -> None:
            self._send(True)

    return Handler


class ReportServer:
    """A threaded HTTP server of one folder, bound to 127.0.0.1 (port 0: any free port)."""

    def __init__(self, folder: str | Path, port: int = 0) -> None:
        self.folder = Path(folder).resolve()
        self.httpd = ThreadingHTTPServer((HOST, port), make_handler(self.folder))
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/report.html"

    def start(self) -> ReportServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
