"""End to end: build both editions and read the PDFs as a reader's software would."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from conftest import FIXTURES, REPO, copy_project, pdf_text, run_cli

LATIN_DIGIT = re.compile(r"[0-9]")


def embedded_fonts(path: Path) -> set[str]:
    reader = pypdf.PdfReader(path)
    names: set[str] = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_both_editions_and_the_manifest(built_project: Path):
    dist = built_project / "dist"
    manifest = json.loads((dist / "manifest.json").read_text())
    entries = {(o["document"], o["lang"], o["variant"]): o for o in manifest["outputs"]}
    for lang in ("en", "fa"):
        entry = entries[("factsheet", lang, "screen")]
        pdf = dist / entry["path"]
        assert entry["path"] == f"factsheet-{lang}.pdf"
        assert pdf.stat().st_size == entry["bytes"]
        assert 1 <= entry["pages"] <= 2
        assert len(pypdf.PdfReader(pdf).pages) == entry["pages"]
        assert len(entry["sha256"]) == 64


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_metadata_comes_from_config_and_content(built_project: Path, lang: str):
    reader = pypdf.PdfReader(built_project / "dist" / f"factsheet-{lang}.pdf")
    info = reader.metadata
    # The Persian title names the organization in full: no title opens with the Latin IOM.
    assert info.title and ("IOM" if lang == "en" else "سازمان بین‌المللی مهاجرت") in info.title
    assert info.author.startswith(
        "International Organization for Migration" if lang == "en" else "سازمان بین‌المللی مهاجرت"
    )
    assert "\u2066" not in info.title
    assert info.subject
    assert "IOM" in (info.get("/Keywords") or "")
    assert str(info.get("/CreationDate")).startswith("D:20261128")
    assert reader.trailer["/Root"]["/Lang"] == lang


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_every_font_is_a_bundled_one(built_project: Path, lang: str):
    fonts = embedded_fonts(built_project / "dist" / f"factsheet-{lang}.pdf")
    bundled_names = {"Source-Sans-3", "Vazirmatn"}
    assert fonts, "no fonts embedded"
    for name in fonts:
        assert any(name.startswith(family) for family in bundled_names), name
    if lang == "fa":
        assert any(name.startswith("Vazirmatn") for name in fonts)


def test_emitted_html_renders_to_the_same_pages_with_plain_weasyprint(
    built_project: Path, tmp_path: Path
):
    html = built_project / "dist" / "html" / "factsheet-fa.html"
    assert 'dir="rtl"' in html.read_text()
    weasyprint = shutil.which("weasyprint")
    if weasyprint is None:
        pytest.skip("the weasyprint command is not on PATH")
    out = tmp_path / "plain.pdf"
    subprocess.run([weasyprint, str(html), str(out)], check=True, capture_output=True, timeout=120)
    built = pypdf.PdfReader(built_project / "dist" / "factsheet-fa.pdf")
    plain = pypdf.PdfReader(out)
    assert len(plain.pages) == len(built.pages)
    # The same pages, pixel for pixel. (Not the same text layer: the build's keeps the ZWNJ and
    # the lam-alef that plain WeasyPrint loses; see docs/accessibility.md.)
    import pypdfium2

    def bitmaps(path: Path) -> list[bytes]:
        return [page.render(scale=1).to_pil().tobytes() for page in pypdfium2.PdfDocument(path)]

    assert bitmaps(out) == bitmaps(built_project / "dist" / "factsheet-fa.pdf")


def test_intermediate_html_is_mirrored_and_isolated(built_project: Path):
    html = (built_project / "dist" / "html" / "factsheet-fa.html").read_text()
    assert '<html lang="fa" dir="rtl"' in html
    assert "\u2066iomtehran@iom.int\u2069" in html
    assert "\u2066IOM\u2069" in html
    assert "counter(page, persian)" in html
    assert 'href="tel:+982188043377"' in html


def test_a_failed_build_leaves_previous_outputs_untouched(scratch_project: Path):
    assert run_cli("build", "--lang", "en", "--project", str(scratch_project)).returncode == 0
    dist = scratch_project / "dist"
    before = {p.name: p.read_bytes() for p in dist.iterdir() if p.is_file()}
    data = scratch_project / "content" / "en" / "factsheet.yaml"
    data.write_text(data.read_text() + "\nlede: [broken\n")
    result = run_cli("build", "--project", str(scratch_project))
    assert result.returncode == 1
    after = {p.name: p.read_bytes() for p in dist.iterdir() if p.is_file()}
    assert after == before
    assert not [p for p in dist.iterdir() if p.name.endswith(".tmp")]


def test_over_the_page_budget_is_an_error_not_a_clip(scratch_project: Path):
    data = scratch_project / "content" / "en" / "iom.yaml"
    text = data.read_text()
    long = "A sentence that goes on. " * 400
    data.write_text(text.replace("un_note: >-\n", f"un_note: >-\n  {long}\n", 1))
    result = run_cli("build", "--lang", "en", "--project", str(scratch_project))
    assert result.returncode == 1
    assert "factsheet (en, screen) runs to" in result.stderr
    assert "over its budget of 2" in result.stderr
    assert not (scratch_project / "dist" / "factsheet-en.pdf").exists()


def test_a_third_language_is_data_not_code(tmp_path: Path):
    root = copy_project(FIXTURES / "trilingual", tmp_path / "tri")
    shutil.copytree(REPO / "fonts", root / "fonts")
    shutil.copy2(REPO / "styles" / "fonts.css", root / "styles" / "fonts.css")
    result = run_cli("build", "--project", str(root), "--emit-html")
    assert result.returncode == 0, result.stderr
    html_ar = (root / "dist" / "html" / "note-ar.html").read_text()
    assert 'dir="rtl"' in html_ar and 'lang="ar"' in html_ar
    assert "counter(page, arabic-indic)" in html_ar
    text_ar = pdf_text(root / "dist" / "note-ar.pdf")
    assert "١٩٥١" in text_ar and "٣٧٠٬٠٠٠" in text_ar and "الصفحة" in text_ar
    text_fa = pdf_text(root / "dist" / "note-fa.pdf")
    assert "۱۹۵۱" in text_fa and "فروردین ۱۴۰۵" in text_fa
    manifest = json.loads((root / "dist" / "manifest.json").read_text())
    screen = [o["lang"] for o in manifest["outputs"] if o["variant"] == "screen"]
    assert sorted(screen) == ["ar", "en", "fa"]
    assert {o["variant"] for o in manifest["outputs"]} == {"screen", "print"}


def test_a_forced_build_templates_each_edition_once_and_renders_that_html(
    scratch_project: Path, monkeypatch: pytest.MonkeyPatch
):
    """check's pass fills each edition's template; the build renders that very HTML."""
    from iombrochure.pipeline import templating
    from iombrochure.pipeline.build import build
    from iombrochure.pipeline.config import load_project
    from iombrochure.pipeline.render import Renderer

    filled: list[tuple[str, str, str]] = []
    fill = templating.render_edition

    def counting(project, content, document, lang, **options):
        filled.append((document.name, lang, options.get("variant", "screen")))
        return fill(project, content, document, lang, **options)

    rendered: list[str] = []
    render = Renderer.render

    def recording(self, html_text, **options):
        rendered.append(html_text)
        return render(self, html_text, **options)

    monkeypatch.setattr(templating, "render_edition", counting)
    monkeypatch.setattr(Renderer, "render", recording)
    project = load_project(scratch_project)
    result = build(project, force=True, jobs=1, variant="screen", preview=False, emit_html=True)
    editions = [(doc, lang, "screen") for doc in ("factsheet", "brochure") for lang in ("en", "fa")]
    assert sorted(filled) == sorted(editions)
    assert len(result.outputs) == 4
    html_dir = scratch_project / "dist" / "html"
    assert sorted(rendered) == sorted(p.read_text() for p in html_dir.glob("*.html"))

    # A Persian edit: only the Persian fact sheet is checked, templated and rendered again.
    filled.clear()
    content = scratch_project / "content" / "fa" / "factsheet.yaml"
    content.write_text(content.read_text().replace("lede: >-\n  ", "lede: >-\n  همکاران ", 1))
    result = build(load_project(scratch_project), jobs=1, variant="screen", preview=False)
    assert filled == [("factsheet", "fa", "screen")]
    assert [(o.document, o.lang) for o in result.outputs] == [("factsheet", "fa")]
    assert "همکاران" in pdf_text(scratch_project / "dist" / "factsheet-fa.pdf")


class _FakePool:
    """Stands in for RenderPool: renders "in a worker" on a thread, failing where told."""

    def __init__(self, failing: set[str]) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.workers = 1  # failing: languages
        self.renders_here = True
        self.failing = failing
        self.started: list[str] = []
        self._executor = ThreadPoolExecutor(1)

    def submit(self, render_args: dict, thumbnail_dpi: object) -> object:
        label = render_args["label"]
        self.started.append(label)

        def render() -> tuple[str, None]:
            if label.split("(")[1].split(",")[0] in self.failing:
                raise RuntimeError(f"{label} failed in a worker")
            return label, None

        return self._executor.submit(render)

    def result(self, future: object) -> object:
        return future.result()


class _FakeHere:
    """Stands in for the build process's own renderer."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.started: list[str] = []

    def render(self, job: object) -> object:
        self.started.append(job.label)
        if job.lang in self.failing:
            raise RuntimeError(f"{job.label} failed here")
        return lambda: (job.label, None)

    def arrived(self, job: object, pages: object) -> None:
        pass


