"""The Persian rule set (also Dari's): letters, digits, punctuation, spacing and the ZWNJ.

Dari is written with the same letters, digits and spelling rules, so its set (``DARI``) is made
by the same function; its findings say "Dari text" and it keeps its own fixed phrases together.

Most of the rules are certain and fixed by ``check --fix``. Where Persian spelling depends on the
word (is «میدان» a verb? is «دفتر» a comparative?), the rules decide from the shape of the word
and short word lists written for that purpose; a word the lists do not settle is left alone, never
guessed at. See docs/checks.md, "Persian typography", for every rule with an example.
"""

from __future__ import annotations

import re
from functools import partial
from itertools import product

from iombrochure.typography.marks import (
    find_double_hyphens,
    find_doubled_diacritics,
    find_ellipses,
    find_kashida,
    find_mark_runs,
    find_range_dashes,
    find_soft_hyphens,
)
from iombrochure.typography.shared import (
    LETTER,
    LETTER_CHARS,
    MARK_CHARS,
    NO_WORD_BEFORE,
    NON_JOINING_LETTERS,
    NOT_LETTER_AFTER,
    PERSIAN_DIGIT_CHARS,
    WORD,
    ZWNJ,
    ProtectedSpans,
    RuleSet,
    TypographyFinding,
    find_arabic_indic_digits,
    find_double_spaces,
    find_latin_digits,
    find_latin_punctuation,
    find_letters,
    find_misplaced_zwnj,
    find_number_separators,
    find_punctuation_spacing,
    find_quotes,
    finding,
    unprotected,
)

#: Arabic letter forms typed on Arabic keyboards, and the Persian letters they stand for.
ARABIC_LETTER_FIXES = {
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> KEHEH
    "\u0649": "\u06cc",  # ARABIC LETTER ALEF MAKSURA -> FARSI YEH
    "\u06d2": "\u06cc",  # YEH BARREE (Urdu keyboards) -> FARSI YEH
    "\u06c1": "\u0647",  # HEH GOAL (Urdu) -> HEH
    "\u06d5": "\u0647",  # AE (Kurdish) -> HEH
    "\u06c3": "\u0629",  # TEH MARBUTA GOAL (Urdu) -> TEH MARBUTA, which is then reported
}
#: ة is usually ه in Persian but right in some Arabic loanwords and names: reported, never fixed.
REPORT_ONLY_LETTERS = {"\u0629": "\u0647"}


def find_arabic_letters(
    text: str, protected: ProtectedSpans, language: str = "Persian"
) -> list[TypographyFinding]:
    """Arabic ي ك ى where Persian uses ی ک ی (fixed)."""
    return find_letters(text, protected, ARABIC_LETTER_FIXES, {}, language)


def find_teh_marbuta(
    text: str, protected: ProtectedSpans, language: str = "Persian"
) -> list[TypographyFinding]:
    """Arabic ة, reported with ه as the likely spelling and left for a human to decide.

    ة is right in Arabic names and some loanwords («دائرةالمعارف»), so no fix can be safe; the
    finding is not fixable and ``check`` does not promise that ``--fix`` corrects it.
    """
    return find_letters(text, protected, {}, REPORT_ONLY_LETTERS, language)


# --- the prefix می / نمی -------------------------------------------------------------------------

