"""``check`` is the build stopped before WeasyPrint lays out a page: every refusal the build can
make without laying pages out, ``check`` reports too, in the same words.

REFUSALS lists every ``raise`` of the pipeline (pipeline/*.py, read with Python's ast), each
with the scenario below that shows ``check`` reporting it, or why ``check`` cannot (it needs
a page laid out, it is about the output folder or a command-line option, ...). A new raise
fails the first test until it is listed here: a new refusal is never left out of ``check``
unnoticed."""

from __future__ import annotations

import ast
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from conftest import REPO, leaflet_project, run_cli
from iombrochure.errors import IombrochureError
from iombrochure.pipeline.build import prepare_build
from iombrochure.pipeline.checks import run_checks
from iombrochure.pipeline.config import load_project

PIPELINE = REPO / "src" / "iombrochure" / "pipeline"

# ---- scenarios: a leaflet project broken one way, and the words of the refusal -------------


def _write(root: Path, relative: str, text: str) -> None:
    (root / relative).write_text(text, encoding="utf-8")


def _edit(root: Path, relative: str, old: str, new: str) -> None:
    text = (root / relative).read_text(encoding="utf-8")
    assert old in text, (relative, old)
    _write(root, relative, text.replace(old, new, 1))


def _card_body(root: Path, html: str) -> None:
    _edit(root, "templates/card.html", "{% block body %}\n", "{% block body %}\n" + html + "\n")


def _picture(root: Path, name: str, mode: str, colour: object) -> None:
    (root / "images").mkdir(exist_ok=True)
    Image.new(mode, (16, 16), colour).save(root / "images" / name)  # type: ignore[arg-type]


def missing_content_file(root: Path) -> str:
    (root / "content" / "en" / "card.yaml").unlink()
    return "missing content file for language 'en'"


def invalid_yaml(root: Path) -> str:
    _edit(root, "content/en/card.yaml", "title: Registration card", "title: [Registration")
    return "invalid YAML"


def yaml_alias(root: Path) -> str:
    _edit(root, "content/en/card.yaml", "title: Registration card", "title: &t Registration")
    _edit(root, "content/en/card.yaml", "subject: What", "subject: *t\nx: What")
    return "YAML anchors and aliases (& and *) are not allowed in content"


def no_catalog(root: Path) -> str:
    (root / "locales" / "fa" / "LC_MESSAGES" / "messages.po").unlink()
    return "no translation catalog for language 'fa'"


def broken_catalog(root: Path) -> str:
    _write(root, "locales/fa/LC_MESSAGES/messages.po", 'msgid "x\nmsgstr "y"\n')
    return "cannot read the translation catalog"


def template_syntax(root: Path) -> str:
    _card_body(root, "{% if %}")
    return "template syntax error"


def template_not_found(root: Path) -> str:
    _card_body(root, "{% include 'nowhere.html' %}")
    return "template 'nowhere.html' not found"


def undefined_in_untaken_branch(root: Path) -> str:
    _card_body(root, "{% if variant == 'archive' %}{{ archive_note }}{% endif %}")
    return "'archive_note' is undefined (while filling card.html)"


def unsafe_attribute(root: Path) -> str:
    _card_body(root, "{{ doc.title.__class__ }}")
    return "not allowed in a template: access to attribute '__class__'"


def over_budget(root: Path) -> str:
    _card_body(root, "{{ 'x'.center(500000000) }}")
    return "not allowed in a template: center() would make 500,000,001 bytes"


def recursion(root: Path) -> str:
    _card_body(root, "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}")
    return "the template calls, includes or extends itself without end"


def arithmetic(root: Path) -> str:
    _card_body(root, "{{ 1 // 0 }}")
    return "template error: integer division or modulo by zero"


def title_field(root: Path) -> str:
    _edit(
        root,
        "iombrochure.toml",
        'template = "card.html"',
        'template = "card.html"\ntitle_field = "name"',
    )
    return "title_field 'name' is not a field of content/<language>/card.yaml"


