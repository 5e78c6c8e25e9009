"""Untrusted content cannot make a build read files or URLs it should not.

A real HTTP server listens on 127.0.0.1 during these tests and records every request; each test
builds a scratch project that points at it (or at files outside the project) and proves that
nothing reached it. Two layers are tested: ``check`` (which build runs first, and which names
the file and line) and, with check switched off, the renderer's URL fetcher behind it.
"""

from __future__ import annotations

import http.server
import io
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from conftest import ONE_EDITION, REPO, copy_project, run_cli
from iombrochure.errors import FetchRefused
from iombrochure.pipeline import checks
from iombrochure.pipeline.build import build
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.content import load_content
from iombrochure.pipeline.templating import render_edition
from test_bad_input import png_header

TEMPLATE = "templates/factsheet.html"
CSS = "styles/factsheet.css"
#: One edition is enough to show what the fetcher does.
FACTSHEET_EN = {
    "documents": ["factsheet"],
    "languages": ["en"],
    "variant": "screen",
    "preview": False,
}


def png(width: int = 8, height: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "orange").save(buffer, "PNG")
    return buffer.getvalue()


class Server:
    """A local HTTP server that serves a picture for every path and remembers each request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                body = png()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def prove_it_was_listening(self) -> None:
        """The server did answer all along: 'no request' is not 'no server'."""
        with urllib.request.urlopen(f"{self.url}/probe", timeout=10) as response:
            assert response.status == 200
        assert self.requests == ["/probe"]


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    running.thread.start()
    yield running
    running.httpd.shutdown()
    running.httpd.server_close()


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def add_svg(root: Path, inner_href: str) -> None:
    (root / "images").mkdir(exist_ok=True)
    (root / "images" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">\n'
        f'  <image href="{inner_href}" width="40" height="20"/>\n</svg>\n'
    )
    edit(root, TEMPLATE, "<h1>", '<img src="images/logo.svg" alt="IOM"><h1>')


# --- through the command line: check, run by build, names the place --------------------------


def vector_template_img(root: Path, url: str) -> None:
    edit(root, TEMPLATE, "<h1>", f'<img src="{url}/template.png" alt=""><h1>')


def vector_css_url(root: Path, url: str) -> None:
    (root / CSS).write_text(
        (root / CSS).read_text() + f'\nh1 {{ background: url("{url}/css.png") }}\n'
    )


def vector_css_escaped(root: Path, url: str) -> None:
    escaped = url.replace("http", "\\68 ttp", 1)
    (root / CSS).write_text(
        (root / CSS).read_text() + f'\nh1 {{ background: url("{escaped}/e.png") }}\n'
    )


def vector_css_import(root: Path, url: str) -> None:
    (root / CSS).write_text(f'@import url("{url}/more.css");\n' + (root / CSS).read_text())


def vector_data_value(root: Path, url: str) -> None:
    edit(
        root,
        "content/data.yaml",
        "  website: www.iom.int",
        f"  website: www.iom.int\n  logo: {url}/d.png",
    )
    edit(root, TEMPLATE, "<h1>", '<img src="{{ data.raw.links.logo }}" alt=""><h1>')


def vector_svg_image(root: Path, url: str) -> None:
    add_svg(root, f"{url}/svg.png")


def vector_markdown_image(root: Path, url: str) -> None:
    edit(
        root,
        "content/en/iom.yaml",
        "with the Government.",
        f"with the Government. ![map]({url}/m.png)",
    )


@pytest.mark.parametrize(
    ("vector", "where"),
    [
        (vector_template_img, TEMPLATE),
        (vector_css_url, CSS),
        (vector_css_escaped, CSS),
        (vector_css_import, CSS),
        (vector_data_value, "content/data.yaml"),
        (vector_svg_image, "images/logo.svg"),
        (vector_markdown_image, "content/en/iom.yaml"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_build_refuses_local_urls_and_no_request_is_made(
    vector, where: str, server: Server, tmp_path: Path
):
    root = copy_project(REPO, tmp_path / "project")
    vector(root, server.url)
    result = run_cli(
        "build",
        *ONE_EDITION,
        "--project",
        str(root),
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"error: {where}:" in result.stderr
    assert "127.0.0.1" in result.stderr
    assert server.requests == []
    assert not (root / "dist").exists()
    server.prove_it_was_listening()


def test_links_are_written_into_the_pdf_never_fetched(server: Server, tmp_path: Path):
    root = copy_project(REPO, tmp_path / "project")
    link = server.url.replace("http:", "https:") + "/report"
    edit(root, "content/en/iom.yaml", "with the Government.", f"with the [Government]({link}).")
    result = run_cli(
        "build",
        *ONE_EDITION,
        "--project",
        str(root),
    )
    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(root / "dist" / "factsheet-en.pdf")
    uris = [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    ]
    assert link in uris
    assert server.requests == []
    server.prove_it_was_listening()


# --- the renderer's fetcher, with check switched off ----------------------------------------


@pytest.fixture
def without_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """build without its checks: only the renderer's URL fetcher stands in the way."""

    def content_only(project, *, languages, editions, html_dir, env=None, **_):
        content = load_content(project, languages=languages)
        filled = {
            job: render_edition(
                project,
                content,
                project.documents[job.document],
                job.lang,
                env=env,
                html_dir=html_dir,
                variant=job.variant,
            )
            for job in editions
        }
        return checks.Validated(content=content, editions=filled, warnings=[], env=env)

    monkeypatch.setattr(checks, "check_before_build", content_only)