# Verb stems joined to می/نمی ("میشود") are always flagged for this list, whatever their length.
_PRESENT_STEMS = [
    *["شو", "کن", "باش", "توان", "ده", "گیر", "رس", "آی", "گرد", "یاب"],
    *["ساز", "پرداز", "گوی", "بین", "دار", "خواه", "رو", "آور", "خوان", "شناس"],
]
_PAST_STEMS = ["کرد", "شد", "داد", "گرفت", "رفت", "آمد", "توانست", "خواست", "داشت", "گفت"]
_PRESENT_ENDINGS = ["م", "ی", "د", "یم", "ید", "ند"]
_PAST_ENDINGS = ["", "م", "ی", "یم", "ید", "ند"]
_LISTED_VERBS = sorted(
    {stem + ending for stem, ending in product(_PRESENT_STEMS, _PRESENT_ENDINGS)}
    | {stem + ending for stem, ending in product(_PAST_STEMS, _PAST_ENDINGS)}
    | {"توان"},
    key=len,
    reverse=True,
)
# Beyond the list, a word می/نمی + at least three letters is a verb when it ends as Persian verbs
# end (ـد ـند ـیم ـید ـم, or a past stem's ـت), unless it is one of these words, which also start
# with می and end that way. Endings in ـی are left to the list: میلادی، میدانی، میهنی، میانی.
_NOT_VERBS = frozenset(
    [
        *["میلاد", "میعاد", "میلیارد", "میقات", "میمند", "میبد", "میثاقت", "میکروسافت"],
        *["میرداماد", "میرزاد", "میناباد", "میرآباد", "مینودشت", "میزگرد", "میلگرد"],
        *["میرمحمد", "میراحمد", "میرحمید", "میرسعید", "میرمجید", "میرجاوید", "میرحامد", "میرصمد"],
        *["میلنیوم", "میدیوم"],
    ]
)
_NOT_VERB_STARTS = (
    *("میکرو", "میلی", "مینی", "میهمان", "میزبان", "میراث", "میوه", "میهن", "میانگین"),
)
_VERB_ENDING_RE = re.compile("(?:د|ند|یم|ید|م|ست|شت|فت|خت)$")
# Preverbs written joined to می: «بازمی‌گردند»، «برمی‌دارد»، «درمی‌یابد».
_PREVERBS = "باز|بر|در|فرا|فرو|وا"
_WORD_LETTERS = f"[{LETTER_CHARS}{MARK_CHARS}]"
_JOINED_PREFIX_RE = re.compile(
    f"{NO_WORD_BEFORE}(?P<preverb>{_PREVERBS})?(?P<prefix>ن?می)(?P<rest>{_WORD_LETTERS}+)"
    f"{NOT_LETTER_AFTER}(?!{ZWNJ})"
)
_PREFIX_WITH_SPACE_RE = re.compile(f"{NO_WORD_BEFORE}(ن?می|بی)( +)({LETTER}{WORD})")
# Words that cannot follow the prefix می as a verb: "می و" is the noun می (wine) and a conjunction.
_NOT_VERB_AFTER_PREFIX = frozenset(
    ["و", "از", "به", "با", "در", "را", "که", "تا", "یا", "هم", "این", "آن", "ماه", "سال"]
)
_MONTH_BEFORE_RE = re.compile(f"(?:ماه|[{PERSIAN_DIGIT_CHARS}0-9]+) +$")


def _is_joined_verb(rest: str) -> bool:
    if rest in _LISTED_VERBS:
        return True
    word = "می" + rest
    if len(rest) < 3 or word in _NOT_VERBS or word.startswith(_NOT_VERB_STARTS):
        return False
    return _VERB_ENDING_RE.search(rest) is not None


def _find_prefix(text: str) -> list[TypographyFinding]:
    findings = []
    for match in _PREFIX_WITH_SPACE_RE.finditer(text):
        if match.group(3) in _NOT_VERB_AFTER_PREFIX or match[1] == match[3] == "بی":
            continue  # «بی بی سی» is a name
        before = text[max(0, match.start() - 24) : match.start()]
        if match[1] != "بی" and _MONTH_BEFORE_RE.search(before):
            continue  # «ماه می»، «۱۵ می»: the month of May
        findings.append(
            _zwnj_finding(match.start(), match[1], match[2], match[3], "the prefix is not a word")
        )
    for match in _JOINED_PREFIX_RE.finditer(text):
        if not _is_joined_verb(match["rest"]):
            continue
        left = (match["preverb"] or "") + match["prefix"]
        findings.append(
            _zwnj_finding(match.start(), left, "", match["rest"], "the prefix should not join")
        )
    return findings


# --- suffixes: ها، تر، ترین، ای، اند ----------------------------------------------------------------

