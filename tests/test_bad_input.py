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
            "keywords:\n  - IOM\n  - ایران\n  - مهاجرت\n  - مدیریت مهاجرت\n  - برگه اطلاعات\n",
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
        replace(FA_IOM, "به‌عنوان عضو تیم", "به‌عنوان [عضو](javascript:alert(1)) تیم"),
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
        TEMPLATE,
        "images/secret.png",
        "it is outside the project folder",
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
        "refused to fetch 'http://127.0.0.1:9/x.png'",
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
