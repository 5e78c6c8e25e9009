"""The fast cmap reader agrees with fontTools on every bundled font, and knows its limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from conftest import REPO
from iombrochure.pipeline.cmap import cmap_codepoints

FONTS = sorted((REPO / "fonts").rglob("*.ttf"))


@pytest.mark.parametrize("font_path", FONTS, ids=lambda path: path.name)
def test_same_code_points_as_fonttools(font_path: Path):
    with TTFont(font_path) as font:
        expected = {code for code, glyph in font.getBestCmap().items() if glyph != ".notdef"}
    assert cmap_codepoints(font_path) == expected
    assert expected  # a real font, with real coverage


def test_persian_and_latin_are_covered():
    covered = set().union(*(cmap_codepoints(path) for path in FONTS))
    for char in "یکگچپژ۰۹،؛؟«»AZaz@":
        assert ord(char) in covered, char
    assert ord("中") not in covered  # no bundled font draws Chinese


def test_the_arabic_script_of_persian_dari_pashto_arabic_and_urdu_is_covered():
    covered = set().union(*(cmap_codepoints(path) for path in FONTS))
    letters = {
        "Persian and Dari": "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیۀ‌",
        "Pashto": "ټډړښږځڅګڼېۍيئ",
        "Arabic": "ءأإؤةيكى٠١٢٣٤٥٦٧٨٩",
        "Urdu": "ٹڈڑںےۓھ",
        "signs": "؋،؛؟٬٫«»☎",  # the Afghani sign, punctuation, separators, the telephone
    }
    for language, chars in letters.items():
        missing = [c for c in chars if ord(c) not in covered]
        assert not missing, (language, missing)


def test_what_it_cannot_read_is_left_to_fonttools(tmp_path: Path):
    woff = tmp_path / "font.woff"
    woff.write_bytes(b"wOFF" + bytes(40))
    assert cmap_codepoints(woff) is None
    truncated = tmp_path / "cut.ttf"
    truncated.write_bytes(FONTS[0].read_bytes()[:200])
    assert cmap_codepoints(truncated) is None