_PLURAL_AND_SUPERLATIVE_SUFFIXES = [
    *["هایشان", "هایمان", "هایتان", "هایش", "هایی", "های", "هاست", "ها"],
    *["ترینشان", "ترین"],
]
_COMPARATIVE_BEFORE_AZ = f"تر(?= +از{NOT_LETTER_AFTER})"
_SUFFIX_WITH_SPACE_RE = re.compile(
    f"({LETTER}{_WORD_LETTERS}*)( +)"
    f"({'|'.join(_PLURAL_AND_SUPERLATIVE_SUFFIXES)}|{_COMPARATIVE_BEFORE_AZ}){NOT_LETTER_AFTER}"
)
# «ای»، «ام»، «اش»، «ات»، «مان»، «تان»، «شان» written apart after a word ending in ه («برنامه ای»،
# «خانه اش»، «خانواده تان»), and «اند»، «ایم»،
# «اید» after any word («رسیده اند»، «رایگان اند»): they are endings, never words of their own.
_HEH_ENDINGS_RE = re.compile(
    f"{NO_WORD_BEFORE}({LETTER}{_WORD_LETTERS}*ه)( +)(ای|ام|اش|ات|مان|تان|شان){NOT_LETTER_AFTER}(?!{ZWNJ})"
    f"|{NO_WORD_BEFORE}({LETTER}{_WORD_LETTERS}*)( +)(اند|ایم|اید){NOT_LETTER_AFTER}(?!{ZWNJ})"
    f"|(?<![{LETTER_CHARS}{MARK_CHARS}])({LETTER}{_WORD_LETTERS}*ی)( +)(مان|تان|شان|ام|ات|اش){NOT_LETTER_AFTER}"
    f"(?!{ZWNJ})"
)
# Short words before which «ای»... stands as a word of its own (or is nonsense to join).
_NOT_BEFORE_ENDINGS = frozenset(
    [
        *["که", "چه", "به", "نه", "ره", "ته", "مه", "شه", "و", "از", "در", "با", "را", "تا"],
        *["برای", "وی", "ری", "کی", "چی", "نی", "پی", "می", "بی"],
    ]
)
# «اند» joined to a participle («رسیدهاند»): ه would join ا and the word reads wrong.
_JOINED_PARTICIPLE_RE = re.compile(
    f"{NO_WORD_BEFORE}({_WORD_LETTERS}{{2,}}[دت]ه)(اند){NOT_LETTER_AFTER}"
)
# «ها» joined to a word ending in ه («برنامهها») is never right.
_JOINED_HEH_PLURAL_RE = re.compile(
    f"{NO_WORD_BEFORE}({_WORD_LETTERS}+ه)(ها{_WORD_LETTERS}*){NOT_LETTER_AFTER}"
)

# Second parts of compounds that are never words of their own («آسیب پذیر»، «برنامه ریزی»،
# «شرکت کنندگان»، «دانش آموزان»): typed after a space they take a ZWNJ instead.
_BOUND_SECOND_PARTS = [
    *["پذیر", "پذیری", "پذیران", "پذیرند", "گیری", "ریزی", "رسانی", "سازی", "گذاری"],
    *["کننده", "کنندگان", "آموز", "آموزان", "آموزی", "چرانی"],
]
# ... also with the endings a compound takes («آسیب پذیرترین»، «تصمیم گیری‌ها» typed joined).
_BOUND_PART_ENDINGS = "ترین|تر|ها|های|ی|ان"
_BOUND_PART_RE = re.compile(
    f"{NO_WORD_BEFORE}({LETTER}{_WORD_LETTERS}*)( +)"
    f"((?:{'|'.join(_BOUND_SECOND_PARTS)})(?:{_BOUND_PART_ENDINGS})?)"
    f"{NOT_LETTER_AFTER}(?!{ZWNJ})"
)
# تر or تری typed apart after an adjective of the list below («مهم تر است»).
_SPACED_COMPARATIVE_RE = re.compile(
    f"{NO_WORD_BEFORE}({LETTER}{_WORD_LETTERS}*)( +)(تری|تر){NOT_LETTER_AFTER}(?!{ZWNJ})"
)

