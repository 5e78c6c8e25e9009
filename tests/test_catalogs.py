"""``iombrochure translations init`` / ``update``: catalogs for any code, Dari's included.

pybabel refuses ``-l prs`` ("unknown locale"): the catalogs are made with Babel's catalog API,
with the plural rules of the locale Babel knows (fa_AF) and ``Language: prs`` in the header.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel.messages.pofile import read_po

from conftest import run_cli
from iombrochure.newproject import create_project


def read_catalog(path: Path):
    with path.open("rb") as stream:
        return read_po(stream)


def new_project(tmp_path: Path, languages: list[str]) -> Path:
    return create_project(tmp_path / "project", languages, today=dt.date(2026, 12, 5))


def test_init_makes_a_dari_catalog_that_says_prs(tmp_path: Path) -> None:
    root = new_project(tmp_path, ["en", "prs"])
    po = root / "locales" / "prs" / "LC_MESSAGES" / "messages.po"
    po.unlink()
    result = run_cli("translations", "init", "prs", "--project", str(root))
    assert result.returncode == 0, result.stderr
    assert "made the Dari (prs) catalog locales/prs/LC_MESSAGES/messages.po" in result.stdout
    text = po.read_text(encoding="utf-8")
    assert '"Language: prs\\n"' in text
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in text  # fa_AF's, from CLDR
    catalog = read_catalog(po)
    ids = sorted(str(message.id) for message in catalog if message.id)
    assert ids == sorted([", ", "Contact", "How it works", "Leaflet", "Page {page} of {pages}"])
    assert all(not message.string for message in catalog if message.id)
    # check now names each untranslated entry, and the edition by its name.
    check = run_cli("check", "--project", str(root))
    assert check.returncode == 1
    assert (
        "'Contact' is not translated: the Dari (prs) edition would show it in English (en)"
        in check.stdout
    )


def test_init_refuses_to_replace_a_catalog_and_an_unknown_language(tmp_path: Path) -> None:
    root = new_project(tmp_path, ["en", "ps"])
    po = root / "locales" / "ps" / "LC_MESSAGES" / "messages.po"
    before = po.read_bytes()
    again = run_cli("translations", "init", "ps", "--project", str(root))
    assert again.returncode == 1
    assert "the catalog exists already" in again.stderr
    assert "iombrochure translations update" in again.stderr
    assert po.read_bytes() == before
    unknown = run_cli("translations", "init", "ar", "--project", str(root))
    assert unknown.returncode == 1
    assert "'ar' is not a language of this project" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_check_points_to_init_for_a_missing_catalog(tmp_path: Path) -> None:
    root = new_project(tmp_path, ["en", "prs"])
    (root / "locales" / "prs" / "LC_MESSAGES" / "messages.po").unlink()
    check = run_cli("check", "--project", str(root))
    assert check.returncode == 1
    assert "create it with: iombrochure translations init prs" in check.stdout
    assert "pybabel" not in check.stdout


def test_update_adds_new_words_keeps_translations_and_drops_unused_ones(tmp_path: Path) -> None:
    root = new_project(tmp_path, ["en", "prs", "ps"])
    template = root / "templates" / "leaflet.html"
    source = template.read_text(encoding="utf-8")
    template.write_text(
        source.replace('{{ _("How it works") }}', '{{ _("Where to go") }}'), encoding="utf-8"
    )
    result = run_cli("translations", "update", "--project", str(root))
    assert result.returncode == 0, result.stderr
    assert (
        "locales/prs/LC_MESSAGES/messages.po (Dari (prs)): 1 new, 1 removed, 1 to translate"
        in result.stdout
    )
    for lang, contact in (("prs", "تماس"), ("ps", "اړیکه")):
        catalog = read_catalog(root / "locales" / lang / "LC_MESSAGES" / "messages.po")
        assert catalog.get("Contact").string == contact
        assert catalog.get("Where to go").string == ""
        assert catalog.get("How it works") is None
        assert catalog.locale_identifier == lang
    pot = read_catalog(root / "locales" / "messages.pot")
    assert "Where to go" in {str(message.id) for message in pot}
    again = run_cli("translations", "update", "--lang", "prs", "--project", str(root))
    assert "(Dari (prs)): already in step, 1 to translate" in again.stdout
