"""Learn page pieces: the glossary, the communication guide, and the small hints other pages show.

Thin: the content and its validation live in ``triage/learn.py``; this module only draws it.
Content is cached per file modification time, so an edited YAML file shows on the next rerun.
A broken content file shows its problems on the page; the rest of the page keeps working.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from triage import learn
from triage.learn import Guide, LearnContentError, Term

LEARN_PAGE = "pages/learn.py"
TERM_PARAM = "term"  # ?term=<id> on the Learn page points at one glossary entry


@st.cache_data(show_spinner=False)
def _glossary(path: str, mtime_ns: int) -> list[Term]:
    return learn.load_glossary(path)


@st.cache_data(show_spinner=False)
def _guide(path: str, mtime_ns: int) -> Guide:
    return learn.load_guide(path)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1  # the loader then reports the missing file


def glossary_terms() -> list[Term] | None:
    """The glossary, cached on the file's mtime; shows the problems and returns None when broken."""
    try:
        return _glossary(str(learn.GLOSSARY_PATH), _mtime(learn.GLOSSARY_PATH))
    except LearnContentError as exc:
        st.error("The glossary could not be loaded:\n\n" + "\n".join(f"- {p}" for p in exc.problems))
        return None


def guide() -> Guide | None:
    """The communication guide, cached on the file's mtime; None (with an error shown) when broken."""
    try:
        return _guide(str(learn.GUIDE_PATH), _mtime(learn.GUIDE_PATH))
    except LearnContentError as exc:
        st.error("The communication guide could not be loaded:\n\n"
                 + "\n".join(f"- {p}" for p in exc.problems))
        return None


def focused_term() -> str | None:
    """The glossary id in the URL (``?term=psi``), when there is one; lets the page open the glossary tab."""
    value = st.query_params.get(TERM_PARAM)
    return value or None


def _matches(t: Term, query: str) -> bool:
    needle = query.casefold()
    return any(needle in text.casefold() for text in (t.term, t.short, t.explanation, t.id))


def render_glossary() -> None:
    """Search box and every term in alphabetical order; each term's header carries its id as anchor."""
    terms = glossary_terms()
    if terms is None:
        return
    by_id = {t.id: t for t in terms}
    focus = focused_term()
    if focus and focus not in by_id:
        focus = None
    query = st.text_input("Search the glossary", key="learn:glossary_search", type="search",
                          placeholder="e.g. drift, SLA, Amdahl")
    shown = sorted((t for t in terms if not query or _matches(t, query)), key=lambda t: t.term.casefold())
    st.caption(f"{len(shown)} of {len(terms)} terms")
    if not shown:
        st.info("No term matches that search.")
        return
    for t in shown:
        st.subheader(t.term, anchor=t.id)
        st.markdown(t.short)
        with st.expander("Explanation", expanded=(t.id == focus) or bool(query), key=f"learn:term:{t.id}"):
            st.markdown(t.explanation)
            links = [f"[{by_id[ref].term}](#{ref})" for ref in t.see_also if ref in by_id]
            if links:
                st.caption("See also: " + " · ".join(links))


def render_communication_guide() -> None:
    """Each section: its points, then "say this" and "not this" side by side."""
    content = guide()
    if content is None:
        return
    for section in content.sections:
        st.subheader(section.title, anchor=f"guide-{section.id}")
        for point in section.points:
            st.markdown(point)
        say, avoid = st.columns(2)
        with say:
            st.markdown("**Say this**")
            for sentence in section.say:
                st.success(sentence, icon=":material/check:")
        with avoid:
            st.markdown("**Not this**")
            for sentence in section.avoid:
                st.error(sentence, icon=":material/close:")


def glossary_hint(term_id: str) -> None:
    """A one-line caption with the term's short definition and a link to its glossary entry."""
    terms = glossary_terms()
    if terms is None:
        return
    found = next((t for t in terms if t.id == term_id), None)
    if found is None:
        st.caption(f"(No glossary entry {term_id!r}.)")
        return
    st.caption(f"**{found.term}:** {found.short}")
    try:
        st.page_link(LEARN_PAGE, label="More in the glossary", icon=":material/menu_book:",
                     query_params={TERM_PARAM: term_id})
    except StreamlitAPIException:
        # Outside the app's navigation (a bare script or test) the page is unknown: no link then.
        st.caption("More in the glossary on the Learn page.")


def render_hint(name: str) -> None:
    """A communication hint (``plan_summary``, ``impact_range``, ``rollback``, ``waiting_vs_working``)."""
    content = guide()
    if content is None:
        return
    text = content.hints.get(name)
    if text is None:
        st.caption(f"(No communication hint {name!r}.)")
        return
    st.info(text, icon=":material/forum:")
