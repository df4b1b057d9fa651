"""Cold start: seconds from launching ``streamlit run app.py`` until its health check answers 200.

The health endpoint answers once the server listens; the first page run happens later, when a
browser connects, so this is the server's start-up, not the first page's render time.

    python benchmarks/bench_startup.py [--starts 5] [--timeout 30] [--json]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import urllib.error
import urllib.request

from _common import REPO_ROOT, check, emit, free_port, median, table

TARGET_SECONDS = 2.0
POLL_SECONDS = 0.02


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def start_once(timeout: float) -> float:
    """Launch the server, poll until healthy, stop it; the seconds it took to become healthy."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port)]
    url = f"http://127.0.0.1:{port}/_stcore/health"
    start = time.perf_counter()
    server = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        while not _healthy(url):
            if server.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {server.returncode}")
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"not healthy after {timeout} s")
            time.sleep(POLL_SECONDS)
        return time.perf_counter() - start
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run(starts: int, timeout: float) -> dict:
    times = [start_once(timeout) for _ in range(starts)]
    best = median(times)
    return {
        "starts_s": [round(t, 3) for t in times], "median_s": round(best, 3),
        "checks": [check(f"server start to healthy (median of {starts})", best, TARGET_SECONDS,
                         "s")],
    }


def details(result: dict) -> str:
    rows = [[i, t] for i, t in enumerate(result["starts_s"], start=1)]
    return table(["start", "seconds to healthy"], rows + [["median", result["median_s"]]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=5, help="server starts (default 5)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="give up on one start after this many seconds (default 30)")
    parser.add_argument("--json", action="store_true", help="print a JSON dict")
    args = parser.parse_args()
    result = run(args.starts, args.timeout)
    emit(result, args.json, details(result))


if __name__ == "__main__":
    main()
