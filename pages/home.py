"""Home: what the tool is for, the scenarios as entry points, and any broken playbook's problems."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from triage.markdown import literal  # noqa: E402
from triage.playbook import PLAYBOOKS_ENV, playbook_dir  # noqa: E402
from ui import state  # noqa: E402
from ui.frame import scenario_ids, scenario_page  # noqa: E402
from ui.scenarios import EXAMPLE_LOADERS  # noqa: E402

st.title("ML triage playbook")
st.markdown(
    "For the meeting where an ML-infra engineer and a data scientist sit down with a problem: "
    "walk the playbook together, put your real numbers in, and see where time or model "
    "quality is lost.  \nYou leave with an agreed plan — quick wins the team can do this week, "
    "cross-team work with owners — and honest ranges instead of promises."
)

catalogue = state.catalogue()
if not (folder := playbook_dir()).is_dir():
    st.error(f"The playbooks folder **{literal(str(folder), one_line=True)}** (set by "
             f"{PLAYBOOKS_ENV}) does not exist, so no scenario is offered. Point {PLAYBOOKS_ENV} "
             "at a folder of playbook YAML files, or unset it to use the shipped playbooks, and "
             "restart the app.", icon=":material/folder_off:")
books = [book for book in (state.playbook(i) for i in scenario_ids()) if book is not None]

# Routers are the way in when nobody knows which scenario it is: a slim strip above the cards,
# so the scenarios stay the large entry points.
for router in (b for b in books if b.scenario == "router"):
    with st.container(border=True):
        text, link = st.columns([3, 1], vertical_alignment="center")
        text.markdown(f"**{router.title}**")
        text.caption(router.summary)
        link.page_link(scenario_page(router.id), label="Find the right scenario",
                       icon=":material/alt_route:")

# Every installed playbook is a scenario, in the order of the navigation. Two a row: at 1024 px
# three columns break titles mid-word and cut the links' labels.
cards = [b for b in books if b.scenario != "router"]
for start in range(0, len(cards), 2):
    for column, book in zip(st.columns(2), cards[start:start + 2], strict=False):
        with column.container(border=True):
            st.markdown(f"### {book.title}")
            st.write(book.summary)
            page = scenario_page(book.id)
            st.page_link(page, label="Start with your numbers" if book.inputs
                         else "Walk it together", icon=":material/arrow_forward:")
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
