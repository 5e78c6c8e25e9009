"""Translators' tools: content exported to PO and XLIFF 2, translated, and imported back.

The PO files go through gettext's own msgfmt --check and msgmerge (Debian package gettext);
the XLIFF files are validated against the OASIS XLIFF 2.0 core schema (lxml; the schema files are
under tests/fixtures/xliff2-schema/) and checked for the core's constraints a schema cannot say
(unique ids, codes that match their original data), which a CAT tool relies on.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from lxml import etree

from conftest import FIXTURES, REPO, copy_project, pdf_text, run_cli
from iombrochure.exchange import (
    XLIFF_NS,
    collect_segments,
    export_translations,
    import_translations,
)
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.translations import mark_files_current

NEEDS_GETTEXT = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("msgmerge") is None,
    reason="gettext's msgfmt and msgmerge are not installed (apt-get install gettext)",
)
LINK = "[IOM's website](https://www.iom.int)"
LINK_FA = "[وب‌سایت سازمان](https://www.iom.int)"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The bundled project's config, content, templates and styles: enough to exchange."""
    root = tmp_path / "project"
    root.mkdir()
    for part in ("iombrochure.toml", "content", "templates", "styles"):
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            shutil.copy2(source, root / part)
    return root


def content_bytes(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted((root / "content").rglob("*"))
        if path.is_file()
    }


def export(root: Path, file_format: str = "po", only: str = "all") -> bytes:
    data, _ = export_translations(load_project(root), "fa", file_format=file_format, only=only)
    return data


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def add_link(root: Path) -> None:
    """A Markdown link in the English and Persian mandate, marked current."""
    replace_in(
        root / "content/en/iom.yaml", "throughout the world.", f"throughout the world. {LINK}"
    )
    replace_in(root / "content/fa/iom.yaml", "تأسیس شد.", f"تأسیس شد. {LINK_FA}")
    mark_files_current(load_project(root), languages=["fa"])


def entry(po_text: str, segment_id: str) -> str:
    """The PO entry of a segment, from its comments to its msgstr."""
    blocks = po_text.split("\n\n")
    return next(block for block in blocks if f'msgctxt "{segment_id}"' in block)


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["po", "xliff"])
def test_a_round_trip_without_changes_leaves_every_yaml_file_byte_identical(
    project: Path, file_format: str
) -> None:
    before = content_bytes(project)
    exchange = project / f"fa.{file_format}"
    exchange.write_bytes(export(project, file_format))
    report = import_translations(load_project(project), exchange)
    assert content_bytes(project) == before
    assert (report.new, report.updated) == (0, 0)
    assert report.unchanged == len(collect_segments(load_project(project), "fa")) > 90
    assert report.written == []


@NEEDS_GETTEXT
def test_a_translation_merged_by_msgmerge_imports_as_editing_the_yaml_by_hand(
    tmp_path: Path,
) -> None:
    """The translator's work (a PO with a new translation) merged by gettext's msgmerge into
    a fresh export, checked by msgfmt, imported: the YAML is what editing it by hand gives,
    and the fact sheet built from it reads the new words."""
    by_hand = copy_project(REPO, tmp_path / "by_hand")
    by_tool = copy_project(REPO, tmp_path / "by_tool")
    new_reach_us = "به ما نامه بنویسید، زنگ بزنید یا به دفتر تهران بیایید."
    old_reach_us = "با ما مکاتبه کنید، تماس بگیرید یا به دفتر تهران مراجعه کنید."
    new_contact = "دفتر سازمان در تهران"
    replace_in(by_hand / "content/fa/brochure.yaml", old_reach_us, new_reach_us)
    replace_in(by_hand / "content/fa/iom.yaml", "office: دفتر تهران", f"office: {new_contact}")
    mark_files_current(load_project(by_hand), languages=["fa"])

    translators_work = tmp_path / "translator.po"
    translators_work.write_bytes(export(by_hand))
    template = tmp_path / "fresh.po"
    template.write_bytes(export(by_tool))
    merged = tmp_path / "merged.po"
    subprocess.run(
        [
            "msgmerge",
            "--quiet",
            "--no-fuzzy-matching",
            "-o",
            str(merged),
            str(translators_work),
            str(template),
        ],
        check=True,
    )
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(merged)], check=True)
    assert 'msgstr ""\n"' in merged.read_text(encoding="utf-8")  # msgmerge wrapped long lines

    result = run_cli("translations", "import", str(merged), "--project", str(by_tool))
    assert result.returncode == 0, result.stderr
    assert "imported fa: 0 new, 2 updated, " in result.stdout
    assert ", 0 refused" in result.stdout
    assert content_bytes(by_tool) == content_bytes(by_hand)

    build = run_cli(
        "build",
        "--doc",
        "factsheet",
        "--lang",
        "fa",
        "--variant",
        "screen",
        "--no-preview",
        "--project",
        str(by_tool),
    )
    assert build.returncode == 0, build.stderr
    pdf = next((by_tool / "dist").rglob("*factsheet*fa*.pdf"))
    assert new_contact in pdf_text(pdf)