# Comparatives and superlatives written joined («مهمترین»، «بزرگتر»). Written joined by custom
# and left alone: بهتر، بیشتر، کمتر، مهتر، کهتر. Words that merely end in تر are never touched.
_JOINED_BY_CUSTOM = frozenset(["به", "بیش", "کم", "مه", "که"])
_NOT_COMPARATIVES = frozenset(
    [
        *["دختر", "کبوتر", "دفتر", "چتر", "اختر", "ستر", "بستر", "شتر", "اشتر", "کفتر", "دکتر"],
        *["متر", "لیتر", "تیتر", "فیلتر", "تئاتر", "پوستر", "کامپیوتر", "کاراکتر", "سنتر"],
        *["استر", "آستر", "گستر", "اکتر", "سکتر", "ویترین", "دکترین", "کاترین", "اکسترین"],
        *["پیکتر", "نوکتر", "لاکتر", "اکستر", "ارکستر", "رجیستر", "تر"],
        *["هلیکوپتر", "لوستر", "سمستر", "مستر", "اسکوتر", "کاتتر", "پیتر", "وینتر"],
    ]
)
_NOT_COMPARATIVE_ENDINGS = ("متر", "لیتر", "گستر", "دفتر", "دختر")
#: Adjectives whose comparative («مهم‌تر») is flagged wherever it stands; others only before «از».
_ADJECTIVES = """مهم بزرگ کوچک سخت آسان ساده پیچیده جدی قوی ضعیف سریع آرام بلند کوتاه طولانی وسیع گسترده
    محدود جدید تازه قدیمی مناسب موثر مؤثر کارآمد پایدار امن ایمن سالم فقیر غنی ثروتمند دقیق روشن
    واضح شفاف عمیق سنگین سبک گرم سرد فراوان مشخص منظم جامع فعال مفید ارزان گران نزدیک کامل عالی
    خوب راحت دشوار حساس جوان پیر شدید مستقیم مطمئن آماده زنده پیشرفته فشرده عمده شایسته برجسته
    فوری ضروری اساسی اصلی عادلانه انسانی منصفانه پربار نوین کهن قدیم محکم استوار پرخطر خطرناک
    مطلوب روان هماهنگ پیوسته ارزشمند سودمند کارساز نیازمند محروم امیدوار فراگیر"""
COMMON_ADJECTIVES = frozenset(_ADJECTIVES.split())
_JOINED_SUPERLATIVE_RE = re.compile(
    f"{NO_WORD_BEFORE}({_WORD_LETTERS}{{2,}})(ترین|تری|تر)({_WORD_LETTERS}*){NOT_LETTER_AFTER}"
    f"(?!{ZWNJ})"
)
# Words before which a spaced «تر» is not the comparative: function words, and nouns that «تر»
# ("wet") describes («چشم تر»; in «خشک و تر» «و» comes first). Any other word + «تر»/«تری» is
# a comparative typed apart («زیبا تر»، «درست تری»): the suffix is never a word of its own.
_NOT_BEFORE_SPACED_TAR = frozenset(
    [
        *["و", "از", "به", "با", "در", "را", "که", "تا", "یا", "هم", "این", "آن", "نه", "چه"],
        *["چشم", "چشمان", "لب", "لبان", "دست", "لباس", "دامن", "خاک", "زمین", "مو"],
        *["موی", "گونه", "گل", "هیزم", "علف", "برگ", "نان", "دهان", "است", "بود", "شد"],
    ]
)
# «تر و تمیز»، «تر و تازه»، «تر و خشک»: idioms where «تر» is "wet", never a comparative.
_WET_IDIOM_AFTER_RE = re.compile(f" +و +(?:تمیز|تازه|خشک){NOT_LETTER_AFTER}")
_AZ_AFTER_RE = re.compile(f" +از{NOT_LETTER_AFTER}")


def _is_joined_comparative(stem: str, suffix: str, tail: str, rest_of_text: str) -> bool:
    word = stem + suffix + tail
    if stem[-1] in NON_JOINING_LETTERS or stem in _JOINED_BY_CUSTOM:
        return False
    if word in _NOT_COMPARATIVES or (stem + suffix) in _NOT_COMPARATIVES:
        return False
    if (stem + suffix).endswith(_NOT_COMPARATIVE_ENDINGS) or stem.startswith(("می", "نمی")):
        return False
    if suffix == "ترین":
        return tail in ("", "ها", "های", "شان")
    if tail:
        return False
    if stem in COMMON_ADJECTIVES:
        return True
    return suffix == "تر" and _AZ_AFTER_RE.match(rest_of_text) is not None


