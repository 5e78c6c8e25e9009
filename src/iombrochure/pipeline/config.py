"""Stage 1: read and validate ``iombrochure.toml``, the project config.

Every later stage takes the :class:`Project` this module returns; nothing else reads the config
file. Problems are collected and reported together, as MkDocs' ``load_config`` does, so that an
editor fixes them in one pass.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iombrochure.errors import ConfigError
from iombrochure.pipeline import languages as language_facts
from iombrochure.pipeline.calendars import SOLAR_HIJRI_MONTHS, babel_locale

CONFIG_NAME = "iombrochure.toml"
#: A content file's name in [documents.*] content: a file of content/<language>/, no folders.
CONTENT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")

#: Calendars the localize stage can format dates in.
CALENDARS = ("gregorian", "solar-hijri")
#: Digit systems; the names are also CSS counter styles, used for page numbers.
DIGITS = ("decimal", "persian", "arabic-indic")
#: Typography rule sets ``check`` applies to a language's content (typography/).
TYPOGRAPHY = ("persian", "dari", "pashto", "none")
#: A font family name as [languages.*] fonts may give it (it goes into the page's CSS).
FONT_FAMILY = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _-]*")


@dataclass(frozen=True)
class Language:
    """One edition's language and how dates and numbers are written in it."""

    code: str
    calendar: str = "gregorian"
    digits: str = "decimal"
    typography: str = "none"
    #: The twelve Solar Hijri month names (Iranian for fa, Afghan for prs and ps by default).
    month_names: tuple[str, ...] = SOLAR_HIJRI_MONTHS["iranian"]
    #: Font families for the edition's text, the first its face (default: by language code).
    fonts: tuple[str, ...] = language_facts.LATIN_FONTS
    #: Fixed phrases the project adds to its rule set's list (``keep_together = [...]``).
    keep_together: tuple[str, ...] = ()

    @property
    def locale(self) -> str:
        """The Babel locale of the language (Dari, prs, is Babel's fa_AF)."""
        return babel_locale(self.code)

    @property
    def name(self) -> str:
        """Its name in English, as messages and proof sheets give it: "Dari", "Pashto"."""
        return language_facts.english_name(self.code)

    @property
    def native_name(self) -> str:
        """Its name in itself: «دری», «پښتو»."""
        return language_facts.native_name(self.code)


@dataclass(frozen=True)
class Document:
    """A publication built from content files through one template."""

    name: str
    template: str
    content: tuple[str, ...]
    stylesheets: tuple[str, ...]
    page_budget: int
    title_field: str = "title"
    #: The screen PDF's size budget in KB; over it, the build warns and names the heaviest parts.
    screen_budget_kb: int | None = None
    #: The editions this document is made in: a subset of the project's languages (all of them
    #: unless ``languages = [...]`` is given under [documents.NAME]).
    languages: tuple[str, ...] = ()
    #: Stylesheets added to the print variant only, after styles/print.css (bleed, crop marks):
    #: e.g. a header band that runs into the bleed. Default: styles/<name>-print.css if present.
    print_stylesheets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Publication:
    """Who publishes, and the dates stamped into the PDFs (never the build time)."""

    publisher: str
    edition_date: dt.date
    created_date: dt.date
    website: str = ""


@dataclass(frozen=True)
class PrintSettings:
    """``[print]``: the press the print variant is made for. ``profile`` is its CMYK output
    profile (default: the bundled FOGRA39 profile), ``press_condition`` the characterization it
    stands for, named in the PDF's OutputIntent (a registered name such as FOGRA39, or Custom)."""

    profile: Path
    press_condition: str
    bundled: bool = True


@dataclass(frozen=True)
class Project:
    """The validated project: paths, languages, documents and publication metadata."""

    root: Path
    config_path: Path
    source_language: str
    languages: dict[str, Language]
    documents: dict[str, Document]
    publication: Publication
    output_dir: Path
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    print: PrintSettings = field(default_factory=lambda: _bundled_print_settings())

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def styles_dir(self) -> Path:
        return self.root / "styles"

    @property
    def fonts_dir(self) -> Path:
        return self.root / "fonts"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    def document_languages(self, name: str) -> list[str]:
        """The languages a document is made in, in the project's order."""
        document = self.documents[name]
        wanted = document.languages or tuple(self.languages)
        return [code for code in self.languages if code in wanted]

    def documents_in(self, lang: str) -> list[str]:
        """The documents made in a language."""
        return [name for name in self.documents if lang in self.document_languages(name)]

    def section(self, name: str) -> dict[str, Any]:
        """A raw config table for later stages (``[mail]``, ``[build]``, ...), empty if absent."""
        value = self.raw.get(name, {})
        return value if isinstance(value, dict) else {}


