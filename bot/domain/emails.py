"""Email addresses as TLC stores and compares them: one form for one address, so that one
person is one row however their email reached TLC (Teams, the tutor list, a typed email)."""

from __future__ import annotations

import idna

# The longest email TLC stores: `people.email` holds 320 characters (64 + "@" + 255).
LONGEST_EMAIL = 320


def normal_email(address: str) -> str:
    """The address trimmed and in lower case, with its domain written in Unicode as pydantic's
    `EmailStr` (email-validator) writes it: `Tom@XN--MNCHEN-3YA.DE` (the IDNA "ASCII" form
    Teams may send) and `tom@münchen.de` are both `tom@münchen.de`. A domain that is not a valid
    IDNA name is only lower-cased; so is a plain ASCII one (the fast path: no IDNA work)."""
    text = address.strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or (domain.isascii() and "xn--" not in domain):
        return text
    try:
        return f"{local}@{idna.decode(idna.encode(domain, uts46=True))}"
    except (idna.IDNAError, UnicodeError):
        return text
