"""Entry point: `streamlit run app.py`. The frame (navigation, sidebar) lives in ui/frame.py."""

from ui.frame import run_frame

run_frame()