# Compounds always written with ZWNJ in standard Persian, whether typed with a space or joined.
_ZWNJ_COMPOUNDS = (
    ("بین", "المللی"),
    ("بین", "الملل"),
    ("پیش", "بینی"),
    ("ثبت", "نام"),
    ("پیش", "فرض"),
)
_COMPOUND_RE = re.compile(
    "|".join(
        f"{NO_WORD_BEFORE}({first})( *)({second}){NOT_LETTER_AFTER}"
        for first, second in _ZWNJ_COMPOUNDS
    )
)


def joiner_after(word: str) -> str:
    """What goes between ``word`` and a suffix or second part written with it.

    A ZWNJ after a letter that joins the next one (می‌شود، کتاب‌ها); nothing after one that never
    joins (کشورها، دورترین), where a ZWNJ would be invisible and Persian editors do not type it.
    """
    return "" if word[-1] in NON_JOINING_LETTERS else ZWNJ


def _zwnj_finding(offset: int, left: str, gap: str, right: str, why: str) -> TypographyFinding:
    found = left + gap + right
    suggestion = left + joiner_after(left) + right
    if ZWNJ in suggestion:
        message = (
            f'Missing zero-width non-joiner (U+200C) in "{found}": write "{suggestion}" ({why})'
        )
    else:
        message = f'"{found}" is one word: write "{suggestion}" ({why})'
    return finding("missing-zwnj", offset, found, suggestion, message)