@pytest.mark.skipif(
    shutil.which("omegat") is None, reason="OmegaT is not installed (apt-get install omegat)"
)
def test_omegat_translates_from_the_memory_and_the_build_is_as_after_editing_by_hand(
    tmp_path: Path,
) -> None:
    """A changed English sentence: by hand, the Persian is edited and marked current; with the
    tool, OmegaT in console mode translates the exported PO from the TMX memory of the first
    project, and the import gives the same YAML files and the same brochure text."""
    by_hand = copy_project(REPO, tmp_path / "by_hand")
    by_tool = copy_project(REPO, tmp_path / "by_tool")
    english, persian = "Write, call or visit our Tehran office.", "به ما بنویسید یا سر بزنید."
    for root in (by_hand, by_tool):
        replace_in(
            root / "content/en/brochure.yaml",
            "Write to us, call us or visit the office in Tehran.",
            english,
        )
    old_persian = "با ما مکاتبه کنید، تماس بگیرید یا به دفتر تهران مراجعه کنید."
    replace_in(by_hand / "content/fa/brochure.yaml", old_persian, persian)
    mark_files_current(load_project(by_hand), languages=["fa"])

    omegat = tmp_path / "omegat"
    for folder in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (omegat / folder).mkdir(parents=True)
    shutil.copy(FIXTURES / "omegat" / "omegat.project", omegat)
    (omegat / "tm/auto/memory.tmx").write_bytes(export(by_hand, "tmx"))
    exported = export(by_tool).decode("utf-8")
    assert "#, fuzzy" in entry(exported, "brochure:reach_us")
    (omegat / "source/fa.po").write_text(exported, encoding="utf-8")
    subprocess.run(
        ["omegat", str(omegat), "--mode=console-translate", f"--config-dir={tmp_path / 'cfg'}"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    translated = omegat / "target/fa.po"
    assert f'msgstr "{persian}"' in entry(
        translated.read_text(encoding="utf-8"), "brochure:reach_us"
    )

    result = run_cli("translations", "import", str(translated), "--project", str(by_tool))
    assert result.returncode == 0, result.stderr
    assert "imported fa: 0 new, 1 updated, 96 unchanged, 0 refused" in result.stdout
    assert content_bytes(by_tool) == content_bytes(by_hand)
    texts = []
    for root in (by_hand, by_tool):
        build = run_cli(
            "build",
            "--doc",
            "brochure",
            "--lang",
            "fa",
            "--variant",
            "screen",
            "--no-preview",
            "--project",
            str(root),
        )
        assert build.returncode == 0, build.stderr
        texts.append(pdf_text(next((root / "dist").rglob("*brochure*fa*.pdf"))))
    assert texts[0] == texts[1]
    assert "سر بزنید" in texts[1]


def test_an_xliff_translation_is_written_into_the_yaml_and_marked_current(project: Path) -> None:
    xliff = project / "fa.xlf"
    text = export(project, "xliff").decode("utf-8")
    old = "دفتر تهران با دولت"
    assert old in text
    xliff.write_text(text.replace(old, "دفتر سازمان در تهران با دولت", 1), encoding="utf-8")
    report = import_translations(load_project(project), xliff)
    assert (report.new, report.updated) == (0, 1)
    brochure = (project / "content/fa/brochure.yaml").read_text(encoding="utf-8")
    assert "    دفتر سازمان در تهران با دولت، تیم کشوری" in brochure  # the folded block kept
    assert "# Inside, third panel: how to work with the office." in brochure
    states = {s.id: s.state for s in collect_segments(load_project(project), "fa")}
    assert states["brochure:working_with_us.intro"] == "current"


# --- what the exports hold ----------------------------------------------------------------------


@NEEDS_GETTEXT
def test_po_export_passes_msgfmt_check_with_a_stale_field_its_previous_english_and_a_link(
    project: Path,
) -> None:
    add_link(project)
    export(project)  # remembers the current pairs (translations/memory/fa.tmx)
    replace_in(
        project / "content/en/iom.yaml",
        "more than {figures.field_offices}",
        "over {figures.field_offices}",
    )
    po = project / "fa.po"
    po.write_bytes(export(project))
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], check=True)
    text = po.read_text(encoding="utf-8")
    stale = entry(text, "iom:about.reach")
    assert "#, fuzzy, python-brace-format" in stale
    assert '#| msgid "IOM has {figures.member_states} member states, ' in stale
    assert "and more than {figures.field_offices} field offices" in stale
    assert "#: content/en/iom.yaml:13" in stale
    mandate = entry(text, "iom:about.mandate")
    assert "fuzzy" not in mandate and "python-brace-format" in mandate
    assert "translate the words, not the address" in mandate
    assert "#. prose (Markdown); shown in: factsheet, brochure" in mandate
    # Only the stale one, on request; msgfmt reads that too.
    only = project / "stale.po"
    only.write_bytes(export(project, only="stale"))
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(only)], check=True)
    assert only.read_text(encoding="utf-8").count("\nmsgctxt") == 1


