"""``orbitcloud view``'s server: 127.0.0.1 only, nothing outside the results folder."""

from __future__ import annotations

import http.client
import os
from pathlib import Path

import pytest

from orbitcloud.report.server import ReportServer, resolve_inside


@pytest.fixture
def served(tmp_path: Path):
    root = tmp_path / "run"
    (root / "sub").mkdir(parents=True)
    (root / "report.html").write_text("<p>report</p>", "utf-8")
    (root / "sub" / "x.json").write_text("{}", "utf-8")
    (tmp_path / "secret.txt").write_text("secret", "utf-8")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    srv = ReportServer(root, 0).start()
    yield srv
    srv.stop()


def _get(srv: ReportServer, path: str, method: str = "GET") -> tuple[int, bytes, dict]:
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    c.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body, dict(r.getheaders())


def test_serves_the_report_on_loopback(served: ReportServer) -> None:
    assert served.httpd.server_address[0] == "127.0.0.1"
    assert served.url == f"http://127.0.0.1:{served.port}/report.html"
    status, body, headers = _get(served, "/report.html")
    assert status == 200
    assert body == b"<p>report</p>"
    assert headers["Content-Type"].startswith("text/html")
    status, _, headers = _get(served, "/")
    assert status == 302
    assert headers["Location"] == "/report.html"
    assert _get(served, "/sub/x.json")[0] == 200
    assert _get(served, "/report.html", "HEAD")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/sub/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%5csecret.txt",
        "//etc/passwd",
        "/link.txt",  # a symbolic link that points out of the folder
        "/sub",  # no directory listings
        "/nope.html",
        "/report.html%00.txt",
    ],
)
def test_refuses_everything_outside(served: ReportServer, path: str) -> None:
    status, body, _ = _get(served, path)
    assert status == 404
    assert b"secret" not in body


def test_other_methods_are_refused(served: ReportServer) -> None:
    assert _get(served, "/report.html", "POST")[0] == 501


def test_resolve_inside(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", "utf-8")
    assert resolve_inside(tmp_path, "/a.txt?x=1#y") == (tmp_path / "a.txt").resolve()
    assert resolve_inside(tmp_path, "/../a.txt") is None
