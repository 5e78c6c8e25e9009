"""mail compose: one correct message per partner, in their language, with their PDFs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mailtest import (
    RECIPIENTS,
    language_of,
    make_mail_project,
    parse,
    run_mail,
    write_recipients,
)

from conftest import pdf_text
from iombrochure.errors import ConfigError, ContentError
from iombrochure.mail.compose import compose_campaign
from iombrochure.mail.settings import MailError
from iombrochure.mail.tokens import SECRET_VARIABLE, make_token, read_token
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.i18n import isolate_latin_runs, strip_bidi_controls
from iombrochure.typography import check_persian_yaml_file

PERSIAN_DIGITS = re.compile("[۰-۹]")
PERSIAN_SUBJECT = "برگهٔ اطلاعات جدید سازمان بین‌المللی مهاجرت در جمهوری اسلامی ایران"


@pytest.fixture
def project(tmp_path: Path, built_project: Path) -> Path:
    return make_mail_project(tmp_path / "project", built_project)


def words(text: str) -> str:
    """Single spaces: Python's parser adds one between encoded words of a name (see set_address)."""
    return " ".join(text.split())


def compose(project: Path, rows=RECIPIENTS, **kwargs):
    csv = write_recipients(project / "recipients.csv", rows)
    return compose_campaign(load_project(project), csv, "introduction", **kwargs)


def test_each_partner_gets_their_language_and_their_pdf(project: Path):
    result = compose(project)
    assert not result.problems and not result.rebuilt
    assert result.out_dir == project / "outbox" / "introduction"
    assert len(result.messages) == len(RECIPIENTS)
    dist = project / "dist"
    for composed in result.messages:
        message = parse(composed.path.read_bytes())
        address = composed.recipient.email
        lang = language_of(address)
        assert message["Content-Language"] == lang
        assert message["To"].addresses[0].addr_spec == address
        assert message["To"].addresses[0].display_name == composed.recipient.name
        office = "سازمان بین‌المللی مهاجرت، دفتر تهران" if lang == "fa" else "IOM Tehran"
        for header in ("From", "Reply-To"):
            (sender,) = message[header].addresses
            assert sender.addr_spec == "iomtehran@iom.int"
            assert words(sender.display_name) == office
        assert message["List-Unsubscribe"] == "<mailto:iomtehran@iom.int?subject=unsubscribe>"
        assert message["List-Unsubscribe-Post"] is None  # no https endpoint configured
        assert re.fullmatch(r"<introduction\.[0-9a-f]{32}@iom\.int>", message["Message-ID"])
        assert address.split("@")[0] not in message["Message-ID"]
        assert message["Date"].datetime is not None
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        (attachment,) = message.iter_attachments()
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content() == (dist / f"factsheet-{lang}.pdf").read_bytes()
        plain = strip_bidi_controls(text)
        if lang == "fa":
            assert str(message["Subject"]) == PERSIAN_SUBJECT
            assert '<html lang="fa" dir="rtl">' in html
            assert '<div lang="fa" dir="rtl"' in html
            assert attachment.get_filename() == "برگه-اطلاعات-دفتر-تهران.pdf"
            assert attachment.get_param("name") == "برگه-اطلاعات-دفتر-تهران.pdf"
            assert "پیامی با عنوان «لغو اشتراک» بفرستید." in plain  # the opt-out line
            # data.yaml's facts in Persian digits and the Solar Hijri calendar
            # A month-only fact keeps its Gregorian month, and Gregorian years are marked.
            assert "۳۷۰٬۰۰۰ نفر" in plain and "از ژوئیهٔ ۱۹۹۰ میلادی" in plain
            assert "تا پایان سال ۲۰۰۰ میلادی به کشورشان" in plain
            assert "+۹۸ ۲۱ ۸۸۰۴ ۳۳۷۷" in plain
            assert not re.search("[0-9]", re.sub(r"https?://\S+|\S+@\S+", "", plain))
        else:
            assert str(message["Subject"]) == (
                "IOM in the Islamic Republic of Iran: our new fact sheet"
            )
            assert '<html lang="en" dir="ltr">' in html
            assert attachment.get_filename() == "IOM-Iran-fact-sheet.pdf"
            assert "Since July 1990" in plain and "370,000 Afghan nationals" in plain
            assert 'write to iomtehran@iom.int with the subject "unsubscribe".' in plain
            assert not PERSIAN_DIGITS.search(plain)
        name, organization = composed.recipient.name, composed.recipient.organization
        if name:
            assert plain.startswith(f"{name} گرامی،" if lang == "fa" else f"Dear {name},")
        else:
            assert plain.startswith("Dear colleagues,")
        if organization:
            assert organization in plain and organization in html
        assert '<a href="https://www.iom.int">' in html
        # Contacts can be tapped: mailto: and tel: (Latin digits behind Persian-digit text)
        # in Persian, the isolate is inside the link: SpamAssassin counts a tag that splits a
        # run of letters as obfuscation (HTML_OBFUSCATE_05_10)
        lri, pdi = ("\u2066", "\u2069") if lang == "fa" else ("", "")
        assert f'<a href="mailto:iomtehran@iom.int">{lri}iomtehran@iom.int{pdi}</a>' in html
        shown = f"{lri}+۹۸ ۲۱ ۸۸۰۴ ۳۳۷۷{pdi}" if lang == "fa" else "+98 21 8804 3377"
        assert f'<a href="tel:+982188043377">{shown}</a>' in html
        assert "<a" not in text and "mailto:" not in text


