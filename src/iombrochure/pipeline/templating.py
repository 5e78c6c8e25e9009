"""Stage 4: one HTML string per document and language, from Jinja2 layouts.

Templates are strict (an undefined name is an error, not an empty string) and autoescaped.
Their UI strings go through gettext so that Babel's extract/update workflow keeps the catalogs
in ``locales/`` complete.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup

from iombrochure.errors import TemplateError
from iombrochure.pipeline.config import Document, Project
from iombrochure.pipeline.content import Content
from iombrochure.pipeline.i18n import (
    Localizer,
    css_string,
    load_translations,
    localize_file,
    strip_bidi_controls,
    tel_uri,
)

FONT_STYLESHEET = "styles/fonts.css"
BASE_STYLESHEET = "styles/base.css"


@dataclass(frozen=True)
class Edition:
    """One document in one language, ready to render."""

    document: str
    lang: str
    direction: str
    html: str
    title: str


class LocalizedData:
    """``data.figures.member_states`` in a template gives the edition's formatted value."""

    def __init__(self, localizer: Localizer, raw: dict[str, Any]) -> None:
        self._localizer = localizer
        self.raw = raw

    def __getattr__(self, section: str) -> _DataSection:
        if section.startswith("_") or section not in self.raw:
            raise AttributeError(section)
        return _DataSection(self._localizer, section, self.raw[section])


class _DataSection:
    def __init__(self, localizer: Localizer, section: str, values: dict[str, Any]) -> None:
        self._localizer = localizer
        self._section = section
        self._values = values

    def __getattr__(self, key: str) -> str:
        if key.startswith("_") or key not in self._values:
            raise AttributeError(key)
        return self._localizer.data_value(f"{self._section}.{key}")

    def __iter__(self):
        return iter(self._values)


class ConfinedLoader(jinja2.FileSystemLoader):
    """Loads templates (and what they include, import or extend) from the templates folders,
    refusing any that is, or leads by a symlink to, a file outside the trusted roots."""

    def __init__(self, searchpath: Path | list[Path], *, root: Path) -> None:
        super().__init__(searchpath)
        self.root = root

    def list_templates(self) -> list[str]:
        """Regular files only: a pipe or a device named like a template is never opened."""
        return [
            name
            for name in super().list_templates()
            if any((Path(folder) / name).is_file() for folder in self.searchpath)
        ]

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        from iombrochure.errors import ReadRefused
        from iombrochure.pipeline.safety import MAX_TEXT_FILE_BYTES, resolve_inside

        source, filename, uptodate = super().get_source(environment, template)
        try:
            resolved = resolve_inside(self.root, filename, what="template")
        except ReadRefused as exc:
            raise TemplateError(exc.message, path=filename, hint=exc.hint, rule=exc.rule) from None
        if len(source) > MAX_TEXT_FILE_BYTES:
            raise TemplateError("the template is over 2 MB: refused", path=resolved)
        return source, filename, uptodate


#: Templates lay out a few pages: ``range()`` gives at most this many numbers.
MAX_TEMPLATE_RANGE = 10_000