def test_xliff_export_keeps_the_constraints_of_the_xliff_2_core(project: Path) -> None:
    add_link(project)
    export(project)
    replace_in(
        project / "content/en/iom.yaml",
        "more than {figures.field_offices}",
        "over {figures.field_offices}",
    )
    data = export(project, "xliff")
    assert_xliff_2_core(data)
    root = ET.fromstring(data)
    ns = {"x": XLIFF_NS}
    units = {unit.get("name"): unit for unit in root.iterfind(".//x:unit", ns)}
    stale = units["iom:about.reach"]
    assert stale.find("x:segment", ns).get("state") == "initial"
    previous = stale.find("x:notes/x:note[@category='previous-source']", ns).text
    assert "more than {figures.field_offices}" in previous
    mandate = units["iom:about.mandate"].find("x:segment", ns)
    for part in ("x:source", "x:target"):
        pc = mandate.find(f"{part}/x:pc", ns)
        assert pc is not None and pc.text in ("IOM's website", "وب‌سایت سازمان")
        assert mandate.find(f"{part}/x:ph", ns) is not None  # {years.founded}
    assert units["iom:about.areas[4].topics[0]"].get("id") == "iom:about.areas.4.topics.0"


XLIFF_SCHEMA = FIXTURES / "xliff2-schema" / "xliff_core_2.0.xsd"


def schema_errors(data: bytes) -> list[str]:
    """What the OASIS XLIFF 2.0 core schema says is wrong with a file (nothing when it is valid)."""
    schema = etree.XMLSchema(etree.parse(str(XLIFF_SCHEMA)))
    schema.validate(etree.fromstring(data))
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def test_the_schema_refuses_what_the_xliff_2_core_does_not_allow(project: Path) -> None:
    valid = export(project, "xliff")
    assert schema_errors(valid) == []
    for bad in (
        valid.replace(b'state="translated"', b'state="done"', 1),
        valid.replace(b"<notes>", b"<comments>", 1).replace(b"</notes>", b"</comments>", 1),
        valid.replace(b' srcLang="en"', b"", 1),
    ):
        assert bad != valid and schema_errors(bad)


def test_every_kind_of_xliff_export_validates_against_the_schema(project: Path) -> None:
    add_link(project)
    export(project)
    replace_in(
        project / "content/en/iom.yaml",
        "more than {figures.field_offices}",
        "over {figures.field_offices}",
    )
    replace_in(
        project / "content/en/brochure.yaml",
        "  - brochure\n",
        "  - brochure\n  - International Organization for Migration\n",
    )
    for only in ("all", "stale", "missing"):
        data = export(project, "xliff", only=only)
        assert schema_errors(data) == [], only
    assert b'subState="iombrochure:suggested"' in data  # the memory's offer, in a valid file


