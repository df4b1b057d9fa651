"""Shared plumbing for the real-browser tests: a headless Streamlit server and Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]
ARTIFACTS = ROOT / "test-artifacts"


def missing(reason: str) -> None:
    """Locally a missing browser skips; in CI (CI=true) it fails, so nothing passes by absence."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(env: dict[str, str] | None = None, args: list[str] | None = None, *,
                     port: int | None = None, secrets: Path | None = None):
    """Start `streamlit run app.py` headless on a free port; yield its base URL once healthy.
    ``env``: variables set for the server on top of this process' (a playbooks folder, say);
    ``args``: more `streamlit run` options. ``port``: a port picked beforehand (a sign-in
    redirect URI has to name it). ``secrets``: the one secrets.toml the server reads (an [auth]
    section turns sign-in on); without it the server reads Streamlit's usual places."""
    port = port or free_port()
    log = (ARTIFACTS / f"streamlit-{port}.log")
    ARTIFACTS.mkdir(exist_ok=True)
    options = ["--secrets.files", str(secrets)] if secrets is not None else []
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--browser.gatherUsageStats", "false", *options,
             *(args or [])],
            cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(process, f"{url}/_stcore/health", lambda answer: True,
                          f"streamlit did not become healthy; see {log}")
            yield url
        except BaseException:
            print(f"--- the last lines of {log.name} ---\n{_tail(log)}")
            raise
        finally:
            stop(process)


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as err:
        return f"(not readable: {err})"


def wait_until_up(process: subprocess.Popen, url: str, ready, failure: str) -> None:
    """Poll ``url`` until it answers 200 and ``ready(answer)`` holds; fail the test with
    ``failure`` if the process exits or 30 s pass first."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200 and ready(answer):
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(failure)
        time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def chromium(tmp_path: Path, color_scheme: str = "light"):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        from playwright.sync_api import expect

        # A loaded CI machine reruns scripts slowly; generous waits, never sleeps.
        expect.set_options(timeout=30_000)
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM),
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1600, "height": 1000},
            accept_downloads=True, color_scheme=color_scheme,
        )
        context.set_default_timeout(60_000)
        try:
            yield context
        except BaseException:
            _record_pages(context)
            raise
        finally:
            context.close()


def _record_pages(context) -> None:
    """A failed browser test leaves what each tab showed: a screenshot in test-artifacts and
    the page's text in the test's output, so a failure on CI can be read without rerunning it."""
    ARTIFACTS.mkdir(exist_ok=True)
    for number, page in enumerate(context.pages):
        try:
            shot = ARTIFACTS / f"failed-{int(time.time())}-{number}.png"
            page.screenshot(path=str(shot), full_page=True, timeout=10_000)
            text = page.locator("body").inner_text(timeout=10_000)
        except Exception as err:  # the page itself may be what broke
            print(f"--- tab {number} ({page.url}) could not be recorded: {err}")
            continue
        print(f"--- tab {number} ({page.url}), screenshot {shot.name} ---\n{text[-4000:]}")


def wait_for_app(page) -> None:
    """Connected and idle: the frame is there, no script run in progress, no stale elements left
    over from the previous run (Streamlit keeps them, marked data-stale, until replaced)."""
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stApp"]')).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=60_000)
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=60_000)


def current(page):
    """Only elements drawn by the latest script run."""
    return page.locator('[data-testid="stElementContainer"][data-stale="false"]')


def click_until(page, target, done, attempts: int = 2) -> None:
    """Click `target` until `done` (a locator) shows. On a loaded two-core CI machine a click on a
    button inside a freshly opened expander was once lost (no rerun followed); a second click on a
    still-visible button is what a user would do, and `done` still has to appear."""
    from playwright.sync_api import expect

    for attempt in range(attempts):
        target.click()
        wait_for_app(page)
        try:
            expect(done).to_be_visible(timeout=20_000)
            return
        except AssertionError:
            if attempt == attempts - 1 or not target.is_visible():
                raise



def shown(scope, text):
    """The first visible element with this text. Data grids keep a hidden accessibility copy of
    each cell, which a plain `.first` can pick and then never see become visible."""
    return scope.get_by_text(text).filter(visible=True).first