def test_the_persian_message_as_raw_bytes_is_standard(project: Path):
    result = compose(project)
    raw = result.messages[0].path.read_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # headers are 7-bit: RFC 2047
    assert "To: =?utf-8?b?" in head and "<ali.rezaei@example.org>" in head
    assert "Subject: =?utf-8?b?" in head
    assert "filename*" in raw.decode("ascii")  # RFC 2231 for the Persian file name
    # ... and RFC 2047 in Content-Type's name=, for programs that read only that one
    assert 'Content-Type: application/pdf;\r\n name="=?utf-8?b?' in raw.decode("ascii")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    assert raw.isascii()  # nothing 8-bit: any server can carry it
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends (policy SMTP)


def test_message_ids_are_random_per_outbox_and_kept_when_composing_again(project: Path):
    first = compose(project)
    ids = [m.message_id for m in first.messages]
    other = compose(project, out_dir=project / "outbox" / "introduction-2027")
    assert len(set(ids)) == len(ids)
    assert not set(ids) & {m.message_id for m in other.messages}  # no id shared across outboxes
    again = compose(project)
    assert [m.message_id for m in again.messages] == ids  # the journal still knows them
    assert [m.change for m in again.messages] == ["unchanged"] * len(ids)


def test_recomposing_keeps_message_ids_and_drops_removed_recipients(project: Path):
    first = compose(project)
    ids = {m.recipient.email: m.message_id for m in first.messages}
    second = compose(project, RECIPIENTS[:3])
    assert {m.recipient.email: m.message_id for m in second.messages} == {
        address: ids[address] for address, *_ in RECIPIENTS[:3]
    }
    assert len(second.removed) == 3
    assert sorted(p.name for p in second.out_dir.glob("*.eml")) == sorted(
        m.path.name for m in second.messages
    )


def test_recipient_values_are_text_not_markup_or_placeholders(project: Path):
    rows = [("x@example.org", "<b>*Ali*</b> {figures.member_states}", "R&D {{ 7*7 }}", "en")]
    (composed,) = compose(project, rows).messages
    message = parse(composed.path.read_bytes())
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "Dear &lt;b&gt;*Ali*&lt;/b&gt; {figures.member_states}," in html
    assert "R&amp;D {{ 7*7 }}" in html
    assert text.startswith("Dear <b>*Ali*</b> {figures.member_states},")
    assert "R&D {{ 7*7 }}" in text