def assert_xliff_2_core(data: bytes) -> None:
    """What the XLIFF 2.0 core schema and its constraints say of what this project writes."""
    assert schema_errors(data) == []
    root = ET.fromstring(data)
    x = f"{{{XLIFF_NS}}}"
    assert root.tag == f"{x}xliff" and root.get("version") == "2.0"
    assert root.get("srcLang") == "en" and root.get("trgLang") == "fa"
    nmtoken = re.compile(r"^[\w.:-]+$")
    file_ids = [file.get("id") for file in root]
    assert all(child.tag == f"{x}file" for child in root)
    assert len(set(file_ids)) == len(file_ids) and all(nmtoken.match(i) for i in file_ids)
    for file in root:
        unit_ids = [unit.get("id") for unit in file]
        assert all(unit.tag == f"{x}unit" for unit in file)
        assert len(set(unit_ids)) == len(unit_ids) and all(nmtoken.match(i) for i in unit_ids)
        for unit in file:
            order = [child.tag.removeprefix(x) for child in unit]
            assert order in (["notes", "segment"], ["notes", "originalData", "segment"]), order
            data_ids = {d.get("id") for d in unit.iterfind(f"{x}originalData/{x}data")}
            segment = unit.find(f"{x}segment")
            assert segment.get("state") in ("initial", "translated", "reviewed", "final")
            sub_state = segment.get("subState")
            assert sub_state is None or re.match(r"^[^\s:]+:.+$", sub_state)
            assert [c.tag.removeprefix(x) for c in segment] in (["source"], ["source", "target"])
            source_ids = set()
            for part in segment:
                ids = []
                for code in part.iter():
                    if code.tag == f"{x}ph":
                        assert code.get("dataRef") in data_ids
                        ids.append(code.get("id"))
                    elif code.tag == f"{x}pc":
                        assert {code.get("dataRefStart"), code.get("dataRefEnd")} <= data_ids
                        ids.append(code.get("id"))
                    else:
                        assert code is part, code.tag
                assert len(set(ids)) == len(ids)  # an id is unique within its content
                if part.tag == f"{x}source":
                    source_ids = set(ids)
                else:
                    moved = any("placeholders otherwise" in (n.text or "") for n in unit.iter())
                    assert set(ids) == source_ids or moved or segment.get("state") == "initial"


def test_tmx_export_holds_every_current_pair(project: Path) -> None:
    data = export(project, "tmx")
    root = ET.fromstring(data)
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    pairs = {
        tuple(tuv.find("seg").text for tuv in unit.iterfind("tuv")): unit.find("prop").text
        for unit in root.iterfind("body/tu")
    }
    assert root.get("version") == "1.4" and root.find("header").get("srclang") == "en"
    assert {tuv.get(lang) for tuv in root.iterfind("body/tu/tuv")} == {"en", "fa"}
    assert pairs[("International Organization for Migration", "سازمان بین‌المللی مهاجرت")] == (
        "iom:organization.name"
    )
    assert len(pairs) > 80


# --- memory ---------------------------------------------------------------------------------


def test_the_same_english_elsewhere_is_offered_from_memory_and_imported_as_new(
    project: Path,
) -> None:
    replace_in(
        project / "content/en/brochure.yaml",
        "  - brochure\n",
        "  - brochure\n  - International Organization for Migration\n",
    )
    po = project / "fa.po"
    text = export(project, only="missing").decode("utf-8")
    offered = entry(text, "brochure:keywords[5]")
    assert "#, fuzzy" in offered
    assert 'msgstr "سازمان بین‌المللی مهاجرت"' in offered
    # Fuzzy is not imported: the translator accepts the suggestion by clearing the flag.
    po.write_text(text, encoding="utf-8")
    report = import_translations(load_project(project), po)
    assert (report.new, report.unfinished) == (0, 1)
    po.write_text(text.replace("#, fuzzy\n", ""), encoding="utf-8")
    report = import_translations(load_project(project), po)
    assert report.new == 1
    brochure = (project / "content/fa/brochure.yaml").read_text(encoding="utf-8")
    assert "  - بروشور\n  - سازمان بین‌المللی مهاجرت\n" in brochure
    assert '"keywords[5]": ' in brochure
    result = run_cli("check", "--lang", "fa", "--project", str(project))
    assert "0 stale" in result.stdout, result.stdout


def test_after_mark_current_an_english_edit_shows_what_the_translation_was_made_from(
    project: Path,
) -> None:
    result = run_cli("translations", "mark-current", "--lang", "fa", "--project", str(project))
    assert result.returncode == 0, result.stderr
    assert (project / "translations/memory/fa.tmx").is_file()
    replace_in(project / "content/en/brochure.yaml", "call us", "phone us")
    segments = {s.id: s for s in collect_segments(load_project(project), "fa")}
    stale = segments["brochure:reach_us"]
    assert stale.state == "stale"
    assert stale.previous_source is not None and "call us" in stale.previous_source
    assert "phone us" in stale.field.text