class _TemplateSandbox(SandboxedEnvironment):
    """Jinja's sandbox: a template (a file that may come by e-mail) can fill in values and call
    the filters and helpers given to it, but not reach Python's internals (``__class__``,
    ``__globals__``), and ``range()`` is bounded, so that it cannot run code or loop for ever."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _bounded_range


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_TEMPLATE_RANGE:
        raise SecurityError(f"range() of more than {MAX_TEMPLATE_RANGE:,} numbers in a template")
    return numbers


def make_environment(project: Project) -> jinja2.Environment:
    """A strict, autoescaping, sandboxed Jinja2 environment over the project's templates."""
    env = _TemplateSandbox(
        loader=ConfinedLoader(project.templates_dir, root=project.root),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["qr_code"] = qr_code_data_uri
    env.globals["picture_uri"] = lambda path: picture_data_uri(project, path)
    return env


def picture_data_uri(project: Project, relative: str, *, variant: str = "screen") -> str:
    """A picture of the project (e.g. images/cover.jpg) as a data: URI.

    WeasyPrint names each raster image in the PDF after a hash of its URL, and a file URL
    holds the project's absolute path: inlined, the same project gives the same PDF bytes
    wherever it is checked out. Only files inside the project are read. For the print
    variant the picture is converted to CMYK through the press profile (prepress.py).
    """
    import base64
    import mimetypes

    from iombrochure.errors import FetchRefused, IombrochureError
    from iombrochure.pipeline.safety import (
        inspect_image,
        is_svg,
        max_image_pixels,
        read_inside,
        svg_references,
    )

    if not (project.root / relative).is_file():
        raise TemplateError(f"picture {relative!r} not found", path=project.root / relative)
    try:
        data = read_inside(project.root, relative, what="picture")
        # Measured here, by its own name: once inlined, the renderer would only see a data: URI.
        inspect_image(data, limit=max_image_pixels(project), name=relative, must_be_picture=True)
    except FetchRefused as exc:
        raise TemplateError(exc.message, path=project.root / relative, hint=exc.hint) from None
    except IombrochureError as exc:
        raise TemplateError(
            exc.message, path=exc.path, line=exc.line, hint=exc.hint, rule=exc.rule
        ) from None
    if is_svg(data):
        text = data.decode("utf-8", errors="replace")
        for reference in svg_references(text):
            if not reference.url.startswith("data:"):
                raise TemplateError(
                    f"{reference.where} {reference.url!r}: an inlined SVG picture may not refer "
                    "to other files or addresses",
                    path=project.root / relative,
                    line=text.count("\n", 0, reference.offset) + 1,
                    hint="embed what it shows in the SVG itself",
                    rule="resource-outside",
                )
    mime_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
    if variant == "print":
        from iombrochure.pipeline.prepress import picture_for_print

        return picture_for_print(data, project.print.profile, name=relative, mime_type=mime_type)
    return f"data:{mime_type};base64,{base64.b64encode(data).decode('ascii')}"


def qr_code_data_uri(text: str, *, colour: str = "#000") -> str:
    """A QR code as an SVG data: URI, made at build time (the URL fetcher serves data: URIs).

    The SVG has a viewBox and no size, so CSS sizes it; its white quiet zone of four modules
    is part of the picture, so that it scans whatever it is placed on.
    """
    import segno

    code = segno.make_qr(text, error="m")
    return code.svg_data_uri(
        dark=colour, light="#fff", border=4, omitsize=True, xmldecl=False, nl=False
    )


def stylesheets_for(
    project: Project, document: Document, direction: str, lang: str, variant: str = "screen"
) -> list[str]:
    """Fonts, the shared base, the document's own sheets, then the thin per-direction layer,
    and last the output variant's sheets: ``styles/print.css`` (bleed, crop marks) and the
    document's ``print_stylesheets`` for print, ``styles/<variant>.css`` and
    ``styles/<doc>-<variant>.css`` for the others. docs/templates.md lists them."""
    sheets = [FONT_STYLESHEET, BASE_STYLESHEET, *document.stylesheets, f"styles/{direction}.css"]
    optional = [
        f"styles/lang-{lang}.css",
        f"styles/{document.name}-{direction}.css",
        f"styles/{variant}.css",
    ]
    if variant == "print":
        optional.extend(document.print_stylesheets)
    else:
        optional.append(f"styles/{document.name}-{variant}.css")
    for sheet in optional:
        if sheet not in sheets and (project.root / sheet).is_file():
            sheets.append(sheet)
    return [sheet for sheet in sheets if (project.root / sheet).is_file()]


def edition_html_path(html_dir: Path, document: str, lang: str, variant: str = "screen") -> Path:
    """Where an edition's HTML is (or would be) written: html/<doc>-<lang>[-<variant>].html."""
    suffix = "" if variant == "screen" else f"-{variant}"
    return html_dir / f"{document}-{lang}{suffix}.html"


def render_edition(
    project: Project,
    content: Content,
    document: Document,
    lang: str,
    *,
    env: jinja2.Environment | None = None,
    html_dir: Path | None = None,
    extra_context: dict[str, Any] | None = None,
    variant: str = "screen",
) -> Edition:
    """Localize the document's content and fill its template for one language.

    ``html_dir`` is where the HTML is (or would be) written: links to styles and images are made
    relative to it, so that the emitted file renders with the plain ``weasyprint`` command too.
    """
    env = env or make_environment(project)
    language = project.languages[lang]
    translations = load_translations(project, lang)
    localizer = Localizer(
        language=language,
        translations=translations,
        data=content.data.data,
        data_path=content.data.path,
        links=variant != "print",
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    localized = {
        name: localize_file(content.file(lang, name), localizer) for name in document.content
    }
    html_dir = html_dir or project.output_dir / "html"
    base_href = Path(os.path.relpath(project.root, html_dir)).as_posix() + "/"
    publication = project.publication
    context: dict[str, Any] = {
        **localized,
        "doc": localized.get(document.name, {}),
        "lang": lang,
        "dir": localizer.direction,
        "start": "right" if localizer.is_rtl else "left",
        "end": "left" if localizer.is_rtl else "right",
        "data": LocalizedData(localizer, content.data.data),
        "loc": localizer,
        "base_href": base_href,
        "stylesheets": stylesheets_for(project, document, localizer.direction, lang, variant),
        "variant": variant,
        # The print variant is for the press: PDF/X takes no link annotations.
        "links": localizer.links,
        "document_name": document.name,
        "publication": {
            "publisher": publication.publisher,
            "edition": localizer.month(publication.edition_date),
            "edition_date": localizer.date(publication.edition_date),
            "created_iso": publication.created_date.isoformat(),
            "modified_iso": publication.edition_date.isoformat(),
        },
        "page_counter_css": lambda pattern: Markup(localizer.page_counter_css(pattern)),
        **(extra_context or {}),
    }
    env.globals["picture_uri"] = lambda path: picture_data_uri(project, path, variant=variant)
    # For the press a QR code prints in black ink alone: one plate, sharp, the best scan.
    env.globals["qr_code"] = (
        (lambda text, colour="#000": qr_code_data_uri(text, colour="#000"))
        if variant == "print"
        else qr_code_data_uri
    )
    env.filters["ltr"] = localizer.isolate
    env.filters["digits"] = localizer.digits
    env.filters["number"] = localizer.number
    env.filters["tel_href"] = _tel_href
    env.filters["plain"] = strip_bidi_controls
    env.filters["css_string"] = lambda value: Markup(css_string(value))
    try:
        template = env.get_template(document.template)
        html = template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"template syntax error: {exc.message}",
            path=exc.filename or project.templates_dir / document.template,
            line=exc.lineno,
        ) from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f"template {exc.name!r} not found", path=project.templates_dir / document.template
        ) from exc
    except jinja2.UndefinedError as exc:
        path, line = _template_location(exc, project)
        raise TemplateError(
            f"{exc.message} (while filling {document.template})",
            path=path or project.templates_dir / document.template,
            line=line,
            hint=_undefined_hint(str(exc.message or ""), document),
        ) from exc
    except SecurityError as exc:
        path, line = _template_location(exc, project)
        raise TemplateError(
            f"not allowed in a template: {exc}",
            path=path or project.templates_dir / document.template,
            line=line,
            hint="templates fill in content; they cannot reach Python's internals",
            rule="template-unsafe",
        ) from exc
    own = localized.get(document.name)
    if isinstance(own, dict) and document.title_field not in own:
        raise TemplateError(
            f"[documents.{document.name}] title_field {document.title_field!r} is not a field of "
            f"content/<language>/{document.name}.yaml: the PDF would have no title",
            path=project.config_path,
            hint='name the field that holds the document\'s title, e.g. title_field = "title"',
            rule="config",
        )
    title = str((own or {}).get(document.title_field, document.name))
    return Edition(
        document=document.name, lang=lang, direction=localizer.direction, html=html, title=title
    )