def find_missing_zwnj(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """Where Persian needs a ZWNJ (U+200C) instead of a space or nothing.

    - the prefixes می / نمی followed by a space and a word ("می شود"), except the month «ماه می»;
    - می / نمی (also after باز، بر، در، فرا) joined to a verb: any verb ending (ـد ـند ـیم ـید
      ـم ـت) after at least three letters ("میپذیرد"، "بازمیگردند"), or a short verb from a list
      ("میشد"); words such as میز، میوه، میلیون، میلاد، میلیارد are never flagged;
    - a space before ها، های، هایش... and ترین ("کتاب ها"، "بزرگ ترین"), and before تر when «از»
      follows ("بزرگ تر از"); تر alone can mean "wet";
    - ترین/تر joined to an adjective ("مهمترین"، "بزرگتر از"), never in بهتر، بیشتر، کمتر nor in
      words that merely end in تر (دختر، دفتر، کبوتر، متر)، nor after a letter that does not join;
    - ای، ام، ایم، اید، اند after a word ending in ه ("برنامه ای"، "رسیده اند") and اند after ی;
      اند joined to a participle ("رسیدهاند"); ها joined to ه ("برنامهها");
    - the prefix بی typed apart ("بی سرپرست")، and second parts of compounds that are never
      words of their own ("آسیب پذیر"، "برنامه ریزی"، "شرکت کنندگان"، "دانش آموز");
    - a few compounds: بین‌المللی، بین‌الملل، پیش‌بینی، ثبت‌نام.
    Limit: ها joined to other words ("کتابها") is accepted spelling and not flagged.
    """
    findings = _find_prefix(text)
    for match in _SUFFIX_WITH_SPACE_RE.finditer(text):
        findings.append(
            _zwnj_finding(match.start(), match[1], match[2], match[3], "the suffix is not a word")
        )
    for match in _BOUND_PART_RE.finditer(text):
        if match[1] in _NOT_BEFORE_ENDINGS:
            continue
        findings.append(
            _zwnj_finding(match.start(), match[1], match[2], match[3], "one compound word")
        )
    for match in _SPACED_COMPARATIVE_RE.finditer(text):
        left = match[1]
        if left not in COMMON_ADJECTIVES and (
            left in _NOT_BEFORE_SPACED_TAR or left.endswith(("ای", "وی"))
        ):
            continue  # «هوای تر»، «موی تر»: a noun with its ezafe, and تر is "wet"
        if match[3] == "تر" and _WET_IDIOM_AFTER_RE.match(text, match.end()):
            continue  # «کتاب تر و تمیز»: the idiom "neat and tidy"
        if left in _JOINED_BY_CUSTOM:  # «بیش تر» -> «بیشتر», as the word is always written
            findings.append(
                finding(
                    "missing-zwnj",
                    match.start(),
                    match.group(),
                    left + match[3],
                    f'"{match.group()}" is one word: write "{left + match[3]}"',
                )
            )
            continue
        findings.append(
            _zwnj_finding(match.start(), left, match[2], match[3], "the suffix is not a word")
        )
    for match in _HEH_ENDINGS_RE.finditer(text):
        left, gap, right = (group for group in match.groups() if group is not None)
        if left in _NOT_BEFORE_ENDINGS:
            continue
        if left.endswith("های") and right in ("مان", "تان", "شان"):
            # «خواب های تان» -> «خواب‌هایتان»: the house writes ‌هایشان as one suffix
            joined = left + right
            message = f'"{left}{gap}{right}" is one word: write "{joined}" (one suffix)'
            findings.append(finding("missing-zwnj", match.start(), match.group(), joined, message))
            continue
        findings.append(_zwnj_finding(match.start(), left, gap, right, "the ending is not a word"))
    for pattern in (_JOINED_PARTICIPLE_RE, _JOINED_HEH_PLURAL_RE):
        for match in pattern.finditer(text):
            findings.append(
                _zwnj_finding(match.start(), match[1], "", match[2], "ه must not join the ending")
            )
    for match in _JOINED_SUPERLATIVE_RE.finditer(text):
        stem, suffix, tail = match.groups()
        if _is_joined_comparative(stem, suffix, tail, text[match.end() :]):
            findings.append(
                _zwnj_finding(match.start(), stem, "", suffix + tail, "تر and ترین do not join")
            )
    for match in _COMPOUND_RE.finditer(text):
        first, gap, second = (group for group in match.groups() if group is not None)
        findings.append(_zwnj_finding(match.start(), first, gap, second, "one compound word"))
    return _first_of_overlapping(unprotected(findings, protected))


def _first_of_overlapping(findings: list[TypographyFinding]) -> list[TypographyFinding]:
    kept: list[TypographyFinding] = []
    for item in findings:
        if kept and item.offset < kept[-1].offset + len(kept[-1].found):
            continue
        kept.append(item)
    return kept


def joins_with_zwnj(left: str, right: str) -> bool:
    """Whether two words typed apart belong together with a ZWNJ («می» + «شود», «کتاب» + «ها»)."""
    if not left or not right:
        return False
    text = f"{left} {right}"
    return any(
        item.offset <= len(left) < item.offset + len(item.found)
        for item in find_missing_zwnj(text, ProtectedSpans(text))
    )


def find_misplaced_persian_zwnj(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """A ZWNJ doubled, at a word's edge, or next to a space ("می‌ شود" -> "می‌شود")."""
    return find_misplaced_zwnj(text, protected, joins_with_zwnj)


_COMMA_BEFORE_VA_RE = re.compile(
    f"(?<=[{LETTER_CHARS}{MARK_CHARS}{PERSIAN_DIGIT_CHARS}»)]) *، *(?=و )"
)


def find_comma_before_va(
    text: str, protected: ProtectedSpans, language: str = "Persian"
) -> list[TypographyFinding]:
    """A comma before «و» ("and"): Persian house style writes none ("تهران، و" -> "تهران و")."""
    findings = [
        finding(
            "comma-before-va",
            match.start(),
            match.group(),
            " ",
            f'Comma before «و»: {language} does not put a comma before "and"; remove it',
        )
        for match in _COMMA_BEFORE_VA_RE.finditer(text)
    ]
    return unprotected(findings, protected)


HAMZA_ABOVE = "\u0654"
# The ezafe after a final ه typed as a separate ی («خانه ی»، «خانه‌ی»), as a standalone hamza
# («بهانهء»، «بهانه ء») or as a hamza after a ZWNJ («خانه‌ٔ»). The house writes «هٔ».
_EZAFE_RE = re.compile(
    f"{NO_WORD_BEFORE}(?P<word>{LETTER}{_WORD_LETTERS}*ه)"
    f"(?P<mark>[ \t]+ی|{ZWNJ}ی|(?:[ \t]+|{ZWNJ})?\u0621|{ZWNJ}{HAMZA_ABOVE})"
    f"{NOT_LETTER_AFTER}(?!{ZWNJ})"
)


def find_ezafe_after_heh(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """The ezafe after a final ه written «هٔ», never «ه ی»، «ه‌ی» or «هء».

    «خانه ی ما» -> «خانهٔ ما»، «بهانهء ممکن» -> «بهانهٔ ممکن». Whether an unmarked «خانه ما» has an
    ezafe needs a reader: the house style marks it everywhere in a document or nowhere, which
    an editor decides; this rule only corrects the wrong ways of marking it.
    """
    findings = []
    for match in _EZAFE_RE.finditer(text):
        start, end = match.span("mark")
        message = (
            f'Ezafe after «ه» typed as "{match["word"]}{match["mark"]}": write '
            f'"{match["word"]}{HAMZA_ABOVE}" (ه with hamza above, U+0654)'
        )
        findings.append(finding("ezafe", start, match["mark"], HAMZA_ABOVE, message))
    return unprotected(findings, protected)


# The indefinite «ای» after ه in an old spelling: «خانه‌یی»، «خانه‌ئی»، «خانه‌يی» -> «خانه‌ای».
_OLD_INDEFINITE_RE = re.compile(
    f"{NO_WORD_BEFORE}(?P<word>{LETTER}{_WORD_LETTERS}*ه)(?P<ending>(?:{ZWNJ}|[ \t]+)(?:یی|ئی))"
    f"{NOT_LETTER_AFTER}"
)


def find_old_spellings(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """«ه‌یی» and «ه‌ئی», older spellings of the indefinite ending, written «ه‌ای» today."""
    findings = []
    for match in _OLD_INDEFINITE_RE.finditer(text):
        start, end = match.span("ending")
        suggestion = ZWNJ + "ای"
        message = (
            f'"{match.group().strip()}" is an old spelling: write "{match["word"]}{suggestion}"'
        )
        findings.append(finding("old-spelling", start, match["ending"], suggestion, message))
    return unprotected(findings, protected)


#: Names and fixed phrases that a printed line never splits in Persian editions (house style).
KEEP_TOGETHER_FA = (
    "جمهوری اسلامی ایران",
    "سازمان ملل متحد",
    "از جمله",
    "قاچاق انسان",
    "قاچاق مهاجران",
    "تصمیم‌گیری و تدوین سیاست",
    "تدوین سیاست",
    "حقوق بین‌الملل مهاجرت",
    "حقوق مهاجران",
    "سلامت و مهاجرت",
    "مهاجرت و جنسیت",
    "مراجعه کنید",
    "پیشنهاد کنید",
    "بدین منظور",
    "ادغام مجدد",
)
#: Dari's: the shared phrases, and the names of Afghan places and bodies a returnee leaflet
#: prints (border crossings, cities of two words).
KEEP_TOGETHER_PRS = (
    *KEEP_TOGETHER_FA[1:],  # all but «جمهوری اسلامی ایران»
    "سازمان بین‌المللی مهاجرت",
    "اسلام قلعه",
    "سپین بولدک",
    "مزار شریف",
    "پل خمری",
    "مراجعه نمایید",
)


def persian_rule_set(
    name: str = "persian", language: str = "Persian", keep_together: tuple[str, ...] = ()
) -> RuleSet:
    """The Persian rules, their findings naming ``language`` ("Persian text", "Dari text")."""
    return RuleSet(
        name=name,
        characters=(
            partial(find_arabic_letters, language=language),
            partial(find_arabic_indic_digits, language=language),
            partial(find_latin_digits, language=language),
        ),
        marks=(
            find_soft_hyphens,
            find_kashida,
            find_doubled_diacritics,
            find_mark_runs,
            find_ellipses,
            partial(find_latin_punctuation, language=language),
            partial(find_quotes, language=language),
            partial(find_number_separators, language=language),
            find_range_dashes,
            find_double_hyphens,
        ),
        words=(
            find_misplaced_persian_zwnj,
            find_double_spaces,
            find_punctuation_spacing,
            partial(find_comma_before_va, language=language),
            find_ezafe_after_heh,
            find_old_spellings,
            find_missing_zwnj,
        ),
        report_only=(partial(find_teh_marbuta, language=language),),
        keep_together=keep_together,
    )


PERSIAN = persian_rule_set("persian", "Persian", KEEP_TOGETHER_FA)
DARI = persian_rule_set("dari", "Dari", KEEP_TOGETHER_PRS)
