"""Output variants (screen, print, archive), size budgets and byte-for-byte reproducibility.

The session's built project (tests/conftest.py) has the screen and print variants; one more
build of a copy elsewhere, in another process with another hash seed, adds the PDF/A archive
and must reproduce every PDF of the first byte for byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from conftest import REPO, copy_project, run_cli
from iombrochure.errors import ConfigError
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.jobs import resolve_variants
from iombrochure.pipeline.render import hb_subset_available
from iombrochure.pipeline.weight import heaviest_parts

DOCUMENTS = ("factsheet", "brochure")
LANGUAGES = ("en", "fa")


def build_in_process(root: Path, *args: str, hash_seed: str, fonttools: bool = False):
    """Start ``iombrochure build`` in a fresh process (optionally without hb-subset)."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    env.pop("SOURCE_DATE_EPOCH", None)  # the build must pin font time stamps by itself
    prelude = (
        # WeasyPrint subsets fonts with HarfBuzz when libharfbuzz-subset loaded, else with
        # fontTools: weasyprint.pdf.fonts checks its module-level harfbuzz_subset handle.
        "import weasyprint.pdf.fonts as fonts; fonts.harfbuzz_subset = None; " if fonttools else ""
    )
    command = ["build", *args, "--project", str(root)]
    code = f"{prelude}from iombrochure.cli import main; main({command!r})"
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> str:
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    return stderr


@pytest.fixture(scope="session")
def second_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The bundled project copied to another, deeper folder and built again, with the archive."""
    root = copy_project(REPO, tmp_path_factory.mktemp("again") / "elsewhere" / "project")
    stderr = finish(
        build_in_process(root, "--pdf-variant", "pdf/a-3b", "--no-preview", hash_seed="7")
    )
    return root, stderr


def test_variants_resolve_from_the_options():
    assert resolve_variants() == ["screen", "print"]
    assert resolve_variants("all") == ["screen", "print"]
    assert resolve_variants("print") == ["print"]
    assert resolve_variants("screen", "pdf/a-3b") == ["screen", "archive"]
    with pytest.raises(ConfigError, match="unknown PDF variant 'pdf/x-4'"):
        resolve_variants(None, "pdf/x-4")
    with pytest.raises(ConfigError, match="unknown variant 'archive'"):
        resolve_variants("archive")


def test_manifest_lists_the_variant_of_every_output(built_project: Path):
    manifest = json.loads((built_project / "dist" / "manifest.json").read_text())
    entries = {(o["document"], o["lang"], o["variant"]): o["path"] for o in manifest["outputs"]}
    expected = {}
    for doc in DOCUMENTS:
        for lang in LANGUAGES:
            expected[(doc, lang, "screen")] = f"{doc}-{lang}.pdf"
            expected[(doc, lang, "print")] = f"print/{doc}-{lang}.pdf"
    assert entries == expected


def test_screen_images_are_downsampled_and_print_keeps_full_resolution(built_project: Path):
    def cover(path: Path):
        (image,) = [p for p in heaviest_parts(path.read_bytes()) if p.kind == "image"]
        return image

    screen = cover(built_project / "dist" / "brochure-en.pdf")
    printed = cover(built_project / "dist" / "print" / "brochure-en.pdf")
    assert printed.detail.startswith("1500×1400 px")  # images/cover.jpg as committed
    width = int(screen.detail.split("×")[0])
    # The picture covers a 100 mm square, so 1500 x 1400 px is drawn 107 mm wide:
    # 150 dpi gives about 632 px.
    assert 107 / 25.4 * 140 < width < 107 / 25.4 * 160
    assert screen.bytes < printed.bytes / 2


def test_screen_pdfs_keep_within_their_size_budgets(built_project: Path):
    project = load_project(built_project)
    for doc in DOCUMENTS:
        budget = project.documents[doc].screen_budget_kb
        assert budget, f"{doc} has no screen_budget_kb"
        for lang in LANGUAGES:
            size = (built_project / "dist" / f"{doc}-{lang}.pdf").stat().st_size
            assert size <= budget * 1024, (doc, lang, size)


def test_over_the_screen_budget_warns_with_the_heaviest_parts(scratch_project: Path):
    config = scratch_project / "iombrochure.toml"
    config.write_text(config.read_text().replace("screen_budget_kb = 600", "screen_budget_kb = 20"))
    result = run_cli(
        "build",
        *("--doc", "brochure", "--lang", "en", "--variant", "screen", "--no-preview"),
        *("--project", str(scratch_project)),
    )
    assert result.returncode == 0, result.stderr
    assert "warning: brochure (en, screen):" in result.stderr
    assert "over its screen budget of 20 KB; heaviest parts: image " in result.stderr
    assert "px JPEG" in result.stderr and "font Source-Sans-3" in result.stderr
    dist = scratch_project / "dist"
    assert (dist / "brochure-en.pdf").is_file()
    assert not (dist / "print").exists() and not (dist / "preview").exists()


def test_archive_variant_is_tagged_pdf_a(second_build: tuple[Path, str]):
    root, _ = second_build
    manifest = json.loads((root / "dist" / "manifest.json").read_text())
    archived = {
        (o["document"], o["lang"]) for o in manifest["outputs"] if o["variant"] == "archive"
    }
    assert archived == {(doc, lang) for doc in DOCUMENTS for lang in LANGUAGES}
    for lang in LANGUAGES:
        reader = pypdf.PdfReader(root / "dist" / "archive" / f"brochure-{lang}.pdf")
        catalog = reader.trailer["/Root"]
        xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
        assert "/OutputIntents" in catalog
        assert "/StructTreeRoot" in catalog
        assert catalog["/Lang"] == lang
        assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True


def test_same_inputs_give_the_same_bytes_anywhere(
    built_project: Path, second_build: tuple[Path, str]
):
    """With hb-subset (the library is installed here): another folder, another process,
    another hash seed, the same PDFs."""
    root, stderr = second_build
    if not hb_subset_available():
        pytest.skip("libharfbuzz-subset0 is not installed")
    assert "Using fontTools" not in stderr
    compared = 0
    for doc in DOCUMENTS:
        for lang in LANGUAGES:
            for folder in ("", "print/"):
                name = f"{folder}{doc}-{lang}.pdf"
                first = (built_project / "dist" / name).read_bytes()
                assert first == (root / "dist" / name).read_bytes(), name
                compared += 1
    assert compared == 8


def test_same_bytes_with_the_fonttools_fallback(tmp_path: Path):
    """Without hb-subset WeasyPrint subsets fonts with fontTools, which stamps the time into
    each font unless SOURCE_DATE_EPOCH is set: the build sets it from the edition date."""
    roots = [copy_project(REPO, tmp_path / name / "project") for name in ("one", "two")]
    args = ("--doc", "brochure", "--lang", "fa", "--variant", "screen", "--no-preview")
    processes = [
        build_in_process(root, *args, hash_seed=seed, fonttools=True)
        for root, seed in zip(roots, ("1", "2"), strict=True)
    ]
    stderrs = [finish(process) for process in processes]
    assert all("Using fontTools instead of HarfBuzz-Subset" in err for err in stderrs)
    first, second = (root / "dist" / "brochure-fa.pdf" for root in roots)
    assert first.read_bytes() == second.read_bytes()
