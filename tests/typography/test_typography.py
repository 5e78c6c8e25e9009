"""Typography checks and fixes: real Persian (and Pashto) examples for every rule."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES as ALL_FIXTURES
from conftest import copy_project, run_cli
from iombrochure.errors import ContentError
from iombrochure.typography import (
    RULE_SETS,
    RULE_SEVERITIES,
    TypographyFinding,
    check_persian_text,
    check_persian_yaml_file,
    check_text,
    fix_persian_text,
    fix_persian_yaml_file,
    fix_text,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "typography"
ZWNJ = "\u200c"

CORRECT_SENTENCE = "سازمان بین‌المللی مهاجرت در سال ۱۹۵۱ تأسیس شد."
URL = "https://www.iom.int/a1?b=2,3"
EMAIL = "iomtehran@iom.int"
PLACEHOLDER = "{figures.member_states}"


def rules(text: str) -> list[str]:
    return [finding.rule for finding in check_persian_text(text)]


def findings_of(text: str, rule: str) -> list[TypographyFinding]:
    return [finding for finding in check_persian_text(text) if finding.rule == rule]


def copy_fixture(name: str, folder: Path) -> Path:
    target = folder / name
    shutil.copyfile(FIXTURES / name, target)
    return target


# --- correct text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        CORRECT_SENTENCE,
        "ایران از سال ۱۹۹۱ عضو سازمان است و ۱۷۵ کشور عضو دارد.",
        "آیا می‌توانید کمک کنید؟ ما به مهاجران کمک می‌کنیم؛ همه «باهم» هستیم.",
        "کتاب‌ها، بزرگ‌ترین کشورها و پیش‌بینی‌ها",
        "",
        "International Organization for Migration, 2024",
    ],
)
def test_correct_text_has_no_findings(text: str) -> None:
    assert check_persian_text(text) == []
    assert fix_persian_text(text) == text


# --- errors: Arabic letters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found", "suggestion", "fixed"),
    [
        ("ايران", "ي", "ی", "ایران"),
        ("كشور", "ك", "ک", "کشور"),
        ("موسى", "ى", "ی", "موسی"),
    ],
)
def test_arabic_letter_forms_are_errors_and_fixed(
    text: str, found: str, suggestion: str, fixed: str
) -> None:
    [finding] = check_persian_text(text)
    assert finding.rule == "arabic-letter"
    assert finding.severity == "error"
    assert (finding.found, finding.suggestion) == (found, suggestion)
    assert fix_persian_text(text) == fixed


def test_arabic_yeh_message_names_both_letters_and_code_points() -> None:
    [finding] = check_persian_text("اي")
    assert finding.message == (
        'Arabic letter "ي" (U+064A) in Persian text: use Persian "ی" (U+06CC)'
    )


def test_teh_marbuta_is_reported_but_never_fixed() -> None:
    text = "مدرسة و دائرة المعارف"
    findings = findings_of(text, "arabic-letter")
    assert [finding.found for finding in findings] == ["ة", "ة"]
    assert all(finding.severity == "error" and finding.suggestion == "ه" for finding in findings)
    assert not any(finding.fixable for finding in findings), "--fix must not be promised"
    assert "loanword" in findings[0].message
    assert fix_persian_text(text) == text


def test_arabic_letters_in_placeholders_urls_and_emails_are_left_alone() -> None:
    text = "{كشور} را ببینید"
    assert check_persian_text(text) == []
    assert fix_persian_text(text) == text


# --- errors: digits ----------------------------------------------------------------------------


def test_arabic_indic_digits_become_persian_digits() -> None:
    text = "در سال ٢٠٢٤ و ٤٥٦ نفر"
    findings = findings_of(text, "arabic-indic-digit")
    assert [(finding.found, finding.suggestion) for finding in findings] == [
        ("٢٠٢٤", "۲۰۲۴"),
        ("٤٥٦", "۴۵۶"),
    ]
    assert all(finding.severity == "error" for finding in findings)
    assert fix_persian_text(text) == "در سال ۲۰۲۴ و ۴۵۶ نفر"


def test_latin_digits_in_persian_prose_become_persian_digits() -> None:
    text = "سازمان در سال 1951 تأسیس شد و 175 کشور عضو دارد."
    findings = findings_of(text, "latin-digit")
    assert [(finding.found, finding.suggestion) for finding in findings] == [
        ("1951", "۱۹۵۱"),
        ("175", "۱۷۵"),
    ]
    assert findings[0].offset == text.index("1951")
    assert findings[0].message == 'Latin digits "1951" in Persian text: use Persian digits "۱۹۵۱"'
    assert fix_persian_text(text) == "سازمان در سال ۱۹۵۱ تأسیس شد و ۱۷۵ کشور عضو دارد."


@pytest.mark.parametrize(
    "text",
    [
        f"نشانی وب: {URL}",
        f"ایمیل: {EMAIL}",
        "نشانی: www.iom.int/iran2024",
        f"تعداد کشورها: {PLACEHOLDER}",
        "سال تأسیس: {years.founded} و {{ page_2 }}",
        "کاغذ A4 و استاندارد PDF/UA-1 و COVID-19",
        "گواهی ISO 9001 و Windows 11",
    ],
)
def test_latin_digits_outside_persian_prose_are_left_alone(text: str) -> None:
    assert findings_of(text, "latin-digit") == []
    assert fix_persian_text(text) == text


def test_english_strings_keep_latin_digits() -> None:
    for text in ("IOM 2023", "Windows 11", "A4 paper, 3,5 mm"):
        assert check_persian_text(text) == []
        assert fix_persian_text(text) == text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2024", "۲۰۲۴"),
        ("96%", "۹۶٪"),
        ("12:34", "۱۲:۳۴"),
        ("+370,000", "+۳۷۰٬۰۰۰"),
        ("3,5", "۳٫۵"),
        ("120+", "۱۲۰+"),
    ],
)
def test_a_figure_with_no_letter_in_a_persian_field_gets_persian_digits(
    typed: str, expected: str
) -> None:
    """A key figure («96%») has no letter of any script, yet prints in the Persian edition."""
    assert "latin-digit" in rules(typed)
    assert fix_persian_text(typed) == expected
    assert check_persian_text(expected) == []


def test_number_after_persian_word_is_converted_even_next_to_latin_names() -> None:
    assert fix_persian_text("گزارش IOM در 2023") == "گزارش IOM در ۲۰۲۳"


# --- errors: bidi controls ---------------------------------------------------------------------


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e"])
def test_bidi_embeddings_and_overrides_are_errors_and_removed(control: str) -> None:
    text = f"مبلغ {control}۱۰۰{control} دلار"
    findings = findings_of(text, "bidi-control")
    assert [finding.offset for finding in findings] == [5, 9]
    assert all(finding.severity == "error" and finding.suggestion == "" for finding in findings)
    assert "U+202" in findings[0].message
    assert fix_persian_text(text) == "مبلغ ۱۰۰ دلار"


def test_bidi_override_inside_a_url_is_still_removed() -> None:
    text = "نشانی: https://iom.int/\u202egnp.exe"
    assert fix_persian_text(text) == "نشانی: https://iom.int/gnp.exe"


def test_balanced_bidi_isolates_are_kept() -> None:
    text = "نام سازمان \u2068IOM Iran\u2069 است و \u2066A4\u2069 و \u2067\u2066x\u2069\u2069"
    assert findings_of(text, "bidi-control") == []
    assert fix_persian_text(text) == text


def test_unbalanced_bidi_isolates_are_errors_and_only_they_are_removed() -> None:
    text = "\u2069الف \u2067ب\u2069 پ\u2066 ت"
    findings = findings_of(text, "bidi-control")
    assert [finding.found for finding in findings] == ["\u2069", "\u2066"]
    assert "never opened" in findings[0].message
    assert "not closed" in findings[1].message
    assert fix_persian_text(text) == "الف \u2067ب\u2069 پ ت"


def test_bidi_isolate_is_not_closed_across_a_line_break() -> None:
    text = "الف \u2067ب\nپ\u2069"
    assert [finding.offset for finding in findings_of(text, "bidi-control")] == [4, 8]
    assert fix_persian_text(text) == "الف ب\nپ"


def test_direction_marks_are_not_bidi_errors() -> None:
    assert check_persian_text("شماره\u200f ۱۲ و \u200eA4\u061c") == []


# --- warnings: punctuation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("ایران, عراق و افغانستان", "ایران، عراق و افغانستان"),
        ("مهاجرت; پناهندگی", "مهاجرت؛ پناهندگی"),
        ("آیا کمک می‌کنید?", "آیا کمک می‌کنید؟"),
        ("«بازگشت», گزارش ۲۰۲۳", "«بازگشت»، گزارش ۲۰۲۳"),
        ("سال‌های ۱۹۵۱, ۱۹۹۱", "سال‌های ۱۹۵۱، ۱۹۹۱"),
        ("IOM, سازمان ملل", "IOM، سازمان ملل"),
    ],
)
def test_latin_punctuation_next_to_persian_becomes_persian(text: str, fixed: str) -> None:
    findings = findings_of(text, "latin-punctuation")
    assert len(findings) == 1
    assert findings[0].severity == "warning"
    assert findings[0].found in ",;?"
    assert fix_persian_text(text) == fixed


def test_latin_punctuation_message_names_the_mark() -> None:
    [finding] = findings_of("ایران, عراق", "latin-punctuation")
    assert finding.message == (
        'Latin comma "," next to Persian text: use Persian comma "،" (U+060C)'
    )


@pytest.mark.parametrize(
    "text",
    [
        f"Partners: IOM, UNHCR, UNICEF at {URL}",
        "نشانی https://iom.int/a;b?c=1,2 را ببینید",
        "قالب {a,b} در متن",
    ],
)
def test_punctuation_in_latin_fragments_numbers_urls_and_placeholders_is_left_alone(
    text: str,
) -> None:
    assert findings_of(text, "latin-punctuation") == []
    fixed = fix_persian_text(text)
    for protected in ("IOM, UNHCR, UNICEF", URL, "https://iom.int/a;b?c=1,2", "{a,b}"):
        if protected in text:
            assert protected in fixed


def test_punctuation_right_after_an_email_is_persian_when_persian_follows() -> None:
    assert fix_persian_text(f"ایمیل {EMAIL}; تلفن") == f"ایمیل {EMAIL}؛ تلفن"


# --- warnings: quotes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ('او گفت "سلام" و رفت', "او گفت «سلام» و رفت"),
        ("گزارش “مهاجرت جهانی” منتشر شد", "گزارش «مهاجرت جهانی» منتشر شد"),
        ('برنامه "IOM Iran" در تهران', "برنامه «IOM Iran» در تهران"),
        ('"الف" و "ب"', "«الف» و «ب»"),
    ],
)
def test_quotes_around_persian_text_become_guillemets(text: str, fixed: str) -> None:
    findings = findings_of(text, "straight-quote")
    assert findings
    assert all(finding.severity == "warning" for finding in findings)
    assert findings[0].suggestion.startswith("«")
    assert fix_persian_text(text) == fixed


@pytest.mark.parametrize(
    "text",
    [
        'The report "World Migration" was published.',
        'صفحهٔ ۱۲" اینچ',
        "نقل قول «درست» است",
        '{"key": "value"}',
    ],
)
def test_quotes_that_are_not_around_persian_text_are_left_alone(text: str) -> None:
    assert findings_of(text, "straight-quote") == []
    assert fix_persian_text(text) == text


# --- warnings: zero-width non-joiner -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("می شود", f"می{ZWNJ}شود"),
        ("این کار میشود", f"این کار می{ZWNJ}شود"),
        ("نمی توان گفت", f"نمی{ZWNJ}توان گفت"),
        ("نمیتوان", f"نمی{ZWNJ}توان"),
        ("میکند و میکنند", f"می{ZWNJ}کند و می{ZWNJ}کنند"),
        ("میباشد", f"می{ZWNJ}باشد"),
        ("میدهد", f"می{ZWNJ}دهد"),
        ("نمیشود", f"نمی{ZWNJ}شود"),
        ("کتاب ها", f"کتاب{ZWNJ}ها"),
        ("آن ها رفتند", f"آن{ZWNJ}ها رفتند"),
        ("بزرگ ترین دفتر", f"بزرگ{ZWNJ}ترین دفتر"),
        ("بزرگ تر از تهران", f"بزرگ{ZWNJ}تر از تهران"),
        ("بین المللی", f"بین{ZWNJ}المللی"),
        ("روابط بینالملل", f"روابط بین{ZWNJ}الملل"),
        ("پیش بینی", f"پیش{ZWNJ}بینی"),
        ("بزرگترین کشور", f"بزرگ{ZWNJ}ترین کشور"),
    ],
)
def test_missing_zwnj_is_found_and_fixed(text: str, fixed: str) -> None:
    findings = findings_of(text, "missing-zwnj")
    assert findings
    assert all(finding.severity == "warning" for finding in findings)
    assert all(ZWNJ in finding.suggestion for finding in findings)
    assert fix_persian_text(text) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "میز",
        "میلیون نفر",
        "پژوهش میدانی",
        "سال میلادی",
        "در میان مهاجران",
        "مهاجرت",
        "میدان آزادی",
        "میزان کمک",
        "تنها راه",
        "هوای تر",
        "سالها",
        "می و نان",
        f"می{ZWNJ}شود و کتاب{ZWNJ}ها",
        "بهترین و بیشترین و کمتر",
        "دختر، کبوتر، دفتر، چتر، اختر، ستر، بستر و دکتر",
    ],
)
def test_words_that_merely_look_like_zwnj_cases_are_not_flagged(text: str) -> None:
    assert findings_of(text, "missing-zwnj") == []
    assert fix_persian_text(text) == text


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("کشور های عضو", "کشورهای عضو"),
        ("دانشجو ها", "دانشجوها"),
        ("دور ترین", "دورترین"),
        (f"کشور{ZWNJ} ها", "کشورها"),
    ],
)
def test_after_a_letter_that_never_joins_a_suffix_is_joined_without_zwnj(
    text: str, fixed: str
) -> None:
    [finding] = check_persian_text(text)
    assert ZWNJ not in finding.suggestion and "one word" in finding.message
    assert fix_persian_text(text) == fixed


def test_zwnj_finding_is_reported_on_text_typed_with_arabic_letters() -> None:
    [finding] = findings_of("مي شود", "missing-zwnj")
    assert finding.found == "مي شود"
    assert finding.suggestion == f"می{ZWNJ}شود"
    assert "U+200C" in finding.message


# --- warnings: doubled spaces ------------------------------------------------------------------


def test_doubled_spaces_become_one() -> None:
    text = "سازمان  بین‌المللی   مهاجرت"
    findings = findings_of(text, "double-space")
    assert [(finding.offset, finding.found) for finding in findings] == [(6, "  "), (18, "   ")]
    assert all(finding.severity == "warning" and finding.suggestion == " " for finding in findings)
    assert fix_persian_text(text) == "سازمان بین‌المللی مهاجرت"


def test_spaces_at_line_start_and_end_are_kept_for_markdown() -> None:
    text = "- فهرست\n  - زیرفهرست  \nخط بعد"
    assert findings_of(text, "double-space") == []
    assert fix_persian_text(text) == text


def test_doubled_spaces_inside_placeholders_are_kept() -> None:
    text = "سلام {{ user  name }} عزیز"
    assert check_persian_text(text) == []
    assert fix_persian_text(text) == text


def test_doubled_space_between_prefix_and_verb_is_fixed_in_one_go() -> None:
    assert fix_persian_text("می   شود") == f"می{ZWNJ}شود"


# --- the whole picture -------------------------------------------------------------------------


def test_paragraph_typed_on_an_arabic_keyboard_with_latin_digits() -> None:
    typed = (
        "سازمان بين المللي مهاجرت در سال 1951 تاسيس شد, و 120 كشور عضو دارد. "
        "آيا مي توانيد كمك كنيد?"
    )
    expected = (
        f"سازمان بین{ZWNJ}المللی مهاجرت در سال ۱۹۵۱ تاسیس شد و ۱۲۰ کشور عضو دارد. "
        f"آیا می{ZWNJ}توانید کمک کنید؟"
    )
    assert set(rules(typed)) == {
        "arabic-letter",
        "latin-digit",
        "latin-punctuation",
        "comma-before-va",
        "missing-zwnj",
    }
    assert fix_persian_text(typed) == expected
    assert check_persian_text(expected) == []


def test_findings_point_at_their_text_and_carry_the_rule_severity() -> None:
    text = (
        f'\u202eاين  كتاب ها در سال 1951 و ٢٠٢٤ "چاپ" شد, مي شود؟ {URL} {EMAIL} {PLACEHOLDER} مدرسة'
        f" ۳,۵ درصد است . تهران، و می{ZWNJ}{ZWNJ}شود. سلامـــت در ۱۱-۲۳ استان، حرف\u00adها"
        " آمد ... چرا؟؟؟ خانه ی ما (--) لطفاًً خانه‌یی"
    )
    findings = check_persian_text(text)
    assert {finding.rule for finding in findings} == set(RULE_SEVERITIES)
    for finding in findings:
        assert text[finding.offset : finding.offset + len(finding.found)] == finding.found
        assert finding.severity == RULE_SEVERITIES[finding.rule]
        assert finding.message
    assert [finding.offset for finding in findings] == sorted(f.offset for f in findings)


def test_findings_are_immutable() -> None:
    [finding] = check_persian_text("اي")
    with pytest.raises(AttributeError):
        finding.rule = "other"  # type: ignore[misc]


def test_protected_text_is_byte_identical_after_fixing() -> None:
    text = f"نشانی {URL} و {EMAIL} و {PLACEHOLDER} و {{{{ site_url }}}} مي شود, 12"
    fixed = fix_persian_text(text)
    for protected in (URL, EMAIL, PLACEHOLDER, "{{ site_url }}"):
        assert protected in fixed
    assert fixed.endswith(f"می{ZWNJ}شود، ۱۲")


SAMPLES = [
    "سازمان بين المللي مهاجرت در سال 1951 تاسيس شد, و 120 كشور عضو دارد. آيا مي توانيد كمك كنيد?",
    'او گفت "كتاب ها" را  مي خواند; بزرگ تر از همه.',
    "\u2067نام \u202eسازمان\u2069\u2069 ٢٠٢٤",
    f"{URL}, {EMAIL}; {PLACEHOLDER}? ایران, IOM 2023",
    "بین المللی ها و پیش بینی های میشود",
    '"" "الف" " ب',
]


@pytest.mark.parametrize("text", SAMPLES)
def test_fixing_is_idempotent(text: str) -> None:
    once = fix_persian_text(text)
    assert fix_persian_text(once) == once


FRAGMENTS = [
    "سازمان",
    "بين",
    "المللي",
    "مي",
    "شود",
    "نمیتوان",
    "كتاب",
    "ها",
    "ترین",
    "1951",
    "٢٠٢٤",
    ",",
    ";",
    "?",
    '"',
    "“",
    "”",
    "  ",
    " ",
    "\n",
    "\u202e",
    "\u2066",
    "\u2069",
    "IOM",
    "A4",
    "مدرسة",
    URL,
    EMAIL,
    PLACEHOLDER,
]


def test_fixing_random_mixtures_is_idempotent_and_leaves_only_teh_marbuta() -> None:
    generator = random.Random(1951)
    for _ in range(1000):
        pieces = [generator.choice(FRAGMENTS) for _ in range(generator.randint(1, 14))]
        text = " ".join(pieces) if generator.random() < 0.5 else "".join(pieces)
        fixed = fix_persian_text(text)
        assert fix_persian_text(fixed) == fixed, text
        for protected in (URL, EMAIL, PLACEHOLDER):
            assert fixed.count(protected) == text.count(protected), text
        left = [(finding.rule, finding.found) for finding in check_persian_text(fixed)]
        assert all(item == ("arabic-letter", "ة") for item in left), (text, left)


# --- YAML files --------------------------------------------------------------------------------


def test_fixing_a_yaml_file_keeps_comments_quoting_and_block_scalars(tmp_path: Path) -> None:
    path = copy_fixture("fact_sheet_fa.yaml", tmp_path)
    before = path.read_text(encoding="utf-8").splitlines()

    changed = fix_persian_yaml_file(path)

    after = path.read_text(encoding="utf-8").splitlines()
    assert changed == 5
    assert after[0] == before[0]  # the leading comment
    assert after[1] == f'title: "سازمان بین{ZWNJ}المللی مهاجرت"   # Arabic yeh here'
    assert after[2] == "subtitle: 'دفتر تهران'"
    assert after[4] == '  - value: "{figures.member_states}"'
    assert after[5] == "    label: کشورهای عضو"
    assert after[7] == "    label: سال تاسیس"
    assert after[8:13] == [
        "about:",
        "  body: |",
        f"    سازمان در سال ۱۹۵۱ تاسیس شد. ایمیل: {EMAIL}",
        f"    وب{ZWNJ}سایت: {URL}",
        f"    ما به مهاجران کمک می{ZWNJ}کنیم.",
    ]
    assert after[13] == f"ويژگي: می{ZWNJ}شود"  # the key keeps its Arabic letters
    assert after[14:] == before[14:]
    assert len(after) == len(before)


def test_fixing_a_fixed_yaml_file_changes_nothing_and_does_not_write(tmp_path: Path) -> None:
    path = copy_fixture("fact_sheet_fa.yaml", tmp_path)
    fix_persian_yaml_file(path)
    content = path.read_bytes()
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))

    assert fix_persian_yaml_file(path) == 0

    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert check_persian_yaml_file(path) == []


def test_is_prose_excludes_fields_by_key_path(tmp_path: Path) -> None:
    path = copy_fixture("fact_sheet_fa.yaml", tmp_path)

    def is_prose(key_path: tuple[str | int, ...]) -> bool:
        return key_path[0] not in ("title", "about")

    assert fix_persian_yaml_file(path, is_prose=is_prose) == 3
    text = path.read_text(encoding="utf-8")
    assert 'title: "سازمان بين المللي مهاجرت"' in text
    assert "    سازمان در سال 1951 تاسيس شد." in text
    assert "    label: کشورهای عضو" in text


def test_is_prose_receives_key_paths_with_sequence_indexes(tmp_path: Path) -> None:
    path = copy_fixture("fact_sheet_fa.yaml", tmp_path)
    seen: list[tuple[str | int, ...]] = []

    def is_prose(key_path: tuple[str | int, ...]) -> bool:
        seen.append(key_path)
        return False

    assert fix_persian_yaml_file(path, is_prose=is_prose) == 0
    assert ("key_figures", 0, "label") in seen
    assert ("contact", "email") in seen
    assert path.read_bytes() == (FIXTURES / "fact_sheet_fa.yaml").read_bytes()


def test_unparseable_yaml_raises_and_is_left_byte_identical(tmp_path: Path) -> None:
    path = copy_fixture("broken_fa.yaml", tmp_path)
    original = path.read_bytes()

    with pytest.raises(ContentError) as raised:
        fix_persian_yaml_file(path)

    assert raised.value.path == path
    assert raised.value.line is not None
    assert path.read_bytes() == original
    assert sorted(item.name for item in tmp_path.iterdir()) == ["broken_fa.yaml"]
    with pytest.raises(ContentError):
        check_persian_yaml_file(path)


def test_file_that_is_not_utf8_raises_content_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ContentError):
        fix_persian_yaml_file(path)
    assert path.read_bytes() == "title: caf\xe9\n".encode("latin-1")


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    path = copy_fixture("fact_sheet_fa.yaml", tmp_path)
    fix_persian_yaml_file(path)
    assert [item.name for item in tmp_path.iterdir()] == ["fact_sheet_fa.yaml"]


def test_check_yaml_file_gives_line_numbers_and_key_paths() -> None:
    results = check_persian_yaml_file(FIXTURES / "fact_sheet_fa.yaml")
    located = {(line, key_path, finding.rule, finding.found) for line, key_path, finding in results}
    assert (2, ("title",), "missing-zwnj", "بين المللي") in located
    assert (6, ("key_figures", 0, "label"), "arabic-letter", "ك") in located
    assert (11, ("about", "body"), "latin-digit", "1951") in located  # first line of the block
    assert (13, ("about", "body"), "missing-zwnj", "مي كنيم") in located  # third line
    assert (14, ("ويژگي",), "missing-zwnj", "مي شود") in located
    assert not any(key_path[-1] in ("email", "url", "value") for _, key_path, _ in results)
    assert all(isinstance(finding, TypographyFinding) for _, _, finding in results)


def test_check_yaml_file_respects_is_prose() -> None:
    results = check_persian_yaml_file(
        FIXTURES / "fact_sheet_fa.yaml", is_prose=lambda key_path: key_path == ("title",)
    )
    assert results
    assert {key_path for _, key_path, _ in results} == {("title",)}


def test_yaml_layout_with_unindented_sequences_and_folded_scalars_survives(
    tmp_path: Path,
) -> None:
    path = tmp_path / "brochure_fa.yaml"
    path.write_text(
        "---\n"
        "sections:\n"
        "- heading: 'كمك ها'  # single quotes stay\n"
        "  text: >\n"
        "    ما به مهاجران\n"
        "    كمك مي كنيم.\n"
        '- ["ايران", 12, true]\n'
        "count: 3\n",
        encoding="utf-8",
    )
    assert fix_persian_yaml_file(path) == 3
    assert path.read_text(encoding="utf-8") == (
        "---\n"
        "sections:\n"
        f"- heading: 'کمک{ZWNJ}ها'  # single quotes stay\n"
        "  text: >\n"
        "    ما به مهاجران\n"
        f"    کمک می{ZWNJ}کنیم.\n"
        '- ["ایران", 12, true]\n'
        "count: 3\n"
    )


def test_yaml_crlf_line_ends_and_aliases_survive(tmp_path: Path) -> None:
    path = tmp_path / "windows_fa.yaml"
    path.write_bytes(
        '# saved on Windows\r\nname: &org "سازمان بين المللي"\r\nagain: *org\r\n'.encode()
    )
    assert fix_persian_yaml_file(path) == 1
    assert path.read_bytes() == (
        f'# saved on Windows\r\nname: &org "سازمان بین{ZWNJ}المللی"\r\nagain: *org\r\n'.encode()
    )


def test_a_symlinked_yaml_file_is_fixed_through_the_link(tmp_path: Path) -> None:
    target = copy_fixture("fact_sheet_fa.yaml", tmp_path)
    link = tmp_path / "link_fa.yaml"
    link.symlink_to(target.name)
    assert fix_persian_yaml_file(link) == 5
    assert link.is_symlink()
    assert "کشورهای عضو" in target.read_text(encoding="utf-8")


# --- warnings: spacing around punctuation ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("این سازمان ۱۷۵ کشور عضو دارد .", "این سازمان ۱۷۵ کشور عضو دارد."),
        ("تهران ، ونک", "تهران، ونک"),
        ("مهاجرت،توسعه", "مهاجرت، توسعه"),
        ("آیا آماده‌اید ؟", "آیا آماده‌اید؟"),
        ("گشایش یافت.امروز", "گشایش یافت. امروز"),
        ("نشانی:تهران", "نشانی: تهران"),
        ("بروید:www.iom.int", "بروید: www.iom.int"),
        ("گزارش « مهاجرت » منتشر شد", "گزارش «مهاجرت» منتشر شد"),
        ("مهاجرت(IOM)در ایران", "مهاجرت (IOM) در ایران"),
        ("این طرح ( با حمایت شرکا ) اجرا شد", "این طرح (با حمایت شرکا) اجرا شد"),
    ],
)
def test_spaces_around_punctuation_are_corrected(text: str, fixed: str) -> None:
    findings = findings_of(text, "punctuation-spacing")
    assert findings and all(finding.severity == "warning" for finding in findings)
    assert fix_persian_text(text) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "ساعت ۸:۳۰ تا ۱۶:۰۰",
        "سال ۱۳۶۹ ه.ش",
        "سلامت، آموزش و …",
        "«ما برمی‌گردیم.»",
        "سازمان (IOM)، دولت و شرکا",
        "به https://www.iom.int/fa?a=1,2;b=3 بروید.",
        "A sentence in English , with odd spacing .",
    ],
)
def test_spacing_that_is_right_or_not_persian_is_left_alone(text: str) -> None:
    assert findings_of(text, "punctuation-spacing") == []
    assert fix_persian_text(text) == text


# --- warnings: misplaced ZWNJ ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed", "why"),
    [
        (f"می{ZWNJ} شود", f"می{ZWNJ}شود", "one word"),
        (f"سازمان{ZWNJ} ملل", "سازمان ملل", "remove it"),
        (f"سازمان{ZWNJ}{ZWNJ}ها", f"سازمان{ZWNJ}ها", "doubled"),
        (f"کتاب {ZWNJ}ها", f"کتاب{ZWNJ}ها", "one word"),
        (f"بین {ZWNJ}المللی", f"بین{ZWNJ}المللی", "one word"),
        (f"{ZWNJ}مهاجران", "مهاجران", "edge of a word"),
        (f"بازگشته‌اند{ZWNJ}.", "بازگشته‌اند.", "edge of a word"),
        (f"طرح {ZWNJ} در", "طرح در", "remove it"),
    ],
)
def test_misplaced_zwnj_is_found_and_fixed(text: str, fixed: str, why: str) -> None:
    [finding] = findings_of(text, "misplaced-zwnj")
    assert finding.severity == "warning"
    assert why in finding.message and "U+200C" in finding.message
    assert fix_persian_text(text) == fixed


# --- warnings: more places that need a ZWNJ --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("برنامه ای تازه", f"برنامه{ZWNJ}ای تازه"),
        ("رسیده اند", f"رسیده{ZWNJ}اند"),
        ("رسیدهاند", f"رسیده{ZWNJ}اند"),
        ("خوانده ایم", f"خوانده{ZWNJ}ایم"),
        ("رایگان اند", f"رایگان{ZWNJ}اند"),
        ("برنامهها", f"برنامه{ZWNJ}ها"),
        ("مهمترین", f"مهم{ZWNJ}ترین"),
        ("موفقترین برنامه", f"موفق{ZWNJ}ترین برنامه"),
        ("سادهتر است", f"ساده{ZWNJ}تر است"),
        ("مهم تر است", f"مهم{ZWNJ}تر است"),
        ("حساستر از", f"حساس{ZWNJ}تر از"),
        ("میپذیرد", f"می{ZWNJ}پذیرد"),
        ("بازمیگردند", f"بازمی{ZWNJ}گردند"),
        ("درمییابند", f"درمی{ZWNJ}یابند"),
        ("نمیپردازد", f"نمی{ZWNJ}پردازد"),
        ("میانجامد", f"می{ZWNJ}انجامد"),
        ("آسیب پذیر", f"آسیب{ZWNJ}پذیر"),
        ("شرکت کنندگان", f"شرکت{ZWNJ}کنندگان"),
        ("بی سرپرست", f"بی{ZWNJ}سرپرست"),
    ],
)
def test_more_missing_zwnj_cases_are_found_and_fixed(text: str, fixed: str) -> None:
    assert findings_of(text, "missing-zwnj")
    assert fix_persian_text(text) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "دختر، کبوتر، دفتر، چتر، اختر، ستر، بستر، شتر، متر، کیلومتر، لیتر، دکتر، فیلتر",
        "این دفتر از سال ۱۳۷۰ فعال است و دکتر از تهران آمد",
        "بهتر، بیشتر، کمتر، بهترین، بیشترین، کمترین، دکترین، ویترین، برترین",
        "دفتری، بستری، مشتری، خاکستری، دختران",
        "میز، میوه، میلیون، میهن، میان، میراث، میزان، میانه، میدان، میل، میش، میخ",
        "میلاد، میلادی، میدانی، میلیارد، میزگرد، میزبان، میهمان، مینیمم، میکروسافت",
        "در ماه می منتشر شد و ۱۵ می ۲۰۲۴",
        "اندیشه، اندکی، به اندازه",
        "بی و بی بی سی",
    ],
)
def test_words_that_only_look_like_compounds_are_never_touched(text: str) -> None:
    assert findings_of(text, "missing-zwnj") == []
    assert fix_persian_text(text) == text


# --- warnings: numbers and the comma before و -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("۳۷۰,۰۰۰ نفر", "۳۷۰٬۰۰۰ نفر"),
        ("۱،۵۰۰،۰۰۰ مهاجر", "۱٬۵۰۰٬۰۰۰ مهاجر"),
        ("۴۵۰.۰۰۰.۰۰۰ ریال", "۴۵۰٬۰۰۰٬۰۰۰ ریال"),
        ("۱۲.۵ درصد", "۱۲٫۵ درصد"),
        ("۲,۵ میلیون", "۲٫۵ میلیون"),
        ("۴۵/۵ درصد", "۴۵٫۵ درصد"),
        ("۱۵% از مهاجران", "۱۵٪ از مهاجران"),
        ("بیش از 1,200 نفر و 48.5%", "بیش از ۱٬۲۰۰ نفر و ۴۸٫۵٪"),
    ],
)
def test_hand_typed_number_separators_become_persian(text: str, fixed: str) -> None:
    findings = findings_of(fix_persian_text(text), "number-separator")
    assert findings == []
    assert findings_of(
        text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")), "number-separator"
    )
    assert fix_persian_text(text) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "۳۷۰٬۰۰۰ نفر و ۳٫۵ درصد",
        "تاریخ ۱۴۰۲/۰۵/۱۲",
        "سال‌های ۱۳۹۹، ۱۴۰۰ و ۱۴۰۱",
        "نسخه v2.5 راهنما",
    ],
)
def test_numbers_already_right_or_not_numbers_are_left_alone(text: str) -> None:
    assert findings_of(text, "number-separator") == []
    assert fix_persian_text(text) == text


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("تهران، مشهد، و شیراز", "تهران، مشهد و شیراز"),
        ("فعال است, و کمک می‌کند", "فعال است و کمک می‌کند"),
        ("آغاز شد ، و ادامه دارد", "آغاز شد و ادامه دارد"),
    ],
)
def test_comma_before_va_is_removed(text: str, fixed: str) -> None:
    [finding] = findings_of(text, "comma-before-va")
    assert finding.severity == "warning" and "«و»" in finding.message
    assert fix_persian_text(text) == fixed


# --- protected text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "protected",
    [
        "www.iom.int/fa",
        "iom.int/fa",
        "iom.int",
        "iomtehran@iom.int",
        "{figures.member_states}",
        "{{ name }}",
        "IR-2023-01",
        "COVID-19",
        "«Migration for all?»",
        "«How can we help, today?»",
    ],
)
def test_urls_emails_placeholders_latin_codes_and_quoted_latin_stay_byte_for_byte(
    protected: str,
) -> None:
    text = f"مهاجران ، {protected} را ببینید , و 12 كشور ."
    fixed = fix_persian_text(text)
    assert protected in fixed
    assert fixed == f"مهاجران، {protected} را ببینید و ۱۲ کشور."


# --- rule sets: Persian (and Dari), Pashto --------------------------------------------------------


def test_rule_sets_are_named_as_in_the_config() -> None:
    assert set(RULE_SETS) == {"persian", "dari", "pashto"}
    assert check_text("ايران") == check_persian_text("ايران")
    assert fix_text("مي شود", "persian") == f"می{ZWNJ}شود"


def test_dari_takes_the_persian_rules_and_names_itself_in_findings() -> None:
    """The issue's complaint: Dari findings said "Persian text"."""
    text = "عودت كنندگان مي شود 2026?"
    dari, persian = check_text(text, "dari"), check_text(text, "persian")
    assert [(f.rule, f.offset, f.suggestion) for f in dari] == [
        (f.rule, f.offset, f.suggestion) for f in persian
    ]
    assert dari and all("Persian" not in f.message for f in dari)
    assert any("in Dari text" in f.message for f in dari)
    assert fix_text(text, "dari") == fix_text(text, "persian")