def built_outputs(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root / "dist").as_posix(): path.read_bytes()
        for path in sorted((root / "dist").rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("{server}/direct.png", "refused to fetch 'http://127.0.0.1:"),
        ("file:///etc/passwd", "refused to read /etc/passwd: it is outside the project folder"),
        ("../../outside.png", "outside.png: it is outside the project folder"),
        ("svg:{server}/in-svg.png", "the SVG links out of the project ('http://127.0.0.1:"),
        ("css:\\68 ttp://127.0.0.1:{port}/escaped.png", "refused to fetch 'http://127.0.0.1:"),
    ],
)
def test_the_fetcher_refuses_and_previous_outputs_stay_byte_identical(
    reference: str, message: str, server: Server, without_check: None, tmp_path: Path
):
    root = copy_project(REPO, tmp_path / "a" / "b" / "project")
    (tmp_path / "a" / "outside.png").write_bytes(png())
    project = load_project(root)
    build(project, **FACTSHEET_EN)
    before = built_outputs(root)
    assert set(before) == {"factsheet-en.pdf", "manifest.json", ".iombrochure-state.json"}

    port = str(server.httpd.server_port)
    url = reference.replace("{server}", server.url).replace("{port}", port)
    if url.startswith("svg:"):
        add_svg(root, url.removeprefix("svg:"))
    elif url.startswith("css:"):
        (root / CSS).write_text(
            (root / CSS).read_text() + f'\nh1 {{ background: url("{url.removeprefix("css:")}") }}\n'
        )
    else:
        edit(root, TEMPLATE, "<h1>", f'<img src="{url}" alt=""><h1>')
    with pytest.raises(FetchRefused) as refused:
        build(load_project(root), **FACTSHEET_EN)
    assert refused.value.message.startswith("factsheet (en, screen): ")
    assert message in refused.value.message
    assert server.requests == []
    assert built_outputs(root) == before
    assert not [path for path in (root / "dist").rglob("*.tmp")]
    server.prove_it_was_listening()


@pytest.mark.parametrize(
    ("picture", "message"),
    [
        (
            png(200, 100),
            "images/p.png: the image is 200 x 100 = 20,000 pixels, over the limit of 10,000",
        ),
        (
            png_header(100_000, 100_000),  # a small file claiming a huge picture
            "images/p.png: refused: a decompression bomb",
        ),
    ],
    ids=["over-the-limit", "bomb"],
)
def test_the_fetcher_measures_pictures_before_they_are_decoded(
    picture: bytes, message: str, without_check: None, tmp_path: Path
):
    root = copy_project(REPO, tmp_path / "project")
    config = root / "iombrochure.toml"
    config.write_text(config.read_text() + "\n[build]\nmax_image_pixels = 10_000\n")
    (root / "images").mkdir(exist_ok=True)
    (root / "images" / "p.png").write_bytes(picture)
    edit(root, TEMPLATE, "<h1>", '<img src="images/p.png" alt=""><h1>')
    with pytest.raises(FetchRefused) as refused:
        build(load_project(root), **FACTSHEET_EN)
    assert message in refused.value.message
    assert not (root / "dist").exists()


def test_a_picture_within_the_limit_is_printed(tmp_path: Path):
    root = copy_project(REPO, tmp_path / "project")
    config = root / "iombrochure.toml"
    config.write_text(config.read_text() + "\n[build]\nmax_image_pixels = 10_000\n")
    (root / "images").mkdir(exist_ok=True)
    (root / "images" / "p.png").write_bytes(png(100, 100))
    edit(
        root,
        TEMPLATE,
        "<h1>",
        '<img src="images/p.png" alt="A test picture" style="position: absolute; width: 1cm"><h1>',
    )
    result = run_cli(
        "build",
        *ONE_EDITION,
        "--strict",
        "--project",
        str(root),
    )
    assert result.returncode == 0, result.stderr
    pages = pypdf.PdfReader(root / "dist" / "factsheet-en.pdf").pages
    assert len(pages[0].images) == 1  # (resampled for the screen: its size depends on the dpi)


def test_max_image_pixels_must_be_a_number(tmp_path: Path):
    root = copy_project(REPO, tmp_path / "project")
    config = root / "iombrochure.toml"
    config.write_text(config.read_text() + '\n[build]\nmax_image_pixels = "lots"\n')
    result = run_cli("check", "--project", str(root))
    assert result.returncode == 1
    line = len(config.read_text().splitlines())
    assert result.stdout.startswith(
        f"iombrochure.toml:{line}: error: [build] max_image_pixels must be a whole number"
    )
