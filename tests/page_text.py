"""What a reader sees in AppTest elements: their Markdown source without backslash escapes.

User text goes through ``triage.markdown.literal`` before Streamlit renders it, so AppTest's
``.value`` holds ``started\\_at`` where the page shows ``started_at``."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: any escaped ASCII punctuation


def shown(markdown: object) -> str:
    return _ESCAPED.sub(r"\1", str(markdown))


def errors(at: AppTest) -> str:
    return "\n".join(shown(e.value) for e in at.error)


def texts(at: AppTest) -> str:
    elements = [*at.markdown, *at.caption, *at.info, *at.error, *at.warning, *at.success]
    return "\n".join(shown(e.value) for e in elements)
