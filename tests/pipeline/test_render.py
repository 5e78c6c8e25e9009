"""Render stage: only project files are read, and bundled fonts must cover the text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import REPO, run_cli, run_python
from iombrochure.errors import FetchRefused
from iombrochure.pipeline.render import safe_resource_path, uncovered_characters


def test_files_inside_the_project_are_served(tmp_path: Path):
    inside = tmp_path / "images" / "a.png"
    assert safe_resource_path(inside.as_uri(), tmp_path) == inside.resolve()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:8000/x.png",
        "https://www.iom.int/logo.png",
        "ftp://example.org/x",
    ],
)
def test_everything_else_is_refused(url: str, tmp_path: Path):
    with pytest.raises(FetchRefused):
        safe_resource_path(url, tmp_path)


def test_dot_dot_cannot_leave_the_project(tmp_path: Path):
    sneaky = (tmp_path / "images" / ".." / ".." / "outside.png").as_posix()
    with pytest.raises(FetchRefused, match="outside the project"):
        safe_resource_path("file://" + sneaky, tmp_path)


def test_characters_no_bundled_font_has_are_found():
    html = "<p>IOM سازمان بین‌المللی \u2066IOM\u2069 中文</p><style>x{content:'漢'}</style>"
    assert uncovered_characters(html, REPO / "fonts") == ["中", "文"]


def test_a_character_outside_the_bundled_fonts_is_a_build_warning(scratch_project: Path):
    path = scratch_project / "content" / "en" / "factsheet.yaml"
    path.write_text(path.read_text().replace("title: IOM in", "title: 国际 IOM in"))
    result = run_cli("build", "--lang", "en", "--project", str(scratch_project))
    assert result.returncode == 0, result.stderr
    assert "title: no bundled font has '国'" in result.stderr
    assert result.stderr.count("no bundled font has '国'") == 1  # once, not once per edition
    # Never drawn with a font of the machine: a bundled font draws □ in its place.
    import pypdf

    pdf = pypdf.PdfReader(scratch_project / "dist" / "factsheet-en.pdf")
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
        for page in pdf.pages
        for font in page["/Resources"].get_object().get("/Font", {}).values()
    }
    assert fonts and all(name.startswith(("Source", "Vazirmatn", "Noto")) for name in fonts), fonts
    assert "□" in pdf.pages[0].extract_text()
    strict = run_cli("build", "--lang", "en", "--strict", "--project", str(scratch_project))
    assert strict.returncode == 1
    assert "--strict" in strict.stderr and "Traceback" not in strict.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the lookup is Linux's")
def test_weasyprint_is_imported_without_asking_gcc_or_ld(tmp_path: Path):
    """The libraries come from ldconfig's cache and the loader: no compiler runs per name."""
    script = (
        "import ctypes.util\n"
        "calls = []\n"
        "for name in ('_findLib_gcc', '_findLib_ld'):\n"
        "    real = getattr(ctypes.util, name)\n"
        "    def spy(*args, real=real, name=name):\n"
        "        calls.append(name)\n"
        "        return real(*args)\n"
        "    setattr(ctypes.util, name, spy)\n"
        "usual = ctypes.util.find_library\n"
        "from iombrochure.pipeline.render import import_weasyprint\n"
        "import_weasyprint()\n"
        "import weasyprint.text.ffi\n"
        "loaded = weasyprint.text.ffi.pango is not None\n"
        "print(len(calls), ctypes.util.find_library is usual, loaded)\n"
    )
    assert run_python(script, cwd=tmp_path).split() == ["0", "True", "True"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the lookup is Linux's")
def test_a_library_only_the_usual_search_finds_is_found_quietly(tmp_path: Path):
    """If the quick import fails, the usual one runs, and the failed one printed nothing."""
    stand_in = tmp_path / "stand_in" / "weasyprint"
    stand_in.mkdir(parents=True)
    (stand_in / "__init__.py").write_text(
        "import ctypes.util\n"
        "if ctypes.util.find_library is ctypes.util._findSoname_ldconfig:\n"
        "    print('WeasyPrint could not import some external libraries')\n"
        "    raise OSError('cannot load library libpango')\n"
        "LOOKUP = ctypes.util.find_library.__name__\n",
        encoding="utf-8",
    )
    script = (
        "from iombrochure.pipeline.render import import_weasyprint\n"
        "import_weasyprint()\n"
        "import weasyprint\n"
        "print(weasyprint.LOOKUP)\n"
    )
    output = run_python(script, first_on_path=(str(stand_in.parent),), cwd=tmp_path)
    assert output == "find_library\n"