def qr_code_as_text(root: Path) -> str:
    _card_body(root, "<p>{{ qr_code('https://example.org') }}</p>")
    return "a qr_code() value is printed as text (data:image/svg+xml;"


def picture_as_text(root: Path) -> str:
    _picture(root, "grey.png", "L", 128)
    _card_body(root, "{{ picture_uri('images/grey.png') }}")
    return "a picture_uri() value is printed as text (data:image/png;"


def picture_not_found(root: Path) -> str:
    _card_body(root, '<img src="{{ picture_uri(\'images/none.png\') }}" alt="x">')
    return "picture 'images/none.png' not found"


def not_a_picture(root: Path) -> str:
    (root / "images").mkdir(exist_ok=True)
    (root / "images" / "fake.png").write_bytes(b"not a picture at all")
    _card_body(root, '<img src="{{ picture_uri(\'images/fake.png\') }}" alt="x">')
    return "images/fake.png: not a picture (PNG, JPEG, GIF, WebP or SVG) that can be read"


def svg_with_reference(root: Path) -> str:
    (root / "images").mkdir(exist_ok=True)
    _write(
        root,
        "images/map.svg",
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="cover.png"/></svg>',
    )
    _card_body(root, '<img src="{{ picture_uri(\'images/map.svg\') }}" alt="x">')
    return "an inlined SVG picture may not refer to other files or addresses"


def transparent_picture(root: Path) -> str:
    _picture(root, "plot.png", "RGBA", (200, 0, 0, 128))  # matplotlib's default
    _card_body(root, '<img src="{{ picture_uri(\'images/plot.png\') }}" alt="a plot">')
    return "a picture with transparency cannot be converted to CMYK for print"


def link_in_print(root: Path) -> str:
    _card_body(root, '<a href="https://example.org">IOM</a>')
    return "1 link(s) in the print PDF; PDF/X for the press takes none"


def rgb_background_in_print(root: Path) -> str:
    _picture(root, "ground.jpg", "RGB", (0, 51, 160))
    _edit(
        root,
        "styles/band-into-bleed.css",
        ".band {",
        '.band { background: url("../images/ground.jpg");',
    )
    return "1 RGB picture(s) in the print PDF; the press needs CMYK"


def template_linked_out(root: Path) -> str:
    outside = root.parent / "outside.html"
    outside.write_text("x", encoding="utf-8")
    os.symlink(outside, root / "templates" / "partial.html")
    _card_body(root, "{% include 'partial.html' %}")
    return "template templates/partial.html is a link to a file outside the project folder"


def huge_template(root: Path) -> str:
    _card_body(root, "{# " + "x" * 2_100_000 + " #}")
    return "the template is over 2 MB"


def resource_outside(root: Path) -> str:
    _card_body(root, '<img src="file:///etc/hostname" alt="x">')
    return "it is outside the project folder"


def picture_too_large(root: Path) -> str:
    _edit(root, "iombrochure.toml", "[project]\n", "[build]\nmax_image_pixels = 100\n\n[project]\n")
    _picture(root, "big.png", "L", 0)
    _card_body(root, '<img src="images/big.png" alt="x">')
    return "images/big.png: the image is 16 x 16 = 256 pixels, over the limit of 100"


def machine_font(root: Path) -> str:
    _edit(root, "styles/leaflet.css", "", '@font-face { font-family: "X"; src: local("Arial"); }\n')
    return "@font-face src: local() names a font of this computer"


def page_local_font(root: Path) -> str:
    _card_body(root, '<style>@font-face { font-family: "Y"; src: local("Arial"); }</style>')
    return "a <style> of the page names a font of this computer with local()"


def damaged_data_url(root: Path) -> str:
    _card_body(root, '<img src="data:image/png;base64,@@@@" alt="x">')
    return "img src data: URL: the data: URL's base64 text is damaged"


