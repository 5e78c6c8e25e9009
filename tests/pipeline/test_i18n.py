"""Localize stage: digits, numbers, calendars, direction, bidi isolation, catalogs."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.support import NullTranslations

from iombrochure.pipeline.config import Language
from iombrochure.pipeline.i18n import (
    LRI,
    PDI,
    Localizer,
    css_string,
    isolate_latin_runs,
    text_direction,
    to_digits,
)

DATA = {
    "figures": {"people_returned": 370000, "member_states": 120},
    "years": {"founded": 1951},
    "months": {"iran_start": "1990-07"},
    "dates": {"edition": dt.date(2026, 11, 28)},
    "phones": {"tel_1": "(98-21) 8804 3377"},
    "links": {"email": "iomtehran@iom.int"},
    "codes": {"postal_code": "19936"},
}


def localizer(code: str, calendar: str = "gregorian", digits: str = "decimal") -> Localizer:
    return Localizer(
        language=Language(code=code, calendar=calendar, digits=digits),
        translations=NullTranslations(),
        data=DATA,
    )


EN = localizer("en")
FA = localizer("fa", "solar-hijri", "persian")


def test_digits_are_transliterated_because_babel_keeps_latin_ones():
    assert to_digits("2026-11", "persian") == "۲۰۲۶-۱۱"
    assert to_digits("370", "arabic-indic") == "٣٧٠"
    assert to_digits("370", "decimal") == "370"


def test_numbers_use_locale_separators_and_digits():
    assert EN.number(370000) == "370,000"
    assert FA.number(370000) == "۳۷۰٬۰۰۰"
    assert FA.year(1951) == "۱۹۵۱"  # years are never grouped


def test_dates_follow_the_edition_calendar():
    assert EN.month("1990-07") == "July 1990"
    assert FA.month("1990-07") == "تیر ۱۳۶۹"  # 1 July 1990 is 10 Tir 1369
    assert EN.date(dt.date(2026, 11, 28)) == "28 November 2026"
    assert FA.date(dt.date(2026, 11, 28)) == "۷ آذر ۱۴۰۵"
    assert FA.month(dt.date(2026, 3, 21)) == "فروردین ۱۴۰۵"  # Nowruz starts the year


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
    ],
)
def test_latin_runs_are_isolated_in_rtl_text(text, expected):
    assert isolate_latin_runs(text) == expected


def test_isolating_twice_changes_nothing():
    once = isolate_latin_runs("دفتر IOM")
    assert isolate_latin_runs(once) == once


def test_placeholders_are_filled_after_isolation_so_values_are_not_wrapped_twice():
    text = FA.text("IOM در سال {years.founded} با {links.email}")
    assert text == f"{LRI}IOM{PDI} در سال ۱۹۵۱ با {LRI}iomtehran@iom.int{PDI}"
    assert EN.text("since {years.founded}") == "since 1951"


def test_phone_numbers_keep_their_order_and_take_persian_digits():
    assert FA.data_value("phones.tel_1") == f"{LRI}(۹۸-۲۱) ۸۸۰۴ ۳۳۷۷{PDI}"
    assert EN.data_value("phones.tel_1") == "(98-21) 8804 3377"


def test_timeline_reference_knows_year_and_month_detail():
    ref = FA.data_ref("months.iran_start")
    assert (ref.year, ref.detail) == ("۱۹۹۰", "تیر ۱۳۶۹")
    ref = EN.data_ref("months.iran_start")
    assert (ref.year, ref.detail) == ("1990", "July")
    assert EN.data_ref("years.founded").detail == ""


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
    assert pashto.month("1990-07") == "سرطان ۱۳۶۹"  # Tir is Saratan in Afghanistan
    assert pashto.date(dt.date(2026, 11, 28)) == "۷ قوس ۱۴۰۵"
    assert FA.date(dt.date(2026, 11, 28)) == "۷ آذر ۱۴۰۵"
    assert default_month_set("fa") == "iranian"
    assert default_month_set("fa_AF") == default_month_set("prs") == "afghan"
