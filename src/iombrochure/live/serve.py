"""``watch --serve``: the output folder on http://127.0.0.1, with a page of live previews.

The server binds the loopback interface only and serves files inside the output folder and
nothing else. The page polls ``/state`` (a few hundred bytes of JSON) once a second and swaps in
the new images when the watcher's generation number changes; a build error shows as a banner
above the last good previews.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from iombrochure.live.watch import WatchStatus
from iombrochure.pipeline.previews import PREVIEW_DIR
from iombrochure.pipeline.safety import is_within

_log = logging.getLogger(__name__)

#: The port ``watch --serve`` uses unless told; ``--port 0`` lets the system pick a free one.
DEFAULT_PORT = 8000

HOST = "127.0.0.1"

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>iombrochure previews</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5rem; background: #f3f4f6; color: #111; }
  h2 { font-size: 1rem; margin: 1.5rem 0 0.5rem; }
  .pages { display: flex; flex-wrap: wrap; gap: 1rem; }
  .pages img { width: 320px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.25); background: #fff; }
  #error { display: none; background: #b91c1c; color: #fff; padding: 0.75rem 1rem; }
  #status { color: #555; font-size: 0.85rem; }
</style>
</head>
<body>
<div id="error"></div>
<div id="status">waiting for the first build…</div>
<div id="previews"></div>
<script>
let generation = -1;
async function poll() {
  try {
    const response = await fetch("/state", {cache: "no-store"});
    const state = await response.json();
    if (state.generation !== generation) {
      generation = state.generation;
      show(state);
    }
  } catch (error) {
    document.getElementById("status").textContent = "watcher not reachable";
  }
  setTimeout(poll, 1000);
}
function show(state) {
  const banner = document.getElementById("error");
  banner.style.display = state.error ? "block" : "none";
  banner.textContent = state.error || "";
  const root = document.getElementById("previews");
  root.replaceChildren();
  for (const [pdf, pages] of Object.entries(state.previews)) {
    const title = document.createElement("h2");
    const link = document.createElement("a");
    link.href = pdf;
    link.textContent = pdf;
    title.append(link);
    const row = document.createElement("div");
    row.className = "pages";
    for (const page of pages) {
      const image = document.createElement("img");
      image.src = page + "?g=" + state.generation;
      image.alt = page;
      row.append(image);
    }
    root.append(title, row);
  }
  document.getElementById("status").textContent =
    "updated " + new Date().toLocaleTimeString() + " (build " + state.generation + ")";
}
poll();
</script>
</body>
</html>
"""


class PreviewHandler(SimpleHTTPRequestHandler):
    """``/`` (the preview page), ``/state`` (JSON) and the preview files: PNG pages under
    ``preview/`` and the PDFs they preview. Nothing else of the output folder (no state, no
    manifest, no HTML, no listings), whatever the percent-encoding of the request; and only
    to a request addressed to this loopback server by name (``Host: 127.0.0.1:<port>``,
    ``localhost:<port>`` or ``[::1]:<port>``), so that a web page cannot read it through a
    host name of its own that resolves here (DNS rebinding).
    """

    status: WatchStatus

    def __init__(self, *args: Any, status: WatchStatus, **kwargs: Any) -> None:
        self.status = status
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(head=True)

    def _answer(self, *, head: bool) -> None:
        if not self._host_allowed():
            self.send_error(HTTPStatus.MISDIRECTED_REQUEST, "unknown host")
            return
        route = unquote(urlsplit(self.path).path, errors="strict") if self._decodable() else None
        if route in ("/", "/index.html"):
            self._send(PAGE.encode("utf-8"), "text/html; charset=utf-8", head=head)
        elif route == "/state":
            body = json.dumps(self.status.snapshot(), ensure_ascii=False).encode("utf-8")
            self._send(body, "application/json", head=head)
        elif route is not None and self._is_preview_file(route):
            super().do_HEAD() if head else super().do_GET()
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def _decodable(self) -> bool:
        try:
            unquote(urlsplit(self.path).path, errors="strict")
        except (UnicodeDecodeError, ValueError):
            return False
        return True

    def _host_allowed(self) -> bool:
        port = self.server.server_address[1]
        host = (self.headers.get("Host") or "").strip().lower()
        return host in {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}

    def _is_preview_file(self, route: str) -> bool:
        """A PNG under preview/ or a PDF, named plainly, that lies in the output folder."""
        if "\\" in route or "\0" in route or not route.startswith("/"):
            return False
        parts = route[1:].split("/")
        if any(not part or part.startswith(".") for part in parts):
            return False  # no folders, no hidden files, no "..", however they were encoded
        suffix = Path(parts[-1]).suffix.lower()
        if not (suffix == ".pdf" or (suffix == ".png" and parts[0] == PREVIEW_DIR)):
            return False
        folder = Path(self.directory).resolve()
        path = folder.joinpath(*parts).resolve()
        return is_within(path, folder) and path.is_file()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _send(self, body: bytes, content_type: str, *, head: bool = False) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the watcher's own lines are what the user reads."""


class QuietHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that does not print a traceback for each dropped connection.

    A browser that reloads, or a page polling ``/state`` when its tab closes, drops connections
    before the answer is written: that is the browser's choice, not an error, and hundreds of
    ``BrokenPipeError`` tracebacks would bury the watcher's own lines. Anything else is logged
    in one line.
    """

    daemon_threads = True
    #: A preview page asks for every page image at once; socketserver's default backlog of 5
    #: makes the rest wait a second for the system to retry the connection.
    request_queue_size = 64

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        _log.warning("preview server: %s: %s", type(error).__name__, error)


class PreviewServer:
    """An HTTP server in a daemon thread, on 127.0.0.1 only."""

    def __init__(self, output_dir: Path, status: WatchStatus, *, port: int = DEFAULT_PORT) -> None:
        output_dir.mkdir(parents=True, exist_ok=True)
        handler = partial(PreviewHandler, directory=str(output_dir), status=status)
        self.server = QuietHTTPServer((HOST, port), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> PreviewServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
