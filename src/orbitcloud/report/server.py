"""Serve one results folder on 127.0.0.1 (``orbitcloud view``), and nothing outside it.

Only GET and HEAD of regular files directly inside the folder or below it are answered. A path
is resolved (symbolic links followed) and refused unless the result is still inside the
resolved folder, so ``..``, encoded ``%2e%2e``, absolute paths and links pointing out all get
404. There are no directory listings; ``/`` redirects to ``/report.html``.
"""

from __future__ import annotations

import mimetypes
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


def make_handler(root: Path) -> type[BaseHTTPRequestHandler]:
    root = Path(root).resolve()

    class Handler(BaseHTTPRequestHandler):
        server_version = "orbitcloud-view"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _send(self, head_only: bool) -> None:
            if urlsplit(self.path).path in ("", "/"):
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", "/report.html")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            f = resolve_inside(root, self.path)
            if f is None:
                self.send_error(HTTPStatus.NOT_FOUND, "not found")
                return
            data = f.read_bytes()
            ctype = _TYPES.get(f.suffix) or mimetypes.guess_type(f.name)[0]
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", ctype or "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not head_only:
                self.wfile.write(data)

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
