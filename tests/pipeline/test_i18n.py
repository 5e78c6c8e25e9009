"""Localize stage: digits, numbers, calendars, direction, bidi isolation, catalogs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from babel.support import NullTranslations

from iombrochure.errors import ContentError
from iombrochure.pipeline.config import Language
from iombrochure.pipeline.i18n import (
    LRI,
    PDI,
    Localizer,
    css_string,
    isolate_latin_runs,
    strip_bidi_controls,
    text_direction,
    to_digits,
)
from iombrochure.pipeline.phones import parse_phone, tel_uri

DATA = {
    "figures": {"people_returned": 370000, "member_states": 120},
    "years": {"founded": 1951},
    "months": {"iran_start": "1990-07"},
    "dates": {"edition": dt.date(2026, 11, 28)},
    "phones": {"tel_1": "+98 21 8804 3377"},
    "links": {"email": "iomtehran@iom.int"},
    "codes": {"postal_code": "19936"},
}


def localizer(
    code: str, calendar: str = "gregorian", digits: str = "decimal", typography: str = "none"
) -> Localizer:
    return Localizer(
        language=Language(code=code, calendar=calendar, digits=digits, typography=typography),
        translations=NullTranslations(),
        data=DATA,
    )


EN = localizer("en")
FA = localizer("fa", "solar-hijri", "persian", "persian")


def test_digits_are_transliterated_because_babel_keeps_latin_ones():
    assert to_digits("2026-11", "persian") == "۲۰۲۶-۱۱"
    assert to_digits("370", "arabic-indic") == "٣٧٠"
    assert to_digits("370", "decimal") == "370"


def test_numbers_use_locale_separators_and_digits():
    assert EN.number(370000) == "370,000"
    assert FA.number(370000) == "۳۷۰٬۰۰۰"
    assert EN.year(1951) == "1951"  # years are never grouped


def test_full_dates_follow_the_edition_calendar():
    assert EN.date(dt.date(2026, 11, 28)) == "28 November 2026"
    assert FA.date(dt.date(2026, 11, 28)) == "۷ آذر ۱۴۰۵"
    # The month of a known day (the edition date) is that day's Hijri month.
    assert FA.month(dt.date(2026, 11, 28)) == "آذر ۱۴۰۵"
    assert FA.month(dt.date(2026, 3, 21)) == "فروردین ۱۴۰۵"  # Nowruz starts the year
    assert FA.month(dt.date(2026, 3, 20)) == "اسفند ۱۴۰۴"
    assert EN.month(dt.date(2026, 11, 28)) == "November 2026"


def test_gregorian_years_are_marked_in_an_edition_with_another_calendar():
    assert FA.year(1951) == "۱۹۵۱ میلادی"
    assert FA.text("در سال {years.founded}") == "در سال ۱۹۵۱ میلادی"
    assert EN.text("in {years.founded}") == "in 1951"


@pytest.mark.parametrize(
    ("month", "english", "persian", "hijri_span"),
    [
        # 1 July 1990 is 10 Tir 1369 and 31 July is 9 Mordad: July is no single Hijri month.
        ("1990-07", "July 1990", "ژوئیهٔ ۱۹۹۰ میلادی", "تیر–مرداد ۱۳۶۹"),
        # March runs across Nowruz: two Hijri years.
        ("1991-03", "March 1991", "مارس ۱۹۹۱ میلادی", "اسفند ۱۳۶۹–فروردین ۱۳۷۰"),
        ("2000-12", "December 2000", "دسامبر ۲۰۰۰ میلادی", "آذر–دی ۱۳۷۹"),
        ("2001-05", "May 2001", "مهٔ ۲۰۰۱ میلادی", "اردیبهشت–خرداد ۱۳۸۰"),
    ],
)
def test_a_month_only_fact_is_never_shown_as_one_month_of_another_calendar(
    month, english, persian, hijri_span
):
    assert EN.month(month) == english
    assert FA.month(month) == persian
    assert FA.solar_hijri_span(month) == hijri_span


def test_a_full_date_in_the_timeline_keeps_the_gregorian_year_and_gives_the_hijri_date():
    ref = FA.data_ref("dates.edition")
    assert (ref, ref.year, ref.detail) == ("۷ آذر ۱۴۰۵", "۲۰۲۶", "۲۸ نوامبر (۷ آذر ۱۴۰۵)")
    ref = EN.data_ref("dates.edition")
    assert (ref.year, ref.detail) == ("2026", "28 November 2026")


def test_a_year_only_fact_spans_two_hijri_years():
    assert FA.solar_hijri_span(1995) == "۱۳۷۳–۱۳۷۴"  # 1 January is in Dey, 31 December too
    ref = FA.data_ref("years.founded")
    assert (ref, ref.year, ref.detail) == ("۱۹۵۱ میلادی", "۱۹۵۱", "میلادی")


def test_direction_comes_from_babel():
    assert text_direction("fa") == "rtl"
    assert text_direction("ar") == "rtl"
    assert text_direction("en") == "ltr"
    assert FA.is_rtl and not EN.is_rtl


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("دفتر IOM در تهران", f"دفتر {LRI}IOM{PDI} در تهران"),
        ("با UNHCR.", f"با {LRI}UNHCR{PDI}."),
        ("نشانی iomtehran@iom.int است", f"نشانی {LRI}iomtehran@iom.int{PDI} است"),
        ("وب‌سایت www.iom.int.", f"وب‌سایت {LRI}www.iom.int{PDI}."),
        ("UN Country Team در ایران", f"{LRI}UN Country Team{PDI} در ایران"),
        ("بدون لاتین", "بدون لاتین"),
        ("خانم Renée Lefèvre گرامی،", f"خانم {LRI}Renée Lefèvre{PDI} گرامی،"),
        ("با Médecins Sans Frontières.", f"با {LRI}Médecins Sans Frontières{PDI}."),
        (
            "همکاری با Deutsche Gesellschaft für Internationale Zusammenarbeit",
            f"همکاری با {LRI}Deutsche Gesellschaft für Internationale Zusammenarbeit{PDI}",
        ),
        ("شرکت Müller & Co. در آلمان", f"شرکت {LRI}Müller & Co{PDI}. در آلمان"),
        ("آقای Işık Özgür Çelik", f"آقای {LRI}Işık Özgür Çelik{PDI}"),
        ("گواهی ISO 9001 دارد", f"گواهی {LRI}ISO 9001{PDI} دارد"),
        ("Straße و Œuvre", f"{LRI}Straße{PDI} و {LRI}Œuvre{PDI}"),
        ("دکتر Sara Bianchi-نوری", f"دکتر {LRI}Sara Bianchi{PDI}-نوری"),
    ],
)
def test_latin_runs_are_isolated_in_rtl_text(text, expected):
    assert isolate_latin_runs(text) == expected


def test_isolating_twice_changes_nothing():
    once = isolate_latin_runs("دفتر IOM")
    assert isolate_latin_runs(once) == once


def test_placeholders_are_filled_after_isolation_so_values_are_not_wrapped_twice():
    text = FA.text("IOM در سال {years.founded} با {links.email}")
    assert text == f"{LRI}IOM{PDI} در سال ۱۹۵۱ میلادی با {LRI}iomtehran@iom.int{PDI}"
    assert EN.text("since {years.founded}") == "since 1951"


def test_phone_numbers_are_formatted_per_edition_and_kept_left_to_right():
    assert FA.data_value("phones.tel_1") == f"{LRI}+۹۸ ۲۱ ۸۸۰۴ ۳۳۷۷{PDI}"
    assert EN.data_value("phones.tel_1") == "+98 21 8804 3377"


@pytest.mark.parametrize(
    ("stored", "english", "persian"),
    [
        ("+98 21 8804 3377", "+98 21 8804 3377", "+۹۸ ۲۱ ۸۸۰۴ ۳۳۷۷"),
        ("+982188047504", "+98 21 8804 7504", "+۹۸ ۲۱ ۸۸۰۴ ۷۵۰۴"),  # however it was typed
        ("+98 912 345 6789", "+98 912 345 6789", "+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹"),  # a mobile
        ("+41 22 717 9111", "+41 22 717 91 11", "+۴۱ ۲۲ ۷۱۷ ۹۱ ۱۱"),  # Geneva's own grouping
    ],
)
def test_phone_grouping_comes_from_phonenumbers(stored, english, persian):
    assert EN.phone(stored) == english
    assert FA.phone(stored) == f"{LRI}{persian}{PDI}"


def test_tel_links_keep_latin_digits():
    assert tel_uri("+98 21 8804 3377") == "tel:+982188043377"


@pytest.mark.parametrize("bad", ["(98-21) 8804 3377", "8804 3377", "+98 21 88", "call us"])
def test_a_phone_not_in_international_form_is_a_content_error(bad):
    with pytest.raises(ValueError):
        parse_phone(bad)
    with pytest.raises(ContentError, match="international form"):
        FA.phone(bad)


def test_headline_figures_are_written_in_words_in_persian():
    data = {"figures": {"returned": 370000, "exact": 372500, "odd": 372512, "offices": 100}}
    fa = Localizer(language=FA.language, translations=NullTranslations(), data=data)
    unit = '<span class="figure-unit">'
    assert fa.text("{figures.returned}", headline=True) == f"۳۷۰{unit} هزار</span>"
    assert fa.text("{figures.exact}", headline=True) == f"۳۷۲٫۵{unit} هزار</span>"
    assert fa.text("{figures.odd}", headline=True) == "۳۷۲٬۵۱۲"  # never rounded
    assert fa.text("بیش از {figures.offices}", headline=True) == f"{unit}بیش از </span>۱۰۰"
    assert fa.text("{figures.returned} نفر") == "۳۷۰٬۰۰۰ نفر"  # running text stays grouped
    assert FA.text("{years.founded}", headline=True) == f"۱۹۵۱{unit} میلادی</span>"
    en = Localizer(language=EN.language, translations=NullTranslations(), data=data)
    assert en.text("{figures.returned}", headline=True) == "370,000"


def test_fixed_phrases_are_kept_on_one_line_in_persian():
    text = FA.text("همکاری با جمهوری اسلامی ایران، از جمله", for_print=True)
    assert text == "همکاری با جمهوری\u00a0اسلامی\u00a0ایران، از\u00a0جمله"
    assert strip_bidi_controls(text) == "همکاری با جمهوری اسلامی ایران، از جمله"
    assert "\u00a0" in FA.markdown("جمهوری اسلامی ایران")
    # E-mail is not laid out by us: its text keeps plain spaces.
    assert FA.text("جمهوری اسلامی ایران") == "جمهوری اسلامی ایران"
    assert EN.text("from July", for_print=True) == "from July"


NBSP, WJ = "\u00a0", "\u2060"


def test_each_rtl_language_keeps_its_rule_sets_phrases_and_the_projects_together():
    dari = localizer("prs", "solar-hijri", "persian", "dari")
    pashto = localizer("ps", "solar-hijri", "persian", "pashto")
    assert dari.text("مرز اسلام قلعه", for_print=True) == f"مرز اسلام{NBSP}قلعه"
    assert pashto.text("د اسلام قلعه پوله", for_print=True) == f"د اسلام{NBSP}قلعه پوله"
    # Arabic has no rule set: the phrases are the project's (keep_together in the config).
    arabic = Localizer(
        language=Language(code="ar", keep_together=("إسلام قلعة",)),
        translations=NullTranslations(),
        data=DATA,
    )
    assert arabic.text("معبر إسلام  قلعة", for_print=True) == f"معبر إسلام{NBSP}قلعة"
    assert FA.text("باز جمله‌ها", for_print=True) == "باز جمله‌ها"  # «از جمله» as words only
    # A phrase inside a longer one: the longer is joined whole.
    assert FA.text("تصمیم‌گیری و تدوین سیاست", for_print=True) == NBSP.join(
        ["تصمیم‌گیری", "و", "تدوین", "سیاست"]
    )


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("۸:۰۰ – ۱۶:۰۰", f"۸:۰۰{NBSP}–{WJ}{NBSP}۱۶:۰۰"),
        ("۱۴۰۳–۱۴۰۵", f"۱۴۰۳–{WJ}۱۴۰۵"),
        ("۱۰-۱۵ نفر", f"۱۰-{WJ}۱۵ نفر"),
        (f"{LRI}8:00{PDI} – {LRI}16:00{PDI}", f"{LRI}8:00{PDI}{NBSP}–{WJ}{NBSP}{LRI}16:00{PDI}"),
        ("ساعت ۸ و ۹", "ساعت ۸ و ۹"),
        ("کد IR-2023-01", f"کد {LRI}IR-2023-01{PDI}"),
        ("www.iom.int/2024-2025", f"{LRI}www.iom.int/2024-2025{PDI}"),
    ],
)
def test_a_range_of_numbers_or_hours_keeps_to_one_line_in_rtl_editions(text, kept):
    pashto = localizer("ps", "solar-hijri", "persian", "pashto")
    assert pashto.text(text, for_print=True) == kept
    assert WJ not in pashto.text(text)  # e-mail is not laid out by us
    assert EN.text("8:00 – 16:00", for_print=True) == "8:00 – 16:00"


def test_timeline_reference_puts_the_month_before_its_year():
    """«ژوئیهٔ ۱۹۹۰ میلادی (تیر–مرداد ۱۳۶۹)», as the house style writes it in running text."""
    ref = FA.data_ref("months.iran_start")
    assert (ref.before, ref.year, ref.detail) == ("ژوئیهٔ", "۱۹۹۰", "میلادی (تیر–مرداد ۱۳۶۹)")
    ref = EN.data_ref("months.iran_start")
    assert (ref.before, ref.year, ref.detail) == ("", "1990", "July")
    assert EN.data_ref("years.founded").detail == EN.data_ref("years.founded").before == ""


def test_markdown_escapes_raw_html_and_drops_unsafe_links():
    html = EN.markdown("<script>alert(1)</script> [ok](https://www.iom.int) [bad](javascript:x)")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="https://www.iom.int"' in html
    assert "javascript:" not in html.split("[bad]")[0] or 'href="javascript' not in html


def test_markdown_fills_placeholders_in_persian():
    assert "۳۷۰٬۰۰۰" in FA.markdown("حدود {figures.people_returned} نفر")


def test_page_counter_uses_the_locale_counter_style():
    assert FA.page_counter_css("صفحه {page} از {pages}") == (
        '"صفحه " counter(page, persian) " از " counter(pages, persian)'
    )
    assert EN.page_counter_css("Page {page} of {pages}").startswith(
        '"Page " counter(page, decimal)'
    )


def test_css_strings_cannot_be_broken_out_of():
    assert css_string('a"b') == '"a\\22 b"'
    assert "<" not in css_string("</style><script>")


def test_afghan_editions_name_the_solar_hijri_months_the_afghan_way():
    from iombrochure.pipeline.calendars import SOLAR_HIJRI_MONTHS, default_month_set

    pashto = Localizer(
        language=Language(
            code="ps",
            calendar="solar-hijri",
            digits="persian",
            month_names=SOLAR_HIJRI_MONTHS[default_month_set("ps")],
        ),
        translations=NullTranslations(),
        data=DATA,
    )
    assert pashto.month(dt.date(1990, 7, 1)) == "سرطان ۱۳۶۹"  # Tir is Saratan in Afghanistan
    # A month-only fact spans two Hijri months, named the Afghan way.
    assert pashto.solar_hijri_span("1990-07") == "سرطان–اسد ۱۳۶۹"
    assert pashto.date(dt.date(2026, 11, 28)) == "۷ قوس ۱۴۰۵"
    assert FA.date(dt.date(2026, 11, 28)) == "۷ آذر ۱۴۰۵"
    assert default_month_set("fa") == "iranian"
    assert default_month_set("fa_AF") == default_month_set("prs") == "afghan"


def test_prose_links_lose_their_target_where_links_are_off():
    """The print variant (PDF/X) takes no link annotations: a Markdown link keeps its words."""
    screen = Localizer(language=EN.language, translations=NullTranslations(), data=DATA)
    press = Localizer(language=EN.language, translations=NullTranslations(), data=DATA, links=False)
    prose = "See [our website](https://www.iom.int) for more."
    assert 'href="https://www.iom.int"' in screen.markdown(prose)
    html = press.markdown(prose)
    assert "href" not in html and "our website" in html


def test_metadata_text_loses_every_invisible_direction_mark():
    """The Arabic letter mark (U+061C) too: PDF viewers show it in a title as a stray box."""
    marked = "\u061cدفتر\u200f \u2066IOM\u2069\u202b تهران\u202c"
    assert strip_bidi_controls(marked) == "دفتر IOM تهران"


# -- money: an amount and its currency, per edition, isolated -----------------------------------

FSI, RLI = "\u2068", "\u2067"
NBSP = "\u00a0"
DARI = localizer("prs", "solar-hijri", "persian")
PASHTO = localizer("ps", "solar-hijri", "persian")
FRENCH = localizer("fr")


def shown(text: str) -> str:
    """An amount without its isolates, as a reader sees its characters."""
    return strip_bidi_controls(text).replace(" ", NBSP)


@pytest.mark.parametrize(
    ("edition", "currency", "sign", "expected"),
    [
        (EN, "AFN", "symbol", "؋10,000"),  # English has no sign of its own: Afghanistan's
        (EN, "AFN", "code", "AFN 10,000"),
        (EN, "AFN", "name", "10,000 Afghan Afghanis"),
        (EN, "IRR", "symbol", "IRR 10,000"),  # Iran writes «ریال», a word: the code instead
        (EN, "USD", "symbol", "$10,000"),  # a whole amount is written whole
        (FA, "IRR", "symbol", "ریال ۱۰٬۰۰۰"),
        (FA, "AFN", "symbol", "؋ ۱۰٬۰۰۰"),
        (FA, "IRR", "name", "۱۰٬۰۰۰ ریال ایران"),
        (DARI, "AFN", "symbol", "؋ ۱۰٬۰۰۰"),  # fa_AF's data
        (DARI, "AFN", "name", "۱۰٬۰۰۰ افغانی افغانستان"),
        (DARI, "USD", "name", "۱۰٬۰۰۰ دالر امریکا"),  # Afghan Persian's «دالر»
        (PASHTO, "AFN", "symbol", "؋ ۱۰٬۰۰۰"),
        (PASHTO, "AFN", "name", "۱۰٬۰۰۰ افغانۍ"),
        (FRENCH, "AFN", "code", "10\u202f000 AFN"),  # the code after the number, as in French
    ],
)
def test_money_is_written_per_edition_by_babel(edition, currency, sign, expected):
    assert shown(edition.money(10000, currency, sign=sign)) == expected.replace(" ", NBSP)


def test_an_amount_with_cents_keeps_them_in_the_editions_digits():
    assert shown(EN.money(12.5, "USD")) == "$12.50"
    assert shown(DARI.money(12.5, "USD")) == f"${NBSP}۱۲٫۵۰"


@pytest.mark.parametrize(
    ("edition", "expected"),
    [
        (EN, f"{LRI}{FSI}؋{PDI}10,000{PDI}"),
        (FA, f"{RLI}{FSI}؋{PDI}{NBSP}۱۰٬۰۰۰{PDI}"),
        (DARI, f"{RLI}{FSI}؋{PDI}{NBSP}۱۰٬۰۰۰{PDI}"),
        (PASHTO, f"{RLI}{FSI}؋{PDI}{NBSP}۱۰٬۰۰۰{PDI}"),
    ],
)
def test_an_amount_is_isolated_in_the_editions_direction_and_its_sign_apart(edition, expected):
    """The sign in its own isolate cannot make the digits beside it right-to-left (an Arabic
    letter before European digits makes them Arabic numbers, which an English line then shows
    as "10,000؋"); the amount in the edition's direction keeps the sign on its reading side."""
    assert edition.money(10000, "AFN") == expected


