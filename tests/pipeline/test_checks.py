"""iombrochure check: completeness, typography, stale translations, and build's use of it."""

from __future__ import annotations

import html.parser
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ONE_EDITION, REPO, copy_project, leaflet_project, pdf_text, run_cli
from iombrochure.pipeline.checks import po_syntax_problems, run_checks
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.safety import css_references, link_problem
from iombrochure.pipeline.translations import fingerprint, replace_block

ZWNJ = "\u200c"


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def line_number(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(lines_of(path), 1) if text in line)


def set_lede(path: Path, lede: str) -> None:
    """Replace the (folded) lede of a fact sheet content file, keeping the rest of the file."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index("lede: >-"), text.index("key_figures:")
    path.write_text(text[:start] + "lede: >-\n" + lede + "\n" + text[end:], encoding="utf-8")


# --- the bundled project --------------------------------------------------------------------


def test_bundled_project_is_clean():
    result = run_cli("check", "--project", str(REPO))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "en: source language, 97 fields",
        "fa: 97/97 fields translated, catalog 19/19, 0 stale",
        "0 errors, 0 warnings",
    ]
    assert result.stderr == ""


def test_json_lists_findings_with_path_line_severity_rule_and_the_summary(scratch_project: Path):
    fa = scratch_project / "content" / "fa" / "factsheet.yaml"
    fa.write_text(fa.read_text().replace("label: کشورهای عضو", "label: کشورهاي عضو"))
    result = run_cli("check", "--format", "json", "--project", str(scratch_project))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["errors"] == 1 and report["warnings"] == 0
    (finding,) = report["findings"]
    assert finding == {
        "path": "content/fa/factsheet.yaml",
        "line": line_number(fa, "کشورهاي عضو"),
        "severity": "error",
        "rule": "arabic-letter",
        "message": 'key_figures[1].label: Arabic letter "ي" (U+064A) in Persian text: '
        'use Persian "ی" (U+06CC)',
        "hint": "iombrochure check --fix corrects it",
    }
    assert report["summary"]["fa"] == {
        "lang": "fa",
        "source": False,
        "fields": 97,
        "translated": 97,
        "catalog_total": 19,
        "catalog_translated": 19,
        "stale": 0,
    }


def test_a_config_error_is_a_finding_too(scratch_project: Path):
    config = scratch_project / "iombrochure.toml"
    config.write_text(config.read_text().replace('digits = "persian"', 'digits = "farsi"'))
    result = run_cli("check", "--project", str(scratch_project))
    assert result.returncode == 1
    assert result.stdout.startswith("iombrochure.toml: error: [languages.fa] digits 'farsi'")
    report = json.loads(
        run_cli("check", "--format", "json", "--project", str(scratch_project)).stdout
    )
    assert [f["rule"] for f in report["findings"]] == ["config"]


def test_lang_narrows_the_check_and_unknown_languages_are_refused(scratch_project: Path):
    fa = scratch_project / "content" / "fa" / "factsheet.yaml"
    fa.write_text(fa.read_text().replace("label: کشورهای عضو", "label: کشورهاي عضو"))
    assert run_cli("check", "--lang", "en", "--project", str(scratch_project)).returncode == 0
    assert run_cli("check", "--lang", "fa", "--project", str(scratch_project)).returncode == 1
    result = run_cli("check", "--lang", "de", "--project", str(scratch_project))
    assert result.returncode == 1 and "unknown language 'de'" in result.stderr


# --- Persian typography and --fix -----------------------------------------------------------


def test_fix_turns_a_paragraph_typed_on_an_arabic_keyboard_into_persian(scratch_project: Path):
    path = scratch_project / "content" / "fa" / "factsheet.yaml"
    set_lede(
        path,
        "  سازمان بين المللي مهاجرت در سال 1951 تاسيس شد و امروز 175 كشور عضو دارد.\n"
        '  آيا مي دانيد؟ ما به مهاجران كمك مي كنيم, "همه باهم".\n',
    )
    before = lines_of(path)
    result = run_cli("check", "--project", str(scratch_project))
    assert result.returncode == 1
    assert 'content/fa/factsheet.yaml:14: error: lede: Latin digits "1951"' in result.stdout
    assert 'content/fa/factsheet.yaml:14: error: lede: Arabic letter "ك"' in result.stdout

    result = run_cli("check", "--fix", "--project", str(scratch_project))
    assert result.returncode == 0, result.stdout
    # (other files may be fixed too: the bundled content is not this test's subject)
    assert "fixed 1 value in content/fa/factsheet.yaml" in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1] == "0 errors, 0 warnings"
    after = lines_of(path)
    assert (
        after[13]
        == f"  سازمان بین{ZWNJ}المللی مهاجرت در سال ۱۹۵۱ تاسیس شد و امروز ۱۷۵ کشور عضو دارد."
    )
    assert after[14] == f"  آیا می{ZWNJ}دانید؟ ما به مهاجران کمک می{ZWNJ}کنیم، «همه باهم»."
    # Everything else, comments and the translation: block included, is byte for byte the same.
    assert after[:13] == before[:13] and after[15:] == before[15:]
    assert not list(path.parent.glob(".*.tmp"))


def test_fix_leaves_a_file_it_cannot_parse_untouched(scratch_project: Path):
    path = scratch_project / "content" / "fa" / "iom.yaml"
    broken = path.read_text().replace("  acronym: IOM", "  acronym: [IOM") + "x: كتاب 12\n"
    path.write_text(broken)
    data = path.read_bytes()
    result = run_cli("check", "--fix", "--project", str(scratch_project))
    assert result.returncode == 1
    assert "content/fa/iom.yaml:" in result.stdout and "invalid YAML" in result.stdout
    assert "fixed" not in result.stdout
    assert path.read_bytes() == data


def test_fix_leaves_aliases_alone_rather_than_expanding_them(scratch_project: Path):
    path = scratch_project / "content" / "fa" / "factsheet.yaml"
    path.write_text(
        path.read_text().replace("title: سازمان", "title: &t IOM كتاب\nsubject2: *t\nx: IOM")
    )
    data = path.read_bytes()
    result = run_cli("check", "--fix", "--project", str(scratch_project))
    assert result.returncode == 1 and "anchors and aliases" in result.stdout
    assert path.read_bytes() == data


def test_typography_rules_are_chosen_in_the_config(scratch_project: Path):
    fa = scratch_project / "content" / "fa" / "factsheet.yaml"
    fa.write_text(fa.read_text().replace("label: کشورهای عضو", "label: کشورهاي عضو"))
    assert run_cli("check", "--project", str(scratch_project)).returncode == 1
    config = scratch_project / "iombrochure.toml"
    config.write_text(config.read_text().replace('typography = "persian"', 'typography = "none"'))
    assert run_cli("check", "--project", str(scratch_project)).returncode == 0


def test_arabic_is_not_held_to_persian_spelling(tmp_path: Path):
    root = copy_project(FIXTURES / "trilingual", tmp_path / "tri")
    shutil.copytree(REPO / "fonts", root / "fonts")
    shutil.copy2(REPO / "styles" / "fonts.css", root / "styles" / "fonts.css")
    assert "ك" in (root / "content" / "ar" / "note.yaml").read_text()  # Arabic kaf: right in ar
    result = run_cli("check", "--project", str(root))
    assert result.returncode == 0, result.stdout
    assert "arabic" not in result.stdout.lower()
    assert "ar: 3/3 fields translated, catalog 2/2, fingerprints not recorded" in result.stdout


# --- stale translations ---------------------------------------------------------------------


def test_a_changed_source_makes_its_translation_stale_until_marked_current(scratch_project: Path):
    en = scratch_project / "content" / "en" / "iom.yaml"
    fa = scratch_project / "content" / "fa" / "iom.yaml"
    en.write_text(en.read_text().replace("    - Research\n", "    - Research and data\n"))
    result = run_cli("check", "--project", str(scratch_project))
    assert result.returncode == 0  # a warning
    fa_line = line_number(fa, "        - پژوهش")
    en_line = line_number(en, "Research and data")
    assert result.stdout.splitlines()[0] == (
        f"content/fa/iom.yaml:{fa_line}: warning: about.areas[4].topics[1] may be out of date: "
        f"its source text changed since it was translated (see content/en/iom.yaml:{en_line}) "
        "(update the translation, then run: iombrochure translations mark-current --lang fa "
        "--field about.areas[4].topics[1] content/fa/iom.yaml)"
    )
    assert "fa: 97/97 fields translated, catalog 19/19, 1 stale" in result.stdout
    assert run_cli("check", "--strict", "--project", str(scratch_project)).returncode == 1

    # check --fix never makes a translation look current.
    assert (
        "may be out of date" in run_cli("check", "--fix", "--project", str(scratch_project)).stdout
    )

    before = lines_of(fa)
    result = run_cli(
        "translations",
        "mark-current",
        "--field",
        "about.areas[4].topics[1]",
        "content/fa/iom.yaml",
        cwd=scratch_project,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "marked 1 field current in content/fa/iom.yaml\n"
    after = lines_of(fa)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert [after[i] for i in changed] == [
        f'    "about.areas[4].topics[1]": "{fingerprint("Research and data")}"'
    ]
    result = run_cli("check", "--strict", "--project", str(scratch_project))
    assert result.returncode == 0 and "0 stale" in result.stdout


def test_rewrapping_the_source_does_not_make_translations_stale(scratch_project: Path):
    en = scratch_project / "content" / "en" / "iom.yaml"
    en.write_text(
        en.read_text().replace(
            "intergovernmental organization\n    established",
            "intergovernmental\n    organization established",
        )
    )
    result = run_cli("check", "--strict", "--project", str(scratch_project))
    assert result.returncode == 0, result.stdout


def test_a_file_without_fingerprints_says_how_to_record_them(scratch_project: Path):
    fa = scratch_project / "content" / "fa" / "factsheet.yaml"
    text = fa.read_text()
    fa.write_text(text[: text.index("# Which source text")])
    result = run_cli("check", "--project", str(scratch_project))
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == (
        "content/fa/factsheet.yaml: warning: no translation: block records which source text was "
        "translated, so changes to the source cannot be noticed (after checking the translation, "
        "run: iombrochure translations mark-current --lang fa content/fa/factsheet.yaml)"
    )
    result = run_cli(
        "translations", "mark-current", "--lang", "fa", "--project", str(scratch_project)
    )
    assert result.returncode == 0
    assert fa.read_text().startswith(text[: text.index("# Which source text")])
    assert fa.read_text() == text  # the same block as the bundled one, recreated
    assert run_cli("check", "--strict", "--project", str(scratch_project)).returncode == 0


def test_mark_current_refuses_what_it_cannot_do(scratch_project: Path):
    def mark(*args: str) -> str:
        result = run_cli("translations", "mark-current", *args, "--project", str(scratch_project))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        return result.stderr

    assert "is the source language" in mark("--lang", "en")
    assert "did you mean 'lede'" in mark("--field", "led", "content/fa/factsheet.yaml")
    assert "--field marks fields of one file" in mark("--field", "lede")
    assert "not a content file of this project" in mark("iombrochure.toml")
    fa = scratch_project / "content" / "fa" / "iom.yaml"
    fa.write_text(fa.read_text().replace("  acronym: IOM", "  acronym: [IOM"))
    data = fa.read_bytes()
    assert "content/fa/iom.yaml:" in mark("content/fa/iom.yaml")
    assert fa.read_bytes() == data


def test_the_translation_block_is_replaced_in_place_or_appended():
    block = 'translation:\n  source: en\n  fingerprints:\n    "a": "1"\n'
    appended = replace_block("a: x\n", block)
    assert appended.startswith("a: x\n\n# Which source text") and appended.endswith(block)
    text = "a: x\ntranslation:\n  source: en\n  fingerprints: {}\n\n# after\nb: y\n"
    assert replace_block(text, block) == "a: x\n" + block + "\n# after\nb: y\n"


# --- build uses check -----------------------------------------------------------------------


def test_build_refuses_to_render_on_a_check_error(scratch_project: Path):
    fa = scratch_project / "content" / "fa" / "factsheet.yaml"
    fa.write_text(fa.read_text().replace("label: کشورهای عضو", "label: کشورهاي عضو"))
    result = run_cli("build", "--project", str(scratch_project))
    assert result.returncode == 1
    line = line_number(fa, "کشورهاي عضو")
    assert result.stderr.startswith(
        f"error: content/fa/factsheet.yaml:{line}: key_figures[1].label"
    )
    assert not (scratch_project / "dist").exists()


def test_build_strict_fails_on_check_warnings_and_plain_build_reports_them(scratch_project: Path):
    fa = scratch_project / "content" / "fa" / "factsheet.yaml"
    fa.write_text(fa.read_text().replace("label: کشورهای عضو", 'label: کشورهای "عضو" سازمان'))
    line = line_number(fa, 'کشورهای "عضو"')
    result = run_cli("build", "--strict", "--lang", "fa", "--project", str(scratch_project))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: content/fa/factsheet.yaml:{line}: --strict: warning: key_figures[1].label: "
        'Quotation marks "…" in Persian text: use Persian guillemets «…» '
        "(iombrochure check --fix corrects it)"
    ]
    assert not (scratch_project / "dist").exists()
    result = run_cli(
        "build",
        "--lang",
        "fa",
        "--doc",
        "factsheet",
        "--variant",
        "screen",
        "--no-preview",
        "--project",
        str(scratch_project),
    )
    assert result.returncode == 0, result.stderr
    assert f"warning: content/fa/factsheet.yaml:{line}: key_figures[1].label: Quotation" in (
        result.stderr
    )
    assert (scratch_project / "dist" / "factsheet-fa.pdf").is_file()


class _Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


def test_raw_html_in_prose_is_printed_as_text_never_as_elements(scratch_project: Path):
    en = scratch_project / "content" / "en" / "iom.yaml"
    en.write_text(
        en.read_text().replace(
            "with the Government.",
            'with the <script>alert(1)</script> <img src="file:///etc/passwd"> Government.',
        )
    )
    result = run_cli(
        "build",
        *ONE_EDITION,
        "--emit-html",
        "--project",
        str(scratch_project),
    )
    assert result.returncode == 0, result.stderr
    line = line_number(en, "  intro: >-")
    assert f"content/en/iom.yaml:{line}: iran.intro: HTML such as '<script>'" in result.stderr
    page = (scratch_project / "dist" / "html" / "factsheet-en.html").read_text()
    elements = _Elements()
    elements.feed(page)
    assert "script" not in elements.tags and "img" not in elements.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in page
    # The reader sees the tags as typed (line breaks may fall anywhere inside them).
    text = "".join(pdf_text(scratch_project / "dist" / "factsheet-en.pdf").split())
    assert 'withthe<script>alert(1)</script><imgsrc="file:///etc/passwd">Government.' in text


# --- file fields (PATH kind), with a schema that has a picture ------------------------------


@pytest.fixture
def picture_schema(scratch_project: Path):
    """The fact sheet with an optional cover picture, declared in content/fields.yaml."""
    path = scratch_project / "content" / "fields.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "  lede: prose\n", "  lede: prose\n  cover?:\n    image: file\n    alt: text\n"
        ),
        encoding="utf-8",
    )


def add_cover(root: Path, lang: str, image: str, alt: str | None) -> None:
    path = root / "content" / lang / "factsheet.yaml"
    cover = f"cover:\n  image: {image}\n" + (f"  alt: {alt}\n" if alt else "")
    path.write_text(path.read_text().replace("key_figures:", cover + "\nkey_figures:"))


def findings(root: Path) -> list[tuple[str, int | None, str, str]]:
    report = run_checks(load_project(root))
    return [(f.relative_path(root), f.line, f.rule, f.message) for f in report.findings]


def test_a_picture_field_needs_a_file_inside_the_project_and_alt_text(
    picture_schema, scratch_project: Path
):
    from PIL import Image

    (scratch_project / "images").mkdir(exist_ok=True)
    Image.new("RGB", (60, 40), "navy").save(scratch_project / "images" / "cover.png")
    add_cover(scratch_project, "en", "images/cover.png", "Staff at a border post")
    add_cover(scratch_project, "fa", "images/cover.png", "کارکنان در یک پاسگاه مرزی")
    path = scratch_project / "content" / "fa" / "factsheet.yaml"
    en = scratch_project / "content" / "en" / "factsheet.yaml"
    # Nothing wrong with the picture; its new alt text has no fingerprint yet (a warning).
    assert findings(scratch_project) == [
        (
            "content/fa/factsheet.yaml",
            line_number(path, "alt: کارکنان"),
            "stale-translation",
            "cover.alt: no fingerprint recorded for this translation, so a change to its source "
            f"(content/en/factsheet.yaml:{line_number(en, 'alt: ')}) would go unnoticed",
        )
    ]


@pytest.mark.parametrize(
    ("image", "alt", "rule", "message"),
    [
        ("images/missing.png", "x", "image-missing", "'images/missing.png' does not exist"),
        ("../../etc/passwd", "x", "image-outside", "it is outside the project folder"),
        ("/etc/passwd", "x", "image-outside", "is an absolute path"),
        ("https://example.org/x.png", "x", "image-outside", "is a web address"),
        ("images/cover.png", None, "image-alt", "the picture has no alt text"),
        ("images/big.png", "x", "image-too-large", "3000 x 2000 = 6,000,000 pixels"),
    ],
)
def test_bad_picture_fields(picture_schema, scratch_project: Path, image, alt, rule, message):
    from PIL import Image

    (scratch_project / "images").mkdir(exist_ok=True)
    Image.new("RGB", (60, 40), "navy").save(scratch_project / "images" / "cover.png")
    Image.new("1", (3000, 2000)).save(scratch_project / "images" / "big.png")
    config = scratch_project / "iombrochure.toml"
    config.write_text(config.read_text() + "\n[build]\nmax_image_pixels = 1_000_000\n")
    add_cover(scratch_project, "en", image, "A picture")
    add_cover(scratch_project, "fa", image, alt)
    path = scratch_project / "content" / "fa" / "factsheet.yaml"
    found = [f for f in findings(scratch_project) if f[2] != "stale-translation"]
    line = line_number(path, f"image: {image}")
    assert ("content/fa/factsheet.yaml", line, rule) in {(p, n, r) for p, n, r, _ in found}
    assert any(message in m for _, _, r, m in found if r == rule)


# --- helpers --------------------------------------------------------------------------------


def test_po_lines_babel_would_misread_are_found(tmp_path: Path):
    path = tmp_path / "messages.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Language: fa\\n"\n\n'
        '# a comment\nmsgid "Address"\nmsgstr "نشانی\n\n'
        'msgid Fax\nmsgstr "دورنگار"\n\n'
        'msgid "Tel"\nmsgstr "تلفن" extra\n\n'
        '#~ msgid "Old"\n#~ msgstr "قدیمی"\n'
    )
    assert po_syntax_problems(path) == [
        (7, "the text after msgstr is not one quoted string: '\"نشانی'"),
        (9, "the text after msgid is not one quoted string: 'Fax'"),
        (13, "the text after msgstr is not one quoted string: '\"تلفن\" extra'"),
    ]


def test_css_references_are_read_as_a_css_parser_reads_them():
    css = (
        '/* url("commented.png") */\n'
        'a { background: url("\\68 ttp://127.0.0.1/x.png") }\n'
        '@import url("more.css");\n'
        "b { src: url(../fonts/x.ttf) format('truetype') }\n"
    )
    assert [(r.url, r.where) for r in css_references(css)] == [
        ("http://127.0.0.1/x.png", "url()"),
        ("more.css", "@import"),
        ("../fonts/x.ttf", "url()"),
    ]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://www.iom.int", None),
        ("mailto:iomtehran@iom.int", None),
        ("tel:+982188043377", None),
        ("http://www.iom.int", "is not encrypted: write https://"),
        ("www.iom.int", "has no scheme: write https://www.iom.int"),
        ("javascript:alert(1)", "uses javascript:"),
        ("file:///etc/passwd", "uses file:"),
        ("data:text/html,<b>x</b>", "uses data:"),
        ("../secret.pdf", "is not a web, e-mail or phone link"),
    ],
)
def test_links_in_content(url: str, problem: str | None):
    found = link_problem(url)
    assert (found is None) if problem is None else (problem in found)


def test_check_renders_nothing_and_does_not_import_weasyprint():
    code = (
        "import sys; from click.testing import CliRunner; from iombrochure.cli import main;"
        f"r = CliRunner().invoke(main, ['check', '-q', '--project', {str(REPO)!r}]);"
        "assert r.exit_code == 0, r.output; print('weasyprint' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.strip() == "False", result.stderr


# -- the templates' messages, remembered between builds ----------------------------------------


@pytest.fixture
def messages_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user cache folder of the test's own, and nothing remembered in this process."""
    from iombrochure.pipeline import checks

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(checks, "_MESSAGES", {})
    return tmp_path / "cache" / "iombrochure" / "messages"