def test_bad_rows_are_reported_with_their_line_and_skipped(project: Path):
    csv = project / "recipients.csv"
    csv.write_text(
        "email,name,organization,lang\n"
        "ali.rezaei@example.org,علی رضایی,وزارت کشور,fa\n"
        "not-an-address,Someone,Nowhere,en\n"
        '"jane.doe@example.org","Jane\nDoe",UNDP,en\n'
        "ALI.REZAEI@example.org,Ali again,,fa\n"
        "hans@example.de,Hans,GIZ,de\n"
        "\n"
        "kenji@example.jp,Kenji,Embassy,EN\n"
        "too@many.org,a,b,en,extra\n",
        encoding="utf-8",
    )
    result = run_mail(
        "compose", "--recipients", "recipients.csv", "--campaign", "introduction",
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    problems = result.stderr.strip().splitlines()
    assert problems == [
        "recipients.csv:3: invalid e-mail address: 'not-an-address' is not an e-mail address "
        "(one @ expected); skipped",
        "recipients.csv:4: the name is written on two lines (a line break inside its quotes) "
        "(write the name on one line: it is the To: line and the greeting); skipped",
        "recipients.csv:6: duplicate address ALI.REZAEI@example.org (first on line 2); skipped",
        "recipients.csv:7: unknown language 'de'; this project has: en, fa; skipped",
        "recipients.csv:10: this row has 5 fields but the header has 4; skipped",
    ]
    assert "composed 2 message(s)" in result.stdout and "skipped 5" in result.stdout
    names = sorted(p.name for p in (project / "outbox" / "introduction").glob("*.eml"))
    assert names == ["0001-ali.rezaei_at_example.org.eml", "0002-kenji_at_example.jp.eml"]


def test_a_missing_column_or_a_non_utf8_file_is_one_line(project: Path):
    (project / "a.csv").write_text("email,name,language\nx@y.org,X,en\n", encoding="utf-8")
    (project / "b.csv").write_bytes(
        "email,name,organization,lang\nx@y.org,Müller,,en\n".encode("latin-1")
    )
    for name, expected in (
        ("a.csv", "a.csv:1: the header has no organization, lang columns"),
        ("b.csv", "b.csv:2: the file is not UTF-8 text"),
    ):
        result = run_mail(
            "compose", "--recipients", name, "--campaign", "introduction", cwd=project
        )
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            "error: " + expected + ' (save it as "CSV UTF-8" in your spreadsheet program)'
            if name == "b.csv"
            else "error: "
            + expected
            + " (the first line must name at least: email,name,organization,lang)"
        ]
        assert not (project / "outbox").exists()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("{{ organization }},{% endif %} our", "{{ organisation }},{% endif %} our"),
            "introduction.yaml:15: en.body: 'organisation' is undefined",
        ),
        (("احترام،{% endif %}", "احترام،{% endfor %}"), "introduction.yaml:31: fa.body: template"),
        (("  - factsheet\n", "  - leaflet\n"), "introduction.yaml:8: attach: 'leaflet' is not"),
        (("{years.repatriation_end}", "{years.repatriation}"), "refers to 'years.repatriation'"),
        (
            ("Dear {{ name }}", "Dear {{ name.__class__.__mro__ }}"),
            "introduction.yaml:13: en.body: template error: access to attribute '__class__'",
        ),
        (("\nen:\n", "\nde:\n"), "unknown field 'de'"),
    ],
)
def test_campaign_mistakes_name_the_file_and_line(project: Path, edit, expected):
    path = project / "content" / "campaigns" / "introduction.yaml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    write_recipients(project / "recipients.csv")
    result = run_mail(
        "compose", "--recipients", "recipients.csv", "--campaign", "introduction",
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("error: content/campaigns/introduction.yaml:"), lines[0]
    assert expected in lines[0]
    assert not (project / "outbox").exists()  # nothing written


def test_an_unknown_campaign_lists_the_known_ones(project: Path):
    write_recipients(project / "recipients.csv")
    result = run_mail(
        "compose", "--recipients", "recipients.csv", "--campaign", "intro", cwd=project
    )
    assert result.returncode == 1
    assert "no campaign 'intro' (this project has: introduction)" in result.stderr


def test_a_campaign_without_a_persian_message_skips_persian_rows(project: Path):
    path = project / "content" / "campaigns" / "introduction.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.split("\nfa:\n")[0] + "\n", encoding="utf-8")
    result = compose(project)
    assert len(result.messages) == 3
    assert {p.line for p in result.problems} == {2, 4, 7}
    assert all("has no 'fa' message" in p.message for p in result.problems)


def test_stale_pdfs_are_rebuilt_before_they_are_attached(project: Path):
    factsheet = project / "content" / "fa" / "factsheet.yaml"
    text = factsheet.read_text(encoding="utf-8")
    assert "مهاجرت در جمهوری" in text
    factsheet.write_text(
        text.replace("مهاجرت در جمهوری", "مهاجرت در ایران و جمهوری"), encoding="utf-8"
    )
    before = {o["lang"]: o["sha256"] for o in _manifest(project)}
    result = compose(project)
    # The rule is simple on purpose: any newer source makes every attached PDF stale.
    assert result.rebuilt == [
        "factsheet-en: factsheet-en.pdf is older than its sources",
        "factsheet-fa: factsheet-fa.pdf is older than its sources",
    ]
    after = {o["lang"]: o["sha256"] for o in _manifest(project)}
    assert after["en"] == before["en"]  # rebuilt byte for byte: the build is reproducible
    assert after["fa"] != before["fa"]
    persian = next(m for m in result.messages if m.recipient.lang == "fa")
    (attachment,) = parse(persian.path.read_bytes()).iter_attachments()
    pdf = project / "attached.pdf"
    pdf.write_bytes(attachment.get_content())
    assert "در ایران و جمهوری" in pdf_text(pdf)


def test_a_pdf_changed_after_the_build_is_rebuilt(project: Path):
    (project / "dist" / "factsheet-en.pdf").write_bytes(b"%PDF-1.7 not the build's file")
    result = compose(project, RECIPIENTS[1:2])
    assert result.rebuilt == ["factsheet-en: factsheet-en.pdf differs from the manifest's SHA-256"]
    (attachment,) = parse(result.messages[0].path.read_bytes()).iter_attachments()
    assert attachment.get_content() == (project / "dist" / "factsheet-en.pdf").read_bytes()
    assert len(attachment.get_content()) > 10_000


def test_a_message_over_the_size_limit_is_a_warning(tmp_path: Path, built_project: Path):
    project = make_mail_project(tmp_path / "project", built_project, max_message_mb=0.05)
    write_recipients(project / "recipients.csv")
    result = run_mail(
        "compose", "--recipients", "recipients.csv", "--campaign", "introduction",
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "over the 0.05 MB limit" in line]
    assert len(warnings) == 3  # the Persian messages (with their larger PDF) only
    assert all("0001-ali" in w or "0003-maryam" in w or "0006-reza" in w for w in warnings)
    assert "composed 6 message(s)" in result.stdout


def test_the_bundled_persian_campaign_text_follows_persian_typography():
    from conftest import REPO

    path = REPO / "content" / "campaigns" / "introduction.yaml"
    findings = check_persian_yaml_file(path, is_prose=lambda key_path: key_path[0] == "fa")
    assert findings == []
    text = path.read_text(encoding="utf-8")
    assert "\u200c" in text and "ي" not in text and "ك" not in text


def test_compose_reports_a_missing_sender(tmp_path: Path, built_project: Path):
    project = make_mail_project(tmp_path / "project", built_project)
    config = project / "iombrochure.toml"
    config.write_text(
        re.sub(r"^from = .*\n", "", config.read_text(encoding="utf-8"), flags=re.M),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"\[mail\] from is required"):
        compose(project)


def _manifest(project: Path) -> list[dict]:
    return json.loads((project / "dist" / "manifest.json").read_text())["outputs"]


def test_compose_never_deletes_or_mixes_other_messages(project: Path):
    out = project / "elsewhere"
    out.mkdir()
    (out / "note.eml").write_bytes(b"Message-ID: <mine@example.org>\r\nSubject: x\r\n\r\nhi\r\n")
    with pytest.raises(MailError, match=r"holds 1 \.eml file\(s\) of something else"):
        compose(project, out_dir=out)
    assert sorted(p.name for p in out.iterdir()) == ["note.eml"]


#: Each class of request the campaign sandbox's budget refuses (the templates' budget, at the
#: size of a letter: see tests/pipeline/test_template_budget.py).
CAMPAIGN_BOMBS = [
    ("{{ 'x' * 10**9 }}", "repeating it would make"),
    ("{{ 7 ** 99999999 }}", "7 ** 99999999 would make"),
    ("{{ [1] * 10**8 }}", "repeating it would make"),
    ("{{ name.center(500000000) }}", "center() would make"),
    ("{{ '%500000000s' % name }}", "a format width would make"),
    ("{{ '{:500000000}'.format(name) }}", "a format width would make"),
    ("{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}"
     "{% endfor %}", "joining them would make"),
    ("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
     "more than 10,000 loop iterations in all"),
    ("{% for i in range(10**20) %}{% endfor %}", "range() of more than 1,000 numbers"),
]  # fmt: skip


@pytest.mark.parametrize(("bomb", "words"), CAMPAIGN_BOMBS)
def test_campaign_text_cannot_exhaust_memory_or_time(project: Path, bomb: str, words: str):
    path = project / "content" / "campaigns" / "introduction.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Dear {{ name }},", f"Dear {bomb},"), encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        compose(project, RECIPIENTS[1:2])
    line = refused.value.format(project)
    assert line.startswith("content/campaigns/introduction.yaml:13: en.body: not allowed in a "
                           "campaign text: "), line  # fmt: skip
    assert words in line