def test_each_rule_set_lists_the_phrases_its_lines_keep_together() -> None:
    assert "اسلام قلعه" in RULE_SETS["dari"].keep_together
    assert "اسلام قلعه" in RULE_SETS["pashto"].keep_together
    assert "سازمان ملل متحد" in RULE_SETS["persian"].keep_together


PASHTO_SENTENCE = "د کډوالۍ نړیوال سازمان په افغانستان کې کار کوي او هویتي اسناد ورکوي."


def test_pashto_letters_and_its_own_yeh_are_left_alone() -> None:
    assert check_text(PASHTO_SENTENCE, "pashto") == []
    assert fix_text(PASHTO_SENTENCE, "pashto") == PASHTO_SENTENCE
    # Persian rules would "correct" Pashto's ي and are never applied to it unless configured.
    assert "هویتی" in fix_text(PASHTO_SENTENCE, "persian")


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("په 2023 كال كې", "په ۲۰۲۳ کال کې"),
        ("٢٥ کاله", "۲۵ کاله"),
        ("کابل, کندهار او هرات", "کابل، کندهار او هرات"),
        ("ولې راستانه شول?", "ولې راستانه شول؟"),
        ('"بېرته راستنېدل" پروګرام', "«بېرته راستنېدل» پروګرام"),
        ("۳۷۰,۰۰۰ کسان", "۳۷۰٬۰۰۰ کسان"),
        ("سازمان کار کوي .", "سازمان کار کوي."),
        ("مرسته  کوي", "مرسته کوي"),
        (f"کابل{ZWNJ}{ZWNJ} ښار", "کابل ښار"),
    ],
)
def test_pashto_gets_the_script_rules_it_shares_with_persian(text: str, fixed: str) -> None:
    assert check_text(text, "pashto")
    assert fix_text(text, "pashto") == fixed


