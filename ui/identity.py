"""Who is using this tab: the one place that reads the signed-in user (``st.user``).

With an ``[auth]`` section in the server's secrets (docs/sign-in.md), people sign in through
the organisation's OpenID Connect provider (``st.login``) and every save, status change,
decision and follow-up records them as verified; their name fields are shown filled in and
locked, and nothing is recorded for someone who has not signed in. Without one, people type
their name, the tab remembers it, and the audit trail and the exports mark it "not verified".
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit.errors import StreamlitAPIException

from triage.authors import NOT_VERIFIED, Author, from_claims
from triage.markdown import literal

_TYPED = "identity:typed_name"  # the name typed last in this tab, offered in every name field
_LOGIN_ERROR = "identity:login_error"
MAX_TYPED_CHARS = 120


def sign_in_enabled() -> bool:
    """True when the server has an ``[auth]`` section: ``st.user`` then always carries
    ``is_logged_in`` (Streamlit adds it only in that case)."""
    return "is_logged_in" in st.user


def signed_in() -> Author | None:
    """The signed-in user from the identity token's claims, or None."""
    if not sign_in_enabled():
        return None
    return from_claims(st.user.to_dict())


def current_author() -> Author | None:
    """Who this tab's changes are recorded as: the signed-in user; without sign-in on this
    server, the name typed last in this tab (not verified); None when there is neither."""
    if sign_in_enabled():
        return signed_in()
    typed = st.session_state.get(_TYPED, "").strip()
    return Author(typed) if typed else None


def needed_message() -> str:
    """What to do when a change needs an author and there is none."""
    if sign_in_enabled():
        return "Sign in (in the sidebar) so the change records who made it."
    return "Type your name so the change records who made it."


def name_field(label: str, *, key: str | None = None, container=None) -> Author | None:
    """The name a change is recorded with. Signed in: the user's name and e-mail, shown filled
    in and locked. Sign-in set up but not signed in: a locked, empty field (None). Otherwise a
    text field, pre-filled with the name typed last in this tab (not verified)."""
    where = container if container is not None else st
    if sign_in_enabled():
        author = signed_in()
        where.text_input(label, value=author.label if author else "", disabled=True,
                         key=f"{key}:verified" if key else None,
                         placeholder="sign in first (sidebar)")
        return author
    # No help icon: its "Help for <label>" button would share the field's accessible name.
    # The sidebar says that typed names are marked not verified.
    typed = where.text_input(label, value=st.session_state.get(_TYPED, ""),
                             max_chars=MAX_TYPED_CHARS, key=key).strip()
    return Author(typed) if typed else None


def remember(author: Author | None) -> None:
    """Offer a typed name in this tab's other name fields (a signed-in name needs no memory)."""
    if author is not None and not author.verified:
        st.session_state[_TYPED] = author.name


def _providers(auth: Mapping) -> list[str | None]:
    """The providers to offer: the unnamed one (``[auth]`` with its own client id) and each
    named ``[auth.<name>]`` table (one with a client id; ``client_kwargs`` is a setting)."""
    named = [name for name, value in auth.items()
             if isinstance(value, Mapping) and "client_id" in value]
    return ([None] if "client_id" in auth or not named else []) + named


def render_sidebar() -> None:
    """Sign-in and sign-out in the sidebar; a line saying names are typed when sign-in is off."""
    if not sign_in_enabled():
        st.caption(f":material/person: Sign-in is not set up here: names are typed and marked "
                   f"“{NOT_VERIFIED}”.")
        return
    author = signed_in()
    if author is not None:
        st.caption(f":material/verified_user: Signed in as {literal(author.label, one_line=True)}")
        if st.button("Sign out", icon=":material/logout:", key="identity:sign-out"):
            st.logout()
        return
    try:
        auth = st.secrets.get("auth", {})
    except FileNotFoundError:  # st.user says sign-in is on, yet no secrets file is readable
        auth = {}
    for provider in _providers(auth if isinstance(auth, Mapping) else {}):
        label = "Sign in" if provider is None else f"Sign in with {provider}"
        if st.button(label, icon=":material/login:", type="primary",
                     key=f"identity:sign-in:{provider or ''}"):
            try:
                st.login(provider)
            except StreamlitAPIException as err:  # a broken [auth] section, or no Authlib
                st.session_state[_LOGIN_ERROR] = str(err)
    if error := st.session_state.pop(_LOGIN_ERROR, None):
        st.error(f"Sign-in is not set up correctly on this server: {literal(error)} Whoever runs "
                 "the app can check the [auth] section against docs/sign-in.md.",
                 icon=":material/error:")
    st.caption("Sign in to save plans and record changes.")
