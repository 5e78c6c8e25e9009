"""``iombrochure new``: a complete project that builds at once with ``--strict``.

The project is copied from the starter kit shipped in the package (``iombrochure/starter/``): a
one-page leaflet with its config, declared fields, content in every chosen language, templates,
styles, bundled fonts with their licences, catalogs, babel.cfg and .gitignore. The copy is the
project's own: every file the build reads lies inside the project folder, where an officer can
see and change it (docs/templates.md explains why there is no hidden theme).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from iombrochure.errors import ConfigError
from iombrochure.pipeline.languages import defaults, english_name, native_name

STARTER = Path(__file__).resolve().parent / "starter"

#: Languages the starter leaflet is written in: English, Persian, Dari and Pashto. How each
#: writes its dates, digits and typography comes from its code (pipeline/languages.py).
STARTER_LANGUAGES = tuple(
    sorted(folder.name for folder in (STARTER / "content").iterdir() if folder.is_dir())
)
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
            f"the starter leaflet is written in {', '.join(STARTER_LANGUAGES)} "
            f"({', '.join(english_name(code) for code in STARTER_LANGUAGES)}), not "
            f"{', '.join(unknown) or 'no language'}",
            hint="start with some of those (e.g. --languages en,prs,ps), then add a language as "
            'docs/content.md says under "Adding a language" ([languages.xx], content/xx/, '
            "iombrochure translations init xx)",
        )
    return codes


def create_project(target: Path, languages: list[str], *, today: dt.date | None = None) -> Path:
    """Write a new project into ``target`` (a new or empty folder) and return its absolute path.

    All of it or nothing: the project is written into a hidden folder beside ``target`` and
    renamed into place at the end; on any failure, Ctrl-C included, the hidden folder and every
    parent folder this call created are removed again, so a second try starts from a clean slate.
    """
    # Absolute from the start: the staging folder is read back as a project (fingerprints), and
    # a relative path would be joined to itself there.
    target = Path(target).absolute()
    if target.exists() and not target.is_dir():
        raise ConfigError(
            "is a file: new makes a new folder",
            path=target,
            hint="name a new folder, e.g. iombrochure new my-leaflet",
        )
    if target.is_dir() and any(target.iterdir()):
        raise ConfigError(
            "already exists and is not empty: new never writes over files",
            path=target,
            hint="name a new folder, e.g. iombrochure new my-leaflet",
        )
    today = today or dt.date.today()
    made_parents = _missing_parents(target)
    try:
        with (
            _writing_in(target.parent),
            tempfile.TemporaryDirectory(prefix=".iombrochure-new-", dir=_parent(target)) as scratch,
        ):
            staging = Path(scratch) / "project"
            _write(staging, languages, today)
            _record_fingerprints(staging, languages)
            _move_into_place(staging, target)
    except BaseException:
        for folder in made_parents:  # innermost first, and only while empty
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    return target


def _move_into_place(staging: Path, target: Path) -> None:
    """rename() replaces an empty folder, and refuses one that someone filled meanwhile."""
    try:
        staging.rename(target)
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
        raise ConfigError(
            "files appeared in this folder while new was writing: new never writes over files",
            path=target,
            hint="name a new folder, e.g. iombrochure new my-leaflet",
        ) from exc


def _missing_parents(target: Path) -> list[Path]:
    """The parent folders of ``target`` that do not exist yet, innermost first."""
    missing = []
    for folder in target.parents:
        if folder.exists():
            break
        missing.append(folder)
    return missing


def _parent(target: Path) -> Path:
    """``target``'s parent folder, made with its own missing parents."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.parent


@contextlib.contextmanager
def _writing_in(folder: Path) -> Iterator[None]:
    """One line naming the folder for a write the system refused (unwritable, a file where a
    folder should be, disk full), rather than an internal error."""
    hint = "make the project in a folder you may write to, e.g. iombrochure new my-leaflet"
    try:
        yield
    except (FileExistsError, NotADirectoryError) as exc:
        raise ConfigError(
            "cannot make a project here: a part of this path is a file, not a folder",
            path=folder,
            hint="name a folder inside folders, e.g. iombrochure new my-leaflet",
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"cannot write here: {exc.strerror or exc}", path=exc.filename or folder, hint=hint
        ) from exc


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


def _language_table(code: str) -> str:
    """``[languages.<code>]`` with the defaults of its code written out, to be seen and changed."""
    default = defaults(code)
    fonts = ", ".join(f'"{name}"' for name in default.fonts)
    names = dict.fromkeys((english_name(code), native_name(code)))  # "English" once
    lines = [
        f"[languages.{code}]  # {', '.join(names)}",
        f'calendar = "{default.calendar}"',
        f'digits = "{default.digits}"',
    ]
    if default.calendar == "solar-hijri":
        lines.append(f'months = "{default.months}"')
    rules = f'typography = "{default.typography}"'
    lines.append(
        f"{rules}  # check's rule set for this language's text"
        if default.typography != "none"
        else f"{rules}  # no rule set: check looks at the text's characters only"
    )
    lines.append(f"fonts = [{fonts}]")
    return "\n".join(lines) + "\n"


def _config(languages: list[str], today: dt.date) -> str:
    tables = "\n".join(_language_table(code) for code in languages)
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

# Each language's calendar, digits, month names, typography rules and fonts; left out, a key
# takes the default of the language code (docs/content.md, "Adding a language").
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
    from iombrochure.exchange import remember_languages
    from iombrochure.pipeline.config import load_project
    from iombrochure.pipeline.translations import mark_files_current

    project = load_project(root, search_parents=False)
    results = mark_files_current(project)
    remember_languages(project, [path.parent.name for path, _ in results])