@pytest.mark.parametrize(
    "text",
    [
        "تر ټولو مهم کار",  # تر is a preposition in Pashto
        "دوی دفتر ته ځي، او بیا کور ته",  # no comma rule for «او»
        "زه کتاب ها نه لرم",  # no Persian plural rule
        "میزان او حمل",  # Afghan month names
    ],
)
def test_pashto_never_gets_persian_word_rules(text: str) -> None:
    assert check_text(text, "pashto") == []
    assert fix_text(text, "pashto") == text


def test_pashto_messages_name_pashto() -> None:
    [finding] = check_text("كال", "pashto")
    assert finding.message == 'Arabic letter "ك" (U+0643) in Pashto text: use Pashto "ک" (U+06A9)'


# --- the config names each language's rule set --------------------------------------------------


def _pashto_project(root: Path) -> Path:
    """The three-language fixture with a fourth edition in Pashto, typed with mistakes."""
    project = copy_project(ALL_FIXTURES / "trilingual", root)
    config = project / "iombrochure.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "[documents.note]",
            '[languages.ps]\ndigits = "persian"\ntypography = "pashto"\n\n[documents.note]',
        ),
        encoding="utf-8",
    )
    (project / "content" / "ps").mkdir()
    (project / "content" / "ps" / "note.yaml").write_text(
        "title: په درې ژبو یادښت\n"
        "subject: بېلګه\n"
        "body: IOM په {years.founded} كال كې جوړ شو, او د {figures.people_returned} کسانو "
        "سره یې مرسته وکړه. هویتي اسناد ورکوي. چاپ {dates.edition}.\n",
        encoding="utf-8",
    )
    catalog = project / "locales" / "ps" / "LC_MESSAGES"
    catalog.mkdir(parents=True)
    (catalog / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ps\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Edition"\nmsgstr "چاپ"\n\n'
        'msgid "Page {page} of {pages}"\nmsgstr "مخ {page} له {pages}"\n',
        encoding="utf-8",
    )
    return project


