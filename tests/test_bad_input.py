"""Bad input, as communications officers and translators make it: one clear line each.

Every case breaks a scratch copy of the bundled project in one way, runs the real command line
(``check``, which renders nothing, unless the problem only shows while rendering) and asserts
the exit status, that a line names the right file (and line, where one is known) and says the
right thing, and that no traceback is printed.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ONE_EDITION, REPO, copy_project, run_cli

Mutation = Callable[[Path], None]


def replace(file: str, old: str, new: str) -> Mutation:
    def mutate(root: Path) -> None:
        path = root / file
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {file}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return mutate


def append(file: str, text: str) -> Mutation:
    def mutate(root: Path) -> None:
        path = root / file
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return mutate


def write(file: str, data: str | bytes) -> Mutation:
    def mutate(root: Path) -> None:
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")

    return mutate


def delete(file: str) -> Mutation:
    return lambda root: (root / file).unlink()


def both(*mutations: Mutation) -> Mutation:
    def mutate(root: Path) -> None:
        for mutation in mutations:
            mutation(root)

    return mutate


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height``: all a decompression bomb needs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


BILLION_LAUGHS = (
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
    "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
)

EN_IOM = "content/en/iom.yaml"
FA_IOM = "content/fa/iom.yaml"
EN_SHEET = "content/en/factsheet.yaml"
FA_SHEET = "content/fa/factsheet.yaml"
DATA = "content/data.yaml"
CONFIG = "iombrochure.toml"
TEMPLATE = "templates/factsheet.html"
CSS = "styles/factsheet.css"
CATALOG = "locales/fa/LC_MESSAGES/messages.po"


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, and what the user must be told."""

    id: str
    mutate: Mutation
    file: str
    line: int | str | None  # a number, the text of the line, or None (no line is known)
    text: str
    command: tuple[str, ...] = ("check",)
    code: int = 1


