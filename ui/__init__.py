"""Streamlit-side helpers shared by the pages: the frame, session state, reusable widgets.

Everything here is presentation; computations live in the plain ``triage`` package.
"""