def test_a_pashto_edition_gets_the_pashto_rules_from_the_config(tmp_path: Path) -> None:
    project = _pashto_project(tmp_path / "four")
    persian_before = (project / "content" / "fa" / "note.yaml").read_bytes()

    result = run_cli("check", "--lang", "ps", "--project", str(project))
    assert 'content/ps/note.yaml:3: error: body: Arabic letter "ك" (U+0643) in Pashto' in (
        result.stdout
    )
    assert "ي" not in "".join(
        line for line in result.stdout.splitlines() if "arabic-letter" in line or "Arabic" in line
    )

    result = run_cli("check", "--fix", "--lang", "ps", "--project", str(project))
    assert "fixed 1 value in content/ps/note.yaml" in result.stdout.splitlines()
    body = (project / "content" / "ps" / "note.yaml").read_text(encoding="utf-8")
    assert "په {years.founded} کال کې جوړ شو، او د" in body  # ك fixed, comma Persian, «او» kept
    assert "هویتي اسناد ورکوي" in body  # Pashto's own ي is never "corrected"
    assert (project / "content" / "fa" / "note.yaml").read_bytes() == persian_before


def test_an_unknown_rule_set_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    project = _pashto_project(tmp_path / "four")
    config = project / "iombrochure.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('typography = "pashto"', 'typography = "kurdish"')
    )
    result = run_cli("check", "--project", str(project))
    assert result.returncode == 1
    assert "typography 'kurdish' is not one of persian, dari, pashto, none" in result.stdout + result.stderr