CASES = [
    # --- syntax ---------------------------------------------------------------------------
    Case(
        "yaml-unclosed-bracket",
        replace(EN_SHEET, "  - IOM\n", "  - [IOM\n"),
        EN_SHEET,
        None,
        "invalid YAML",
    ),
    Case(
        "yaml-tab-indent",
        replace(FA_IOM, "  acronym: IOM", "\tacronym: IOM"),
        FA_IOM,
        "\tacronym: IOM",
        "invalid YAML",
    ),
    Case(
        "yaml-unclosed-quote",
        replace(EN_IOM, 'on two sectors:"', "on two sectors:"),
        EN_IOM,
        None,
        "invalid YAML",
    ),
    Case(
        "yaml-not-utf8",
        write(EN_SHEET, "title: Caf\xe9 IOM\n".encode("latin-1")),
        EN_SHEET,
        None,
        "not UTF-8",
    ),
    Case(
        "toml-syntax",
        replace(CONFIG, 'digits = "persian"', 'digits = "persian'),
        CONFIG,
        'digits = "persian',
        "invalid TOML",
    ),
    Case(
        "template-unclosed-block",
        replace(TEMPLATE, "{% endfor %}\n  </ul>\n</section>", "\n  </ul>\n</section>"),
        TEMPLATE,
        None,
        "template syntax error",
    ),
    Case(
        "catalog-broken-quote",
        replace(CATALOG, 'msgstr "نشانی"', 'msgstr "نشانی'),
        CATALOG,
        'msgstr "نشانی',
        "cannot read the translation catalog",
    ),
    # --- schema -----------------------------------------------------------------------------
    Case(
        "misspelt-field",
        both(replace(EN_SHEET, "lede:", "leed:"), replace(FA_SHEET, "lede:", "leed:")),
        EN_SHEET,
        "leed:",
        "did you mean 'lede'",
    ),
    Case(
        "number-instead-of-text",
        replace(EN_SHEET, "title: IOM in the Islamic Republic of Iran", "title: 2026"),
        EN_SHEET,
        "title: 2026",
        "title must be text",
    ),
    Case(
        "text-instead-of-list",
        replace(
            FA_SHEET,
            "keywords:\n  - IOM\n  - ایران\n  - مهاجرت\n  - مدیریت مهاجرت\n  - برگهٔ اطلاعات\n",
            "keywords: IOM\n",
        ),
        FA_SHEET,
        "keywords: IOM",
        "keywords must be a list",
    ),
    Case(
        "unknown-placeholder",
        replace(EN_IOM, "{figures.member_states} member", "{figures.members} member"),
        EN_IOM,
        "  reach: >-",
        "did you mean 'figures.member_states'",
    ),
    Case(
        "data-month-format",
        replace(DATA, 'iran_start: "1990-07"', 'iran_start: "July 1990"'),
        DATA,
        "iran_start:",
        'months.iran_start: must be a month written "YYYY-MM"',
    ),
    Case(
        "data-phone-old-style",
        replace(DATA, 'fax: "+98 21 8804 7504"', 'fax: "(98-21) 8804 7504"'),
        DATA,
        "fax:",
        'phones.fax: must be a phone number in international form, e.g. "+98 21 8804 3377"',
    ),
    Case(
        "data-phone-digit-too-many",
        replace(DATA, 'tel_2: "+98 21 8806 0443"', 'tel_2: "+98 21 8806 04430"'),
        DATA,
        "tel_2:",
        "phones.tel_2: must be a phone number in international form",
    ),
    Case(
        "config-misspelt-key",
        replace(CONFIG, 'calendar = "solar-hijri"', 'calender = "solar-hijri"'),
        CONFIG,
        None,
        "did you mean 'calendar'",
    ),
    Case(
        "template-unknown-field",
        replace(TEMPLATE, "{{ doc.lede }}", "{{ doc.lead }}"),
        TEMPLATE,
        "{{ doc.lead }}",
        "has no attribute 'lead'",
    ),
    # --- translation ------------------------------------------------------------------------
    Case(
        "field-not-translated",
        replace(FA_IOM, "  office: دفتر تهران\n", ""),
        FA_IOM,
        "contact:",
        "untranslated: field 'contact.office' is missing",
    ),
    Case(
        "extra-field-in-translation",
        replace(FA_SHEET, "title: سازمان", "subtitle: برگه\ntitle: سازمان"),
        FA_SHEET,
        "subtitle:",
        "extra field 'subtitle'",
    ),
    Case(
        "list-item-missing",
        replace(FA_IOM, "    - مهاجرت نیروی کار\n", ""),
        FA_IOM,
        "activities:",
        "has 5 items but the source has 6",
    ),
    Case(
        "translation-file-missing",
        delete(FA_SHEET),
        FA_SHEET,
        None,
        "missing content file for language 'fa'",
    ),
    Case(
        "catalog-untranslated",
        replace(CATALOG, 'msgstr "تماس با ما"', 'msgstr ""'),
        CATALOG,
        'msgid "Contact"',
        "'Contact' is not translated",
    ),
    Case(
        "catalog-fuzzy",
        replace(CATALOG, 'msgid "Fax"', '#, fuzzy\nmsgid "Fax"'),
        CATALOG,
        'msgid "Fax"',
        "'Fax' is marked fuzzy",
    ),
    Case(
        "catalog-missing-entry",
        replace(TEMPLATE, '<h2>{{ _("Contact") }}', '<h2>{{ _("Get in touch") }}'),
        CATALOG,
        None,
        "'Get in touch' (used in templates/factsheet.html:",
    ),
    Case(
        "stale-translation",
        replace(EN_IOM, "    - Research\n", "    - Research and data\n"),
        FA_IOM,
        "        - پژوهش",
        "about.areas[4].topics[1] may be out of date",
        code=0,
    ),
    Case(
        "stale-translation-strict",
        replace(EN_IOM, "    - Research\n", "    - Research and data\n"),
        FA_IOM,
        "        - پژوهش",
        f"see {EN_IOM}:29",
        command=("check", "--strict"),
    ),
    # --- typography -------------------------------------------------------------------------
    Case(
        "arabic-yeh-and-kaf",
        replace(FA_IOM, "        - پژوهش", "        - پژوهش علمي كاربردی"),
        FA_IOM,
        "پژوهش علمي",
        'Arabic letter "ي" (U+064A) in Persian text: use Persian "ی"',
    ),
    Case(
        "arabic-indic-digits",
        replace(FA_SHEET, "label: سال تأسیس", "label: سال تأسیس ١٩٥١"),
        FA_SHEET,
        "سال تأسیس ١٩٥١",
        'Arabic-Indic digits "١٩٥١"',
    ),
    Case(
        "latin-digits",
        replace(FA_SHEET, "label: کشورهای عضو", "label: 120 کشور عضو"),
        FA_SHEET,
        "120 کشور",
        'Latin digits "120" in Persian text: use Persian digits "۱۲۰"',
    ),
    Case(
        "bidi-override",
        replace(FA_SHEET, "label: کشورهای ناظر", "label: کشورهای \u202eناظر"),
        FA_SHEET,
        "کشورهای \u202eناظر",
        "U+202E (RIGHT-TO-LEFT OVERRIDE)",
    ),
    Case(
        "straight-quotes",
        replace(FA_SHEET, "label: کشورهای عضو", 'label: کشورهای "عضو" سازمان'),
        FA_SHEET,
        'کشورهای "عضو"',
        "use Persian guillemets «…»",
        code=0,
    ),
    Case(
        "missing-zwnj-strict",
        replace(FA_IOM, "فعالیت می‌کند.", "فعالیت می کند."),
        FA_IOM,
        None,
        'Missing zero-width non-joiner (U+200C) in "می کند"',
        command=("check", "--strict"),
    ),
    # --- links and images -------------------------------------------------------------------
    Case(
        "http-link-in-prose",
        replace(EN_IOM, "with the Government.", "with the [Government](http://example.org)."),
        EN_IOM,
        "  intro: >-",
        "is not encrypted: write https://",
    ),
    Case(
        "javascript-link-in-prose",
        replace(FA_IOM, "به‌عنوان عضو\n", "به‌عنوان [عضو](javascript:alert(1))\n"),
        FA_IOM,
        "un_note: >-",
        "uses javascript:, which is not allowed in content",
    ),
    Case(
        "picture-in-prose",
        replace(EN_SHEET, "  Since {months", "  ![map](https://example.org/map.png) Since {months"),
        EN_SHEET,
        "lede:",
        "pictures cannot be placed in prose",
    ),
    Case(
        "template-image-outside-project",
        replace(TEMPLATE, "<h1>", '<img src="file:///etc/passwd" alt=""><h1>'),
        TEMPLATE,
        "file:///etc/passwd",
        "refused to read /etc/passwd: it is outside the project folder",
    ),
    Case(
        "css-url-escapes-project",
        append(CSS, '\n.masthead { background-image: url("../../outside.png"); }\n'),
        CSS,
        "../../outside.png",
        "outside the project folder",
    ),
    Case(
        "template-image-missing",
        replace(TEMPLATE, "<h1>", '<img src="images/logo.png" alt="IOM"><h1>'),
        TEMPLATE,
        "images/logo.png",
        "images/logo.png does not exist",
    ),
    Case(
        "template-image-without-alt",
        both(
            write("images/logo.png", png_header(80, 40)),
            replace(TEMPLATE, "<h1>", '<img src="images/logo.png"><h1>'),
        ),
        TEMPLATE,
        "images/logo.png",
        "picture 'images/logo.png' has no alt text",
        command=("check", "--strict"),
    ),
    Case(
        "image-too-many-pixels",
        both(
            write("images/huge.png", png_header(12_000, 12_000)),
            replace(TEMPLATE, "<h1>", '<img src="images/huge.png" alt="IOM"><h1>'),
        ),
        TEMPLATE,
        "images/huge.png",
        "12000 x 12000 = 144,000,000 pixels, over the limit of 40,000,000",
    ),
    Case(
        "image-decompression-bomb",
        both(
            write("images/bomb.png", png_header(100_000, 100_000)),
            append(CSS, '\n.masthead { background-image: url("../images/bomb.png"); }\n'),
        ),
        CSS,
        "bomb.png",
        "decompression bomb",
    ),
    Case(
        "raw-html-in-prose",
        replace(EN_IOM, "with the Government.", "with the <b>Government</b>."),
        EN_IOM,
        "  intro: >-",
        "HTML such as '<b>' is printed as text",
        code=0,
    ),
    # --- fonts ------------------------------------------------------------------------------
    Case(
        "emoji-no-font-has",
        replace(EN_SHEET, "label: Founded", "label: Founded 🎉"),
        EN_SHEET,
        "Founded 🎉",
        "no bundled font has '🎉' (U+1F389 PARTY POPPER)",
        command=("check", "--strict"),
    ),
    Case(
        "chinese-in-persian-edition",
        replace(FA_IOM, "  office: دفتر تهران", "  office: دفتر تهران 德黑兰"),
        FA_IOM,
        "德黑兰",
        "contact.office: no bundled font has '德' (U+5FB7 CJK UNIFIED IDEOGRAPH-5FB7): "
        "the PDF shows □ in its place",
        code=0,
    ),
    # --- overflow (only a render can tell) --------------------------------------------------
    Case(
        "over-page-budget",
        replace(
            EN_IOM, "un_note: >-\n", "un_note: >-\n  " + "A sentence that goes on. " * 300 + "\n"
        ),
        CONFIG,
        None,
        "factsheet (en, screen) runs to",
        command=(
            "build",
            *ONE_EDITION,
        ),
    ),
    # --- security ---------------------------------------------------------------------------
    Case(
        "billion-laughs",
        write(EN_SHEET, BILLION_LAUGHS),
        EN_SHEET,
        1,
        "YAML anchors and aliases (& and *) are not allowed",
    ),
    Case(
        "billion-laughs-build",
        write(FA_IOM, BILLION_LAUGHS),
        FA_IOM,
        1,
        "YAML anchors and aliases (& and *) are not allowed",
        command=("build",),
    ),
    Case(
        "deeply-nested-yaml",
        write(EN_SHEET, "title: " + "[" * 5000 + "]" * 5000 + "\n"),
        EN_SHEET,
        1,
        "nested more than 20 levels deep",
    ),
    Case(
        "python-tag",
        replace(
            EN_SHEET, "title: IOM in", "title: !!python/object/apply:os.system ['id'] # IOM in"
        ),
        EN_SHEET,
        "!!python/object",
        "YAML tags",
    ),
    Case(
        "symlink-out-of-project",
        both(
            lambda root: (root / "images").mkdir(exist_ok=True),
            lambda root: (root / "images" / "secret.png").symlink_to("/etc/passwd"),
            replace(TEMPLATE, "<h1>", '<img src="images/secret.png" alt=""><h1>'),
        ),
        "images/secret.png",  # named at the link (issue 12), not by what it points at
        None,
        "picture images/secret.png is a link to a file outside the project folder",
    ),
    Case(
        "localhost-image-from-data",
        both(
            replace(
                DATA,
                "  website: www.iom.int",
                "  website: www.iom.int\n  logo: http://127.0.0.1:9/x.png",
            ),
            replace(TEMPLATE, "<h1>", '<img src="{{ data.raw.links.logo }}" alt=""><h1>'),
        ),
        DATA,
        "logo: http://127.0.0.1:9/x.png",
        "'http://127.0.0.1:9/x.png' is not an e-mail address or a web address",
        command=(
            "build",
            *ONE_EDITION,
        ),
    ),
    Case(
        "svg-links-out-of-project",
        both(
            write(
                "images/logo.svg",
                '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">\n'
                '  <image href="file:///etc/hostname" width="40" height="20"/>\n</svg>\n',
            ),
            replace(TEMPLATE, "<h1>", '<img src="images/logo.svg" alt="IOM"><h1>'),
        ),
        "images/logo.svg",
        2,
        "svg href 'file:///etc/hostname': refused to read /etc/hostname",
    ),
    Case(
        "svg-entity-bomb",
        both(
            write(
                "images/logo.svg",
                '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
                '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
                '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                "<text>&b;</text></svg>\n",
            ),
            replace(TEMPLATE, "<h1>", '<img src="images/logo.svg" alt="IOM"><h1>'),
        ),
        TEMPLATE,
        "images/logo.svg",
        "SVG files with a DOCTYPE or ENTITY declaration are refused",
    ),
    # --- named where the mistake starts -----------------------------------------------------
    Case(
        "yaml-unclosed-quote-named-where-it-opens",
        replace(EN_SHEET, "title: IOM in the", 'title: "IOM in the'),
        EN_SHEET,
        'title: "IOM',
        "a quote opened on this line runs on to line",
    ),
    Case(
        "yaml-unclosed-quote-to-the-end-of-the-file",
        write(EN_SHEET, 'title: "IOM in Iran\nsubject: IOM\nkeywords:\n  - IOM\n'),
        EN_SHEET,
        1,
        "a quote opened on this line is never closed",
    ),
    Case(
        "yaml-missing-colon",
        replace(EN_IOM, "  acronym: IOM", "  acronym IOM"),
        EN_IOM,
        "  acronym IOM",
        "the key on this line has no colon (:) after it",
    ),
    Case(
        "bidi-override-in-the-publisher",
        replace(CONFIG, 'publisher = "International', 'publisher = "\u202eInternational'),
        CONFIG,
        "publisher = ",
        "[publication] publisher contains an invisible bidi control U+202E",
    ),
    Case(
        "bidi-override-in-a-from-name",
        replace(CONFIG, 'fa = "سازمان', 'fa = "\u202eسازمان'),
        CONFIG,
        'fa = "\u202e',
        "[mail.from_name] fa contains an invisible bidi control U+202E",
    ),
    Case(
        "config-nested-too-deeply",
        append(CONFIG, "\n[build]\nmax_image_pixels = " + "[" * 5000 + "]" * 5000 + "\n"),
        CONFIG,
        None,
        "the config is nested too deeply to be read",
    ),
    Case(
        "config-is-a-folder",
        lambda root: ((root / CONFIG).unlink(), (root / CONFIG).mkdir()),
        CONFIG,
        None,
        "not a file but a folder, a device or a pipe",
    ),
    # --- invisible characters in every language ---------------------------------------------
    Case(
        "bidi-override-in-english",
        replace(EN_SHEET, "label: Founded", "label: Fou\u202ended"),
        EN_SHEET,
        "Fou\u202ended",
        "key_figures[0].label contains an invisible bidi control U+202E (RIGHT-TO-LEFT OVERRIDE)",
    ),
    Case(
        "bidi-override-in-english-build",
        replace(EN_SHEET, "label: Founded", "label: Fou\u202ended"),
        EN_SHEET,
        "Fou\u202ended",
        "key_figures[0].label contains an invisible bidi control U+202E (RIGHT-TO-LEFT OVERRIDE)",
        command=("build", *ONE_EDITION),
    ),
    Case(
        "left-to-right-mark-in-english",
        replace(EN_IOM, "  office: IOM Tehran", "  office: IOM\u200e Tehran"),
        EN_IOM,
        "IOM\u200e Tehran",
        "contact.office contains an invisible bidi control U+200E (LEFT-TO-RIGHT MARK)",
    ),
    Case(
        "line-break-in-a-title",
        replace(EN_SHEET, "title: IOM in the Islamic Republic of Iran", 'title: "IOM in\\nIran"'),
        EN_SHEET,
        "title:",
        "title is one line of text but holds a line break",
    ),
    Case(
        "line-break-in-a-persian-label-build",
        replace(FA_SHEET, "label: کشورهای ناظر", "label: |\n      کشورهای\n      ناظر"),
        FA_SHEET,
        "label: |",
        "key_figures[2].label is one line of text but holds a line break",
        command=("build", "--lang", "fa", "--doc", "factsheet", "--variant", "screen"),
    ),
]


