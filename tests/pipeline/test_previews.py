"""Proofs: PNG thumbnails of every page, and the side-by-side proof sheet of each document."""

from __future__ import annotations

import errno
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops

from conftest import run_cli
from iombrochure.errors import OutputError
from iombrochure.pipeline import outputs
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.outputs import read_manifest
from iombrochure.pipeline.previews import THUMBNAIL_DPI, page_pngs, write_previews


def page_sizes(pdf: Path) -> list[tuple[int, int]]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            (round(w * THUMBNAIL_DPI / 72), round(h * THUMBNAIL_DPI / 72))
            for w, h in (page.get_size() for page in document)
        ]
    finally:
        document.close()


def test_every_page_of_every_output_has_a_thumbnail(built_project: Path):
    dist = built_project / "dist"
    outputs = json.loads((dist / "manifest.json").read_text())["outputs"]
    assert len(outputs) == 8
    for output in outputs:
        relative = Path(output["path"])
        for number, size in enumerate(page_sizes(dist / relative), start=1):
            png = dist / "preview" / relative.parent / f"{relative.stem}-{number}.png"
            with Image.open(png) as image:
                assert abs(image.width - size[0]) <= 1 and abs(image.height - size[1]) <= 1, png
        extra = dist / "preview" / relative.parent / f"{relative.stem}-{output['pages'] + 1}.png"
        assert not extra.exists()


def find(sheet: Image.Image, tile: Image.Image) -> tuple[int, int] | None:
    """Where ``tile`` is pasted, pixel for pixel, in ``sheet`` (both RGB)."""
    first_row = tile.crop((0, 0, tile.width, 1)).tobytes()
    for y in range(sheet.height - tile.height + 1):
        row = sheet.crop((0, y, sheet.width, y + 1)).tobytes()
        start = row.find(first_row)
        while start != -1:
            x = start // 3
            if start % 3 == 0 and x + tile.width <= sheet.width:
                box = (x, y, x + tile.width, y + tile.height)
                if ImageChops.difference(sheet.crop(box), tile).getbbox() is None:
                    return x, y
            start = row.find(first_row, start + 1)
    return None


def test_the_proof_sheet_shows_english_and_persian_side_by_side(built_project: Path):
    preview = built_project / "dist" / "preview"
    with Image.open(preview / "brochure-proof.png") as opened:
        sheet = opened.convert("RGB")
    places = {}
    for lang in ("en", "fa"):
        for page in (1, 2):
            with Image.open(preview / f"brochure-{lang}-{page}.png") as opened:
                tile = opened.convert("RGB")
            places[(lang, page)] = find(sheet, tile)
            assert places[(lang, page)] is not None, (lang, page)
    (en1x, en1y), (fa1x, fa1y) = places[("en", 1)], places[("fa", 1)]
    (en2x, en2y), (fa2x, fa2y) = places[("en", 2)], places[("fa", 2)]
    assert en1x == en2x < fa1x == fa2x  # English on the left, Persian on the right
    assert en1y == fa1y < en2y == fa2y  # page 1 above page 2


def test_preview_command_redoes_the_previews_of_the_last_build(built_project: Path):
    proof = built_project / "dist" / "preview" / "factsheet-proof.png"
    before = proof.read_bytes()
    proof.unlink()
    result = run_cli("preview", "--project", str(built_project))
    assert result.returncode == 0, result.stderr
    assert "factsheet-proof.png" in result.stdout
    assert proof.read_bytes() == before  # the same pixels, the same PNG