def find_project_root(start: Path) -> Path:
    """The folder holding iombrochure.toml: ``start`` itself or one of its parents."""
    start = start.resolve()
    if start.is_file():
        raise ConfigError(
            "is a file, not a project folder",
            path=start,
            hint=f"pass --project DIR with the folder that holds {CONFIG_NAME}",
        )
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        try:
            if candidate.is_file():
                return folder
            if candidate.exists():  # a folder or a pipe by that name: say so, not "no config"
                raise ConfigError(
                    "not a file but a folder, a device or a pipe",
                    path=candidate,
                    hint=f"the project's config must be a text file named {CONFIG_NAME}",
                )
            if candidate.is_symlink():
                raise ConfigError(
                    "a link that leads nowhere: to a missing file, or back to itself",
                    path=candidate,
                    hint="put the config file itself in the project folder",
                )
        except OSError as exc:  # a folder on the way that may not be looked into
            raise ConfigError(
                f"cannot look for {CONFIG_NAME} in this folder: {exc.strerror or exc}",
                path=folder,
                hint="make the folder readable by your user, or pass --project DIR",
            ) from None
    raise ConfigError(
        f"no {CONFIG_NAME} here or in any parent folder of {start}",
        hint="run iombrochure inside a project folder, or pass --project DIR",
    )


def load_project(root: Path | None = None, *, search_parents: bool = True) -> Project:
    """Read and validate the config of the project at ``root`` (default: the current folder)."""
    # Absolute, so that paths joined to it later do not depend on the current folder.
    root = (Path.cwd() if root is None else Path(root)).absolute()
    if search_parents:
        root = find_project_root(root)
    config_path = root / CONFIG_NAME
    if not config_path.is_file():
        raise ConfigError(
            f"{root} is not an iombrochure project: {CONFIG_NAME} is missing",
            hint="pass --project DIR pointing at the folder that holds iombrochure.toml",
        )
    from iombrochure.errors import ReadRefused
    from iombrochure.pipeline.safety import MAX_TEXT_FILE_BYTES, resolve_inside

    try:
        resolved = resolve_inside(root, config_path, what="the config file")
        if resolved.stat().st_size > MAX_TEXT_FILE_BYTES:
            raise ConfigError("the config file is over 2 MB: refused unread", path=config_path)
        # "utf-8-sig": Windows Notepad starts UTF-8 files with a byte-order mark, which TOML
        # does not allow; it is invisible in the editor, so it is accepted rather than refused.
        data = resolved.read_bytes()
        text = data.decode("utf-8-sig")
        raw = tomllib.loads(text)
    except RecursionError:  # tomllib reads nested [ and { by recursion
        raise ConfigError(
            "the config is nested too deeply to be read",
            path=config_path,
            hint="look for a long run of [ or {",
        ) from None
    except ReadRefused as exc:
        raise ConfigError(exc.message, path=config_path, hint=exc.hint) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read the file: {exc.strerror or exc}",
            path=config_path,
            hint="make the file readable by your user",
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "the file is not UTF-8 text",
            path=config_path,
            line=data[: exc.start].count(b"\n") + 1,
            hint="save it as UTF-8 in your editor",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        raise ConfigError(f"invalid TOML: {exc}", path=config_path, line=line) from exc
    hidden = _hidden_character(raw)
    if hidden is not None:
        key, problem, char = hidden
        raise ConfigError(
            f"{key} {problem}",
            path=config_path,
            line=next((n for n, line in enumerate(text.splitlines(), 1) if char in line), None),
            hint="retype the value without it",
        )
    return _ConfigReader(root.resolve(), config_path, raw).read()