def expected_line(root: Path, case: Case) -> int | None:
    if case.line is None or isinstance(case.line, int):
        return case.line
    lines = (root / case.file).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if case.line in line)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gets_one_clear_line(case: Case, tmp_path: Path) -> None:
    root = copy_project(REPO, tmp_path / "project")
    case.mutate(root)
    result = run_cli(*case.command, "--project", str(root))
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == case.code, output
    line = expected_line(root, case)
    where = f"{case.file}:{line}:" if line else f"{case.file}:"
    matching = [text for text in output.splitlines() if where in text and case.text in text]
    assert matching, f"no line with {where!r} and {case.text!r} in:\n{output}"


# ============================================================================================
# Hostile and mistaken input (issue 12): nothing outside the project is read, nothing is
# written, and each mistake is one line. Every case below runs against a scratch project whose
# dist/ holds a previous build's files; they must be byte-identical afterwards.

SECRET = "TOP-SECRET-OUTSIDE-TEXT"


def outside(root: Path, name: str, data: str | bytes = SECRET) -> Path:
    """A file next to the project, not in it: what a hostile link points at."""
    path = root.parent / "outside" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def link_out(file: str, data: str | bytes | None = None, *, copy_of: str | None = None) -> Mutation:
    """Replace a project file by a symlink to a file outside the project (its own copy, or
    ``data``): the link must be refused, never followed."""

    def mutate(root: Path) -> None:
        path = root / file
        if copy_of is not None:
            payload: str | bytes = (root / copy_of).read_bytes()
        elif data is not None:
            payload = data
        else:
            payload = path.read_bytes()
        target = outside(root, Path(file).name, payload)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        path.symlink_to(target)

    return mutate


