"""A chart on the page: the figure with its headline as a caption and as its text alternative.

Every chart builder in ``triage`` puts a one-sentence headline, computed from the chart's data, in
the figure (``triage.charts.headline``). Shown here as the caption under the chart, it says the
chart's message in words for everyone; passed as ``alt``, it is the chart's accessible name for
screen readers. The theme is Streamlit's (the default): the charts set no colours of their own
for background, grid or text, so they follow the light or dark theme.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from triage.charts import headline
from triage.markdown import literal


def show_chart(chart: go.Figure, *, key: str, where: Any = None) -> None:
    """``chart`` in ``where`` (a column or container; the page by default), then its headline."""
    place = where if where is not None else st
    said = headline(chart)
    place.plotly_chart(chart, key=key, theme="streamlit", alt=said or None)
    if said:
        place.caption(literal(said, one_line=True))
