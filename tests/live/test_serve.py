"""The preview server: port 0 means a free port, and the URL says which."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

from iombrochure.live.serve import DEFAULT_PORT, PreviewServer
from iombrochure.live.watch import WatchStatus


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