# --- marks, kashida, dashes, ezafe and the other rule families an editor expects -----------------


@pytest.mark.parametrize(
    ("typed", "expected", "rule"),
    [
        ("کتاب????!!!!", "کتاب؟!", "repeated-marks"),
        ("متن فارسی!?", "متن فارسی؟!", "repeated-marks"),
        ("چرا؟؟؟", "چرا؟", "repeated-marks"),
        ("برای ما بنویسید!!!", "برای ما بنویسید!", "repeated-marks"),
        ("خداحافظ ... به امید دیدار", "خداحافظ… به امید دیدار", "ellipsis"),
        ("تنهایی...این", "تنهایی… این", "ellipsis"),
        ("سلامت، آموزش و ...", "سلامت، آموزش و …", "ellipsis"),
        ("سلامـــت مهاجران", "سلامت مهاجران", "kashida"),
        ("سال‌های ۱۳۹۹ـ۱۴۰۲", "سال‌های ۱۳۹۹–۱۴۰۲", "kashida"),
        ("ـ که در واقع پدرم بود ـ", "– که در واقع پدرم بود –", "kashida"),
        ("در سال‌های ۱۹۹۰-۲۰۰۰ میلادی", "در سال‌های ۱۹۹۰–۲۰۰۰ میلادی", "range-dash"),
        ("صفحه‌های ۱۱ – ۲۳", "صفحه‌های ۱۱–۲۳", "range-dash"),
        ("در سال‌های 1990-2000 میلادی", "در سال‌های ۱۹۹۰–۲۰۰۰ میلادی", "range-dash"),
        ("حرف\u00adها", f"حرف{ZWNJ}ها", "soft-hyphen"),
        ("کشور\u00adها", "کشورها", "soft-hyphen"),
        ("خط کوتاه (--) و بلند (---)", "خط کوتاه (–) و بلند (—)", "dash"),
        ("'تست'", "«تست»", "straight-quote"),
        ("''خانه پدری''", "«خانه پدری»", "straight-quote"),
        ("‘همه با هم’", "«همه با هم»", "straight-quote"),
        ("خانه ی ما", "خانهٔ ما", "ezafe"),
        ("خانه ي ما", "خانهٔ ما", "ezafe"),
        (f"خانه{ZWNJ}ی ما", "خانهٔ ما", "ezafe"),
        ("به هر بهانهء ممکن", "به هر بهانهٔ ممکن", "ezafe"),
        ("به هر بهانه ء ممکن", "به هر بهانهٔ ممکن", "ezafe"),
        (f"خانه{ZWNJ}یی بر روی آب", f"خانه{ZWNJ}ای بر روی آب", "old-spelling"),
        (f"خانه{ZWNJ}ئی بر روی آب", f"خانه{ZWNJ}ای بر روی آب", "old-spelling"),
        ("لطفاًً", "لطفاً", "doubled-diacritic"),
        ("زیبا تر و درست تری", f"زیباتر و درست{ZWNJ}تری", "missing-zwnj"),
        ("بیش تر مهاجران", "بیشتر مهاجران", "missing-zwnj"),
        ("هوا خشک تر شد", f"هوا خشک{ZWNJ}تر شد", "missing-zwnj"),
        ("به خواب های تان دقت کنید.", f"به خواب{ZWNJ}هایتان دقت کنید.", "missing-zwnj"),
        ("زندگی مان", f"زندگی{ZWNJ}مان", "missing-zwnj"),
        ("به طور پیش فرض", f"به طور پیش{ZWNJ}فرض", "missing-zwnj"),
        ("با UNHCR, UNICEF و WHO", "با UNHCR، UNICEF و WHO", "latin-punctuation"),
        ("دیر آمدے؛ ببخش کہ", "دیر آمدی؛ ببخش که", "arabic-letter"),
    ],
)
def test_each_rule_family_is_flagged_and_fixed(typed: str, expected: str, rule: str) -> None:
    assert rule in rules(typed)
    assert all(finding.fixable for finding in check_persian_text(typed))
    assert fix_persian_text(typed) == expected
    assert check_persian_text(expected) == []


