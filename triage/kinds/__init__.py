"""Input kinds: one sub-package per kind of input a scenario collects.

Each kind's folder holds its parser and analysis, the metrics it offers to playbook rules
(``metrics.py``, plain dicts that :mod:`triage.vocabulary` gathers per scenario), its charts
(``charts.py``, built on the house style in :mod:`triage.charts`) and, where a scenario plans from
it alone, its impact model (``impact.py``). A kind's Streamlit page section lives in
``ui/kinds/<kind>.py``: ``triage`` never imports streamlit.

- ``runs``: a stage table or uploaded runs (the iteration analysis)
- ``segments``: the expected vs observed metric and its segment table (gap, noise, label maturity)
- ``serving``: serving health, rollout facts and past launches
- ``samples``: training and serving feature samples (drift, the skew check)
- ``requests``: a data-access request log and dataset inventory (the access analysis)

Scenarios that combine kinds stay outside this package (:mod:`triage.production`).
"""
