"""A real OpenID Connect provider on 127.0.0.1 for the sign-in tests, and the app's secrets for it.

The provider is panva's ``oidc-provider`` (npm), run by the machine's node from
``tests/oidc/provider.mjs``; ``.ci/run`` installs it with ``npm ci`` in ``tests/oidc``. Locally a
missing node or package skips; in CI (CI=true) it fails (``missing`` in browser_support).
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.browser_support import ARTIFACTS, free_port, missing, stop, wait_until_up

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
PROVIDER_SCRIPT = OIDC_DIR / "provider.mjs"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        missing("node is not installed (apt-get install nodejs), so no OpenID Connect provider")
    if not (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        missing("the oidc-provider package is not installed (cd tests/oidc && npm ci)")
    return node


@contextmanager
def oidc_provider(redirect_uri: str, accounts: dict[str, dict[str, str]]):
    """Start the provider for one client whose callback is ``redirect_uri``; yield it once its
    discovery document is served. ``accounts``: login -> {"name", "email"}."""
    node = _node()
    port = free_port()
    provider = Provider(f"http://127.0.0.1:{port}", "triage-app", secrets.token_urlsafe(24))
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"oidc-provider-{port}.log"
    env = {"PATH": "/usr/bin:/bin", "OIDC_PORT": str(port), "OIDC_CLIENT_ID": provider.client_id,
           "OIDC_CLIENT_SECRET": provider.client_secret, "OIDC_REDIRECT_URI": redirect_uri,
           "OIDC_ACCOUNTS": json.dumps(accounts)}
    with log.open("w") as output:
        process = subprocess.Popen([node, str(PROVIDER_SCRIPT)], cwd=OIDC_DIR, env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_until_up(process, provider.discovery_url,
                          lambda answer: json.load(answer)["issuer"] == provider.issuer,
                          f"the OpenID Connect provider did not start; see {log}")
            yield provider
        finally:
            stop(process)


def auth_secrets(path: Path, provider: Provider, redirect_uri: str) -> Path:
    """Write a secrets.toml whose [auth] section signs in with ``provider``; return its path."""
    # prompt=login: the test provider offers login and consent, not Google's select_account
    # (Streamlit's default). PKCE on, as a production client would have it.
    path.write_text(
        "[auth]\n"
        f"redirect_uri = {json.dumps(redirect_uri)}\n"
        f"cookie_secret = {json.dumps(secrets.token_urlsafe(32))}\n"
        f"client_id = {json.dumps(provider.client_id)}\n"
        f"client_secret = {json.dumps(provider.client_secret)}\n"
        f"server_metadata_url = {json.dumps(provider.discovery_url)}\n"
        'client_kwargs = { prompt = "login", code_challenge_method = "S256" }\n',
        encoding="utf-8")
    return path
