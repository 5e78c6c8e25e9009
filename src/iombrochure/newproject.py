"""``iombrochure new``: a complete project that builds at once with ``--strict``.

The project is copied from the starter kit shipped in the package (``iombrochure/starter/``): a
one-page leaflet with its config, declared fields, content in every chosen language, templates,
styles, bundled fonts with their licences, catalogs, babel.cfg and .gitignore. The copy is the
project's own: every file the build reads lies inside the project folder, where an officer can
see and change it (docs/templates.md explains why there is no hidden theme).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from iombrochure.errors import ConfigError

STARTER = Path(__file__).resolve().parent / "starter"

#: Languages the starter leaflet is written in, and how their dates and digits are written.
STARTER_LANGUAGES: dict[str, dict[str, str]] = {
    "en": {"calendar": "gregorian", "digits": "decimal"},
    "fa": {"calendar": "solar-hijri", "digits": "persian"},
    "ps": {"calendar": "solar-hijri", "digits": "persian"},
}
DEFAULT_LANGUAGES = ("en", "fa")
#: Files and folders copied whatever the languages (content and catalogs are chosen per language).
COMMON_PARTS = ("babel.cfg", "templates", "styles", "fonts", "locales/messages.pot")


def parse_languages(text: str | None) -> list[str]:
    """``"en,fa"`` -> ``["en", "fa"]``: the first is the source language."""
    codes = [code.strip() for code in (text or ",".join(DEFAULT_LANGUAGES)).split(",")]
    codes = list(dict.fromkeys(code for code in codes if code))
    unknown = [code for code in codes if code not in STARTER_LANGUAGES]
    if not codes or unknown:
        raise ConfigError(
            f"the starter leaflet is written in {', '.join(STARTER_LANGUAGES)}, not "
            f"{', '.join(unknown) or 'no language'}",
            hint="start with some of those (e.g. --languages en,fa), then add a language as "
            "docs/content.md says ([languages.xx], content/xx/, a catalog)",
        )
    return codes


def create_project(target: Path, languages: list[str], *, today: dt.date | None = None) -> Path:
    """Write a new project into ``target`` (a new or empty folder); all of it or nothing."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(
            f"{target} already exists and is not empty: new never writes over files",
            hint="name a new folder, e.g. iombrochure new my-leaflet",
        )
    today = today or dt.date.today()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".iombrochure-new-", dir=target.parent) as scratch:
        staging = Path(scratch) / "project"
        _write(staging, languages, today)
        _record_fingerprints(staging, languages)
        if target.exists():
            target.rmdir()
        staging.rename(target)
    return target


def _write(root: Path, languages: list[str], today: dt.date) -> None:
    root.mkdir()
    for part in COMMON_PARTS:
        source = STARTER / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            (root / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / part)
    shutil.copy2(STARTER / "gitignore", root / ".gitignore")
    (root / "content").mkdir()
    for name in ("fields.yaml", "data.yaml"):
        shutil.copy2(STARTER / "content" / name, root / "content" / name)
    source = languages[0]
    for code in languages:
        shutil.copytree(STARTER / "content" / code, root / "content" / code)
        if code != source:
            (root / "locales" / code / "LC_MESSAGES").mkdir(parents=True)
            (root / "locales" / code / "LC_MESSAGES" / "messages.po").write_text(
                _catalog(code), encoding="utf-8"
            )
    (root / "iombrochure.toml").write_text(_config(languages, today), encoding="utf-8")


def _catalog(code: str) -> str:
    """The language's starter catalog; English's says each message as it is written."""
    shipped = STARTER / "locales" / code / "LC_MESSAGES" / "messages.po"
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    from babel.messages.pofile import read_po

    with (STARTER / "locales" / "messages.pot").open("rb") as stream:
        template = read_po(stream)
    lines = [
        'msgid ""',
        'msgstr ""',
        f'"Language: {code}\\n"',
        '"Content-Type: text/plain; charset=utf-8\\n"',
    ]
    for message in template:
        if message.id:
            quoted = str(message.id).replace("\\", "\\\\").replace('"', '\\"')
            lines += ["", f'msgid "{quoted}"', f'msgstr "{quoted}"']
    return "\n".join(lines) + "\n"


def _config(languages: list[str], today: dt.date) -> str:
    tables = "\n".join(
        f'[languages.{code}]\ncalendar = "{options["calendar"]}"\ndigits = "{options["digits"]}"\n'
        for code, options in ((c, STARTER_LANGUAGES[c]) for c in languages)
    )
    return f"""# An iombrochure project. The config is described in docs/content.md, the templates in
# docs/templates.md. Build with: iombrochure build; check with: iombrochure check.

[project]
source_language = "{languages[0]}"
output_dir = "dist"

[publication]
publisher = "International Organization for Migration (IOM)"
# The edition the PDFs carry: month and year in the header, and the PDF's dates.
edition_date = {today.isoformat()}
created_date = {today.isoformat()}
website = "https://www.iom.int"

{tables}
[documents.leaflet]
template = "leaflet.html"
content = ["leaflet"]
stylesheets = ["styles/leaflet.css"]
# Added to the print variant only (dist/print/), after styles/print.css: the band's colour
# runs into the bleed.
print_stylesheets = ["styles/leaflet-print.css"]
# The editions of this document; leave it out to make it in every language above.
languages = [{", ".join(f'"{code}"' for code in languages)}]
page_budget = 1
"""


def _record_fingerprints(root: Path, languages: list[str]) -> None:
    """The starter's translations are current: record it, so that check finds nothing stale."""
    if len(languages) < 2:
        return
    from iombrochure.pipeline.config import load_project
    from iombrochure.quality.translations import mark_files_current

    mark_files_current(load_project(root, search_parents=False))
