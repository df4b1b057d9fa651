"""Home: what the tool is for, the scenarios as entry points, and any broken playbook's problems."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import state  # noqa: E402
from ui.frame import LEARN, SCENARIO_PAGES  # noqa: E402
from ui.learn_tree import PLAYBOOK_PARAM  # noqa: E402
from ui.scenarios import EXAMPLE_LOADERS  # noqa: E402

st.title("ML triage playbook")
st.markdown(
    "For the meeting where an ML-infra engineer and a data scientist sit down with a problem: "
    "walk the playbook together, put your real numbers in, and see where time or model "
    "quality is lost.  \nYou leave with an agreed plan — quick wins the team can do this week, "
    "cross-team work with owners — and honest ranges instead of promises."
)

catalogue = state.catalogue()

# Routers are the way in when nobody knows which scenario it is: a slim strip above the cards,
# so the scenarios stay the large entry points.
for router in (b for b in catalogue.playbooks.values() if b.scenario == "router"):
    with st.container(border=True):
        text, link = st.columns([4, 1], vertical_alignment="center")
        text.markdown(f"**{router.title}**")
        text.caption(router.summary)
        if page := SCENARIO_PAGES.get(router.id):
            link.page_link(page, label="Find the right scenario", icon=":material/alt_route:")
        else:
            link.page_link(LEARN, label="Browse this playbook", icon=":material/school:",
                           query_params={PLAYBOOK_PARAM: router.id})

# The scenarios with their own page first, in the order of the navigation; others after.
ranked = list(SCENARIO_PAGES)
books = sorted((b for b in catalogue.playbooks.values() if b.scenario != "router"),
               key=lambda b: (ranked.index(b.id) if b.id in ranked else len(ranked), b.title))
# Two a row: at 1024 px three columns break titles mid-word and cut the links' labels.
for start in range(0, len(books), 2):
    for column, book in zip(st.columns(2), books[start:start + 2], strict=False):
        with column.container(border=True):
            st.markdown(f"### {book.title}")
            st.write(book.summary)
            page = SCENARIO_PAGES.get(book.id)
            if page is None:
                st.page_link(LEARN, label="Browse this playbook", icon=":material/school:",
                             query_params={PLAYBOOK_PARAM: book.id})
                continue
            st.page_link(page, label="Start with your numbers", icon=":material/arrow_forward:")
            loader = EXAMPLE_LOADERS.get(book.id)
            if loader and st.button("Load a worked example", key=f"example:{book.id}",
                                    icon=":material/science:"):
                loader(state.session_for(book))
                st.switch_page(page)

for file, problems in catalogue.broken.items():
    st.error(f"**{file}** could not be loaded, so it is not offered above. Fix these and "
             "reload:\n\n" + "\n".join(f"- `{p.node}` · `{p.field}`: {p.message}"
                                       for p in problems[:20]),
             icon=":material/error:")
