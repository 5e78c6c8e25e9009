"""Only the project's bundled fonts draw a PDF, whatever the machine and the user have installed.

The build runs in a real subprocess under strace, with a home folder that holds a font of its
own: no file below the system's or the home's font folders may be opened, and the PDF's
embedded fonts must all be bundled ones, also for ``<code>`` (WeasyPrint sets it in
``monospace``), for a CSS generic family and for a family the project does not have.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ONE_EDITION, REPO, _python_path, copy_project

#: Where fontconfig finds the machine's and the user's fonts, and its caches of them.
SYSTEM_FONT_PLACES = ("/usr/share/fonts", "/usr/local/share/fonts", "/var/cache/fontconfig")
HOME_FONT_PLACES = (".fonts", ".local/share/fonts", ".cache/fontconfig")
SYSTEM_MONOSPACE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
BUNDLED_FAMILIES = ("Source-Sans-3", "Vazirmatn", "Noto-Naskh-Arabic", "Noto-Sans-Symbols-2")


def embedded_font_names(pdf: Path) -> set[str]:
    """The base names of every font the PDF embeds, without their subset prefix."""
    names = set()
    for page in PdfReader(pdf).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            name = str(font.get_object()["/BaseFont"]).lstrip("/")
            names.add(re.sub(r"^[A-Z]{6}\+", "", name))
    return names


@pytest.fixture
def tempting_project(tmp_path: Path) -> Path:
    """The bundled project with inline code, a generic family and a family it lacks."""
    root = copy_project(REPO, tmp_path / "project")
    lede = root / "content" / "en" / "factsheet.yaml"
    text = lede.read_text(encoding="utf-8")
    lede.write_text(text.replace("human trafficking.", "`human trafficking`.", 1), "utf-8")
    sheet = root / "styles" / "factsheet.css"
    sheet.write_text(
        sheet.read_text(encoding="utf-8")
        + "\nh1 { font-family: serif; }\nh2 { font-family: 'DejaVu Sans Mono', cursive; }\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture
def home_with_a_font(tmp_path: Path) -> Path:
    """A home folder whose user installed a font the project names but does not bundle."""
    home = tmp_path / "home"
    fonts = home / ".local" / "share" / "fonts"
    fonts.mkdir(parents=True)
    if SYSTEM_MONOSPACE.is_file():
        shutil.copy2(SYSTEM_MONOSPACE, fonts / SYSTEM_MONOSPACE.name)
    return home


def build_under_strace(root: Path, home: Path, trace: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(home),
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), *_python_path()]),
    }
    env.pop("FONTCONFIG_FILE", None)
    command = [sys.executable, "-m", "iombrochure", "build", *ONE_EDITION, "--emit-html"]
    return subprocess.run(
        [
            "strace", "-f", "-qq", "-o", str(trace),
            "-e", "trace=open,openat,stat,newfstatat,statx,access",
            *command, "--project", str(root),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed here")
def test_a_build_opens_no_font_of_the_machine_or_the_home(
    tempting_project: Path, home_with_a_font: Path, tmp_path: Path
):
    trace = tmp_path / "trace.txt"
    result = build_under_strace(tempting_project, home_with_a_font, trace)
    assert result.returncode == 0, result.stderr
    html = (tempting_project / "dist" / "html" / "factsheet-en.html").read_text("utf-8")
    assert "<code>human trafficking</code>" in html

    calls = trace.read_text(encoding="utf-8").splitlines()
    # The trace sees fontconfig at work: it read the build's own configuration and fonts.
    assert any("iombrochure-fontconfig-" in call and "fonts.conf" in call for call in calls)
    assert any(str(tempting_project / "fonts") in call for call in calls)
    places = [*SYSTEM_FONT_PLACES, *(str(home_with_a_font / place) for place in HOME_FONT_PLACES)]
    touched = [
        call
        for call in calls
        if any(f'"{place}"' in call or f'"{place}/' in call for place in places)
    ]
    assert touched == []

    names = embedded_font_names(tempting_project / "dist" / "factsheet-en.pdf")
    assert names, "the PDF embeds no font at all"
    assert all(name.startswith(BUNDLED_FAMILIES) for name in names), names


def test_the_fontconfig_file_names_the_fonts_folder_alone(tmp_path: Path):
    from iombrochure.pipeline.render import GENERIC_FAMILIES, fontconfig_text

    text = fontconfig_text(REPO / "fonts", tmp_path / "cache")
    assert re.findall(r"<dir>(.*?)</dir>", text) == [str((REPO / "fonts").resolve())]
    assert "<include" not in text
    for generic in ("monospace", "serif", "sans-serif", "cursive", "system-ui"):
        assert generic in GENERIC_FAMILIES
        assert f"<family>{generic}</family><prefer><family>Source Sans 3</family>" in text