def extractions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the runs of Babel's extractor from now on, as in a new process."""
    from iombrochure.pipeline import checks

    monkeypatch.setattr(checks, "_MESSAGES", {})
    calls: list[int] = []
    extract = checks._extract_template_messages

    def counted(project):
        calls.append(1)
        return extract(project)

    monkeypatch.setattr(checks, "_extract_template_messages", counted)
    return calls


def test_template_messages_are_remembered_for_the_next_build(
    scratch_project: Path, messages_cache: Path, monkeypatch: pytest.MonkeyPatch
):
    from iombrochure.pipeline.checks import template_messages

    project = load_project(scratch_project)
    first = template_messages(project)
    assert "Contact" in first and first["Contact"][0].parent.name == "templates"
    calls = extractions(monkeypatch)
    assert template_messages(project) == first
    assert calls == []
    assert len(list(messages_cache.rglob("messages.json"))) == 1


def test_a_changed_template_is_read_again(
    scratch_project: Path, messages_cache: Path, monkeypatch: pytest.MonkeyPatch
):
    from iombrochure.pipeline.checks import template_messages

    project = load_project(scratch_project)
    template_messages(project)
    base = scratch_project / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8") + '{{ _("A new phrase") }}\n', "utf-8")
    calls = extractions(monkeypatch)
    assert template_messages(project)["A new phrase"] == (base, len(lines_of(base)))
    assert calls == [1]


