"""Who made a change: a signed-in (verified) user, or a name someone typed (not verified).

Plain Python, no Streamlit: the app reads the signed-in user in ``ui/identity.py`` and hands an
:class:`Author` to the store; everything else here is how an author is written into the store's
author columns and read back for the audit trail and the exports.

How "verified" is stored. The store keeps who made a change in its existing text columns
(``author``, ``created_by``, ``updated_by``, ``approver``); there is no separate column for it.
A verified author is written as ``signed-in: <name> <<e-mail>>``, for example
``signed-in: Ada Lovelace <ada@example.org>``; anything else is a typed name. A typed name can
never carry the mark: :func:`typed_name` refuses one that starts with it. Rows written before
sign-in existed are typed names, so they read as not verified, which is what they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VERIFIED_MARK = "signed-in:"
NOT_VERIFIED = "not verified"
MAX_STORED_CHARS = 200  # the store's name columns
MAX_EMAIL_CHARS = 120

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_STORED_VERIFIED = re.compile(r"(?P<name>.*?)\s*(?:<(?P<email>[^<>]*)>)?")


class AuthorError(ValueError):
    """A name that cannot be recorded as written; the message says why and what to do."""


@dataclass(frozen=True)
class Author:
    """Whoever is making a change. ``verified`` only when it came from the sign-in provider."""

    name: str
    email: str = ""
    verified: bool = False

    @property
    def label(self) -> str:
        """The author as the audit trail and the exports show it."""
        who = self.name or self.email or "(no name)"
        if self.verified:
            return f"{who} <{self.email}>" if self.email and self.email != who else who
        return f"{who} ({NOT_VERIFIED})"

    def stored(self) -> str:
        """The text written into the store's author column (see the module's docstring)."""
        if not self.verified:
            return typed_name(self.name)
        email = _clean(self.email)[:MAX_EMAIL_CHARS]
        suffix = f" <{email}>" if email else ""
        room = MAX_STORED_CHARS - len(VERIFIED_MARK) - 1 - len(suffix)
        name = _clean(self.name)[:room].strip() or (email if email else "")
        if not name:
            raise AuthorError("The sign-in provider gave neither a name nor an e-mail address; "
                              "ask whoever runs the app to add the 'profile' and 'email' scopes.")
        return f"{VERIFIED_MARK} {name}{suffix}"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "verified": self.verified}


def _clean(text: object) -> str:
    """One line of plain text without the characters that would confuse the stored form."""
    return " ".join(_CONTROL.sub(" ", str(text)).replace("<", "").replace(">", "").split())


def typed_name(value: object, what: str = "author") -> str:
    """A typed name as the store keeps it; AuthorError when there is none or it carries the
    verified mark (only a sign-in can write that)."""
    text = " ".join(_CONTROL.sub(" ", str(value)).split()) if isinstance(value, str) else ""
    if not text:
        raise AuthorError(f"A {what} name is needed (who is making this change?).")
    if text.casefold().startswith(VERIFIED_MARK):
        raise AuthorError(f"A typed name cannot start with '{VERIFIED_MARK}': that mark is kept "
                          "for names that come from signing in. Type just your name.")
    return text[:MAX_STORED_CHARS]


def read_stored(text: str) -> Author:
    """An author column's text back as an :class:`Author`."""
    text = text or ""
    if not text.startswith(VERIFIED_MARK):
        return Author(text)
    match = _STORED_VERIFIED.fullmatch(text[len(VERIFIED_MARK):].strip())
    name, email = (match["name"], match["email"] or "") if match else (text, "")
    return Author(name or email, email, verified=True)


def label(stored: str) -> str:
    """An author column's text as the audit trail shows it."""
    return read_stored(stored).label


def from_claims(claims: Mapping[str, Any]) -> Author | None:
    """The signed-in user from the identity token's claims (what ``st.user`` holds); None when
    nobody is signed in."""
    if claims.get("is_logged_in") is not True:
        return None
    email = claims.get("email")
    name = claims.get("name")
    email = _clean(email) if isinstance(email, str) else ""
    name = _clean(name) if isinstance(name, str) else ""
    if not name and not email:
        subject = claims.get("sub")
        name = _clean(subject) if isinstance(subject, str) else ""
    return Author(name or email, email, verified=True)


def snapshot_entry(author: Author | None) -> dict[str, Any]:
    """What a plan snapshot (and so every export) records about who prepared it."""
    return (author or Author("")).as_dict()


def from_snapshot(raw: Any) -> Author | None:
    """A snapshot's ``prepared_by`` back, None when absent; ValueError when malformed."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValueError("must be an object")
    name, email, verified = raw.get("name", ""), raw.get("email", ""), raw.get("verified", False)
    if not isinstance(name, str) or not isinstance(email, str) or not isinstance(verified, bool):
        raise ValueError("needs text 'name' and 'email' and a true/false 'verified'")
    return Author(" ".join(name.split())[:MAX_STORED_CHARS],
                  " ".join(email.split())[:MAX_EMAIL_CHARS], verified)


def prepared_line(author: Author | None) -> str:
    """The exports' line about who prepared the plan."""
    if author is None:
        return ""
    if author.verified:
        return f"Prepared by {author.label} (signed in)"
    if not author.name:
        return f"Prepared by: no name given ({NOT_VERIFIED})"
    return f"Prepared by {author.label}"