def test_a_file_exported_before_the_english_changed_imports_and_stays_stale(
    project: Path,
) -> None:
    text = export(project).decode("utf-8")
    text = text.replace("تماس بگیرید", "زنگ بزنید", 1)
    po = project / "fa.po"
    po.write_text(text, encoding="utf-8")
    replace_in(project / "content/en/brochure.yaml", "call us", "phone us")
    replace_in(project / "content/en/iom.yaml", "  office: ", "  # no office line\n  office_x: ")
    result = run_cli("translations", "import", "fa.po", cwd=project)
    assert result.returncode == 0, result.stderr
    warned = result.stderr
    reach_us, office = line_of(po, '"brochure:reach_us"'), line_of(po, '"iom:contact.office"')
    assert f"fa.po:{reach_us}: brochure:reach_us: the English changed since this file" in warned
    assert f"fa.po:{office}: iom:contact.office: the English no longer has this field" in warned
    assert "1 updated" in result.stdout and "1 no longer in the English" in result.stdout
    segments = {s.id: s for s in collect_segments(load_project(project), "fa")}
    assert segments["brochure:reach_us"].state == "stale"
    assert segments["brochure:reach_us"].target is not None
    assert "زنگ بزنید" in segments["brochure:reach_us"].target


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment_id", "old", "new", "says"),
    [
        (
            "iom:about.reach",
            "{figures.observer_states} کشور ناظر",
            "{figures.observers} کشور ناظر",
            "the placeholder {figures.observer_states} is missing",
        ),
        (
            "iom:about.mandate",
            LINK_FA,
            "وب‌سایت سازمان",
            "the link to https://www.iom.int is missing",
        ),
        ("brochure:reach_us", "تماس بگیرید", "تماس بگيريد", "Arabic"),
        ("brochure:reach_us", "تماس بگیرید", "تماس \u202eبگیرید", "Invisible bidi control U+202E"),
    ],
    ids=["broken-placeholder", "dropped-link", "arabic-yeh", "bidi-override"],
)
def test_a_bad_segment_refuses_the_file_with_its_id_and_line_and_changes_nothing(
    project: Path, segment_id: str, old: str, new: str, says: str
) -> None:
    add_link(project)
    text = export(project).decode("utf-8")
    # A good change in another file too: all or nothing.
    text = text.replace("سال تأسیس", "سال بنیان‌گذاری", 1)
    bad = entry(text, segment_id)
    assert old in bad
    text = text.replace(bad, bad.replace(old, new))
    po = project / "fa.po"
    po.write_text(text, encoding="utf-8")
    before = content_bytes(project)
    result = run_cli("translations", "import", "fa.po", cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = line_of(po, f'msgctxt "{segment_id}"')
    *lines, summary = result.stderr.strip().splitlines()
    assert lines and all(item.startswith(f"error: fa.po:{line}: {segment_id}: ") for item in lines)
    assert summary.startswith("error: fa.po: 1 of 97 segments refused; nothing was written (")
    assert says in result.stderr
    assert content_bytes(project) == before


def test_an_xliff_target_without_its_placeholder_is_refused(project: Path) -> None:
    text = export(project, "xliff").decode("utf-8")
    unit_start = text.index('name="iom:about.reach"')
    target_start = text.index("<target>", unit_start)
    target_end = text.index("</target>", target_start)
    target = text[target_start:target_end]
    text = (
        text[:target_start] + target.replace('<ph id="2" dataRef="d2"/>', "", 1) + text[target_end:]
    )
    xliff = project / "fa.xlf"
    xliff.write_text(text, encoding="utf-8")
    before = content_bytes(project)
    result = run_cli("translations", "import", str(xliff), "--project", str(project))
    assert result.returncode == 1
    line = line_of(xliff, 'name="iom:about.reach"')
    assert (
        f"fa.xlf:{line}: iom:about.reach: the placeholder {{figures.observer_states}} is "
        "missing" in result.stderr
    )
    assert content_bytes(project) == before


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('msgid "unterminated\n', "cannot read this PO file"),
        ('<?xml version="1.0"?><xliff version="1.2"/>', "not an XLIFF 2 file"),
        ("<xliff", "cannot read this XLIFF file"),
    ],
)
def test_an_unreadable_exchange_file_is_one_line_and_exit_1(
    project: Path, content: str, says: str
) -> None:
    path = project / ("broken.po" if content.startswith("msgid") else "broken.xlf")
    path.write_text(content, encoding="utf-8")
    result = run_cli("translations", "import", str(path), "--project", str(project))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert says in result.stderr and "broken." in result.stderr


