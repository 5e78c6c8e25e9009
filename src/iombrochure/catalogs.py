"""``iombrochure translations init`` / ``update``: the templates' UI-string catalogs, with Babel.

The templates' own words ("Page {page} of {pages}", "Contact") are translated in gettext
catalogs, ``locales/<code>/LC_MESSAGES/messages.po``. This module makes and updates them through
Babel's catalog API (``babel.messages.extract``, ``catalog``, ``pofile``), so that any language
code of the project works: ``pybabel init -l prs`` refuses Dari ("unknown locale"), because CLDR
knows Dari as ``fa_AF``. Here the catalog's rules (plural forms) come from the locale Babel knows
(calendars.babel_locale), and its ``Language`` header says the project's code, ``prs``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from iombrochure import __version__
from iombrochure.errors import ConfigError, ContentError
from iombrochure.pipeline.calendars import babel_locale
from iombrochure.pipeline.config import Project
from iombrochure.pipeline.i18n import catalog_path
from iombrochure.pipeline.languages import english_name, label
from iombrochure.pipeline.outputs import atomic_write

TEMPLATE_NAME = "messages.pot"
#: Used when a project has no babel.cfg: the templates' Jinja2 files, as the starter's says.
DEFAULT_MAPPING = "[jinja2: templates/**.html]\nextensions = jinja2.ext.i18n\ntrimmed = true\n"
#: How the .po files are written: as ``pybabel extract --no-location --sort-output`` writes
#: them (no source locations, sorted), so that a template edit changes only its own lines.
WRITE_OPTIONS = {"width": 76, "no_location": True, "sort_output": True}


@dataclass(frozen=True)
class CatalogUpdate:
    """What ``update`` did to one language's catalog."""

    lang: str
    path: Path
    added: tuple[str, ...]
    removed: tuple[str, ...]
    untranslated: int


def template_path(project: Project) -> Path:
    return project.locales_dir / TEMPLATE_NAME


def extract_messages(project: Project) -> Catalog:
    """The UI strings of the project's templates, as babel.cfg maps them (Babel's extractors)."""
    mapping_path = project.root / "babel.cfg"
    try:
        text = (
            mapping_path.read_text(encoding="utf-8")
            if mapping_path.is_file()
            else DEFAULT_MAPPING
        )
        method_map, options_map = parse_mapping_cfg(io.StringIO(text), str(mapping_path))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(
            f"cannot read Babel's extraction map: {exc}",
            path=mapping_path,
            hint="copy babel.cfg from a project made by iombrochure new",
        ) from None
    catalog = Catalog(
        project="iombrochure", version=__version__, copyright_holder=project.publication.publisher
    )
    try:
        for filename, lineno, message, comments, context in extract_from_dir(
            str(project.root), method_map, options_map
        ):
            catalog.add(
                message,
                None,
                [(filename, lineno)],
                auto_comments=comments,
                context=context,
            )
    except Exception as exc:  # a template Jinja2 cannot parse, an extractor that fails
        raise ContentError(
            f"cannot extract the templates' words: {exc}",
            path=project.templates_dir,
            hint="run iombrochure check: it names the template and line that cannot be read",
        ) from exc
    return catalog


def write_template(project: Project) -> tuple[Path, Catalog]:
    """Extract the templates' words into ``locales/messages.pot`` (left as it is when they
    are the same words: no new date in a file nothing changed in)."""
    template = extract_messages(project)
    path = template_path(project)
    if not path.is_file() or _ids(_read(path)) != _ids(template):
        _write(path, template)
    return path, template


def _ids(catalog: Catalog) -> set[tuple[str, str | None]]:
    return {(str(message.id), message.context) for message in catalog if message.id}


