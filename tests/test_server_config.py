"""The server settings the security review relies on (SECURITY.md), as Streamlit reads them."""

from __future__ import annotations

import tomllib
from pathlib import Path

from triage.tabular import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def _config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_xsrf_protection_is_kept_on():
    assert _config()["server"]["enableXsrfProtection"] is True


def test_streamlit_upload_limit_matches_the_readers_own_limit():
    # One number in one unit: the uploader's "200.0MB" (its browser side counts 1 MB = 10^6 bytes
    # outside Windows) is the reader's limit; Streamlit's server allows maxUploadSize MiB, at least
    # as much, so a file over the limit reaches the reader's message instead of a bare refusal.
    assert _config()["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    assert MAX_UPLOAD_BYTES == MAX_UPLOAD_MB * 1_000_000 <= MAX_UPLOAD_MB * 1024 * 1024


def test_tracebacks_never_reach_the_shared_screen():
    client = _config()["client"]
    assert client["showErrorDetails"] == "none" and client["toolbarMode"] == "viewer"


def test_streamlit_itself_reads_these_settings(monkeypatch):
    from streamlit import config

    monkeypatch.chdir(CONFIG.parent.parent)
    try:
        config.get_config_options(force_reparse=True)
        assert config.get_option("server.enableXsrfProtection") is True
        assert config.get_option("client.showErrorDetails") == "none"
        assert config.get_option("server.maxUploadSize") == MAX_UPLOAD_MB
    finally:
        config.get_config_options(force_reparse=True)
