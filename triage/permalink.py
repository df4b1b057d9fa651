"""Shareable links: the whole working session in one URL-safe token.

A token is ``v1.`` followed by the session document (compact, sorted JSON of
:func:`triage.session.to_json`'s content) compressed with zlib at level 9 and written in base64url
without padding. Opening the token reproduces the scenario, answers, notes, typed inputs, what-if
settings and plan edits; uploaded files never enter a link (a session only holds their
summaries), so a session built on uploads carries its plan snapshot instead — the numbers as they
were — and :func:`link_notes` says so in words.

Links are bounded and checked before anything is decompressed: a token longer than
:data:`MAX_TOKEN_CHARS` is refused, decompression stops at :data:`MAX_JSON_BYTES`, and every
problem — tampered, truncated, outdated, not ours — raises :class:`LinkError` with a message that
says what is wrong and how to go on. :func:`decode` raises nothing else.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import replace

from triage.session import (
    MAX_JSON_DEPTH,
    Session,
    SessionError,
    nested_too_deeply,
    session_from_dict,
)

VERSION = "v1"
# Browsers cope with far longer URLs, but proxies, chat tools and web servers commonly stop at
# about 8 KB for the whole request line (nginx and Apache defaults); 8000 characters of token
# leaves room for the app's address and the query parameter's name.
MAX_TOKEN_CHARS = 8000
# A session document is at most this large once decompressed (the plan file limit of the app).
MAX_JSON_BYTES = 2_000_000

_BODY = re.compile(r"[A-Za-z0-9_-]+")
_PREFIX = re.compile(r"v(\d{1,6})")
_FRESH = "ask whoever shared it for a fresh link or for the plan JSON"
_FRESH_SENTENCE = "Ask whoever shared it for a fresh link or for the plan JSON"


class LinkError(ValueError):
    """A session that cannot be put in a link, or a link that cannot be opened; the message
    says what is wrong and what to do instead."""


# Item texts a compact snapshot leaves out: they come from the playbook, which the opener has.
_PLAYBOOK_TEXTS = ("description", "tradeoffs", "wont_fix", "owner_role", "confidence_basis")


def _document(session: Session) -> bytes:
    data = session.to_dict()
    try:
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":"))
    except (TypeError, ValueError) as err:  # a value JSON cannot hold, e.g. NaN typed somewhere
        raise LinkError(f"This session cannot be put in a link ({err}); save the plan instead.") \
            from None
    return text.encode("utf-8")


def _pack(session: Session) -> str:
    packed = base64.urlsafe_b64encode(zlib.compress(_document(session), 9)).rstrip(b"=")
    return f"{VERSION}.{packed.decode('ascii')}"


def _compact(snapshot: dict) -> dict:
    """The snapshot without the texts the playbook supplies again, the chart data, nor the goal
    (the session beside it carries that)."""
    snap = {k: v for k, v in snapshot.items() if k not in ("charts", "goal")}
    if isinstance(snap.get("finding"), dict):
        snap["finding"] = {**snap["finding"], "detail": ""}
    if isinstance(snap.get("sections"), list):
        snap["sections"] = [
            {**section, "items": [{k: v for k, v in item.items() if k not in _PLAYBOOK_TEXTS}
                                  for item in section.get("items", []) if isinstance(item, dict)]}
            if isinstance(section, dict) else section
            for section in snap["sections"]]
    return snap


def encode(session: Session) -> str:
    """The session as a link token; :class:`LinkError` when it does not fit in a link.

    The plan snapshot travels only when the session's numbers came from uploads, which a link
    cannot carry: then the opener sees the numbers as they were. It is trimmed to what the
    playbook cannot supply and, when even that does not fit, left out (:func:`carries_snapshot`).
    """
    candidates = [replace(session, snapshot=None)]
    if session.snapshot is not None and session.uploads:
        candidates[:0] = [replace(session, snapshot=_compact(session.snapshot))]
    for candidate in candidates:
        token = _pack(candidate)
        if len(token) <= MAX_TOKEN_CHARS:
            return token
    raise LinkError(
        f"This session is too large for a link ({len(token):,} characters; links are kept "
        f"under {MAX_TOKEN_CHARS:,} so that browsers, chat tools and proxies pass them on "
        "intact). Save the plan or download the plan JSON to share it instead."
    )


def decode(token: str) -> Session:
    """The session in a link token. Raises :class:`LinkError` (and nothing else) when the token
    was altered, cut short, made by another version of the app or is not a link of ours."""
    try:
        return _decode(token)
    except LinkError:
        raise
    except Exception as err:  # belt and braces: a link must never produce a traceback
        raise LinkError(f"This link could not be opened ({type(err).__name__}); {_FRESH}.") \
            from None


def _decode(token: object) -> Session:
    if not isinstance(token, str):
        raise LinkError("This is not a session link (expected text).")
    if len(token) > MAX_TOKEN_CHARS + 16:  # bound before even stripping spaces
        raise LinkError(_too_long(len(token)))
    token = token.strip()
    if not token:
        raise LinkError("The link carries no session: open the scenario page and start afresh, "
                        f"or {_FRESH}.")
    if len(token) > MAX_TOKEN_CHARS:
        raise LinkError(_too_long(len(token)))
    prefix, dot, body = token.partition(".")
    version = _PREFIX.fullmatch(prefix)
    if not dot or version is None:
        raise LinkError("This is not a session link of this app (it does not start with a "
                        f"version such as '{VERSION}.'); it may have been cut at the front — "
                        "copy the whole link.")
    if prefix != VERSION:
        number = int(version.group(1))
        if number > int(VERSION[1:]):
            raise LinkError(f"This link was made by a newer version of the app (format {prefix}; "
                            f"this app reads {VERSION}). Update the app, or {_FRESH}.")
        raise LinkError(f"This link is in an outdated format ({prefix}; this app reads "
                        f"{VERSION}) and can no longer be opened; {_FRESH}.")
    if not body:
        raise LinkError(f"The link ends right after '{VERSION}.': it was cut short — copy the "
                        "whole link.")
    if not _BODY.fullmatch(body):
        bad = next(c for c in body if not _BODY.fullmatch(c))
        raise LinkError(f"The link contains a character a session link never has ({bad!r}): it "
                        f"was altered or mangled when copied; copy it again, or {_FRESH}.")
    if len(body) % 4 == 1:
        raise LinkError("The link is incomplete (its length is impossible): it was cut short "
                        "when copied — copy the whole link.")
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise LinkError(f"The link's text is damaged: copy it again, or {_FRESH}.") from None
    text = _inflate(packed)
    if nested_too_deeply(text):
        raise LinkError(f"The link's session is nested too deeply (more than {MAX_JSON_DEPTH} "
                        f"levels) to be a real session; {_FRESH}.")
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise LinkError(f"The link's session is nested too deeply to be a real session; {_FRESH}.") \
            from None
    except ValueError as err:  # JSONDecodeError, NaN or Infinity
        raise LinkError(f"The link's session is not valid JSON ({err}): it was altered or made by "
                        f"something other than this app; {_FRESH}.") from None
    try:
        return session_from_dict(raw)
    except SessionError as err:
        raise LinkError(f"The link's session is not valid ({err}). It may have been altered or "
                        f"made by an incompatible version of the app; {_FRESH}.") from None
    except (TypeError, AttributeError):  # a shape the session validator does not name
        raise LinkError(f"The link's session has fields of the wrong type: it was altered or made "
                        f"by an incompatible version of the app; {_FRESH}.") from None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a session can hold")


def _too_long(length: int) -> str:
    return (f"This link is too long ({length:,} characters; session links are at most "
            f"{MAX_TOKEN_CHARS:,}): it was not made by this app or was altered. {_FRESH_SENTENCE}.")


def _inflate(packed: bytes) -> str:
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(packed, MAX_JSON_BYTES)
    except zlib.error:
        raise LinkError("The link is damaged: its compressed session does not check out, so it "
                        f"was altered or cut short. Copy the whole link again, or {_FRESH}.") \
            from None
    if inflater.unconsumed_tail:
        raise LinkError(f"The link expands to more than {MAX_JSON_BYTES // 1_000_000} MB, far more "
                        f"than any session; it was not made by this app. {_FRESH_SENTENCE}.")
    if not inflater.eof:
        raise LinkError("The link was cut short: its session stops in the middle. Copy the whole "
                        "link (chat tools sometimes break long links across lines).")
    if inflater.unused_data:
        raise LinkError(f"The link has extra data after its session: it was altered; {_FRESH}.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise LinkError(f"The link's session is not text: it was altered; {_FRESH}.") from None


def app_root(page_url: str, page_path: str) -> str:
    """The app's root URL from the URL of the page a person is on.

    Streamlit reports a page's URL as the root followed by the page's path (``…/plan``); a link
    must start at the root, because a path two levels deep (``…/plan/iteration``) loads no
    scripts in a fresh browser. The root keeps any base path the server is mounted under.
    """
    url = page_url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    if page_path and url.endswith(f"/{page_path}"):
        url = url[: -len(page_path) - 1]
    return url


def share_url(root: str, scenario_path: str, token: str, param: str = "s") -> str:
    """The address that opens ``token`` on the scenario's page, built from the app's root."""
    path = f"/{scenario_path}" if scenario_path else "/"
    return f"{root.rstrip('/')}{path}?{param}={token}"


def link_notes(session: Session, token: str) -> list[str]:
    """What the link ``token`` of this session does NOT carry, in words for the page."""
    carried = decode(token).snapshot is not None
    notes = []
    for upload in session.uploads:
        if carried:
            notes.append(f"The uploaded {upload.name} is not in the link: whoever opens it sees "
                         "the plan's numbers as they are now, and recomputes them by uploading "
                         "the file again.")
        else:
            notes.append(f"The uploaded {upload.name} is not in the link, only a summary of "
                         "what was read from it: whoever opens the link works without the file "
                         "until it is uploaded again. Save the plan to keep it.")
    return notes
