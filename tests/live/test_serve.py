"""The preview server: port 0 means a free port, and the URL says which; only the preview files,
only to a loopback Host, whatever the encoding."""

from __future__ import annotations

import http.client
import socket
import struct
import urllib.request
from pathlib import Path

import pytest

from iombrochure.live.serve import DEFAULT_PORT, PreviewServer
from iombrochure.live.watch import WatchStatus


@pytest.fixture
def server(tmp_path: Path):
    dist = tmp_path / "dist"
    (dist / "preview").mkdir(parents=True)
    (dist / "factsheet-en.pdf").write_bytes(b"%PDF-1.7 test")
    (dist / "preview" / "factsheet-en-1.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (dist / ".iombrochure-state.json").write_text('{"secret": 1}')
    (dist / "manifest.json").write_text("{}")
    (dist / "html").mkdir()
    (dist / "html" / "factsheet-en.html").write_text("<p>draft</p>")
    (tmp_path / "outside.pdf").write_bytes(b"%PDF outside")
    running = PreviewServer(dist, WatchStatus(), port=0).start()
    try:
        yield running
    finally:
        running.stop()


def get(server: PreviewServer, path: str, host: str | None = None) -> tuple[int, bytes]:
    address, port = server.server.server_address[:2]
    connection = http.client.HTTPConnection(address, port, timeout=10)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


@pytest.mark.parametrize(
    "path",
    [
        "/factsheet-en.pdf",
        "/preview/factsheet-en-1.png",
        "/preview/factsheet%2Den-1.png",  # an encoded ordinary letter is still the same file
        "/",
        "/state",
    ],
)
def test_preview_files_are_served(server: PreviewServer, path: str) -> None:
    status, _ = get(server, path)
    assert status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/.iombrochure-state.json",
        "/%2eiombrochure-state.json",
        "/%2Eiombrochure-state.json",
        "/preview/%2e%2e/.iombrochure-state.json",
        "/preview/%2e%2e/%2e%2e/outside.pdf",
        "/..%2foutside.pdf",
        "/manifest.json",
        "/html/factsheet-en.html",
        "/html/",
        "/preview/",
        "/factsheet-en.pdf%00.png",
        "/%ff.pdf",
    ],
)
def test_nothing_else_is_served(server: PreviewServer, path: str) -> None:
    status, body = get(server, path)
    assert status == 404
    assert b"secret" not in body and b"draft" not in body and b"outside" not in body


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1", "localhost:1", ""])
def test_other_hosts_are_refused(server: PreviewServer, host: str) -> None:
    port = server.server.server_address[1]
    status, body = get(server, "/factsheet-en.pdf", host=host.format(port=port))
    assert status == 421
    assert b"%PDF" not in body


@pytest.mark.parametrize("host", ["localhost:{port}", "LOCALHOST:{port}", "[::1]:{port}"])
def test_loopback_names_are_accepted(server: PreviewServer, host: str) -> None:
    port = server.server.server_address[1]
    status, body = get(server, "/factsheet-en.pdf", host=host.format(port=port))
    assert status == 200 and body.startswith(b"%PDF")


def test_port_zero_picks_a_free_port_and_the_url_names_it(tmp_path: Path):
    server = PreviewServer(tmp_path / "dist", WatchStatus(), port=0).start()
    try:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        assert port not in (0, DEFAULT_PORT)
        with urllib.request.urlopen(server.url + "state", timeout=10) as response:
            assert response.status == 200
        with socket.socket() as probe:  # the port is really taken by the server
            assert probe.connect_ex(("127.0.0.1", port)) == 0
    finally:
        server.stop()


def test_connections_dropped_before_the_answer_leave_no_traceback(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
):
    """A browser that reloads drops its requests half-way: the watcher's terminal must not
    fill with a BrokenPipeError or ConnectionResetError traceback for each."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "brochure-en.pdf").write_bytes(b"%PDF-1.7 " + bytes(100_000))  # more than one write
    server = PreviewServer(dist, WatchStatus(), port=0)
    server.server.daemon_threads = False  # so that stop() waits for every answer to end
    server.start()
    host, port = server.server.server_address[:2]
    request = f"GET /brochure-en.pdf HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    try:
        for number in range(50):
            with socket.create_connection((host, port), timeout=10) as connection:
                if number % 2:  # a reset rather than an orderly close
                    connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                connection.sendall(request)
        status, _ = get(server, "/state")
        assert status == 200  # and the server goes on answering
    finally:
        server.stop()
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "Error" not in captured.err, captured.err