def _hidden_character(table: dict[str, Any], where: str = "") -> tuple[str, str, str] | None:
    """(key, problem, character) of the first value holding an invisible bidi control: the
    publisher goes into every PDF, a [mail] name into every From: line, where U+202E would
    show other words than those written."""
    from iombrochure.pipeline.scripts import BIDI_CONTROLS, bidi_control_problem

    for key, value in table.items():
        name = f"{where}.{key}" if where else str(key)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, dict):
                found = _hidden_character(item, name)
                if found:
                    return found
            elif isinstance(item, str) and (problem := bidi_control_problem(item)):
                char = next(char for char in item if char in BIDI_CONTROLS)
                section, _, rest = name.rpartition(".")
                return (f"[{section}] {rest}" if section else rest), problem, char
    return None


def _toml_error_line(message: str) -> int | None:
    # tomllib reports "... (at line 3, column 7)".
    marker = "at line "
    if marker not in message:
        return None
    tail = message.split(marker, 1)[1]
    digits = "".join(ch for ch in tail.split(",", 1)[0] if ch.isdigit())
    return int(digits) if digits else None


class _ConfigReader:
    """Validates the raw TOML tables, collecting every problem before raising."""

    TOP_LEVEL = (
        "project",
        "publication",
        "languages",
        "documents",
        "print",
        "mail",
        "build",
        "check",
    )
    #: The keys of each plain table; [mail] is checked by mail/settings.py, [print],
    #: [languages.*] and [documents.*] below. A key not listed is reported with the closest one.
    TABLE_KEYS: dict[str, tuple[str, ...]] = {
        "project": ("source_language", "output_dir"),
        "publication": ("publisher", "edition_date", "created_date", "website"),
        "build": ("max_image_pixels",),
        "check": (),
    }

    def __init__(self, root: Path, config_path: Path, raw: dict[str, Any]) -> None:
        self.root = root
        self.config_path = config_path
        self.raw = raw
        self.problems: list[str] = []

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def read(self) -> Project:
        for key in self.raw:
            if key not in self.TOP_LEVEL:
                self.problem(f"unknown table [{key}]{_did_you_mean(key, self.TOP_LEVEL)}")
        for table, known in self.TABLE_KEYS.items():
            value = self.raw.get(table)
            if isinstance(value, dict):
                for key in value:
                    if key not in known:
                        self.problem(f"[{table}] unknown key {key!r}{_did_you_mean(key, known)}")
        project = self._table("project")
        languages = self._languages(self._table("languages"))
        source = project.get("source_language")
        if not isinstance(source, str) or not source:
            self.problem('[project] source_language is required, e.g. source_language = "en"')
        elif languages and source not in languages:
            self.problem(f"[project] source_language {source!r} is not one of [languages]")
        documents = self._documents(self._table("documents"), languages)
        for document in documents.values():
            if document.languages and isinstance(source, str) and source not in document.languages:
                self.problem(
                    f"[documents.{document.name}] languages must include the source language "
                    f"{source!r}: every translation is compared with it"
                )
        publication = self._publication(self._table("publication"))
        print_settings = self._print(self.raw.get("print", {}))
        output_dir = self._output_dir(project.get("output_dir", "dist"))
        if self.problems:
            hint = "see docs/content.md for the config format"
            if not _is_folder(self.root / "templates"):
                hint = (
                    "this folder has no templates/: make a complete project with "
                    "iombrochure new DIR, then bring your config and content/ into it"
                )
            raise ConfigError("; ".join(self.problems), path=self.config_path, hint=hint)
        assert publication is not None and isinstance(source, str)
        return Project(
            root=self.root,
            config_path=self.config_path,
            source_language=source,
            languages=languages,
            documents=documents,
            publication=publication,
            output_dir=(self.root / output_dir),
            raw=self.raw,
            print=print_settings,
        )

    def _output_dir(self, value: Any) -> str:
        """A folder inside the project, other than the project folder itself: a build
        replaces files in it, so it may never be a folder that holds the sources."""
        from iombrochure.pipeline.safety import is_within

        example = '[project] output_dir must be a folder inside the project, e.g. "dist"'
        if not isinstance(value, str) or not value.strip():
            self.problem(example)
            return "dist"
        path = Path(value)
        resolved = (self.root / path).resolve()
        if path.is_absolute() or not is_within(resolved, self.root):
            self.problem(f"{example}, not {value!r} (use --out for a folder elsewhere)")
            return "dist"
        if resolved == self.root:
            self.problem(f"{example}, not the project folder itself")
            return "dist"
        if _file_problem(resolved) is None:  # a file is there
            self.problem(f"[project] output_dir {value!r} is a file, not a folder")
            return "dist"
        return value

    def _project_file(self, key: str, relative: str, folder: str = "") -> bool:
        """Whether a file named in the config lies inside the project, links followed."""
        from iombrochure.errors import ReadRefused
        from iombrochure.pipeline.safety import resolve_inside, trusted_roots

        try:
            resolve_inside(self.root / folder, relative, what=key, trusted=trusted_roots(self.root))
        except ReadRefused as exc:
            self.problem(exc.message)
            return False
        return True

    def _table(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name)
        if value is None:
            self.problem(f"table [{name}] is missing")
            return {}
        if not isinstance(value, dict):
            self.problem(f"[{name}] must be a table")
            return {}
        return value

    def _languages(self, table: dict[str, Any]) -> dict[str, Language]:
        from babel import Locale, UnknownLocaleError

        languages: dict[str, Language] = {}
        for code, options in table.items():
            if not isinstance(options, dict):
                self.problem(f"[languages.{code}] must be a table")
                continue
            try:
                Locale.parse(babel_locale(code))
            except (UnknownLocaleError, ValueError):
                self.problem(f"[languages.{code}]: {code!r} is not a language code Babel knows")
                continue
            known = ("calendar", "digits", "typography", "months", "fonts", "keep_together")
            for key in options:
                if key not in known:
                    hint = _did_you_mean(key, known)
                    self.problem(f"[languages.{code}] unknown key {key!r}{hint}")
            # Every key defaults from the language code (pipeline/languages.py, CLDR's data).
            default = language_facts.defaults(code)
            calendar = options.get("calendar", default.calendar)
            digits = options.get("digits", default.digits)
            if calendar not in CALENDARS:
                self.problem(
                    f"[languages.{code}] calendar {calendar!r} is not one of {', '.join(CALENDARS)}"
                )
            if digits not in DIGITS:
                self.problem(
                    f"[languages.{code}] digits {digits!r} is not one of {', '.join(DIGITS)}"
                )
            typography = options.get("typography", default.typography)
            if typography not in TYPOGRAPHY:
                self.problem(
                    f"[languages.{code}] typography {typography!r} is not one of "
                    f"{', '.join(TYPOGRAPHY)}"
                )
            languages[code] = Language(
                code=code,
                calendar=calendar,
                digits=digits,
                typography=typography,
                month_names=self._month_names(code, options.get("months"), default.months),
                fonts=self._names(code, "fonts", options.get("fonts"), default.fonts),
                keep_together=self._names(code, "keep_together", options.get("keep_together"), ()),
            )
        if not table:
            self.problem("[languages] needs at least one language, e.g. [languages.en]")
        return languages

    def _names(self, code: str, key: str, value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
        """A list of names (``fonts``, ``keep_together``): non-empty strings, font families
        as CSS can name them unquoted."""
        if value is None:
            return default
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            example = (
                'e.g. fonts = ["Vazirmatn", "Source Sans 3"]'
                if key == "fonts"
                else 'e.g. keep_together = ["اسلام قلعه"]'
            )
            self.problem(f"[languages.{code}] {key} must be a list of names, {example}")
            return default
        names = tuple(item.strip() for item in value)
        if key == "fonts":
            for name in names:
                if not FONT_FAMILY.fullmatch(name):
                    self.problem(
                        f"[languages.{code}] fonts: {name!r} is not a font family name "
                        "(letters, digits, spaces, '-' and '_'), e.g. \"Vazirmatn\""
                    )
        return names

    def _month_names(self, code: str, months: Any, default: str) -> tuple[str, ...]:
        """``months = "afghan"`` (a named set) or twelve names of its own; default by language."""
        if months is None:
            return SOLAR_HIJRI_MONTHS[default]
        if isinstance(months, str) and months in SOLAR_HIJRI_MONTHS:
            return SOLAR_HIJRI_MONTHS[months]
        if (
            isinstance(months, list)
            and len(months) == 12
            and all(isinstance(name, str) and name.strip() for name in months)
        ):
            return tuple(name.strip() for name in months)
        sets = " or ".join(f'"{name}"' for name in SOLAR_HIJRI_MONTHS)
        self.problem(
            f"[languages.{code}] months must be {sets}, or a list of the twelve month names"
        )
        return SOLAR_HIJRI_MONTHS[default]

    def _documents(
        self, table: dict[str, Any], languages: dict[str, Language]
    ) -> dict[str, Document]:
        documents: dict[str, Document] = {}
        known = (
            "template",
            "content",
            "stylesheets",
            "page_budget",
            "title_field",
            "screen_budget_kb",
            "languages",
            "print_stylesheets",
        )
        for name, options in table.items():
            if not isinstance(options, dict):
                self.problem(f"[documents.{name}] must be a table")
                continue
            if not CONTENT_NAME.fullmatch(name):
                # It names the output files: dist/<name>-<lang>.pdf.
                self.problem(
                    f"[documents.{name}]: a document's name is letters, digits, '-', '_' or '.'"
                    ", e.g. [documents.factsheet]"
                )
                continue
            for key in options:
                if key not in known:
                    self.problem(
                        f"[documents.{name}] unknown key {key!r}{_did_you_mean(key, known)}"
                    )
            template = options.get("template")
            if not isinstance(template, str):
                self.problem(f'[documents.{name}] template is required, e.g. "{name}.html"')
                continue
            key = f"[documents.{name}]"
            if not self._project_file(f"{key} template", template, "templates"):
                pass
            elif missing := _file_problem(self.root / "templates" / template):
                self.problem(f"{key} template templates/{template} {missing}")
            content = options.get("content", [name])
            stylesheets = options.get("stylesheets", [])
            page_budget = options.get("page_budget", 2)
            if not (isinstance(content, list) and all(isinstance(c, str) for c in content)):
                self.problem(f"[documents.{name}] content must be a list of content file names")
                content = []
            if not (isinstance(stylesheets, list) and all(isinstance(s, str) for s in stylesheets)):
                self.problem(f"[documents.{name}] stylesheets must be a list of paths")
                stylesheets = []
            print_sheets = options.get("print_stylesheets")
            if print_sheets is None:
                conventional = f"styles/{name}-print.css"
                absent = _file_problem(self.root / conventional)
                print_sheets = [] if absent == "does not exist" else [conventional]
            elif not (
                isinstance(print_sheets, list) and all(isinstance(s, str) for s in print_sheets)
            ):
                self.problem(f"[documents.{name}] print_stylesheets must be a list of paths")
                print_sheets = []
            for sheet in [*stylesheets, *print_sheets]:
                if not self._project_file(f"{key} stylesheet", sheet):
                    continue
                if missing := _file_problem(self.root / sheet):
                    self.problem(f"[documents.{name}] stylesheet {sheet} {missing}")
            for item in content:
                if not CONTENT_NAME.fullmatch(item):
                    self.problem(
                        f"{key} content {item!r} must be the name of a file in content/<language>/"
                        ', without folder or ".yaml", e.g. "factsheet"'
                    )
            content = [item for item in content if CONTENT_NAME.fullmatch(item)]
            title_field = options.get("title_field", "title")
            if not isinstance(title_field, str) or not title_field:
                self.problem(f'{key} title_field must be a field name, e.g. "title"')
                title_field = "title"
            doc_languages = options.get("languages", [])
            if not (
                isinstance(doc_languages, list) and all(isinstance(c, str) for c in doc_languages)
            ):
                self.problem(
                    f'[documents.{name}] languages must be a list of language codes, e.g. ["en"]'
                )
                doc_languages = []
            for code in doc_languages:
                if languages and code not in languages:
                    self.problem(
                        f"[documents.{name}] language {code!r} is not one of [languages]"
                        f"{_did_you_mean(code, list(languages))}; add [languages.{code}] first"
                    )
            if isinstance(page_budget, bool) or not isinstance(page_budget, int) or page_budget < 1:
                self.problem(f"[documents.{name}] page_budget must be a whole number of pages")
                page_budget = 1
            screen_budget = options.get("screen_budget_kb")
            if screen_budget is not None and (
                not isinstance(screen_budget, int)
                or isinstance(screen_budget, bool)
                or screen_budget < 1
            ):
                self.problem(f"[documents.{name}] screen_budget_kb must be a whole number of KB")
                screen_budget = None
            documents[name] = Document(
                name=name,
                template=template,
                content=tuple(content),
                stylesheets=tuple(stylesheets),
                page_budget=page_budget,
                title_field=title_field,
                screen_budget_kb=screen_budget,
                languages=tuple(dict.fromkeys(doc_languages)),
                print_stylesheets=tuple(print_sheets),
            )
        if not table:
            self.problem("[documents] needs at least one document, e.g. [documents.factsheet]")
        return documents

    def _print(self, table: Any) -> PrintSettings:
        from iombrochure.profiles import CUSTOM_PRESS_CONDITION, profile_problem

        default = _bundled_print_settings()
        if not isinstance(table, dict):
            self.problem("[print] must be a table")
            return default
        known = ("profile", "press_condition")
        for key in table:
            if key not in known:
                self.problem(f"[print] unknown key {key!r}{_did_you_mean(key, known)}")
        condition = table.get("press_condition")
        if condition is not None and (not isinstance(condition, str) or not condition.strip()):
            self.problem('[print] press_condition must be a name, e.g. press_condition = "FOGRA39"')
            condition = None
        profile = table.get("profile")
        if profile is None:
            return PrintSettings(default.profile, condition or default.press_condition)
        if not isinstance(profile, str) or not profile:
            self.problem('[print] profile must be a path, e.g. profile = "profiles/press.icc"')
            return default
        if not self._project_file("[print] profile", profile):
            return default
        path = (self.root / profile).resolve()
        problem = profile_problem(path)
        if problem:
            self.problem(f"[print] profile {profile} {problem}")
            return default
        return PrintSettings(path, condition or CUSTOM_PRESS_CONDITION, bundled=False)

    def _publication(self, table: dict[str, Any]) -> Publication | None:
        publisher = table.get("publisher")
        if not isinstance(publisher, str) or not publisher:
            self.problem("[publication] publisher is required")
        edition = table.get("edition_date")
        if not isinstance(edition, dt.date):
            self.problem(
                "[publication] edition_date must be a date, e.g. edition_date = 2026-11-28"
            )
            edition = dt.date(2000, 1, 1)
        created = table.get("created_date", edition)
        if not isinstance(created, dt.date):
            self.problem("[publication] created_date must be a date, e.g. 2026-01-15")
            created = edition
        for key, day in (("edition_date", edition), ("created_date", created)):
            problem = calendar_problem(day) if isinstance(day, dt.date) else None
            if problem:
                self.problem(f"[publication] {key} {day}: {problem}")
        website = table.get("website", "")
        if not isinstance(website, str):
            self.problem('[publication] website must be text, e.g. "https://www.iom.int"')
        return Publication(
            publisher=publisher if isinstance(publisher, str) else "",
            edition_date=edition if not isinstance(edition, dt.datetime) else edition.date(),
            created_date=created if not isinstance(created, dt.datetime) else created.date(),
            website=website if isinstance(website, str) else "",
        )


def calendar_problem(day: dt.date) -> str | None:
    """Why a date cannot be printed in every calendar the project may use, or None."""
    import jdatetime

    try:
        jdatetime.date.fromgregorian(date=day if not isinstance(day, dt.datetime) else day.date())
    except (ValueError, OverflowError):
        return "the Solar Hijri calendar cannot show this date; is the year right?"
    return None


def _bundled_print_settings() -> PrintSettings:
    from iombrochure.profiles import BUNDLED_PRESS_CONDITION, BUNDLED_PROFILE

    return PrintSettings(BUNDLED_PROFILE, BUNDLED_PRESS_CONDITION, bundled=True)


def _file_problem(path: Path) -> str | None:
    """Why ``path``, named by the config, is not a file that can be used ("does not exist",
    "cannot be read ..."), or None: a folder whose permissions deny looking into it is one
    problem of the config, not a failure as a bug would be."""
    try:
        if path.is_file():
            return None
        return "is a folder, not a file" if path.is_dir() else "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc}): make its folder readable by your user"


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