def test_an_unreadable_remembered_list_is_made_again(
    scratch_project: Path, messages_cache: Path, monkeypatch: pytest.MonkeyPatch
):
    from iombrochure.pipeline.checks import template_messages

    project = load_project(scratch_project)
    first = template_messages(project)
    (stored,) = messages_cache.rglob("messages.json")
    for broken in ("{", '{"stamp": 1}', "[]"):
        stored.write_text(broken, encoding="utf-8")
        calls = extractions(monkeypatch)
        assert template_messages(project) == first
        assert calls == [1]
        assert json.loads(stored.read_text(encoding="utf-8"))["messages"]


def test_messages_are_found_when_the_cache_folder_cannot_be_made(
    scratch_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from iombrochure.pipeline import checks

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(checks, "_MESSAGES", {})
    assert "Contact" in checks.template_messages(load_project(scratch_project))


# --- money: a currency sign typed beside a placeholder ----------------------------------------


def test_a_sign_typed_beside_a_placeholder_is_a_warning_with_its_line_and_the_fix(
    tmp_path: Path,
):
    """The issue's «؋{figures.cash_grant}» prints "10,000؋" in English: check says where,
    and which money fact to write instead."""
    root = leaflet_project(tmp_path / "leaflet")
    data = root / "content" / "data.yaml"
    data.write_text(data.read_text("utf-8") + "figures:\n  cash_grant: 15000\n", "utf-8")
    english = root / "content" / "en" / "leaflet.yaml"
    persian = root / "content" / "fa" / "leaflet.yaml"
    for path, typed in ((english, "؋{figures.cash_grant}"), (persian, "{figures.cash_grant} ریال")):
        text = path.read_text("utf-8")
        path.write_text(text.replace("{money.cash_grant}", typed), "utf-8")
    found = [f for f in run_checks(load_project(root)).findings if f.rule == "money-sign"]
    assert [(f.path, f.line, f.severity) for f in found] == [
        (english, line_number(english, "؋{figures.cash_grant}"), "warning"),
        (persian, line_number(persian, "{figures.cash_grant} ریال"), "warning"),
    ]
    assert found[0].message == (
        "steps[1].text: the sign '؋' is typed by hand beside {figures.cash_grant}: a "
        "left-to-right edition prints it after the number (15,000؋)"
    )
    assert found[1].message == (  # typed after the number: it stays there, but not localized
        "steps[1].text: the sign 'ریال' is typed by hand beside {figures.cash_grant}"
    )
    assert "{amount: 15000, currency: AFN}" in found[0].hint
    assert "write {money.cash_grant} without the sign" in found[0].hint
    assert "{amount: 15000, currency: IRR}" in found[1].hint  # ریال is the rial

    result = run_cli("check", "--project", str(root))
    assert result.returncode == 0, result.stdout + result.stderr  # a warning, not an error
    line = line_number(english, "؋{figures.cash_grant}")
    assert f"content/en/leaflet.yaml:{line}: warning: steps[1].text: the sign '؋'" in result.stdout


@pytest.mark.parametrize(
    ("typed", "sign"),
    [
        ("${figures.grant}", "$"),
        ("{figures.grant} USD", "USD"),
        ("**{figures.grant}** rials", "rials"),
        ("{figures.grant}\u00a0€", "€"),
        ("{figures.grant} تومان", "تومان"),
        ("{money.cash_grant} AFN", "AFN"),  # a money fact writes its own sign: two signs
    ],
)
def test_every_kind_of_hand_typed_sign_is_found(tmp_path: Path, typed: str, sign: str):
    root = leaflet_project(tmp_path / "leaflet")
    data = root / "content" / "data.yaml"
    data.write_text(data.read_text("utf-8") + "figures:\n  grant: 100\n", "utf-8")
    english = root / "content" / "en" / "leaflet.yaml"
    text = english.read_text("utf-8")
    english.write_text(text.replace("**{money.cash_grant}**", typed), "utf-8")
    (found,) = [f for f in run_checks(load_project(root)).findings if f.rule == "money-sign"]
    assert f"{sign!r} is typed" in found.message
    if sign == "تومان":  # the toman is no ISO currency: the fact is in rials
        assert "{amount: 1000, currency: IRR}" in found.hint
    if typed.startswith("{money"):
        assert found.message.endswith("which writes its own")
        assert found.hint == "write {money.cash_grant} alone"


@pytest.mark.parametrize(
    "typed",
    [
        "{figures.grant} (afghani)",  # a word in brackets, not a sign beside the number
        "{figures.grant} all over the country",  # ALL (the lek) only in capitals
        "{figures.grant} families, top priority",
        "**{money.cash_grant}**",
    ],
)
def test_words_that_are_not_signs_beside_a_placeholder_are_left_alone(tmp_path: Path, typed: str):
    root = leaflet_project(tmp_path / "leaflet")
    data = root / "content" / "data.yaml"
    data.write_text(data.read_text("utf-8") + "figures:\n  grant: 100\n", "utf-8")
    english = root / "content" / "en" / "leaflet.yaml"
    text = english.read_text("utf-8")
    english.write_text(text.replace("**{money.cash_grant}** (afghani)", typed), "utf-8")
    assert [f for f in run_checks(load_project(root)).findings if f.rule == "money-sign"] == []
