"""Stage 4: one HTML string per document and language, from Jinja2 layouts.

Templates are strict (an undefined name is an error, not an empty string) and autoescaped.
Their UI strings go through gettext so that Babel's extract/update workflow keeps the catalogs
in ``locales/`` complete.
"""

from __future__ import annotations

import contextvars
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter, SecurityError
from markupsafe import EscapeFormatter, Markup

from iombrochure.errors import TemplateError
from iombrochure.pipeline.config import Document, Project
from iombrochure.pipeline.content import Content
from iombrochure.pipeline.i18n import (
    Localizer,
    css_string,
    load_translations,
    localize_file,
    strip_bidi_controls,
)
from iombrochure.pipeline.phones import tel_uri
from iombrochure.pipeline.scripts import BIDI_CONTROLS

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


# --------------------------------------------------------------------------------------------
# The sandbox's budget: what a template (or a campaign text) may make


@dataclass
class _Filling:
    """One filling of a template: the iterations of all its ``{% for %}`` loops, counted
    together, and when its time is up."""

    deadline: float
    iterations: int = 0


_filling: contextvars.ContextVar[_Filling | None] = contextvars.ContextVar("filling", default=None)
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")


#: What the budget counts for each item of a list, tuple, set or dict (about what Python keeps
#: for it); a character counts one.
ITEM_SIZE = 32


def measure(value: Any, limit: int) -> int:
    """About how many bytes ``value`` takes: a character one, an item of a list, tuple, set or
    dict ``ITEM_SIZE`` and what it holds, nested, counted only until ``limit`` is passed: a
    list that holds itself twice at each of 40 levels is refused after a few steps, not 2**40."""
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, list | tuple | set | frozenset | dict | range):
            total += len(item) * ITEM_SIZE
            if total <= limit and not isinstance(item, range):
                pending.extend(item.items() if isinstance(item, dict) else item)
        else:
            total += 1
        if total > limit:
            break
    return total


class OverBudget(SecurityError):
    """A template or campaign text would make more than the sandbox's budget allows."""


class _BudgetedFormatter(SandboxedFormatter):
    """``str.format`` in the sandbox, refusing a width or precision over the budget before the
    field is padded: ``'{:500000000}'.format(x)`` would make half a gigabyte."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        self._env.check_widths(format_spec, "a format width")  # type: ignore[attr-defined]
        return super().format_field(value, format_spec)


class _BudgetedEscapeFormatter(_BudgetedFormatter, EscapeFormatter):
    pass


class _CountingCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every ``{% for %}`` loop counted against the budget and
    every buffer a macro, block or ``~`` joins measured: a template cannot loop for ever, nor
    build a text too large for the memory."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        counted = nodes.For(
            node.target,
            nodes.Call(
                nodes.EnvironmentAttribute("counted_loop"), [node.iter], [], None, None
            ).set_lineno(node.lineno),
            node.body,
            node.else_,
            node.test,
            node.recursive,
        ).set_lineno(node.lineno)
        super().visit_For(counted, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """``a ~ b``: each part measured before it is made text, and the result after."""
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        else:
            join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        self.write(f"environment.printed({join}((")
        for part in node.nodes:
            self.write("environment.printed(")
            self.visit(part, frame)
            self.write("), ")
        self.write(")))")

    def buffer(self, frame: Frame) -> None:
        """A macro's, block's or ``{% set %}`` block's output, measured as it grows."""
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.output_buffer()")

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        super().visit_Template(node, frame)
        # Macros, call blocks and filter blocks join their buffers with the module's `concat`:
        # from here on it is the environment's, which measures what it joins.
        self.writeline("concat = environment.concat")


