"""Page sections of the input kinds: ``ui/kinds/<kind>/`` draws what ``triage/kinds/<kind>/``
analyses (``inputs``: the widgets that collect it; ``views``: its numbers and charts). The two
live apart because the logic package never imports streamlit."""
