"""Unsubscribe tokens: a partner's address sealed with the office's secret.

The one-click link (RFC 8058) must be hard to forge: with ``?email=ADDRESS`` anyone could opt
anyone out, and every address would sit in the web server's logs. A token is the address
encrypted with AES-SIV (RFC 5297) under a key derived from ``IOMBROCHURE_UNSUBSCRIBE_SECRET``:
its 16-byte tag is a MAC over the address, so an altered or invented token is refused, and the
address cannot be read from it without the secret. AES-SIV is deterministic, so composing again
gives the same token and an unchanged message stays unchanged.

The secret lives only in the environment: never in iombrochure.toml, the outbox or the journal.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from iombrochure.mail.settings import MailError

#: The environment variable the token secret is read from (like the SMTP password: never a file).
SECRET_VARIABLE = "IOMBROCHURE_UNSUBSCRIBE_SECRET"
#: Shorter secrets can be guessed; 32 random characters is what `openssl rand -hex 16` prints.
MIN_SECRET_LENGTH = 16
#: Binds the key to this use: the same secret used elsewhere yields an unrelated key.
_KEY_PURPOSE = b"iombrochure unsubscribe token v1"


def unsubscribe_secret(environ: dict[str, str] | None = None) -> str | None:
    """The secret from the environment, None when unset; MailError when too short to be safe."""
    value = (os.environ if environ is None else environ).get(SECRET_VARIABLE)
    if value is None or value == "":
        return None
    if len(value) < MIN_SECRET_LENGTH:
        raise MailError(
            f"{SECRET_VARIABLE} is shorter than {MIN_SECRET_LENGTH} characters",
            hint=f"set a long random one, e.g. export {SECRET_VARIABLE}=$(openssl rand -hex 16)",
        )
    return value


def _cipher(secret: str) -> AESSIV:
    key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=_KEY_PURPOSE).derive(
        secret.encode("utf-8")
    )
    return AESSIV(key)


def make_token(address: str, secret: str) -> str:
    """The URL-safe token for ``address`` (lower-cased: opt-outs ignore capitals)."""
    sealed = _cipher(secret).encrypt(address.casefold().encode("utf-8"), None)
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def read_token(token: str, secret: str) -> str:
    """The address a token was made for; MailError when it was altered or not made with
    ``secret`` (nothing about the address is told then)."""
    text = token.strip()
    try:
        sealed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        if len(sealed) <= 16 or not text.isascii():
            raise ValueError("too short")
        address = _cipher(secret).decrypt(sealed, None).decode("utf-8")
    except (ValueError, binascii.Error, InvalidTag, UnicodeDecodeError):
        raise MailError(
            "the unsubscribe token is not valid: altered, cut short, or made with another secret",
            hint=f"nothing was added; check that {SECRET_VARIABLE} is the secret compose used",
        ) from None
    return address