def not_a_font(root: Path) -> str:
    (root / "fonts" / "Broken.ttf").write_bytes(b"not a font")
    return "the file is not a font that can be read"


def bad_pixel_limit(root: Path) -> str:
    _edit(
        root, "iombrochure.toml", "[project]\n", '[build]\nmax_image_pixels = "many"\n\n[project]\n'
    )
    return "[build] max_image_pixels must be a whole number of pixels"


SCENARIOS: dict[str, Callable[[Path], str]] = {
    f.__name__: f
    for f in [
        missing_content_file, invalid_yaml, yaml_alias, no_catalog, broken_catalog,
        template_syntax, template_not_found, undefined_in_untaken_branch, unsafe_attribute,
        over_budget, recursion, arithmetic, title_field, qr_code_as_text, picture_as_text,
        picture_not_found, not_a_picture, svg_with_reference, transparent_picture,
        link_in_print, rgb_background_in_print, template_linked_out,
        huge_template, resource_outside, picture_too_large, machine_font, page_local_font, damaged_data_url, not_a_font, bad_pixel_limit,
    ]
}  # fmt: skip

# ---- every raise of the pipeline, and how check reports it -----------------------------------

LAYOUT = "needs a laid-out page: only the build can tell"
OUTPUT = "about the output folder, which check does not write"
OPTION = "a command-line option or setting of the build, not the project's files"
WEASYPRINT = "WeasyPrint itself (its version, or a worker dying): not the project's files"
INTERNAL = "raised inside a helper and turned into one of the refusals listed here by its caller"
CONFIG = "config.load_project, which check and build both call first: the same words"
CHECK_STAGE = "raised by the check stage itself, which check and build both run: the same words"
MARK_CURRENT = "`translations mark-current`'s own arguments and files, not what a build reads"
PREVIEW = "about the page pictures of PDFs already rendered: only a build or `preview` makes them"
PREFLIGHT = "the `preflight` command reads the print PDFs a build wrote: nothing for check to read"
BUDGET = "tests/pipeline/test_template_budget.py shows each budget through check; see over_budget"
SVG = (
    "safety.inspect_image's SVG checks, which check runs on every picture it measures "
    "(_inspect_file, picture_uri): the same function, the same words"
)
FETCHER = (
    "the renderer's fetcher, which refuses while laying out; check finds the same files "
    "first with safety.py's functions (see resource_outside, not_a_picture, picture_too_large)"
)

