"""Logic of the ML triage playbook: playbooks, tree walking, analyses, plans, exports.

Plain Python: never imports streamlit, so it runs from tests, notebooks and the CLI alike.
"""
