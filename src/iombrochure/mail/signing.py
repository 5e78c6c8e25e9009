"""DKIM signatures (RFC 6376) for offices whose relay does not sign their mail.

Gmail and Yahoo honour one-click unsubscribe only in a message whose DKIM signature covers both
List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 section 4), and DMARC counts a signature of
the From domain. The message is signed by ``mail send`` just before it is handed to the server,
after its Date is set, so that the signature covers the Date the partner sees.

The private key comes from a file outside the project (``[mail] dkim_key_file``) or from the
environment variable IOMBROCHURE_DKIM_PRIVATE_KEY; it is never copied into the outbox.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from iombrochure.mail.settings import DKIM_KEY_VARIABLE, MailError, MailSettings

#: The headers the signature covers. Each is listed twice (oversigning, RFC 6376 section 8.15):
#: the second names the header's absence, so a header added on the way, such as a second
#: Subject or a forged List-Unsubscribe, breaks the signature instead of riding on it.
SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Cc",
    b"Reply-To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
    b"Content-Language",
)
#: RSA keys shorter than this are refused by Gmail and others (RFC 8301 asks for 1024 at least).
MIN_RSA_BITS = 1024


@dataclass(frozen=True)
class DkimSigner:
    """Signs a message's bytes with one key, for one domain and selector."""

    selector: str
    domain: str
    private_key: bytes = field(repr=False)  # PEM, never shown

    def sign(self, message: bytes) -> bytes:
        """The message with a DKIM-Signature header first."""
        try:
            signature = dkim.sign(
                message,
                self.selector.encode("ascii"),
                self.domain.encode("ascii"),
                self.private_key,
                canonicalize=(b"relaxed", b"relaxed"),
                include_headers=[*SIGNED_HEADERS, *SIGNED_HEADERS],
                signature_algorithm=b"rsa-sha256",
                linesep=b"\r\n",
            )
        except dkim.DKIMException as exc:
            raise MailError(
                f"the message could not be DKIM-signed: {exc}",
                hint="check the key in [mail] dkim_key_file or " + DKIM_KEY_VARIABLE,
            ) from None
        return signature + message


def dkim_signer(settings: MailSettings, environ: dict[str, str] | None = None) -> DkimSigner | None:
    """The signer ``[mail]`` asks for, None when DKIM is not configured.

    The key is read and checked here, before anything is sent: a wrong or unreadable key must
    stop the run, not leave half the partners with unsigned mail.
    """
    if settings.dkim_selector is None or settings.dkim_domain is None:
        return None
    environment = os.environ if environ is None else environ
    source: Path | str
    if settings.dkim_key_file is not None:
        source = settings.dkim_key_file
        try:
            pem = settings.dkim_key_file.read_bytes()
        except OSError as exc:
            raise MailError(
                f"cannot read the DKIM key: {exc.strerror or exc}",
                path=settings.dkim_key_file,
                hint="check [mail] dkim_key_file and that your user can read the file",
            ) from None
    elif environment.get(DKIM_KEY_VARIABLE):
        source = DKIM_KEY_VARIABLE
        pem = environment[DKIM_KEY_VARIABLE].encode("ascii", "replace")
    else:
        raise MailError(
            "[mail] dkim_selector is set but no DKIM key was given",
            hint=f"set [mail] dkim_key_file to a file outside the project, or {DKIM_KEY_VARIABLE}",
        )
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise MailError(
            f"the DKIM key in {source} is not an unencrypted PEM private key ({exc})",
            hint="e.g. openssl genrsa -out dkim.pem 2048 (the key must not need a passphrase)",
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):  # Ed25519 (RFC 8463) is not read everywhere
        raise MailError(
            f"the DKIM key in {source} is not an RSA key, which every receiver verifies",
            hint="make one: openssl genrsa -out dkim.pem 2048",
        )
    if key.key_size < MIN_RSA_BITS:
        raise MailError(
            f"the DKIM key in {source} has {key.key_size} bits; receivers ignore fewer than "
            f"{MIN_RSA_BITS}",
            hint="make a 2048-bit key: openssl genrsa -out dkim.pem 2048",
        )
    return DkimSigner(settings.dkim_selector, settings.dkim_domain, pem)