#: Variables a document's template sets for base.html (docs/templates.md, "Required").
TEMPLATE_SET_VARIABLES = ("footer_title",)


def _undefined_hint(message: str, document: Document) -> str:
    """What to do about a name a template uses but nothing gives it."""
    undefined = re.fullmatch(r"'(\w+)' is undefined", message)
    if undefined and undefined[1] in TEMPLATE_SET_VARIABLES:
        return (
            f"base.html needs {undefined[1]}: add {{% set {undefined[1]} = doc.title %}} near "
            f"the top of templates/{document.template} (see docs/templates.md)"
        )
    if undefined:
        return (
            f"{undefined[1]!r} is not a template variable: the variables are listed in "
            "docs/templates.md; a content file is reached by its name (doc, or e.g. iom)"
        )
    attribute = re.search(r"has no attribute '(\w+)'", message)
    if attribute:
        return (
            f"no field {attribute[1]!r} there: check the field name against content/fields.yaml "
            "and the content files of this document"
        )
    return "see docs/templates.md for what a template can use"


def _tel_href(number: str) -> str:
    """'+98 21 8804 3377' -> 'tel:+982188043377' for a clickable link (Latin digits always)."""
    return tel_uri(number)


def _template_location(exc: Exception, project: Project) -> tuple[Path | None, int | None]:
    """The template file and line of a runtime error, from the traceback Jinja rewrites."""
    tb = exc.__traceback__
    found: tuple[Path | None, int | None] = (None, None)
    templates = str(project.templates_dir)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(templates):
            found = (Path(filename), tb.tb_lineno)
        tb = tb.tb_next
    return found