def init_catalog(project: Project, lang: str) -> Path:
    """A new catalog for ``lang`` with every message of the templates, untranslated.

    Its plural rules are the Babel locale's (fa_AF for prs), its Language header the project's
    code. Refuses to replace a catalog that exists: ``update`` keeps its translations.
    """
    _known_language(project, lang)
    path = catalog_path(project, lang)
    if path.exists():
        raise ConfigError(
            "the catalog exists already: init makes new catalogs only",
            path=path,
            hint="bring it up to date with: iombrochure translations update",
        )
    _, template = write_template(project)
    catalog = Catalog(
        locale=babel_locale(lang),
        project="iombrochure",
        version=__version__,
        copyright_holder=project.publication.publisher,
        fuzzy=False,
    )
    _set_language(catalog, lang)
    for message in template:
        if message.id:
            catalog.add(message.id, "", context=message.context, auto_comments=message.auto_comments)
    _write(path, catalog)
    return path


def update_catalogs(project: Project, languages: list[str] | None = None) -> list[CatalogUpdate]:
    """Extract the templates' words again and bring each language's catalog in step with
    them: new messages are added untranslated, messages no template uses any more removed,
    translations kept. A language without a catalog is refused, with the ``init`` to run,
    before any file is written."""
    for lang in languages or ():
        _known_language(project, lang)
    wanted = languages or [lang for lang in project.languages if lang != project.source_language]
    for lang in wanted:
        path = catalog_path(project, lang)
        if not path.is_file():
            raise ConfigError(
                f"no translation catalog for {label(lang)}",
                path=path,
                hint=f"make it with: iombrochure translations init {lang}",
            )
    _, template = write_template(project)
    results = []
    for lang in wanted:
        path = catalog_path(project, lang)
        catalog = _read(path)
        before = {str(message.id) for message in catalog if message.id}
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()  # words no template uses: not kept as "#~" entries
        _set_language(catalog, lang)
        after = {str(message.id) for message in catalog if message.id}
        if before != after:
            _write(path, catalog)
        results.append(
            CatalogUpdate(
                lang=lang,
                path=path,
                added=tuple(sorted(after - before)),
                removed=tuple(sorted(before - after)),
                untranslated=sum(1 for message in catalog if message.id and not message.string),
            )
        )
    return results


def _known_language(project: Project, lang: str) -> None:
    if lang not in project.languages:
        known = ", ".join(project.languages)
        raise ConfigError(
            f"{lang!r} is not a language of this project (it has {known})",
            path=project.config_path,
            hint=f"add [languages.{lang}] to iombrochure.toml first (docs/content.md, "
            '"Adding a language")',
        )


def _set_language(catalog: Catalog, lang: str) -> None:
    """``Language: prs`` in the header, with the plural rules of the locale Babel knows."""
    count, expression = get_plural(babel_locale(lang))
    headers = [(name, value) for name, value in catalog.mime_headers]
    replaced = {
        "Language": lang,
        "Language-Team": f"{english_name(lang)} <LL@li.org>",
        "Plural-Forms": f"nplurals={count}; plural={expression};",
    }
    headers = [(name, replaced.pop(name, value)) for name, value in headers]
    headers.extend(replaced.items())
    catalog.mime_headers = headers


def _read(path: Path) -> Catalog:
    try:
        with path.open("rb") as stream:
            return read_po(stream, abort_invalid=True)
    except Exception as exc:  # babel raises PoFileError and friends with a line number
        raise ContentError(
            f"cannot read the translation catalog: {exc}",
            path=path,
            line=getattr(exc, "lineno", None),
            hint="run iombrochure check: it names what gettext cannot read",
        ) from exc


def _write(path: Path, catalog: Catalog) -> None:
    """Write a catalog whole or not at all (outputs.atomic_write: a temporary file renamed
    into place, Ctrl-C held off between the two)."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, **WRITE_OPTIONS)  # type: ignore[arg-type]
    try:
        atomic_write(path, buffer.getvalue())
    except OSError as exc:
        raise ConfigError(
            f"cannot write the catalog: {exc.strerror or exc}",
            path=path,
            hint="make the locales folder writable by your user",
        ) from None