@pytest.mark.parametrize(
    "text",
    [
        "شماره ۰۲۱-۸۸۰۴۳۳۷۷ را بگیرید.",  # a phone number keeps its hyphen
        "تاریخ ۱۴۰۲-۱۱-۱۲ ثبت شد.",  # a date is not a range
        "شماره ۸۸۰۴-۳۳۷۷ و ماده ۱۲-۳",  # two four-digit non-years, a falling pair: not ranges
        "سال ۱۳۶۹ ه.ش و ۳٫۵ درصد",  # abbreviations and decimals are not ellipses
        "Why?! he asked, O'Brien said 'yes' -- and left...",  # English is never touched
        "هوای تر و خشک و تر",  # «تر» is "wet" after a noun with its ezafe and after «و»
        "اتاقی تر و تمیز و میوه‌ای تر و تازه",  # idioms
        "برای‌شان، دانشجویی و هوایی",  # ی-words that are not endings
        '<strong title="نباید تغییر کند!!!!!">سلام</strong>',  # HTML tags are protected
        "کد `a--b` و &quot;",  # Markdown code and character references are protected
        "---",  # a Markdown rule
        "خانهٔ ما، همهٔ ما",  # the ezafe written as the house writes it
    ],
)
def test_what_only_looks_like_the_new_rule_families_is_left_alone(text: str) -> None:
    assert [f for f in check_persian_text(text) if f.fixable] == []
    assert fix_persian_text(text) == text