REFUSALS: dict[str, str] = {
    "build.commit_build: RenderError: --strict: {} warning(s), first: {}": LAYOUT,
    "build.finish_job: RenderError: {} runs to {} pages, over its budget of ": LAYOUT,
    "build.render_jobs: failures[job]": INTERNAL,
    "checks._extract_template_messages: ContentError: babel.cfg cannot be read: {}": CHECK_STAGE,
    "checks._extract_template_messages: ContentError: exc.message": CHECK_STAGE,
    "checks.check_before_build: CheckFailed: failing": CHECK_STAGE,
    "config.find_project_root: ConfigError: cannot look for {} in this folder: {}": CONFIG,
    "config.find_project_root: ConfigError: is a file, not a project folder": CONFIG,
    "config.find_project_root: ConfigError: no {} here or in any parent folder of {}": CONFIG,
    "config.find_project_root: ConfigError: not a file but a folder, a device or a p": CONFIG,
    "config.load_project: ConfigError: cannot read the file: {}": CONFIG,
    "config.load_project: ConfigError: exc.message": CONFIG,
    "config.load_project: ConfigError: invalid TOML: {}": CONFIG,
    "config.load_project: ConfigError: the config file is over 2 MB: refused un": CONFIG,
    "config.load_project: ConfigError: the file is not UTF-8 text": CONFIG,
    "config.load_project: ConfigError: {} is not an iombrochure project: {} is ": CONFIG,
    "config.read: ConfigError: '; '.join(self.problems)": CONFIG,
    "config.find_project_root: ConfigError: a link that leads nowhere: to a missing ": CONFIG,
    "config.load_project: ConfigError: the config is nested too deeply to be re": CONFIG,
    "config.load_project: ConfigError: {} {}": CONFIG,
    "outputs.__exit__: _write_error: *self._named(exc)": OUTPUT,
    "outputs._roll_back: OutputError: cannot put back {} as it was before this": OUTPUT,
    "outputs._write_journal: _write_error: self.journal_name": OUTPUT,
    "outputs.prepare_output_dir: OutputError: the output folder {} cannot be made: {} ": OUTPUT,
    "outputs.prepare_output_dir: OutputError: the output folder {} cannot be used: {}": OUTPUT,
    "outputs.prepare_output_dir: OutputError: the output folder {} is not writable": OUTPUT,
    "outputs.prepare_output_dir: OutputError: the output folder {} {}: a build replace": OUTPUT,
    "outputs.protect: _write_error: _shown(path, self.output_dir)": OUTPUT,
    "outputs.stage: OutputError: cannot write {}: a folder of that name i": OUTPUT,
    "outputs.stage: OutputError: cannot write {}: its folder is a link ou": OUTPUT,
    "outputs.stage: _write_error: shown": OUTPUT,
    "outputs.switch: _write_error: _shown(target, self.output_dir)": OUTPUT,
    "render.fetch: refuse: FetchRefused(f'file not found: {shown}',": FETCHER,
    "render.fetch: refuse: FetchRefused(f'{shown}: over {MAX_BINARY": FETCHER,
    "render._check_page_references: _in_edition: error": "page_local_font",
    "render.fetch: refuse: exc": FETCHER,
    "render.make_url_fetcher: refuse: FetchRefused(f'file not found: {shown}',": FETCHER,
    "render.make_url_fetcher: refuse: FetchRefused(f'{shown}: over {MAX_BINARY": FETCHER,
    "render.make_url_fetcher: refuse: exc": FETCHER,
    "render.render: _in_edition: refused[0]": FETCHER,
    "render.render: weasyprint_failure: exc": LAYOUT,
    "safety._check_svg_link: FetchRefused: {}: an SVG in a data: URL links to a fil": SVG,
    "safety._check_svg_link: FetchRefused: {}: the SVG links out of the project ({}": SVG,
    "safety._check_use_expansion: refuse: a <use> element in the SVG copies itself": SVG,
    "safety._check_use_expansion: refuse: the SVG's <use> elements copy each other": SVG,
    "safety._check_use_expansion: refuse: the SVG's <use> elements would draw over": SVG,
    "safety.decode_data_url: FetchRefused: {}: the data: URL has no comma, so it ho": "damaged_data_url",
    "safety.decode_data_url: FetchRefused: {}: the data: URL's base64 text is damag": "damaged_data_url",
    "safety.inspect_data_url: FetchRefused: {}: a data: URL of type {} is neither a ": "damaged_data_url",
    "safety.inspect_data_url: FetchRefused: {}: a stylesheet in a data: URL refers t": "damaged_data_url",
    "safety.inspect_data_url: FetchRefused: {}: the data: URL is empty": "damaged_data_url",
    "safety.inspect_font: FetchRefused: {}: the file is not a font that can be r": "not_a_font",
    "safety.inspect_image: FetchRefused: {}: the picture's colour mode ({}) canno": "not_a_picture",
    "safety.inspect_svg: refuse: the SVG has over {} elements": SVG,
    "safety.inspect_svg: refuse: the SVG is not well-formed XML ({})": SVG,
    "safety.inspect_svg: refuse: the SVG sets xml:base, which would make ": SVG,
    "safety.inspect_svg: refuse: the SVG's elements nest over {} deep": SVG,
    "safety.refuse_machine_fonts: FetchRefused: @font-face src: local() names a font of ": (
        "machine_font"
    ),
    "safety.refuse_svg_links: FetchRefused: exc.message.removeprefix(f'{path.name}: ": SVG,
    "safety.size: refuse: a <use> element in the SVG copies itself": SVG,
    "safety.size: refuse: the SVG's <use> elements copy each other": SVG,
    "safety.size: refuse: the SVG's <use> elements would draw over": SVG,
    "content._parse_yaml: ContentError: exc.message": "yaml_alias",
    "content._parse_yaml: ContentError: invalid YAML: a value cannot be read ({}": "invalid_yaml",
    "content._parse_yaml: ContentError: invalid YAML: {}": "invalid_yaml",
    "content._parse_yaml: ContentError: the YAML is nested too deeply to be cont": "yaml_alias",
    "content.load_content: ContentErrors: errors": "missing_content_file",
    "content.read_yaml: ContentError: a folder where a file should be": "missing_content_file",
    "content.read_yaml: ContentError: cannot read the file: {}": "missing_content_file",
    "content.read_yaml: ContentError: exc.message": "missing_content_file",
    "content.read_yaml: ContentError: file not found": "missing_content_file",
    "content.read_yaml: ContentError: not a regular file (a device or a pipe)": "missing_content_file",
    "content.read_yaml: ContentError: the file is not UTF-8 text": "invalid_yaml",
    "content.read_yaml: ContentError: the file is {} MB, over the limit of {} ": "missing_content_file",
    "i18n._localize: ContentError: {}: unknown data reference {}": (
        "check's placeholder rule (content.check_placeholders) names it first, so the build "
        "never reaches this raise"
    ),
    "i18n.compile_catalog: ContentError: cannot read the translation catalog: {}": "broken_catalog",
    "i18n.compile_catalog: ContentError: charset[1]": "broken_catalog",
    "i18n.compile_catalog: ContentError: exc.message": "broken_catalog",
    "i18n.compile_catalog: ContentError: problem": "broken_catalog",
    "i18n.compile_catalog: ContentError: the catalog's header cannot be used: {}": "broken_catalog",
    "i18n.load_translations: ContentError: no translation catalog for language {}": "no_catalog",
    "i18n.money_fact: ContentError: str(exc)": (
        "check validates data.yaml's money facts (content.money_problem) before any edition is "
        "filled"
    ),
    "i18n.phone: ContentError: phone number {} cannot be read: {}": (
        "check validates data.yaml's phone numbers (content.py) before any edition is filled"
    ),
    "jobs.plan_jobs: ConfigError: unknown document {}; this project has: {": OPTION,
    "jobs.plan_jobs: ConfigError: unknown language {}; this project has: {": OPTION,
    "jobs.plan_jobs: ConfigError: {} is not made in {} (languages by docum": OPTION,
    "jobs.resolve_variants: ConfigError: unknown PDF variant {} for the archive; ": OPTION,
    "jobs.resolve_variants: ConfigError: unknown variant {}; choose one of {} or ": OPTION,
    "prepress._name_output_intent: PrepressError: WeasyPrint wrote no output intent": WEASYPRINT,
    "prepress._refuse_annotations: print_links_refusal: count": "link_in_print",
    "prepress._refuse_rgb_pictures: rgb_pictures_refusal: count": "rgb_background_in_print",
    "prepress.cmyk_picture: PrepressError: {}: its embedded colour profile cannot b": (
        "transparent_picture"
    ),
    "prepress.cmyk_picture: PrepressError: {}: the picture cannot be read to conver": (
        "transparent_picture"
    ),
    "prepress.cmyk_picture: problem": "transparent_picture",
    "render.font_codepoints: RenderError: exc.message.removeprefix(f'{font_path.na": "not_a_font",
    "render.font_codepoints: RenderError: not a font file (too large, or not a reg": "not_a_font",
    "render.font_codepoints: RenderError: the file is not a font that can be read ": "not_a_font",
    "render.font_codepoints: RenderError: the font maps no characters: it is not a": "not_a_font",
    "render.render: RenderError: f'{label}: ' + '; '.join((overflow.descr": LAYOUT,
    "render.render: RenderError: {}: {}": LAYOUT,
    "render.safe_resource_path: FetchRefused: refused to fetch {}: only files inside t": (
        "resource_outside"
    ),
    "render.safe_resource_path: FetchRefused: refused to read {}: it is outside the pr": (
        "resource_outside"
    ),
    "safety.inspect_image: FetchRefused: {}: SVG files with a DOCTYPE or ENTITY d": "not_a_picture",
    "safety.inspect_image: FetchRefused: {}: not a picture (PNG, JPEG, GIF, WebP ": "not_a_picture",
    "safety.inspect_image: FetchRefused: {}: refused: a decompression bomb (a sma": (
        "picture_too_large"
    ),
    "safety.inspect_image: FetchRefused: {}: the image cannot be read ({})": "not_a_picture",
    "safety.inspect_image: FetchRefused: {}: the image is {} x {} = {} pixels, ov": (
        "picture_too_large"
    ),
    "safety.max_image_pixels: ConfigError: [build] max_image_pixels must be a whole": (
        "bad_pixel_limit"
    ),
    "safety.read_inside: IombrochureError: cannot read {}: {}": "picture_not_found",
    "safety.read_inside: IombrochureError: {} is a folder, not a file": "picture_not_found",
    "safety.read_inside: IombrochureError: {} is not a regular file (a device or a ": (
        "picture_not_found"
    ),
    "safety.read_inside: IombrochureError: {} is {} MB, over the limit of {} MB: re": (
        "picture_not_found"
    ),
    "safety.resolve_inside: ReadRefused: message": "template_linked_out",
    "safety.resolve_inside: ReadRefused: {} {} is a link that leads back to itsel": (
        "template_linked_out"
    ),
    "templating.__iter__: OverBudget: more than {} loop iterations in all": BUDGET,
    "templating.on_time: OverBudget: filling the template took more than {} s": BUDGET,
    "templating._check_percent: self.over_budget: a format width": BUDGET,
    "templating._predict: self.over_budget: what": "over_budget",
    "templating._refuse_addresses_as_text: TemplateError: a {}() value is printed as text ({}...):": (
        "qr_code_as_text"
    ),
    "templating.append: self.env.over_budget: the output": BUDGET,
    "templating.bounded_range: OverBudget: range() of more than {} numbers": BUDGET,
    "templating.call_binop: self.over_budget: joining them": BUDGET,
    "templating.call_binop: self.over_budget: repeating it": BUDGET,
    "templating.call_binop: self.over_budget: the product": BUDGET,
    "templating.call_binop: self.over_budget: {} ** {}": BUDGET,
    "templating.check_widths: self.over_budget: what": BUDGET,
    "templating.concat: self.over_budget: the output": BUDGET,
    "templating.get_source: TemplateError: exc.message": "template_linked_out",
    "templating.get_source: TemplateError: the template is over 2 MB: refused": "huge_template",
    "templating.get_source: jinja2.TemplateNotFound: template": "template_not_found",
    "templating.measured: self.over_budget: a number": BUDGET,
    "templating.measured: self.over_budget: the text": BUDGET,
    "templating.picture_data_uri: TemplateError: exc.message": "not_a_picture",
    "templating.picture_data_uri: TemplateError: exc.message.removeprefix(f'{relative}: '": (
        "transparent_picture"
    ),
    "templating.picture_data_uri: TemplateError: picture {} not found": "picture_not_found",
    "templating.picture_data_uri: TemplateError: {} {}: an inlined SVG picture may not re": (
        "svg_with_reference"
    ),
    "templating.printed: self.over_budget: the text": BUDGET,
    "templating.render_edition: TemplateError: [documents.{}] title_field {} is not a f": (
        "title_field"
    ),
    "templating.render_edition: TemplateError: not allowed in a template: {}": "unsafe_attribute",
    "templating.render_edition: TemplateError: template error: {} (while filling {})": "arithmetic",
    "templating.render_edition: TemplateError: template syntax error: {}": "template_syntax",
    "templating.render_edition: TemplateError: template {} not found": "template_not_found",
    "templating.render_edition: TemplateError: the template calls, includes or extends ": (
        "recursion"
    ),
    "templating.render_edition: TemplateError: {} (while filling {})": (
        "undefined_in_untaken_branch"
    ),
    "textlayer._annotate_structure: RenderError: the tag tree of page {} does not map its": (
        WEASYPRINT
    ),
    "preflight._poppler_cmyk: PreflightError: neither Ghostscript nor poppler's pdftop": PREFLIGHT,
    "preflight._poppler_cmyk: PreflightError: pdftoppm cannot render it: {}": PREFLIGHT,
    "preflight._tiffsep: PreflightError: Ghostscript cannot render its separation": PREFLIGHT,
    "preflight.preflight_pdf: PreflightError: cannot be read as a PDF ({})": PREFLIGHT,
    "preflight.preflight_pdf: PreflightError: page {}: its content cannot be read (the": PREFLIGHT,
    "preflight.render_separations: PreflightError: rendering its separations took more than": PREFLIGHT,
    "preflight.preflight_project: PreflightError: no print PDFs in {}": PREFLIGHT,
    "previews._rasterise: RenderError: cannot read a PDF to preview it: {}": PREVIEW,
    "previews.preview_build: RenderError: nothing to preview: {}/manifest.json lis": PREVIEW,
    "previews.render_pages: RenderError: cannot read {} to preview it: {}": PREVIEW,
    "previews.render_pages: RenderError: exc.message": PREVIEW,
    "previews.soft_proof_pages: RenderError: cannot soft-proof a print PDF: {}": PREVIEW,
    "textlayer.check_internals: RenderError: WeasyPrint {} changed {}{}, which the PD": WEASYPRINT,
    "textlayer.check_internals: RenderError: WeasyPrint {} has no {}.{}, which the PD": WEASYPRINT,
    "translations._content_file_of: ContentError: file not found": MARK_CURRENT,
    "translations._content_file_of: ContentError: no document of this project uses this fi": MARK_CURRENT,
    "translations._content_file_of: ContentError: not a content file of this project": MARK_CURRENT,
    "translations._content_file_of: ContentError: this is the source language: only its tr": MARK_CURRENT,
    "translations._prove_only_block_changed: ContentError: cannot update the translation: block wit": MARK_CURRENT,
    "translations._prove_only_block_changed: ContentError: the file is not a set of fields": MARK_CURRENT,
    "translations.mark_current: ContentError: f'no translated field {unknown[0]!r} in ": MARK_CURRENT,
    "translations.mark_files_current: ConfigError: --field marks fields of one file: name t": MARK_CURRENT,
    "translations.mark_files_current: ConfigError: unknown language {}; this project has: {": MARK_CURRENT,
    "translations.mark_files_current: ConfigError: {} is the source language: only translat": MARK_CURRENT,
    "workers.resolve_jobs: RenderError: --jobs must be at least 1, not {}": OPTION,
    "workers.result: RenderError: a render worker stopped unexpectedly (ou": WEASYPRINT,
    "workers.start_method: RenderError: {}={} is not available here; choose one ": OPTION,
    "yamlparse._compose: BadYaml: expected a single document in the file, ": "invalid_yaml",
    "yamlparse._compose: UnsafeYaml: YAML anchors and aliases (& and *) are n": "yaml_alias",
    "yamlparse._compose: UnsafeYaml: YAML tags ({}) are not allowed in conten": "yaml_alias",
    "yamlparse._compose: UnsafeYaml: the YAML is nested more than {} levels d": "yaml_alias",
    "yamlparse.parse_round_trip: BadYaml: str(exc)": "invalid_yaml",
    "yamlparse.parse_round_trip: _where_it_starts: text": "invalid_yaml",
}