def test_export_of_the_source_language_says_to_name_a_translation(project: Path) -> None:
    result = run_cli("translations", "export", "--lang", "en", "--project", str(project))
    assert result.returncode == 1
    assert "'en' is the source language" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_export_writes_the_file_and_says_where(project: Path) -> None:
    result = run_cli("translations", "export", "--lang", "fa", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("wrote ") and "translations/fa.po" in result.stdout
    assert (project / "translations/fa.po").read_text(encoding="utf-8").count("msgctxt") > 90


def test_a_po_file_for_the_language_of_a_country_imports_into_the_language(project: Path) -> None:
    text = export(project).decode("utf-8").replace('"Language: fa\\n"', '"Language: fa_IR\\n"')
    assert "fa_IR" in text
    po = project / "fa.po"
    po.write_text(text.replace("سال تأسیس", "سال بنیان‌گذاری", 1), encoding="utf-8")
    report = import_translations(load_project(project), po)
    assert (report.lang, report.updated) == ("fa", 1)


def test_an_export_with_nothing_in_it_writes_no_file_and_says_why(project: Path) -> None:
    result = run_cli("translations", "export", "--lang", "fa", "--only", "stale", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "nothing to export for fa: no field's English changed since it was translated; "
        "no file written\n"
    )
    assert not (project / "translations" / "fa.po").exists()


def test_an_xliff_unit_split_into_sentences_by_a_tool_imports_as_one_field(project: Path) -> None:
    """CAT tools may resegment a unit (the spaces between sentences <ignorable>) and write
    target codes by id alone, without their data reference."""
    text = export(project, "xliff").decode("utf-8")
    start = text.index("<segment", text.index('name="iom:about.reach"'))
    end = text.index("</segment>", start) + len("</segment>")
    split = (
        '<segment state="translated"><source>IOM has <ph id="1" dataRef="d1"/> member states,'
        '</source><target>این سازمان <ph id="1"/> کشور عضو،</target></segment>'
        "<ignorable><source> </source></ignorable>"
        '<segment state="final"><source><ph id="2" dataRef="d2"/> observer states and more '
        'than <ph id="3" dataRef="d3"/> field offices around the world.</source>'
        '<target><ph id="2"/> کشور ناظر و افزون بر <ph id="3"/> دفتر میدانی در سراسر جهان '
        "دارد.</target></segment>"
    )
    xliff = project / "fa.xlf"
    xliff.write_text(text[:start] + split + text[end:], encoding="utf-8")
    report = import_translations(load_project(project), xliff)
    assert (report.updated, report.unchanged) == (1, 96)
    segments = {s.id: s for s in collect_segments(load_project(project), "fa")}
    reach = segments["iom:about.reach"]
    assert reach.state == "current"
    assert reach.target == (
        "این سازمان {figures.member_states} کشور عضو، {figures.observer_states} کشور ناظر و "
        "افزون بر {figures.field_offices} دفتر میدانی در سراسر جهان دارد."
    )


def test_a_segment_twice_in_the_file_is_refused(project: Path) -> None:
    text = export(project).decode("utf-8")
    twice = entry(text, "brochure:reach_us")
    po = project / "fa.po"
    po.write_text(text + "\n" + twice.replace("تماس بگیرید", "زنگ بزنید") + "\n", encoding="utf-8")
    result = run_cli("translations", "import", "fa.po", cwd=project)
    assert result.returncode == 1
    assert "brochure:reach_us: the segment is in the file twice (also at line" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_link_translated_in_xliff_keeps_its_address(project: Path) -> None:
    add_link(project)
    text = export(project, "xliff").decode("utf-8")
    assert ">وب‌سایت سازمان</pc>" in text
    xliff = project / "fa.xlf"
    xliff.write_text(text.replace(">وب‌سایت سازمان</pc>", ">تارنمای سازمان</pc>", 1), "utf-8")
    report = import_translations(load_project(project), xliff)
    assert report.updated == 1
    iom = (project / "content/fa/iom.yaml").read_text(encoding="utf-8")
    assert "[تارنمای سازمان](https://www.iom.int)" in iom


def test_exports_remember_once_and_the_memory_is_the_same_bytes_each_time(project: Path) -> None:
    export(project)
    memory = project / "translations/memory/fa.tmx"
    first = memory.read_bytes()
    export(project, "xliff")
    assert memory.read_bytes() == first
    assert first.count(b"<tu>") == len(
        {(s.field.text, s.target) for s in collect_segments(load_project(project), "fa")}
    )