def _shared(labels: list[str], failing: set[str]) -> tuple[dict, dict, list[str]]:
    from types import SimpleNamespace

    from iombrochure.pipeline.build import _share_with_pool
    from iombrochure.pipeline.jobs import Job

    jobs = [Job("leaflet", lang) for lang in labels]
    # heaviest first: the HTML of the first job is the longest
    build = SimpleNamespace(
        prepared={
            job: SimpleNamespace(render_args={"label": job.label, "html_text": "x" * (10 - i)})
            for i, job in enumerate(jobs)
        }
    )
    pool, here = _FakePool(failing), _FakeHere(failing)
    outcomes: dict = {}
    failures: dict = {}
    _share_with_pool(build, jobs, pool, here, None, outcomes, failures)
    return (
        {job.lang: outcome()[0] for job, outcome in outcomes.items() if job not in failures},
        {job.lang: str(error) for job, error in failures.items()},
        [label.split("(")[1].split(",")[0] for label in pool.started + here.started],
    )


def test_the_build_process_and_its_workers_share_the_editions():
    done, failures, started = _shared(["a", "b", "c", "d", "e"], set())
    assert failures == {} and sorted(done) == list("abcde")
    assert sorted(started) == list("abcde")  # each edition rendered once, here or in the pool


def test_after_a_failure_no_later_edition_starts_and_earlier_ones_finish():
    done, failures, started = _shared(["a", "b", "c", "d", "e"], {"b", "d"})
    # Later editions may be skipped once b has failed, but b itself and everything before it
    # always render: so the first failure in plan order is the one the build reports.
    assert min(failures) == "b" and "a" in done
    assert sorted([*done, *failures]) == sorted(started)  # whatever started, finished