def test_words_findings_point_at_the_typed_text_after_marks_change_its_length() -> None:
    text = "سلامـــت ... مي شود"
    [zwnj] = findings_of(text, "missing-zwnj")
    assert zwnj.found == "مي شود"
    assert text[zwnj.offset : zwnj.offset + len(zwnj.found)] == zwnj.found


def test_check_does_not_promise_to_fix_teh_marbuta(tmp_path: Path) -> None:
    project = copy_project(ALL_FIXTURES / "trilingual", tmp_path / "tri")
    note = project / "content" / "fa" / "note.yaml"
    note.write_text(
        note.read_text(encoding="utf-8").replace("ویرایش", "ویرایش دائرةالمعارف سلامـــت"),
        encoding="utf-8",
    )
    result = run_cli("check", "--lang", "fa", "--project", str(project))
    teh = [line for line in result.stdout.splitlines() if "U+0629" in line]
    kashida = [line for line in result.stdout.splitlines() if "Kashida" in line]
    assert len(teh) == 1 and "--fix" not in teh[0]
    assert len(kashida) == 1 and "iombrochure check --fix corrects it" in kashida[0]

    run_cli("check", "--fix", "--lang", "fa", "--project", str(project))
    result = run_cli("check", "--lang", "fa", "--project", str(project))
    assert "Kashida" not in result.stdout
    assert [line for line in result.stdout.splitlines() if "U+0629" in line] == teh
    assert "دائرةالمعارف سلامت" in note.read_text(encoding="utf-8")


def test_every_rule_has_its_row_in_the_docs() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "checks.md").read_text(encoding="utf-8")
    missing = [rule for rule in RULE_SEVERITIES if f"\n| `{rule}` | " not in docs]
    assert missing == [], f"docs/checks.md has no row for {missing}"


def test_a_comma_between_acronyms_says_why_it_is_persian() -> None:
    [finding] = findings_of("با UNHCR, UNICEF و WFP", "latin-punctuation")
    assert finding.message == (
        'Latin comma "," between Latin acronyms listed in a Persian sentence: use Persian comma '
        '"،" (U+060C)'
    )
