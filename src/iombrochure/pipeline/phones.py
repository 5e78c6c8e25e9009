"""Phone numbers as the office stores them: once, in international form ("+98 21 8804 3377").

Read by the content stage (which refuses a number that cannot be dialled) and by the localize
stage (which writes it in each edition's digits); kept apart from both so that neither stage
imports the other for it.
"""

from __future__ import annotations

import phonenumbers


def parse_phone(value: str) -> phonenumbers.PhoneNumber:
    """A phone number stored in international form ("+98 21 8804 3377"); ValueError if not."""
    try:
        number = phonenumbers.parse(str(value), None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{value!r} is not a valid phone number")
    return number


def tel_uri(value: str) -> str:
    """The ``tel:`` link of a stored number, always with Latin digits: 'tel:+982188043377'."""
    number = parse_phone(value)
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