def test_a_campaign_macro_calling_itself_is_one_line_and_exit_1(project: Path):
    path = project / "content" / "campaigns" / "introduction.yaml"
    text = path.read_text(encoding="utf-8")
    recursion = "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"
    path.write_text(text.replace("Dear {{ name }},", f"Dear {recursion},"), encoding="utf-8")
    write_recipients(project / "recipients.csv")
    result = run_mail(
        "compose", "--recipients", "recipients.csv", "--campaign", "introduction", cwd=project
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: content/campaigns/introduction.yaml:13: en.body: ")
    assert "the text makes too much to fill in" in line
    assert not (project / "outbox").exists()


def test_mail_help_is_fast_and_does_not_load_the_renderer():
    import subprocess
    import sys

    from mailtest import cli_env

    code = (
        "import sys; from click.testing import CliRunner; from iombrochure.cli import main;"
        "r = CliRunner();"
        "a = r.invoke(main, ['mail', 'compose', '--help']); b = r.invoke(main, ['mail', 'send', '--help']);"
        "assert a.exit_code == b.exit_code == 0, a.output + b.output;"
        "assert 'IOMBROCHURE_SMTP_PASSWORD' in b.output and '--recipients' in a.output;"
        "print('weasyprint' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=cli_env()
    )
    assert result.stdout.strip() == "False", result.stderr


LRI, PDI = "\u2066", "\u2069"
#: Partners with accented and non-English Latin names: French, German, Turkish, Spanish.
ACCENTED = [
    ("renee@example.fr", "Renée Lefèvre", "Médecins Sans Frontières", "fa"),
    ("juergen@example.de", "Jürgen Groß", "Diakonie Katastrophenhilfe", "fa"),
    ("isik@example.com.tr", "Işık Yılmaz", "Türk Kızılay", "fa"),
    ("francois@example.org", "François Côté", "Médecins du Monde", "en"),
    ("nunez@example.es", "José Núñez", "", "fa"),
]


@pytest.mark.parametrize("name", [row[1] for row in ACCENTED] + [row[2] for row in ACCENTED[:3]])
def test_isolation_keeps_an_accented_name_whole(name: str):
    assert isolate_latin_runs(f"{name} گرامی،") == f"{LRI}{name}{PDI} گرامی،"


def test_accented_names_and_organizations_read_whole_in_persian_messages(project: Path):
    result = compose(project, ACCENTED)
    assert not result.problems
    for composed in result.messages:
        message = parse(composed.path.read_bytes())
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = message.get_body(("html",)).get_content()
        _, name, organization, lang = next(r for r in ACCENTED if r[0] == composed.recipient.email)
        assert message["To"].addresses[0].display_name == name
        if lang == "en":
            assert text.startswith(f"Dear {name},") and LRI not in text.split("\n")[0]
            assert f"and your organization, {organization}, our new" in text
            continue
        # One isolated run per name, in the plain text and in the HTML alike
        assert text.startswith(f"{LRI}{name}{PDI} گرامی،\n")
        assert f"<p>{LRI}{name}{PDI} گرامی،</p>" in html
        if organization:
            assert f"و همکارانتان در {LRI}{organization}{PDI} می‌فرستیم" in text
            assert f"و همکارانتان در {LRI}{organization}{PDI} می‌فرستیم" in html
        # what a reader's mail program shows once the isolates are dropped: the name as written
        assert strip_bidi_controls(text).startswith(f"{name} گرامی،")


def test_arabic_letters_in_persian_names_are_written_persian_with_a_note(project: Path):
    rows = [
        ("hossein@example.ir", "حسين كريمي", "شركت ملي نفت", "fa"),
        ("zahra@example.ir", "زهرا موسوی", "وزارت کشور", "fa"),
        ("ali@example.org", "علي", "UNDP", "en"),  # an English message: left as written
    ]
    result = compose(project, rows)
    first = parse(result.messages[0].path.read_bytes())
    text = first.get_body(("plain",)).get_content()
    assert first["To"].addresses[0].display_name == "حسین کریمی"
    assert text.startswith("حسین کریمی گرامی،")
    assert "همکارانتان در شرکت ملی نفت می‌فرستیم" in text
    assert not re.search("[يكى]", text + first.get_body(("html",)).get_content())
    (note,) = result.notes
    assert note.line == 2
    assert note.message == (
        "Arabic letters ي/ك in name, organization of hossein@example.ir written as Persian ی/ک "
        "in the Persian message"
    )
    english = parse(result.messages[2].path.read_bytes())
    assert english.get_body(("plain",)).get_content().startswith("Dear علي,")


def test_compose_says_exactly_what_changed_by_partner(project: Path):
    write_recipients(project / "recipients.csv")
    command = ("compose", "--recipients", "recipients.csv", "--campaign", "introduction")
    first = run_mail(*command, cwd=project)
    assert first.returncode == 0, first.stderr
    assert "(6 new, 0 changed, 0 unchanged)" in first.stdout
    # A partner added at the top (every file renumbered), one dropped, one opted out.
    newcomer = ("sara.bianchi@example.it", "Sara Bianchi", "WFP", "en")
    write_recipients(project / "recipients.csv", [newcomer, *RECIPIENTS[:5]])
    (project / "opted-out.txt").write_text(
        "# asked on 2 December\njane.doe@EXAMPLE.org\n", encoding="utf-8"
    )
    second = run_mail(*command, cwd=project)
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    assert (
        "recipients.csv:4: jane.doe@example.org opted out (opted-out.txt:2); not composed" in lines
    )
    assert (
        "removed 0002-jane.doe_at_example.org.eml of an earlier compose: jane.doe@example.org "
        "(opted out)" in lines
    )
    assert (
        "removed 0006-reza.karimi_at_example.org.eml of an earlier compose: "
        "reza.karimi@example.org (no longer in the list)" in lines
    )
    assert "new: sara.bianchi@example.it (0001-sara.bianchi_at_example.it.eml)" in lines
    assert not [line for line in lines if line.startswith("changed:")]
    assert "(1 new, 0 changed, 4 unchanged), skipped 0, opted out 1, removed 2;" in lines[-1]
    files = sorted(p.name for p in (project / "outbox" / "introduction").glob("*.eml"))
    assert files == [
        "0001-sara.bianchi_at_example.it.eml",
        "0002-ali.rezaei_at_example.org.eml",
        "0003-maryam.ahmadi_at_example.ir.eml",
        "0004-kenji.sato_at_example.jp.eml",
        "0005-info_at_example.net.eml",
    ]
    # Changing the campaign's text changes every message, and compose says so per partner.
    path = project / "content" / "campaigns" / "introduction.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("With kind regards", "Best regards"))
    third = run_mail(*command, cwd=project)
    assert "(0 new, 3 changed, 2 unchanged)" in third.stdout  # the English messages only
    assert "changed: sara.bianchi@example.it (0001-sara.bianchi_at_example.it.eml)" in third.stdout


SECRET = "a-long-random-office-secret-0123456789"


@pytest.fixture
def one_click_project(tmp_path: Path, built_project: Path) -> Path:
    return make_mail_project(
        tmp_path / "project",
        built_project,
        unsubscribe="optout@iom.int",
        unsubscribe_url="https://www.example.org/unsubscribe",
    )


def test_list_unsubscribe_offers_one_click_with_a_token_not_the_address(
    one_click_project: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    result = compose(one_click_project, RECIPIENTS[1::-1])
    assert not result.setting_warnings
    (composed, persian) = result.messages
    message = parse(composed.path.read_bytes())
    token = make_token("jane.doe@example.org", SECRET)
    assert re.findall("<([^>]+)>", message["List-Unsubscribe"]) == [  # folded: long
        f"mailto:optout@iom.int?subject=unsubscribe%20{token}",
        f"https://www.example.org/unsubscribe?token={token}",
    ]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    raw = composed.path.read_bytes().decode("ascii")
    assert "jane.doe" not in raw.split("\r\nTo:", 1)[0]  # no header before To names her
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    assert text.endswith(
        'write to optout@iom.int with the subject "unsubscribe" or open '
        f"https://www.example.org/unsubscribe?token={token}.\n"
    )
    assert "email=" not in text and "email=" not in html
    assert '<a href="mailto:optout@iom.int?subject=unsubscribe">optout@iom.int</a>' in html
    assert read_token(token, SECRET) == "jane.doe@example.org"
    farsi = parse(persian.path.read_bytes()).get_body(("plain",)).get_content()
    # no invisible isolates around an address or a link in the plain text: they break pasting
    assert "به نشانی optout@iom.int پیامی با عنوان «لغو اشتراک» بفرستید" in farsi
    token_fa = make_token("ali.rezaei@example.org", SECRET)
    assert f" https://www.example.org/unsubscribe?token={token_fa} " in farsi
    assert not re.search("[\u2066\u2069](?:https|[a-z.]+@)", farsi)


def test_without_the_secret_the_one_click_link_is_left_out_and_said(
    one_click_project: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    result = run_mail(
        "compose", "--recipients", str(write_recipients(one_click_project / "r.csv")),
        "--campaign", "introduction", cwd=one_click_project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"warning: [mail] unsubscribe_url is left out of the messages: {SECRET_VARIABLE}" in (
        result.stderr
    )
    for path in (one_click_project / "outbox" / "introduction").glob("*.eml"):
        message = parse(path.read_bytes())
        assert message["List-Unsubscribe"] == "<mailto:optout@iom.int?subject=unsubscribe>"
        assert message["List-Unsubscribe-Post"] is None
        assert "example.org/unsubscribe" not in message.get_body(("html",)).get_content()


def test_a_token_unsubscribes_its_partner_and_a_forged_one_is_refused(
    one_click_project: Path,
):
    token = make_token("jane.doe@example.org", SECRET)
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    forged = make_token("jane.doe@example.org", "another-secret-of-enough-length")
    for bad in (altered, forged, "jane.doe@example.org", token[:20]):
        refused = run_mail(
            "unsubscribe", "--token", bad, cwd=one_click_project, **{SECRET_VARIABLE: SECRET}
        )
        assert refused.returncode == 1, refused.stderr
        assert refused.stderr.startswith("error: the unsubscribe token is not valid"), bad
        assert len(refused.stderr.strip().splitlines()) == 1
    assert not (one_click_project / "opted-out.txt").exists()
    no_secret = run_mail("unsubscribe", "--token", token, cwd=one_click_project)
    assert no_secret.returncode == 1
    assert f"--token needs the secret compose used, in {SECRET_VARIABLE}" in no_secret.stderr
    good = run_mail(
        "unsubscribe", "--token", token, cwd=one_click_project, **{SECRET_VARIABLE: SECRET}
    )
    assert good.returncode == 0, good.stderr
    assert "added jane.doe@example.org to opted-out.txt" in good.stdout
    listed = (one_click_project / "opted-out.txt").read_text(encoding="utf-8")
    assert "jane.doe@example.org  # " in listed and "unsubscribe link" in listed
    assert SECRET not in listed and token not in listed
    both = run_mail("unsubscribe", "--token", token, "x@example.org", cwd=one_click_project)
    assert both.returncode == 1 and "not both and not neither" in both.stderr


def test_a_family_name_first_is_composed_as_written_with_a_warning(project: Path):
    rows = [("jane.doe@example.org", '"Doe, Jane"', "UNDP Iran", "en"), *RECIPIENTS[3:5]]
    csv = write_recipients(project / "recipients.csv", rows)
    result = run_mail(
        "compose", "--recipients", str(csv), "--campaign", "introduction", cwd=project
    )
    assert result.returncode == 0, result.stderr
    assert (
        "warning: recipients.csv:2: the name 'Doe, Jane' of jane.doe@example.org has a comma: "
        'the greeting reads "Doe, Jane," as if family name first; composed as written '
        "(write the name as the partner writes it, e.g. Jane Doe)"
    ) in result.stderr
    assert "composed 3 message(s)" in result.stdout


def test_unsubscribe_adds_to_the_suppression_list_and_compose_skips_them(project: Path):
    bad = run_mail("unsubscribe", "jane.doe@example.org", "not-an-address", cwd=project)
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        "error: not an e-mail address: 'not-an-address' is not an e-mail address (one @ "
        "expected) (nothing was added)"
    )
    assert not (project / "opted-out.txt").exists()
    good = run_mail("unsubscribe", "Jane.Doe@EXAMPLE.org", "info@example.net", cwd=project)
    assert good.returncode == 0, good.stderr
    again = run_mail("unsubscribe", "jane.doe@example.org", cwd=project)
    assert "jane.doe@example.org is already in opted-out.txt" in again.stdout
    lines = (project / "opted-out.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and len(lines) == 4
    assert lines[2].startswith("Jane.Doe@example.org  # ")
    result = compose(project)
    assert sorted(r.email for r, _ in result.opted_out) == [
        "info@example.net",
        "jane.doe@example.org",
    ]
    assert len(result.messages) == 4


def test_a_broken_suppression_list_stops_compose_with_its_line(project: Path):
    (project / "opted-out.txt").write_text("ok@example.org\nnot an address\n", encoding="utf-8")
    write_recipients(project / "recipients.csv")
    result = run_mail(
        "compose", "--recipients", "recipients.csv", "--campaign", "introduction", cwd=project
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: opted-out.txt:2: not an e-mail address")
    assert not (project / "outbox").exists()


def test_mail_settings_mistakes_name_the_key(tmp_path: Path, built_project: Path):
    project = make_mail_project(
        tmp_path / "project", built_project, unsubscribe_url="http://example.org/x"
    )
    config = project / "iombrochure.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'de = "IOM Teheran"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        compose(project)
    assert "[mail] unsubscribe_url must be an https:// address" in raised.value.message
    assert "[mail.from_name] 'de' is not a language of this project (en, fa)" in (
        raised.value.message
    )