#: Raised for Python's own reasons (a programming error, an attribute lookup a template may
#: make, a helper's internal signal): no user-facing refusal.
NOT_REFUSALS = (
    "AttributeError", "TypeError", "ValueError", "NotImplementedError", "TTLibError",
    "KeyError", "RuntimeError",
)  # fmt: skip


def _leading_text(node: ast.expr) -> str:
    """The literal start of a message (``{}`` for what is filled in), or the expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value[:40]
    if isinstance(node, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
        return "".join(parts)[:40]
    return ast.unparse(node)[:40]


def raise_sites() -> set[str]:
    """``module.function: exception: message start`` of every raise in pipeline/*.py that
    stops a build for the user (re-raising a caught error excepted)."""
    found = set()
    for path in sorted(PIPELINE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.Raise) or node.exc is None:
                    continue
                if isinstance(node.exc, ast.Call):
                    name = ast.unparse(node.exc.func)
                    message = _leading_text(node.exc.args[0]) if node.exc.args else ""
                    key = f"{path.stem}.{function.name}: {name}: {message}"
                else:
                    name = ast.unparse(node.exc)
                    key = f"{path.stem}.{function.name}: {name}"
                python_own = name.split(".")[-1] in NOT_REFUSALS
                re_raised = name in ("exc", "error", "problem")
                if (python_own or re_raised) and key not in REFUSALS:
                    continue
                found.add(key)
    return found


def test_every_refusal_of_the_pipeline_is_listed_with_how_check_reports_it():
    found = raise_sites()
    new = sorted(found - set(REFUSALS))
    assert not new, (
        "new refusals in pipeline/: add each to REFUSALS with a scenario showing that check "
        "reports it, or the reason check cannot:\n" + "\n".join(new)
    )
    gone = sorted(set(REFUSALS) - found)
    assert not gone, "listed refusals no longer raised (remove them from REFUSALS):\n" + "\n".join(
        gone
    )
    for key, how in REFUSALS.items():
        assert how in SCENARIOS or " " in how, (key, how)  # a scenario's name, or a reason


def refusal_lines(root: Path) -> tuple[list[str], list[str]]:
    """What ``check`` reports as errors, and what the build refuses with before any page is
    laid out (``prepare_build``: plan, checks, templating), each as ``file:line: message``."""
    try:
        project = load_project(root)
    except IombrochureError as error:
        return [error.format(root)], [error.format(root)]
    report = run_checks(project)
    checked = [finding.format(root) for finding in report.errors]
    try:
        prepare_build(load_project(root), force=True)
    except IombrochureError as error:
        built = [problem.format(root) for problem in getattr(error, "findings", None) or [error]]
    else:
        built = []
    return checked, built


@pytest.mark.parametrize("name", sorted(set(REFUSALS.values()) & set(SCENARIOS)))
def test_check_reports_what_the_build_refuses_in_the_same_words(tmp_path: Path, name: str):
    root = leaflet_project(tmp_path / "p")
    words = SCENARIOS[name](root)
    checked, built = refusal_lines(root)
    assert any(words in line for line in checked), checked
    assert any(words in line for line in built), built
    said = next(line for line in checked if words in line)
    assert said in built  # the same file, line and words


@pytest.mark.parametrize("name", ["transparent_picture", "qr_code_as_text", "link_in_print"])
def test_check_and_build_stop_on_the_same_line(tmp_path: Path, name: str):
    """What was found on main: these passed ``check`` and failed (or fooled) the build."""
    root = leaflet_project(tmp_path / "p")
    SCENARIOS[name](root)
    check = run_cli("check", "--project", str(root))
    assert check.returncode == 1
    (said,) = [line for line in check.stdout.splitlines() if ": error: " in line]
    where, message = said.split(": error: ", 1)
    build = run_cli("build", "--doc", "card", "--no-preview", "--project", str(root))
    assert build.returncode == 1 and "Traceback" not in build.stderr
    assert build.stderr.strip().splitlines() == [f"error: {where}: {message}"]
    assert not list(root.glob("dist/**/*.pdf"))  # nothing written