class _BudgetedTemplate(jinja2.Template):
    """A template whose loops and calls share one budget of iterations and time for each
    filling."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        seconds = self.environment.max_seconds  # type: ignore[attr-defined]
        token = _filling.set(_Filling(deadline=time.monotonic() + seconds))
        try:
            return super().render(*args, **kwargs)
        finally:
            _filling.reset(token)


class BudgetedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox with a budget of memory and time. A template (a file that may come by
    e-mail) or a campaign text can fill in values and call the filters and helpers given to it,
    but not reach Python's internals (``__class__``), change a list or dict in place, or make
    more than the budget allows: a text or list of more than ``max_text`` bytes (see
    :func:`measure`; by ``*``, ``+``, ``%``, ``~``, a format width, ``center``, ``join``, a
    filter, a macro), a number of more than ``max_integer_bits`` bits (``2 ** 10**8``), a
    ``range()`` of more than ``max_range`` numbers, more than ``max_loop_iterations`` loop
    iterations in all, or more than ``max_seconds`` of loops and calls (each call and operation
    being bounded in size, the filling ends soon after). Each is an :class:`OverBudget` before
    the memory is taken. Recursion (a macro calling
    itself, a template including itself) ends as Python's RecursionError, which the callers
    report with the template's name."""

    max_text = 4_000_000
    #: What a whole filling prints may be larger: it holds the pictures, inlined.
    max_output = 32_000_000
    max_integer_bits = 10_000
    max_range = 10_000
    max_loop_iterations = 100_000
    max_seconds = 30.0
    intercepted_binops = frozenset({"+", "*", "**", "%"})
    code_generator_class = _CountingCodeGenerator
    template_class = _BudgetedTemplate

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = self.bounded_range
        del self.globals["lipsum"]  # pages of filler text on request: nothing a publication needs
        given = self.finalize
        self.finalize = self.printed if given is None else lambda value: given(self.printed(value))
        self.filters = {name: self._budgeted(name, f) for name, f in self.filters.items()}

    # -- the budget's checks

    def over_budget(
        self, what: str, amount: int, unit: str = "bytes", *, limit: int | None = None
    ) -> OverBudget:
        if limit is None:
            limit = self.max_integer_bits if unit == "bits" else self.max_text
        return OverBudget(
            f"{what} would make {amount:,} {unit}, over the budget of {limit:,} {unit}"
        )

    def measured(self, value: Any, limit: int | None = None) -> Any:
        """``value`` if it is within the budget (``max_text``, or ``limit``); else
        SecurityError."""
        if _is_int(value):
            if value.bit_length() > self.max_integer_bits:
                raise self.over_budget("a number", value.bit_length(), "bits")
            return value
        limit = limit or self.max_text
        size = measure(value, limit)
        if size > limit:
            raise self.over_budget("the text", size, limit=limit)
        return value

    def printed(self, value: Any) -> Any:
        """Jinja's finalize: a value is measured before ``{{ }}`` turns it into text (a list
        that nests itself would take for ever to print). A text may be as large as a page's
        output (it may be an inlined picture); anything else is held to ``max_text``."""
        if isinstance(value, str):
            if len(value) > self.max_output:
                raise self.over_budget("the text", len(value), limit=self.max_output)
            return value
        return self.measured(value)

    def check_widths(self, spec: str, what: str) -> None:
        """A width or precision in a format over the budget: ``{:500000000}``, ``%.9999999f``."""
        for number in _NUMBER.findall(spec):
            if int(number) > self.max_text:
                raise self.over_budget(what, int(number))

    def _check_percent(self, template: str, values: Any) -> None:
        """``'%500000000s' % x`` and ``'%*s' % (500000000, x)``, refused before formatting."""
        stars = False
        for width, precision in _PERCENT_FIELD.findall(template):
            self.check_widths(f"{width} {precision}", "a format width")
            stars = stars or "*" in (width, precision)
        if stars:
            for value in values if isinstance(values, tuple) else (values,):
                if isinstance(value, int) and value > self.max_text:
                    raise self.over_budget("a format width", value)

    def _predict(self, what: str, value: Any, args: tuple, kwargs: dict) -> None:
        """What a filter or a string method may make, from its arguments, before it runs: a
        width (``center(500000000)``) makes that many characters; a string argument
        (``replace``, ``indent``, ``wordwrap``, the filter ``join``) may be put between every
        two pieces of the value, and the value between every two items of a list argument
        (the method ``', '.join(items)``)."""
        arguments = [*args, *kwargs.values()]
        widths = sum(a for a in arguments if _is_int(a))
        inserted = sum(len(a) for a in arguments if isinstance(a, str))
        items = sum(len(a) for a in arguments if isinstance(a, list | tuple | set | dict))
        size = measure(value, self.max_text)
        given = sum(measure(a, self.max_text) for a in arguments if not _is_int(a))
        if max(size, given) > self.max_text:
            raise self.over_budget(what, max(size, given))
        predicted = max(widths, 0) + size * (1 + inserted + items) + given
        if predicted > self.max_text:
            raise self.over_budget(what, predicted)

    # -- the sandbox's hooks

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.on_time()
        if operator == "**" and _is_int(left) and _is_int(right) and right > 0:
            bits = right * max(abs(left).bit_length() - 1, 0)
            if bits > self.max_integer_bits:
                raise self.over_budget(f"{left} ** {right}", bits, "bits")
        elif operator == "*":
            if _is_int(left) and _is_int(right):
                bits = left.bit_length() + right.bit_length()
                if bits > self.max_integer_bits:
                    raise self.over_budget("the product", bits, "bits")
            else:
                count = next((x for x in (left, right) if _is_int(x)), None)
                sequence = right if count is left else left
                if count is not None and isinstance(sequence, str | list | tuple):
                    size = measure(sequence, self.max_text) * max(count, 0)
                    if size > self.max_text:
                        raise self.over_budget("repeating it", size)
        elif operator == "+" and isinstance(left, str | list | tuple):
            size = measure(left, self.max_text) + measure(right, self.max_text)
            if size > self.max_text:
                raise self.over_budget("joining them", size)
        elif operator == "%" and isinstance(left, str):
            self._check_percent(left, right)
        return self.measured(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        __self.on_time()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and __obj.__name__ not in ("format", "format_map"):
            __self._predict(f"{__obj.__name__}()", owner, args, kwargs)
            return __self.measured(super().call(__context, __obj, *args, **kwargs))
        # A helper's result (an inlined picture) may be as large as a page's output.
        return __self.measured(super().call(__context, __obj, *args, **kwargs), __self.max_output)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` and ``format_map`` as Jinja's sandbox wraps them, with the width of
        each field measured before it is padded (:class:`_BudgetedFormatter`)."""
        owner = getattr(value, "__self__", None)
        if not isinstance(owner, str) or getattr(value, "__name__", "") not in (
            "format",
            "format_map",
        ):
            return None
        formatter = (
            _BudgetedEscapeFormatter(self, escape=owner.escape)
            if isinstance(owner, Markup)
            else _BudgetedFormatter(self)
        )
        is_map = value.__name__ == "format_map"

        def formatted(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            return type(owner)(self.measured(formatter.vformat(owner, args, kwargs)))

        return formatted

    def concat(self, pieces: Any) -> str:  # type: ignore[override]
        """Join a template's output (or a macro's, a block's), refusing it as soon as it grows
        past the budget: a loop printing a large text many times stops there."""
        joined: list[str] = []
        size = 0
        for piece in pieces:
            size += len(piece)
            if size > self.max_output:
                raise self.over_budget("the output", size, limit=self.max_output)
            joined.append(piece)
        return "".join(joined)

    def output_buffer(self) -> _OutputBuffer:
        return _OutputBuffer(self)

    def counted_loop(self, iterable: Any) -> Any:
        """A ``{% for %}`` loop's items, each counted against the filling's budget."""
        return _CountedLoop(iterable, self)

    def on_time(self) -> _Filling:
        """The current filling, once its time is checked (outside ``render``, a new one
        each time: nothing is left behind for a later filling)."""
        filling = _filling.get()
        if filling is None:
            return _Filling(deadline=time.monotonic() + self.max_seconds)
        if time.monotonic() > filling.deadline:
            raise OverBudget(f"filling the template took more than {self.max_seconds:g} s")
        return filling

    def bounded_range(self, *args: int) -> range:
        numbers = range(*args)
        try:
            length = len(numbers)
        except OverflowError:
            length = self.max_range + 1
        if length > self.max_range:
            raise OverBudget(f"range() of more than {self.max_range:,} numbers")
        return numbers

    def _budgeted(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """A filter whose arguments and result are measured (``center(500000000)``,
        ``join``, ``'%500000000s' | format(x)``)."""
        passes = getattr(function, "jinja_pass_arg", None)

        def filtered(*args: Any, **kwargs: Any) -> Any:
            given = args[1:] if passes is not None else args
            value, rest = (given[0], given[1:]) if given else ("", ())
            if name == "format" and isinstance(value, str):
                self._check_percent(value, rest)
            self._predict(f"the filter {name!r}", value, rest, kwargs)
            return self.measured(function(*args, **kwargs))

        filtered.__name__ = name
        if passes is not None:
            filtered.jinja_pass_arg = passes  # type: ignore[attr-defined]
        return filtered


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _OutputBuffer(list):
    """Where a macro or block collects its output: refused as soon as it grows past the
    budget of a page's output, not when it is joined (a loop of a thousand large texts)."""

    def __init__(self, env: BudgetedSandbox) -> None:
        super().__init__()
        self.env = env
        self.size = 0

    def append(self, piece: Any) -> None:
        self.size += len(piece)
        if self.size > self.env.max_output:
            raise self.env.over_budget("the output", self.size, limit=self.env.max_output)
        super().append(piece)

    def extend(self, pieces: Any) -> None:
        for piece in pieces:
            self.append(piece)


class _CountedLoop:
    """An iterable whose items are counted against the filling's budget of loop iterations
    and time (its length is the iterable's, for ``loop.length``)."""

    def __init__(self, iterable: Any, env: BudgetedSandbox) -> None:
        self.iterable = iterable
        self.env = env

    def __len__(self) -> int:
        return len(self.iterable)

    def __iter__(self) -> Iterator[Any]:
        limit = self.env.max_loop_iterations
        for item in self.iterable:
            filling = self.env.on_time()
            filling.iterations += 1
            if filling.iterations > limit:
                raise OverBudget(f"more than {limit:,} loop iterations in all")
            yield item


class ConfinedLoader(jinja2.FileSystemLoader):
    """Loads templates (and what they include, import or extend) from the templates folders,
    refusing any that is, or leads by a symlink to, a file outside the trusted roots: the
    path is resolved and refused before the file is opened, so nothing outside is ever read."""

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

        pieces = split_template_path(template)  # '..' is TemplateNotFound
        for folder in self.searchpath:
            filename = os.path.normpath(os.path.join(folder, *pieces))
            if not os.path.isfile(filename):  # a stat: nothing is opened yet
                continue
            try:
                resolved = resolve_inside(self.root, filename, what="template")
            except ReadRefused as exc:
                raise TemplateError(
                    exc.message, path=filename, hint=exc.hint, rule=exc.rule
                ) from None
            if resolved.stat().st_size > MAX_TEXT_FILE_BYTES:
                raise TemplateError("the template is over 2 MB: refused", path=resolved)
            source = resolved.read_bytes().decode(self.encoding)
            modified = os.path.getmtime(resolved)

            def uptodate(resolved: Path = resolved, modified: float = modified) -> bool:
                try:
                    return os.path.getmtime(resolved) == modified
                except OSError:
                    return False

            return source, filename, uptodate
        raise jinja2.TemplateNotFound(template)


#: Templates lay out a few pages: ``range()`` gives at most this many numbers.
MAX_TEMPLATE_RANGE = 10_000


class _EditionTemplateSandbox(BudgetedSandbox):
    """The sandbox of the publication templates (see :class:`BudgetedSandbox`).

    Its name keys the folder of compiled templates kept between builds
    (state.template_bytecode_cache): renamed when the compiled code changes, so that
    templates compiled before are never loaded again (without the budget's counting, or
    with a per-edition filter folded into a constant: see :func:`_per_edition`)."""

    max_range = MAX_TEMPLATE_RANGE


def make_environment(project: Project) -> jinja2.Environment:
    """A strict, autoescaping, sandboxed Jinja2 environment over the project's templates."""
    env = _EditionTemplateSandbox(
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
        from iombrochure.pipeline.prepress import PrepressError, picture_for_print

        try:
            return picture_for_print(
                data, project.print.profile, name=relative, mime_type=mime_type
            )
        except PrepressError as exc:  # the picture is the file to change
            raise TemplateError(
                exc.message.removeprefix(f"{relative}: "),
                path=project.root / relative,
                hint=exc.hint,
                rule="print-picture",
            ) from None
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


#: The bars' colour when a template names none: the starter kit's brand blue.
BAR_COLOUR = "#0033a0"
_CSS_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,20}")


def bar_chart(localizer: Localizer, bars: Any, *, colour: str = BAR_COLOUR) -> Markup:
    """A horizontal bar chart as HTML and CSS: one row per ``(label, number)`` pair (or per
    item of a dict), each bar as long as its share of the largest, with the number written
    in the edition's digits and separators.

    HTML, not SVG: WeasyPrint draws an SVG's text letter by letter, so Persian or Pashto
    labels would come out unjoined and backwards; HTML text is shaped like the rest of the
    page, the rows mirror in a right-to-left edition (flexbox follows ``dir``), and the
    labels and numbers stay real text in the PDF for screen readers and search. The layout
    is inline, so it works without any stylesheet; the classes (``bar-chart``,
    ``bar-chart-row``, ``-label``, ``-track``, ``-bar``, ``-value``) are there to restyle it."""
    pairs = list(bars.items()) if isinstance(bars, dict) else list(bars)
    if not pairs:
        raise ValueError("bar_chart() was given no bars")
    if not _CSS_COLOUR.fullmatch(str(colour)):
        raise ValueError(f"bar_chart(): colour {colour!r} is not a CSS colour like '#0033a0'")
    rows = []
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise TypeError(
                f"bar_chart() takes (label, number) pairs, e.g. [('2025', "
                f"data.raw.figures.helped_2025)], not {pair!r}"
            )
        label, value = pair
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(
                f"bar_chart(): the bar {str(label)!r} has {value!r}, not a number: take it from "
                "data.raw (data.raw.figures.x), not data.figures.x, which is already text"
            )
        if value < 0:
            raise ValueError(f"bar_chart(): the bar {str(label)!r} has {value}, below zero")
        rows.append((label, value))
    largest = max(value for _, value in rows)
    return Markup('<div class="bar-chart">{}</div>').format(
        Markup("").join(
            Markup(
                '<div class="bar-chart-row" style="display: flex; align-items: center; '
                'margin-block-end: 1.5mm">'
                '<span class="bar-chart-label" style="flex: none; width: 30%">{label}</span>'
                '<span class="bar-chart-track" style="flex: 1 1 0; display: block">'
                '<span class="bar-chart-bar" style="display: block; height: 5mm; width: '
                '{share:.1f}%; background: {colour}"></span></span>'
                '<span class="bar-chart-value" style="flex: none; width: 14%; padding-inline-start: 2mm; '
                'font-weight: 700">{value}</span></div>'
            ).format(
                label=label,
                share=100 * value / largest if largest else 0,
                colour=colour,
                value=localizer.number(value),
            )
            for label, value in rows
        )
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
        # The edition's font families ([languages.*] fonts, by default from the language code),
        # as a CSS value for base.html's <html style="font-family: ...">.
        "font_family": Markup(", ".join(f"'{name}'" for name in language.fonts)),
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
        "bar_chart": lambda bars, colour=BAR_COLOUR: bar_chart(localizer, bars, colour=colour),
        **(extra_context or {}),
    }
    env.globals["picture_uri"] = lambda path: picture_data_uri(project, path, variant=variant)
    # For the press a QR code prints in black ink alone: one plate, sharp, the best scan.
    env.globals["qr_code"] = (
        (lambda text, colour="#000": qr_code_data_uri(text, colour="#000"))
        if variant == "print"
        else qr_code_data_uri
    )
    # Every name given here (context, globals, filters) has a row in docs/templates.md, which
    # tests/test_docs_templates.py holds to it; a filter whose result depends on the edition is
    # bound through _per_edition.
    env.filters["ltr"] = _per_edition(localizer.isolate)
    env.filters["digits"] = _per_edition(localizer.digits)
    env.filters["number"] = _per_edition(localizer.number)
    env.filters["money"] = _per_edition(localizer.money)
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
    except OverBudget as exc:
        path, line = _template_location(exc, project)
        raise TemplateError(
            f"not allowed in a template: {exc}",
            path=path or project.templates_dir / document.template,
            line=line,
            hint="a template lays out a few pages: keep its loops, repetitions and widths "
            "small (see docs/templates.md, budgets)",
            rule="template-budget",
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
    except RecursionError as exc:
        path, line = _template_location(exc, project)
        raise TemplateError(
            f"the template calls, includes or extends itself without end (while filling "
            f"{document.template})",
            path=path or project.templates_dir / document.template,
            line=line,
            hint="a macro, {% include %} or {% extends %} on this line leads back to itself; "
            "give the recursion an end, or remove it",
            rule="template-recursion",
        ) from None
    except (ArithmeticError, TypeError, ValueError, jinja2.TemplateError) as exc:
        path, line = _template_location(exc, project)
        raise TemplateError(
            f"template error: {exc} (while filling {document.template})",
            path=path or project.templates_dir / document.template,
            line=line,
            hint="see docs/templates.md for what a template can use",
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
    _refuse_addresses_as_text(html, env, document)
    html = clean_alt_texts(html)
    title = str((own or {}).get(document.title_field, document.name))
    return Edition(
        document=document.name, lang=lang, direction=localizer.direction, html=html, title=title
    )


#: An ``alt`` attribute and its value, quoted or not. Read in the whole HTML, not tag by tag:
#: one linear pass (a pattern for whole tags backtracks for minutes over a hostile template's
#: ``<a b c ...`` without an end). What it also finds, ``alt="..."`` written as a template's
#: own text, can only lose invisible marks.
_ALT_ATTRIBUTE = re.compile(r"(\salt\s*=\s*)(\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+)", re.IGNORECASE)
_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?")


def clean_alt_texts(html: str) -> str:
    """Every ``alt`` attribute without bidi controls, written or as character references.

    A right-to-left edition's texts carry isolates around their Latin runs, for the line
    breaker; an alt text is no line but the PDF's /Alt, which screen readers and PDF viewers
    show raw: there the isolates are stray marks. Done here, on the filled HTML, so no
    template has to remember ``| plain`` on each picture."""

    def clean_value(match: re.Match[str]) -> str:
        return match.group(1) + _CHARACTER_REFERENCE.sub(
            _keep_unless_bidi, strip_bidi_controls(match.group(2))
        )

    return _ALT_ATTRIBUTE.sub(clean_value, html)


def _keep_unless_bidi(match: re.Match[str]) -> str:
    hexadecimal, decimal = match.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    return "" if code < 0x110000 and chr(code) in BIDI_CONTROLS else match.group(0)


_DATA_ADDRESS = re.compile(r"data:[\w.+-]+/[\w.+-]+[;,]")
_HELPER_CALL = re.compile(r"\{\{-?\s*(qr_code|picture_uri)\s*\(")


class _TextScanner(HTMLParser):
    """The first ``data:`` address in an edition's text (not in an attribute, a stylesheet
    or a script), where a helper's value was printed as text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.raw_text = 0
        self.found: str | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.raw_text += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self.raw_text -= tag in ("style", "script") and self.raw_text > 0

    def handle_data(self, data: str) -> None:
        match = _DATA_ADDRESS.search(data)
        if match and not self.raw_text and self.found is None:
            self.found = match.group(0)


def _refuse_addresses_as_text(html: str, env: jinja2.Environment, document: Document) -> None:
    """qr_code() and picture_uri() give a ``data:`` address, for ``src="..."``: printed as
    text, it would cover the page with letters. Refused here, where build and check both
    fill the edition, with the template line that prints it where it can be found."""
    if "data:" not in html:
        return
    scanner = _TextScanner()
    scanner.feed(html)
    scanner.close()
    if scanner.found is None:
        return
    helper = "qr_code" if scanner.found.startswith("data:image/svg") else "picture_uri"
    path, line = _helper_as_text(env, document.template, helper)
    raise TemplateError(
        f"a {helper}() value is printed as text ({scanner.found}...): it is an address for "
        "an <img> src, and would cover the page with letters",
        path=path,
        line=line,
        hint=f'write it as <img src="{{{{ {helper}(...) }}}}" alt="...">',
        rule="template-helper",
    )


def _helper_as_text(
    env: jinja2.Environment, name: str, helper: str
) -> tuple[Path | None, int | None]:
    """The template file and line where ``{{ helper(...) }}`` stands outside an attribute,
    looked for in ``name`` and what it includes or extends; else the template alone."""
    from jinja2 import meta

    pending, seen = [name], set()
    first: Path | None = None
    while pending:
        current = pending.pop(0)
        if current in seen:
            continue
        seen.add(current)
        try:
            source, filename, _ = env.loader.get_source(env, current)  # type: ignore[union-attr]
            references = meta.find_referenced_templates(env.parse(source))
        except (jinja2.TemplateError, TemplateError):
            continue
        first = first or Path(filename)
        for match in _HELPER_CALL.finditer(source):
            before = source[: match.start()].rstrip(" ")
            if match.group(1) == helper and not before.endswith(("=", '"', "'", "(")):
                return Path(filename), source.count("\n", 0, match.start()) + 1
        pending.extend(reference for reference in references if reference)
    return first, None


#: What :func:`render_edition` gives every template besides the document's content files (by
#: name) and the environment's globals: docs/templates.md lists them.
EDITION_VARIABLES = frozenset(
    {
        "doc", "lang", "dir", "start", "end", "data", "loc", "base_href", "stylesheets",
        "variant", "links", "document_name", "publication", "page_counter_css", "bar_chart",
        "font_family",
    }
)  # fmt: skip
_GETTEXT_NAMES = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})


def undefined_variables(env: jinja2.Environment, document: Document) -> list[TemplateError]:
    """Each name a document's templates (its own, and what it extends, includes or imports)
    use that nothing gives them, also in a branch no edition takes (``{% if variant ==
    "archive" %}``): the error that filling the template would raise there, in its words."""
    from jinja2 import meta

    parsed: list[tuple[Path, nodes.Template]] = []
    pending, seen = [document.template], set()
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        try:
            source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            tree = env.parse(source, name, filename)
        except (jinja2.TemplateError, TemplateError):
            continue  # reported where templates are compiled
        parsed.append((Path(filename), tree))
        pending.extend(ref for ref in meta.find_referenced_templates(tree) if ref)
    given = {*EDITION_VARIABLES, *document.content, *env.globals, *_GETTEXT_NAMES}
    for _, tree in parsed:  # a child template sets what its parent uses (footer_title)
        given |= {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
        given |= {n.name for n in tree.find_all(nodes.Macro)}
        given |= {n.target for n in tree.find_all(nodes.Import)}
        given |= {
            alias if isinstance(alias, str) else alias[-1]
            for n in tree.find_all(nodes.FromImport)
            for alias in n.names
        }
    # A block that a template extending another replaces (without super()) is never filled.
    replaced = {
        block.name
        for _, tree in parsed
        if any(True for _ in tree.find_all(nodes.Extends))
        for block in tree.find_all(nodes.Block)
        if not any(
            isinstance(call.node, nodes.Name) and call.node.name == "super"
            for call in block.find_all(nodes.Call)
        )
    }
    errors = []
    for path, tree in parsed:
        own = {block.name for block in tree.find_all(nodes.Block)}
        unused = {
            id(name)
            for block in tree.find_all(nodes.Block)
            if block.name in replaced and not _defines_as_child(tree, block.name, own)
            for name in block.find_all(nodes.Name)
        }
        try:
            undeclared = meta.find_undeclared_variables(tree)
        except jinja2.TemplateError:  # a filter bound per edition, and no edition was filled
            continue
        for name in sorted(undeclared - given):
            uses = [n for n in tree.find_all(nodes.Name) if n.name == name and id(n) not in unused]
            if not uses:
                continue
            line = uses[0].lineno
            message = f"'{name}' is undefined"
            errors.append(
                TemplateError(
                    f"{message} (while filling {document.template})",
                    path=path,
                    line=line,
                    hint=_undefined_hint(message, document),
                )
            )
            given.add(name)  # once, where it is first used
    return errors


def _defines_as_child(tree: nodes.Template, block: str, own: set[str]) -> bool:
    """Whether ``tree`` is the template that replaces ``block`` (it extends another)."""
    return block in own and any(True for _ in tree.find_all(nodes.Extends))


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


def _per_edition(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose result depends on the edition, marked so that Jinja never computes it
    once when compiling: ``{{ "2024" | digits }}`` on a constant would otherwise be folded
    with the first edition's digits, and the Persian edition would print "2024"."""

    @jinja2.pass_context
    def filtered(_context: Any, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return filtered


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