def test_preview_without_a_build_says_what_to_do(scratch_project: Path):
    result = run_cli("preview", "--project", str(scratch_project))
    assert result.returncode == 1
    assert "nothing to preview" in result.stderr and "run iombrochure build first" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_proof_sheet_is_remade_only_when_one_of_its_editions_changed(
    built_project: Path, tmp_path: Path
):
    """Pages made from a PDF's bytes (as a worker makes them) are the pages of its file, and a
    print edition's pages leave the proof sheet (which shows the screen editions) alone."""
    dist = tmp_path / "dist"
    shutil.copytree(built_project / "dist", dist)
    project = load_project(built_project)
    outputs = {(o.document, o.lang, o.variant): o for o in read_manifest(dist)}
    proof = dist / "preview" / "factsheet-proof.png"
    proof.write_bytes(b"not remade")

    printed = outputs[("factsheet", "fa", "print")]
    pngs = page_pngs((dist / printed.path).read_bytes(), press=project.print)  # soft proof
    page_one = dist / "preview" / "print" / "factsheet-fa-1.png"
    assert pngs[0] == page_one.read_bytes()  # the same pixels, the same PNG
    written = write_previews(project, dist, {printed: pngs})
    assert proof not in written and proof.read_bytes() == b"not remade"

    screen = outputs[("factsheet", "fa", "screen")]
    written = write_previews(project, dist, {screen: page_pngs((dist / screen.path).read_bytes())})
    assert proof in written
    assert (
        proof.read_bytes()
        == (built_project / "dist" / "preview" / "factsheet-proof.png").read_bytes()
    )
    brochure = dist / "preview" / "brochure-proof.png"
    assert (
        brochure.read_bytes() == (built_project / "dist" / "preview" / brochure.name).read_bytes()
    )
    assert brochure.stat().st_mtime_ns < proof.stat().st_mtime_ns  # not written again


def test_sheets_composed_while_rendering_match_in_one_process_and_in_workers(
    built_project: Path, tmp_path: Path
):
    """A build composes each proof sheet as soon as its editions are rendered: in a thread of
    the build process (--jobs 1) or in the build process while workers render (--jobs 2). Both
    give the sheet the preview command makes from the files."""
    copy = tmp_path / "project"
    shutil.copytree(built_project, copy)
    expected = {
        name: (built_project / "dist" / "preview" / name).read_bytes()
        for name in ("factsheet-proof.png", "brochure-proof.png")
    }
    for jobs in ("1", "2"):
        for sheet in expected:
            (copy / "dist" / "preview" / sheet).unlink()
        result = run_cli(
            "build", "--force", "--variant", "screen", "--jobs", jobs, "--project", str(copy)
        )
        assert result.returncode == 0, result.stderr
        for sheet, png in expected.items():
            assert (copy / "dist" / "preview" / sheet).read_bytes() == png, (jobs, sheet)


def folder_tree(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (None) under ``folder``."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() if path.is_file() else None
        for path in sorted(folder.rglob("*"))
    }


def test_a_full_disk_or_ctrl_c_at_any_step_of_writing_previews_changes_none_of_them(
    built_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The page PNGs, the proof sheet and the removal of a page the edition no longer has are
    one commit: stopped at any of its steps, every preview is as it was, and nothing is left."""
    project = load_project(built_project)
    dist = tmp_path / "dist"
    shutil.copytree(built_project / "dist", dist)
    key = ("factsheet", "en", "screen")
    english = next(o for o in read_manifest(dist) if (o.document, o.lang, o.variant) == key)
    one_page = {english: page_pngs((dist / english.path).read_bytes())[:1]}  # page 2 goes
    steps: list[str] = []
    monkeypatch.setattr(outputs, "fault_hook", lambda step, path: steps.append(step))
    rehearsal = tmp_path / "rehearsal"
    shutil.copytree(dist, rehearsal)
    write_previews(project, rehearsal, one_page)
    assert {"stage", "journal", "backup", "rename", "finish"} <= set(steps)

    before = folder_tree(dist)
    for index, step in enumerate(steps):
        for error in (OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()):
            monkeypatch.setattr(outputs, "fault_hook", failing_at(index, error))
            expected = OutputError if isinstance(error, OSError) else KeyboardInterrupt
            with pytest.raises(expected):
                write_previews(project, dist, one_page)
            assert folder_tree(dist) == before, f"{type(error).__name__} before {step}"
    monkeypatch.setattr(outputs, "fault_hook", None)
    written = write_previews(project, dist, one_page)
    page = dist / "preview" / "factsheet-en-1.png"
    proof = dist / "preview" / "factsheet-proof.png"
    assert written == [page, proof]
    assert not (dist / "preview" / "factsheet-en-2.png").exists()
    assert proof.read_bytes() != before[f"preview/{proof.name}"]  # one page fewer on the sheet
    assert folder_tree(dist).keys() == before.keys() - {f"preview/{english.document}-en-2.png"}


def failing_at(index: int, error: BaseException) -> Callable[[str, Path], None]:
    """A fault hook that raises ``error`` at the index-th fault point a commit passes."""
    passed: list[str] = []

    def hook(step: str, path: Path) -> None:
        passed.append(step)
        if len(passed) == index + 1:
            raise error

    return hook
