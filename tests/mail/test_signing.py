"""DKIM signing and the envelope sender: what a receiver verifies, checked with dkimpy itself.

The public key is served to dkimpy's verifier by a stand-in for DNS (the TXT record the office
would publish at <selector>._domainkey.<domain>); the messages are the ones a real SMTP server
(aiosmtpd on 127.0.0.1) received from `mail send`.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from mailtest import (
    RECIPIENTS,
    Recorder,
    make_mail_project,
    run_mail,
    start_server,
    write_recipients,
)

from iombrochure.mail.tokens import SECRET_VARIABLE

SECRET = {SECRET_VARIABLE: "a-long-random-office-secret-0123456789"}


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_key(path: Path, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def dns_record(key: rsa.RSAPrivateKey, selector: str, domain: str):
    """dkimpy's DNS lookup, answering only the office's DKIM record."""
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == f"{selector}._domainkey.{domain}.".encode() else None

    return lookup


@pytest.fixture
def recorder():
    handler = Recorder()
    controller = start_server(handler)
    handler.port = controller.port
    yield handler
    handler.release.set()
    controller.stop()


def test_sent_messages_carry_a_dkim_signature_that_verifies_and_the_envelope_sender(
    tmp_path: Path, built_project: Path, recorder: Recorder, rsa_key: rsa.RSAPrivateKey
):
    key_file = write_key(tmp_path / "keys" / "dkim.pem", rsa_key)  # outside the project
    project = make_mail_project(
        tmp_path / "project",
        built_project,
        unsubscribe_url="https://www.example.org/unsubscribe",
        dkim_selector="iom2026",
        dkim_key_file=str(key_file),
        envelope_from="bounces@iom.int",
    )
    csv = write_recipients(project / "recipients.csv", RECIPIENTS[:2])
    composed = run_mail(
        "compose", "--recipients", str(csv), "--campaign", "introduction", cwd=project, **SECRET
    )
    assert composed.returncode == 0, composed.stderr
    outbox = project / "outbox" / "introduction"
    assert b"DKIM-Signature" not in b"".join(p.read_bytes() for p in outbox.glob("*.eml"))
    sent = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        "--send", cwd=project,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    lookup = dns_record(rsa_key, "iom2026", "iom.int")
    assert len(recorder.delivered) == 2
    for delivered in recorder.delivered:
        assert delivered.mail_from == "bounces@iom.int"  # bounces go there, not to From
        assert delivered.message["From"].addresses[0].addr_spec == "iomtehran@iom.int"
        assert dkim.verify(delivered.data, dnsfunc=lookup)
        signature = " ".join(str(delivered.message["DKIM-Signature"]).split())
        assert "d=iom.int;" in signature and "s=iom2026;" in signature
        signed = re.search(r"h=([^;]+)", signature).group(1).replace(" ", "").lower().split(":")
        for header in ("from", "subject", "date", "message-id"):
            assert header in signed
        for header in ("list-unsubscribe", "list-unsubscribe-post"):  # RFC 8058 section 4
            assert signed.count(header) == 2  # signed, and its absence of a second one too
        assert delivered.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # what a forger would do: change the one-click link; the signature no longer verifies
        forged = re.sub(rb"token=[A-Za-z0-9_-]+", b"token=forged", delivered.data, count=1)
        assert forged != delivered.data and not dkim.verify(forged, dnsfunc=lookup)
        added = b"List-Unsubscribe: <https://evil.example/u>\r\n" + delivered.data
        assert not dkim.verify(added, dnsfunc=lookup)


def test_a_key_inside_the_project_or_a_foreign_domain_is_refused_with_the_key_named(
    tmp_path: Path, built_project: Path, rsa_key: rsa.RSAPrivateKey
):
    project = make_mail_project(
        tmp_path / "project", built_project, dkim_selector="iom2026", dkim_key_file="dkim.pem"
    )
    write_key(project / "dkim.pem", rsa_key)
    csv = write_recipients(project / "recipients.csv", RECIPIENTS[:1])
    inside = run_mail(
        "compose", "--recipients", str(csv), "--campaign", "introduction", cwd=project
    )
    assert inside.returncode == 1
    assert "[mail] dkim_key_file 'dkim.pem' is inside the project" in inside.stderr
    assert len(inside.stderr.strip().splitlines()) == 1
    other = make_mail_project(
        tmp_path / "other", built_project, dkim_selector="s1", dkim_domain="example.org"
    )
    foreign = run_mail("compose", "--recipients", str(csv), "--campaign", "introduction", cwd=other)
    assert foreign.returncode == 1
    assert "dkim_domain 'example.org' is not the From domain 'iom.int'" in foreign.stderr


def test_a_missing_or_wrong_key_stops_even_a_dry_run(tmp_path: Path, built_project: Path):
    key_file = tmp_path / "keys" / "dkim.pem"
    project = make_mail_project(
        tmp_path / "project", built_project, dkim_selector="iom2026", dkim_key_file=str(key_file)
    )
    csv = write_recipients(project / "recipients.csv", RECIPIENTS[:1])
    assert (
        run_mail(
            "compose", "--recipients", str(csv), "--campaign", "introduction", cwd=project
        ).returncode
        == 0
    )
    outbox = project / "outbox" / "introduction"
    missing = run_mail("send", str(outbox), cwd=project)
    assert missing.returncode == 1
    assert "cannot read the DKIM key: No such file or directory" in missing.stderr
    write_key(key_file, ec.generate_private_key(ec.SECP256R1()))
    not_rsa = run_mail("send", str(outbox), cwd=project)
    assert not_rsa.returncode == 1 and "is not an RSA key" in not_rsa.stderr
    key_file.unlink()
    pem = {"IOMBROCHURE_DKIM_PRIVATE_KEY": "not a key"}
    project_without_file = make_mail_project(
        tmp_path / "env", built_project, dkim_selector="iom2026"
    )
    write_recipients(project_without_file / "recipients.csv", RECIPIENTS[:1])
    run_mail(
        "compose", "--recipients", "recipients.csv", "--campaign", "introduction",
        cwd=project_without_file,
    )  # fmt: skip
    bad = run_mail("send", "outbox/introduction", cwd=project_without_file, **pem)
    assert bad.returncode == 1 and "is not an unencrypted PEM private key" in bad.stderr
    assert "not a key" not in bad.stderr