def blank(file: str, key: str) -> Mutation:
    """Leave a top-level field with no value (``key:``): what a half-finished edit leaves."""

    def mutate(root: Path) -> None:
        path = root / file
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        found = [n for n, line in enumerate(lines) if line.startswith(f"{key}:")]
        assert found, f"{key} not in {file}"
        lines[found[0]] = f"{key}:\n"
        while found[0] + 1 < len(lines) and lines[found[0] + 1].startswith(" "):
            del lines[found[0] + 1]  # the value's continuation lines
        path.write_text("".join(lines), encoding="utf-8")

    return mutate


def jpeg_bytes(*, truncate: bool = False) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    return data[: len(data) // 2] if truncate else data


def png_bytes(*, truncate: bool = False) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.effect_noise((64, 64), 40).save(buffer, "PNG")
    data = buffer.getvalue()
    return data[: len(data) // 2] if truncate else data


SVG_LONG_COMMENT_DOCTYPE = (
    '<?xml version="1.0"?>\n<!-- ' + "a harmless looking comment " * 400 + "-->\n"
    '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaaaaaaaaaaaa">]>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&a;</text></svg>\n'
)
SVG_REMOTE_HREF = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">\n'
    '  <image href="https://tracker.example.org/pixel.png" width="40" height="20"/>\n</svg>\n'
)
BROCHURE_TEMPLATE = "templates/brochure.html"
MAIL_COMPOSE = ("mail", "compose", "--campaign", "introduction", "--recipients", "people.csv")
RECIPIENTS_CSV = (
    "email,name,organization,lang\nali@example.org,Ali,UNHCR,fa\nsam@example.org,Sam,,en\n"
)
CAMPAIGN = "content/campaigns/introduction.yaml"
SUPPRESSION_OUTSIDE = 'suppression_list = "../outside/opted-out.txt"'


def recipients(text: str = RECIPIENTS_CSV) -> Mutation:
    return write("people.csv", text)


HOSTILE = [
    # --- reads outside the project: a link for every kind of file, and config paths ---------
    Case("link-content", link_out(EN_SHEET), EN_SHEET, None, "is a link to a file outside"),
    Case("link-data", link_out(DATA), DATA, None, "is a link to a file outside"),
    Case(
        "link-template-partial",
        link_out("templates/partials/wordmark.html", "{{ 1 }}" + SECRET),
        "templates/partials/wordmark.html",
        None,
        "template templates/partials/wordmark.html is a link to a file outside",
    ),
    Case(
        "link-stylesheet", link_out(CSS), CONFIG, None, "stylesheet styles/factsheet.css is a link"
    ),
    Case(
        "link-font",
        link_out("fonts/vazirmatn/Vazirmatn-Bold.ttf"),
        "fonts/vazirmatn/Vazirmatn-Bold.ttf",
        None,
        "font fonts/vazirmatn/Vazirmatn-Bold.ttf is a link to a file outside",
    ),
    Case(
        "link-picture",
        link_out("images/cover.jpg"),
        "images/cover.jpg",
        None,
        "picture images/cover.jpg is a link to a file outside",
        command=("check",),
    ),
    Case("link-catalog", link_out(CATALOG), CATALOG, None, "is a link to a file outside"),
    Case(
        "link-campaign",
        both(link_out(CAMPAIGN), recipients()),
        CAMPAIGN,
        None,
        "is a link to a file outside",
        command=MAIL_COMPOSE,
    ),
    Case(
        "config-content-outside",
        replace(CONFIG, 'content = ["iom", "factsheet"]', 'content = ["../../../outside/secret"]'),
        CONFIG,
        None,
        "content '../../../outside/secret' must be the name of a file in content/<language>/",
    ),
    Case(
        "config-stylesheet-outside",
        both(
            lambda root: outside(root, "evil.css", "body { color: red }"),
            replace(
                CONFIG,
                'stylesheets = ["styles/factsheet.css"]',
                'stylesheets = ["../outside/evil.css"]',
            ),
        ),
        CONFIG,
        None,
        "stylesheet '../outside/evil.css' is outside the project folder",
    ),
    Case(
        "config-template-outside",
        both(
            lambda root: outside(root, "evil.html", SECRET),
            replace(CONFIG, 'template = "factsheet.html"', 'template = "../../outside/evil.html"'),
        ),
        CONFIG,
        None,
        "template '../../outside/evil.html' is outside the project folder",
    ),
    # --- output folders a build must not write into -----------------------------------------
    Case(
        "output-dir-root",
        replace(CONFIG, 'output_dir = "dist"', 'output_dir = "/"'),
        CONFIG,
        None,
        "output_dir must be a folder inside the project",
    ),
    Case(
        "output-dir-project",
        replace(CONFIG, 'output_dir = "dist"', 'output_dir = "."'),
        CONFIG,
        None,
        "not the project folder itself",
    ),
    Case(
        "output-dir-is-a-file",
        both(
            write("built.pdf", "not a folder"),
            replace(CONFIG, 'output_dir = "dist"', 'output_dir = "built.pdf"'),
        ),
        CONFIG,
        None,
        "output_dir 'built.pdf' is a file, not a folder",
    ),
    Case(
        "out-root",
        lambda root: None,
        "",
        None,
        "the output folder / is the root of the file system",
        command=("build", *ONE_EDITION, "--out", "/"),
    ),
    Case(
        "out-project",
        lambda root: None,
        "",
        None,
        "is the project folder itself",
        command=("build", *ONE_EDITION, "--out", "{root}"),
    ),
    Case(
        "out-content",
        lambda root: None,
        "",
        None,
        "is inside a folder of sources",
        command=("build", *ONE_EDITION, "--out", "{root}/content/en"),
    ),
    Case(
        "out-holds-the-project",
        lambda root: None,
        "",
        None,
        "holds the project folder",
        command=("build", *ONE_EDITION, "--out", "{root}/.."),
    ),
    # --- files that are not what they claim -------------------------------------------------
    Case(
        "font-not-a-font",
        write("fonts/Extra.ttf", b"this is not a font\n" * 50),
        "fonts/Extra.ttf",
        None,
        "the file is not a font that can be read",
    ),
    Case(
        "font-empty-woff2",
        write("fonts/vazirmatn/Broken.woff2", b""),
        "fonts/vazirmatn/Broken.woff2",
        None,
        "the file is not a font that can be read",
    ),
    Case(
        "truncated-jpeg",
        both(write("images/cover.jpg", jpeg_bytes(truncate=True))),
        "images/cover.jpg",
        None,
        "images/cover.jpg: the image cannot be read",
    ),
    Case(
        "truncated-png-in-css",
        both(
            write("images/band.png", png_bytes(truncate=True)),
            append(CSS, '\n.masthead { background-image: url("../images/band.png"); }\n'),
        ),
        CSS,
        "../images/band.png",
        "images/band.png: the image cannot be read",
    ),
    Case(
        "svg-doctype-after-long-comment",
        both(
            write("images/logo.svg", SVG_LONG_COMMENT_DOCTYPE),
            replace(TEMPLATE, "<h1>", '<img src="images/logo.svg" alt="IOM"><h1>'),
        ),
        TEMPLATE,
        "images/logo.svg",
        "SVG files with a DOCTYPE or ENTITY declaration are refused",
    ),
    Case(
        "svg-picture-remote-href",
        write("images/cover.jpg", SVG_REMOTE_HREF),
        "images/cover.jpg",
        2,
        "an inlined SVG picture may not refer to other files or addresses",
    ),
    Case(
        "picture-bomb-named-by-file",
        write("images/cover.jpg", png_header(100_000, 100_000)),
        "images/cover.jpg",
        None,
        "images/cover.jpg: refused: a decompression bomb",
    ),
    # --- dates, numbers and booleans --------------------------------------------------------
    Case(
        "edition-date-out-of-solar-hijri-range",
        replace(CONFIG, "edition_date = 2026-11-28", "edition_date = 0001-01-01"),
        CONFIG,
        None,
        "the Solar Hijri calendar cannot show this date",
    ),
    Case(
        "data-date-out-of-range",
        replace(DATA, 'iran_start: "1990-07"', 'iran_start: "0100-07"'),
        DATA,
        "iran_start:",
        "the Solar Hijri calendar cannot show this date",
    ),
    Case(
        "figure-nan",
        replace(DATA, "member_states: 120", "member_states: .nan"),
        DATA,
        "member_states:",
        "is not a number that can be printed",
    ),
    Case(
        "figure-infinity",
        replace(DATA, "observer_states: 19", "observer_states: -.inf"),
        DATA,
        "observer_states:",
        "is not a number that can be printed",
    ),
    Case(
        "page-budget-boolean",
        replace(CONFIG, "page_budget = 2", "page_budget = true"),
        CONFIG,
        None,
        "page_budget must be a whole number of pages",
    ),
    # --- silent acceptance ------------------------------------------------------------------
    Case(
        "project-misspelt-key",
        replace(CONFIG, 'output_dir = "dist"', 'outputdir = "dist"'),
        CONFIG,
        None,
        "[project] unknown key 'outputdir' (did you mean 'output_dir'?)",
    ),
    Case(
        "publication-misspelt-key",
        replace(CONFIG, 'website = "https', 'web_site = "https'),
        CONFIG,
        None,
        "[publication] unknown key 'web_site' (did you mean 'website'?)",
    ),
    Case(
        "build-misspelt-key",
        append(CONFIG, "\n[build]\nmax_image_pixel = 1000\n"),
        CONFIG,
        None,
        "[build] unknown key 'max_image_pixel' (did you mean 'max_image_pixels'?)",
    ),
    Case(
        "empty-value-translation",
        blank(FA_SHEET, "subject"),
        FA_SHEET,
        "subject:",
        "subject is empty",
    ),
    Case(
        "empty-value-source",
        blank(EN_SHEET, "subject"),
        EN_SHEET,
        "subject:",
        "subject is empty",
    ),
    Case(
        "empty-data-value",
        replace(DATA, "  member_states: 120", "  member_states:"),
        DATA,
        "member_states:",
        "is empty",
    ),
    Case(
        "catalog-placeholder-mismatch",
        replace(CATALOG, 'msgstr "صفحهٔ {page} از {pages}"', 'msgstr "صفحهٔ {page} از {total}"'),
        CATALOG,
        'msgid "Page {page} of {pages}"',
        "has the placeholders {page}, {total}, but its msgid has {page}, {pages}",
    ),
    Case(
        "catalog-charset-mismatch",
        replace(CATALOG, "charset=utf-8", "charset=ISO-8859-1"),
        CATALOG,
        "charset=ISO-8859-1",
        "the catalog declares charset=iso-8859-1",
    ),
    Case(
        "bidi-override-in-data-email",
        replace(DATA, "  email: iomtehran@iom.int", "  email: \u202egro.mio@narhetmoi"),
        DATA,
        "email:",
        "U+202E (RIGHT-TO-LEFT OVERRIDE)",
    ),
    Case(
        "bidi-override-in-campaign",
        both(
            replace(CAMPAIGN, "call us on {phones.tel_1}", "call us on \u202e1234 5678"),
            recipients(),
        ),
        CAMPAIGN,
        None,
        "U+202E (RIGHT-TO-LEFT OVERRIDE)",
        command=MAIL_COMPOSE,
    ),
    # --- check refuses what the build refuses -----------------------------------------------
    Case(
        "css-escaped-import",
        append(CSS, '\n@\\69mport url("https://example.org/track.css");\n'),
        CSS,
        "mport url",
        "@import 'https://example.org/track.css'",
    ),
    Case(
        "css-escaped-url-function",
        append(CSS, "\n.masthead { background: u\\72l(https://example.org/x.png); }\n"),
        CSS,
        "background: u",
        "url() 'https://example.org/x.png'",
    ),
    # --- one mistake, one line --------------------------------------------------------------
    Case(
        "tab-in-data",
        replace(DATA, "  founded: 1951", "\tfounded: 1951"),
        DATA,
        None,
        "invalid YAML",
    ),
    Case(
        "content-file-too-large",
        write(EN_IOM, "about: " + "x" * (3 * 1024 * 1024) + "\n"),
        EN_IOM,
        None,
        "over the limit of 2 MB for a content file: refused unread",
    ),
    # --- found by trying more hostile input ------------------------------------------------
    Case(
        "link-loop",
        lambda root: (
            (root / EN_SHEET).unlink(),
            (root / EN_SHEET).symlink_to(root / EN_SHEET),
        ),
        EN_SHEET,
        None,
        "is a link that leads back to itself",
    ),
    Case(
        "link-language-folder",
        lambda root: (
            (root.parent / "elsewhere").mkdir(),
            (root / "content" / "en").rename(root.parent / "elsewhere" / "en"),
            (root / "content" / "en").symlink_to(root.parent / "elsewhere" / "en"),
        ),
        "content/en",
        None,
        "folder content/en is a link to a folder outside the project folder",
    ),
    Case(
        "link-babel-cfg",
        lambda root: (root / "babel.cfg").symlink_to(
            outside(root, "babel.cfg", "[jinja2: templates/**.html]\n")
        ),
        "babel.cfg",
        None,
        "is a link to a file outside the project folder",
    ),
    Case(
        "template-reaches-python",
        replace(TEMPLATE, "<h1>", "{{ ''.__class__.__mro__[1].__subclasses__() }}<h1>"),
        TEMPLATE,
        "__subclasses__",
        "access to attribute '__class__' of 'str' object is unsafe",
    ),
    Case(
        "template-endless-loop",
        replace(TEMPLATE, "<h1>", "{% for i in range(10**9) %}{% endfor %}<h1>"),
        TEMPLATE,
        "range(10**9)",
        "range() of more than 10,000 numbers",
    ),
    Case(
        "number-too-long",
        replace(DATA, "member_states: 120", "member_states: " + "9" * 5000),
        DATA,
        None,
        "a value cannot be read",
    ),
    Case(
        "catalog-bad-plural-forms",
        replace(CATALOG, "plural=(n > 1);", "plural=(n > ;"),
        CATALOG,
        None,
        "the catalog's header cannot be used",
    ),
    Case(
        "catalog-empty",
        write(CATALOG, ""),
        CATALOG,
        None,
        "the catalog has no entries",
    ),
    Case(
        "picture-not-a-picture",
        write("images/cover.jpg", "<html>a web page saved as .jpg</html>"),
        "images/cover.jpg",
        None,
        "images/cover.jpg: not a picture (PNG, JPEG, GIF, WebP or SVG) that can be read",
    ),
    Case(
        "svg-utf16-doctype",
        write(
            "images/cover.jpg",
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg [<!ENTITY a "b">]>'
            '<svg xmlns="http://www.w3.org/2000/svg"/>'.encode("utf-16"),
        ),
        "images/cover.jpg",
        None,
        "SVG files with a DOCTYPE or ENTITY declaration are refused",
    ),
    Case(
        "document-name-leaves-the-output-folder",
        replace(CONFIG, "[documents.factsheet]", '[documents."../../x"]'),
        CONFIG,
        None,
        "a document's name is letters, digits",
    ),
    Case(
        "title-field-missing",
        replace(
            CONFIG,
            "page_budget = 2\n# Screen",
            'page_budget = 2\ntitle_field = "headline"\n# Screen',
        ),
        CONFIG,
        None,
        "title_field 'headline' is not a field of content/<language>/factsheet.yaml",
    ),
    Case(
        "language-folder-is-a-file",
        lambda root: (
            __import__("shutil").rmtree(root / "content" / "fa"),
            (root / "content" / "fa").write_text("x"),
        ),
        "content/fa",
        None,
        "no content folder for language 'fa': it is a file",
    ),
    Case(
        "content-file-is-a-pipe",
        lambda root: ((root / EN_SHEET).unlink(), __import__("os").mkfifo(root / EN_SHEET)),
        EN_SHEET,
        None,
        "not a regular file",
    ),
    Case(
        "css-import-loop",
        append(CSS, '\n@import "factsheet.css";\n'),
        CSS,
        '@import "factsheet.css";',
        "the stylesheet imports itself",
    ),
    Case(
        "link-to-dev-zero-build",
        lambda root: ((root / EN_SHEET).unlink(), (root / EN_SHEET).symlink_to("/dev/zero")),
        EN_SHEET,
        None,
        "is a link to a file outside the project folder",
        command=("build", *ONE_EDITION),
    ),
    Case(
        "content-is-a-pipe-build",
        lambda root: ((root / EN_SHEET).unlink(), __import__("os").mkfifo(root / EN_SHEET)),
        EN_SHEET,
        None,
        "not a regular file",
        command=("build", *ONE_EDITION),
    ),
    # --- campaigns and recipient lists ------------------------------------------------------
    Case(
        "campaign-nested-loops",
        both(
            replace(
                CAMPAIGN,
                "    With kind regards,",
                "    {% for a in range(900) %}{% for b in range(900) %}{% for c in range(900) %}{% endfor %}{% endfor %}{% endfor %}With kind regards,",
            ),
            recipients(),
        ),
        CAMPAIGN,
        None,
        "more than 10,000 loop iterations in all",
        command=MAIL_COMPOSE,
    ),
    Case(
        "campaign-huge-range",
        both(
            replace(
                CAMPAIGN,
                "    With kind regards,",
                "    {% for a in range(10**8) %}{% endfor %}With kind regards,",
            ),
            recipients(),
        ),
        CAMPAIGN,
        None,
        "not allowed in a campaign text: range() of more than 1,000 numbers",
        command=MAIL_COMPOSE,
    ),
    Case(
        "csv-field-over-limit",
        recipients(RECIPIENTS_CSV + 'x@example.org,"' + "n" * 200_000 + '",IOM,en\n'),
        "people.csv",
        4,
        "cannot read this row of the CSV file: field larger than field limit",
        command=MAIL_COMPOSE,
    ),
    # --- [mail] settings read and write inside the project only -----------------------------
    Case(
        "suppression-list-outside",
        both(
            lambda root: outside(root, "opted-out.txt", SECRET + "\n"),
            replace(CONFIG, 'suppression_list = "opted-out.txt"', SUPPRESSION_OUTSIDE),
            recipients(),
        ),
        CONFIG,
        None,
        "[mail] suppression_list '../outside/opted-out.txt' is outside the project folder",
        command=MAIL_COMPOSE,
    ),
    Case(
        "suppression-list-link-out",
        both(link_out("opted-out.txt", SECRET + "\n"), recipients()),
        CONFIG,
        None,
        "[mail] suppression_list opted-out.txt is a link to a file outside the project folder",
        command=MAIL_COMPOSE,
    ),
    Case(
        "suppression-list-link-to-etc-passwd",
        both(lambda root: (root / "opted-out.txt").symlink_to("/etc/passwd"), recipients()),
        CONFIG,
        None,
        "[mail] suppression_list opted-out.txt is a link to a file outside the project folder",
        command=MAIL_COMPOSE,
    ),
    Case(
        "suppression-list-is-a-pipe",
        both(lambda root: __import__("os").mkfifo(root / "opted-out.txt"), recipients()),
        "opted-out.txt",
        None,
        "the suppression list is not a file (a folder, a device or a pipe)",
        command=MAIL_COMPOSE,
    ),
    Case(
        "recipients-is-a-pipe",
        lambda root: __import__("os").mkfifo(root / "people.csv"),
        "people.csv",
        None,
        "the recipients file is not a file (a folder, a device or a pipe)",
        command=MAIL_COMPOSE,
    ),
    Case(
        "recipients-is-a-folder",
        lambda root: (root / "people.csv").mkdir(),
        "people.csv",
        None,
        "the recipients file is not a file (a folder, a device or a pipe)",
        command=MAIL_COMPOSE,
    ),
    Case(
        "outbox-outside",
        both(replace(CONFIG, "[mail]\n", '[mail]\noutbox = "../outside-outbox"\n'), recipients()),
        CONFIG,
        None,
        "[mail] outbox '../outside-outbox' is outside the project folder; to compose into a "
        "folder elsewhere, use --out DIR",
        command=MAIL_COMPOSE,
    ),
    Case(
        "outbox-absolute",
        both(replace(CONFIG, "[mail]\n", '[mail]\noutbox = "/tmp"\n'), recipients()),
        CONFIG,
        None,
        "[mail] outbox '/tmp' is outside the project folder",
        command=MAIL_COMPOSE,
    ),
    Case(
        "outbox-in-the-content-folder",
        both(replace(CONFIG, "[mail]\n", '[mail]\noutbox = "content/en"\n'), recipients()),
        CONFIG,
        None,
        "[mail] outbox 'content/en' is inside content/, a folder of sources",
        command=MAIL_COMPOSE,
    ),
    Case(
        "outbox-is-the-project-folder",
        both(replace(CONFIG, "[mail]\n", '[mail]\noutbox = "."\n'), recipients()),
        CONFIG,
        None,
        "[mail] outbox '.' is the project folder itself",
        command=MAIL_COMPOSE,
    ),
]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def previous_build(root: Path) -> Path:
    """A dist/ as a previous build left it (files whose bytes must not change)."""
    dist = root / "dist"
    (dist / "preview").mkdir(parents=True)
    (dist / "factsheet-en.pdf").write_bytes(b"%PDF-1.7 previous build\n")
    (dist / "manifest.json").write_text('{"outputs": []}\n')
    (dist / ".iombrochure-state.json").write_text('{"format": 1, "outputs": {}}\n')
    (dist / "preview" / "factsheet-en-1.png").write_bytes(b"\x89PNG previous\n")
    return dist


@pytest.mark.parametrize("case", HOSTILE, ids=[case.id for case in HOSTILE])
def test_hostile_input_one_line_nothing_read_nothing_written(case: Case, tmp_path: Path) -> None:
    root = copy_project(REPO, tmp_path / "project")
    dist = previous_build(root)
    case.mutate(root)
    before = snapshot(dist)
    command = [part.replace("{root}", str(root)) for part in case.command]
    result = run_cli(*command, "--project", str(root), cwd=root)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    assert result.returncode == 1, output
    errors = [text for text in output.splitlines() if "error:" in text]
    assert len(errors) == 1, f"one mistake, one line; got:\n{output}"
    assert case.text in errors[0], errors[0]
    if case.file:
        line = expected_line(root, case)
        where = f"{case.file}:{line}:" if line else f"{case.file}"
        assert where in errors[0], f"{where!r} not in {errors[0]!r}"
    assert SECRET not in output
    assert snapshot(dist) == before
    assert not (root / "outbox").exists()


# ============================================================================================
# A recipient's row with characters a spreadsheet hides: that row is one line and skipped, the
# other partners' messages are composed.


@pytest.mark.parametrize(
    ("row", "text"),
    [
        (
            "eve@example.org,Eve\u202egro.elpmaxe@evil,,en\n",
            "the name contains an invisible bidi control U+202E (RIGHT-TO-LEFT OVERRIDE)",
        ),
        ('eve@example.org,"Eve\nSmith",IOM,en\n', "the name is written on two lines"),
    ],
    ids=["bidi-override", "line-break"],
)
def test_a_recipient_name_with_hidden_characters_is_one_line(
    row: str, text: str, tmp_path: Path
) -> None:
    root = copy_project(REPO, tmp_path / "project")
    recipients("email,name,organization,lang\nsam@example.org,Sam,,en\n" + row)(root)
    result = run_cli(*MAIL_COMPOSE, "--project", str(root), cwd=root)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and result.returncode == 1, output
    (line,) = [line for line in output.splitlines() if "people.csv:3:" in line]
    assert text in line
    composed = sorted(path.name for path in (root / "outbox" / "introduction").glob("*.eml"))
    assert composed == ["0001-sam_at_example.org.eml"]


# ============================================================================================
# Files and folders the user's account may not read or write: one line, never a traceback.
# As root, permissions do not stop a read: the command then runs without the capabilities
# that let root ignore them (setpriv, from util-linux).


def run_cli_denied(*args: str, cwd: Path | None = None):
    """``run_cli`` as a user whom file permissions apply to."""
    import os
    import shutil
    import subprocess
    import sys

    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("root ignores file permissions, and setpriv is not installed")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    path = [str(REPO / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "iombrochure", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(path)},
        capture_output=True,
        text=True,
        timeout=300,
    )


DENIED = [
    (CONFIG, 0o000, ("check",), CONFIG, "cannot read the file: Permission denied"),
    ("content", 0o000, ("check",), "content", "cannot open the folder: Permission denied"),
    ("content/en", 0o000, ("check",), "content/en", "cannot open the folder: Permission denied"),
    (
        "content/en",
        0o000,
        ("build", *ONE_EDITION),
        "content/en",
        "cannot open the folder: Permission denied",
    ),
    (
        "templates",
        0o000,
        ("check",),
        CONFIG,
        "template templates/factsheet.html cannot be read (Permission denied)",
    ),
    ("outbox", 0o555, MAIL_COMPOSE, "outbox", "outbox/introduction is not writable"),
    (
        "opted-out.txt",
        0o444,
        ("mail", "unsubscribe", "kenji@example.jp"),
        "opted-out.txt",
        "cannot add to the suppression list: Permission denied",
    ),
    (
        "opted-out.txt",
        0o000,
        MAIL_COMPOSE,
        "opted-out.txt",
        "cannot read the suppression list: Permission denied",
    ),
]


@pytest.mark.parametrize(
    ("target", "mode", "command", "file", "text"),
    DENIED,
    ids=[f"{target}-{'-'.join(command[:2])}" for target, _, command, *_ in DENIED],
)
def test_what_permissions_deny_is_one_line(
    target: str, mode: int, command: tuple[str, ...], file: str, text: str, tmp_path: Path
) -> None:
    root = copy_project(REPO, tmp_path / "project")
    recipients()(root)
    if target == "opted-out.txt":
        (root / target).write_text("# nobody yet\n", encoding="utf-8")
    elif not (root / target).exists():
        (root / target).mkdir()  # the outbox; the others are there already
    (root / target).chmod(mode)
    try:
        result = run_cli_denied(*command, "--project", str(root), cwd=root)
    finally:
        (root / target).chmod(0o755)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    assert result.returncode == 1, output
    errors = [line for line in output.splitlines() if "error:" in line]
    assert len(errors) == 1 and text in errors[0], output
    assert errors[0].startswith(f"{file}: error:") or f"error: {file}:" in errors[0], errors[0]


# ============================================================================================
# Nothing outside the project is opened, not even to refuse it: the command runs in a fresh
# interpreter whose audit hook records every file opened, folder listed or made.

AUDITED_RUN = """
import json, os, sys
touched = []

def record(event, args):
    if event in ("open", "os.listdir", "os.scandir", "os.mkdir") and args:
        if isinstance(args[0], (str, bytes, os.PathLike)):
            touched.append(os.path.abspath(os.fsdecode(args[0])))

sys.addaudithook(record)
from iombrochure.cli import main

try:
    main(sys.argv[1:], prog_name="iombrochure")
except SystemExit as exit:
    print("AUDIT " + json.dumps({"code": exit.code, "touched": touched}))
"""

NEVER_OPENED = [
    (
        "suppression-list-outside",
        replace(CONFIG, 'suppression_list = "opted-out.txt"', SUPPRESSION_OUTSIDE),
        MAIL_COMPOSE,
    ),
    ("suppression-list-link-out", link_out("opted-out.txt", SECRET + "\n"), MAIL_COMPOSE),
    (
        "outbox-outside",
        replace(CONFIG, "[mail]\n", '[mail]\noutbox = "../outside"\n'),
        MAIL_COMPOSE,
    ),
    (
        "outbox-link-out",
        lambda root: (root / "outbox").symlink_to(root.parent / "outside"),
        MAIL_COMPOSE,
    ),
    (
        "stylesheet-outside",
        replace(
            CONFIG, 'stylesheets = ["styles/factsheet.css"]', 'stylesheets = ["../outside/x.css"]'
        ),
        ("check",),
    ),
    ("template-link-out", link_out(TEMPLATE), ("check",)),
    (
        "print-profile-outside",
        replace(CONFIG, "[print]\n", '[print]\nprofile = "../outside/opted-out.txt"\n'),
        ("check",),
    ),
    (
        "output-dir-outside",
        replace(CONFIG, 'output_dir = "dist"', 'output_dir = "../outside/dist"'),
        ("build", *ONE_EDITION),
    ),
]


@pytest.mark.parametrize(
    ("mutate", "command"), [case[1:] for case in NEVER_OPENED], ids=[c[0] for c in NEVER_OPENED]
)
def test_a_setting_that_leads_out_of_the_project_is_refused_unopened(
    mutate: Mutation, command: tuple[str, ...], tmp_path: Path
) -> None:
    import json
    import os
    import subprocess
    import sys

    root = copy_project(REPO, tmp_path / "project")
    recipients()(root)
    elsewhere = outside(root, "opted-out.txt", SECRET + "\n").parent
    for name in ("x.css", "factsheet.html"):
        outside(root, name, SECRET)
    mutate(root)
    before = sorted(elsewhere.rglob("*"))
    path = [str(REPO / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    result = subprocess.run(
        [sys.executable, "-c", AUDITED_RUN, *command, "--project", str(root)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    audit = json.loads(result.stdout.rsplit("AUDIT ", 1)[1])
    output = result.stdout.rsplit("AUDIT ", 1)[0] + result.stderr
    assert audit["code"] == 1, output
    errors = [line for line in output.splitlines() if "error:" in line]
    refusals = ("outside the project", "must be a folder inside the project")
    assert len(errors) == 1 and any(words in errors[0] for words in refusals), output
    assert SECRET not in output
    opened_outside = [
        path for path in audit["touched"] if Path(path).resolve().is_relative_to(elsewhere)
    ]
    assert opened_outside == []
    assert any(Path(path).is_relative_to(root) for path in audit["touched"])  # the hook works
    assert sorted(elsewhere.rglob("*")) == before  # nothing made or removed there


# ============================================================================================
# A picture a content field names, shown by the template: a mistake in it is one line, at the
# content line that asks for it, not a second one for the template's <img>.


def test_a_missing_picture_of_a_content_field_is_one_line(tmp_path: Path) -> None:
    root = copy_project(REPO, tmp_path / "project")
    fields = "  lede: prose\n  cover?: file\n  cover_alt?: text\n"
    replace("content/fields.yaml", "  lede: prose\n", fields)(root)
    cover = "cover: images/missing.png\ncover_alt: x\n\nkey_figures:"
    replace(EN_SHEET, "key_figures:", cover)(root)
    replace(FA_SHEET, "key_figures:", cover)(root)
    replace(TEMPLATE, "<h1>", '<img src="{{ doc.cover }}" alt="{{ doc.cover_alt }}"><h1>')(root)
    for command, files in (
        (("check",), [EN_SHEET, FA_SHEET]),
        (("build", *ONE_EDITION), [EN_SHEET]),
    ):
        result = run_cli(*command, "--project", str(root))
        output = result.stdout + result.stderr
        assert "Traceback" not in output and result.returncode == 1, output
        errors = [line for line in output.splitlines() if "error:" in line]
        assert len(errors) == len(files), output
        for file, error in zip(files, errors, strict=True):
            lines = (root / file).read_text(encoding="utf-8").splitlines()
            line = lines.index("cover: images/missing.png") + 1
            assert f"{file}:{line}:" in error, error
            assert "cover: 'images/missing.png' does not exist" in error, error


@pytest.mark.parametrize(
    ("mutate", "command"),
    [
        case[1:]
        for case in NEVER_OPENED
        if case[0] in ("suppression-list-link-out", "outbox-outside")
    ],
    ids=["suppression-list-link-out", "outbox-outside"],
)
def test_nothing_outside_the_project_is_opened_by_any_library(
    mutate: Mutation, command: tuple[str, ...], tmp_path: Path
) -> None:
    """The same, seen by the kernel (strace): no library's C code opens it either."""
    import os
    import shutil
    import subprocess
    import sys

    if not shutil.which("strace"):
        pytest.skip("strace is not installed")
    root = copy_project(REPO, tmp_path / "project")
    recipients()(root)
    elsewhere = outside(root, "opted-out.txt", SECRET + "\n").parent
    mutate(root)
    log = tmp_path / "strace.log"
    path = [str(REPO / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    result = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=open,openat,openat2,mkdir,mkdirat", "-o", str(log),
         sys.executable, "-m", "iombrochure", *command, "--project", str(root)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(path)},
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    calls = log.read_text(encoding="utf-8", errors="replace").splitlines()
    assert any("iombrochure.toml" in call for call in calls)  # strace saw the run
    # A call names a path as the program wrote it: the outside folder, or a link leading there.
    links = [link for link in root.rglob("*") if link.resolve().is_relative_to(elsewhere)]
    names = [str(elsewhere), "../outside", *map(str, links)]
    names += [f'"{link.relative_to(root)}"' for link in links]
    assert [call for call in calls if any(name in call for name in names)] == []