def test_a_money_placeholder_is_filled_in_prose_and_headlines():
    data = {**DATA, "money": {"cash_grant": {"amount": 10000, "currency": "AFN"}}}
    english = Localizer(language=EN.language, translations=NullTranslations(), data=data)
    dari = Localizer(language=DARI.language, translations=NullTranslations(), data=data)
    assert english.text("Each family receives {money.cash_grant}.") == (
        f"Each family receives {LRI}{FSI}؋{PDI}10,000{PDI}."
    )
    assert shown(dari.text("هر فامیل {money.cash_grant} دریافت می‌کند.")) == (
        f"هر{NBSP}فامیل{NBSP}؋{NBSP}۱۰٬۰۰۰{NBSP}دریافت{NBSP}می‌کند."
    )
    assert shown(str(dari.headline("money.cash_grant"))) == f"؋{NBSP}۱۰٬۰۰۰"
    assert dari.data_ref("money.cash_grant") == dari.money(10000, "AFN")


def test_a_bad_amount_given_to_the_money_filter_says_what_is_wrong():
    with pytest.raises(ValueError, match="currency 'AFG' is not an ISO 4217 currency code"):
        EN.money(10000, "AFG")
    with pytest.raises(ValueError, match="more decimals than IRR is written with"):
        FA.money(0.5, "IRR")


def test_the_money_table_of_the_content_docs_is_what_the_editions_print():
    """docs/content.md shows what each edition prints: the table is checked against it."""
    from pathlib import Path

    from ruamel.yaml import YAML

    docs = (Path(__file__).resolve().parents[2] / "docs" / "content.md").read_text("utf-8")
    section = docs[docs.index("### Money") : docs.index("### Headline figures")]
    rows = re.findall(r"^\| `(\{amount[^`]*\})` \| (.+?) \| (.+?) \| (.+?) \|$", section, re.M)
    assert len(rows) == 5
    for fact, english, dari, pashto in rows:
        value = YAML(typ="safe").load(fact)
        for edition, expected in ((EN, english), (DARI, dari), (FA, dari), (PASHTO, pashto)):
            sign = value.get("sign", "symbol")
            printed = shown(edition.money(value["amount"], value["currency"], sign=sign))
            assert printed == expected.replace(" ", NBSP), (fact, edition.code)
