"""Fixtures shared by every test folder (see docs/architecture.md)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_RECORDINGS = REPO_ROOT.parent / "shared" / "data" / "recordings"
OUTPUT_DIR = REPO_ROOT / "test-output"


def require_all_tests() -> bool:
    """True under scripts/test.sh (and so in CI): a missing prerequisite is a failure, not a skip."""
    return os.environ.get("SOLEMAP_REQUIRE_ALL_TESTS") == "1"


def skip_or_fail(reason: str) -> None:
    if require_all_tests():
        pytest.fail(f"{reason} (SOLEMAP_REQUIRE_ALL_TESTS=1, so this may not be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_recordings() -> Path:
    """The folder of real sample recordings beside the repository (../shared/data/recordings)."""
    if not SHARED_RECORDINGS.is_dir():
        skip_or_fail(f"sample recordings not found at {SHARED_RECORDINGS}")
    return SHARED_RECORDINGS


@pytest.fixture(autouse=True)
def _private_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the real user's data: a fresh data folder and diary per test.

    Tests that need a particular database set ``SOLEMAP_DATABASE_URL`` themselves (monkeypatch or
    an explicit URL), which wins over this default.
    """
    data = tmp_path_factory.mktemp("user-data")
    monkeypatch.setenv("SOLEMAP_DATA_DIR", str(data))
    monkeypatch.setenv("SOLEMAP_DATABASE_URL", f"sqlite:///{data / 'diary.sqlite3'}")


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests save screenshots and pictures for people to look at."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


# --- web: a live server and a real browser (owned by the web app, issue 5) ----------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class LiveServer:
    """A running solemap web app: ``url`` (no trailing slash), its ``settings`` and ``app``."""

    url: str
    settings: Any
    app: Any


@contextmanager
def serve_app_in_thread(settings: Any) -> Iterator[LiveServer]:
    """Serve ``create_app(settings)`` with uvicorn on a free 127.0.0.1 port in a daemon thread."""
    import uvicorn

    from solemap.web.app import create_app

    app = create_app(settings)
    # Binding the socket here (port 0) avoids the race of picking a "free" port and binding later.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            pytest.fail("the live test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", settings=settings, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def live_server_settings(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Settings the ``live_server`` of a test module serves; override this fixture to change them.

    User data goes to a fresh temporary folder, so browser tests never touch a real diary.
    """
    from solemap.web.settings import Settings

    return Settings(data_dir=tmp_path_factory.mktemp("live-server-data"))


@pytest.fixture(scope="module")
def live_server(live_server_settings: Any) -> Iterator[LiveServer]:
    """The web app served on 127.0.0.1 (one server per test module)."""
    with serve_app_in_thread(live_server_settings) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser), one per test module.

    Not per session: Playwright's sync API keeps an event loop running in the main thread while it
    is started, and ``asyncio.run`` in later test modules would then fail.
    """
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright for Python is not installed (pip install playwright)")
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:
        pw.stop()
        skip_or_fail(f"Chromium did not start: {exc}")
    try:
        yield chromium
    finally:
        chromium.close()
        pw.stop()


@pytest.fixture
def browser_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh Playwright page (desktop 1280×900) whose relative URLs go to ``live_server``.

    ``browser_page.errors`` collects console errors and uncaught page errors (CSP violations
    included), so a test can assert the page ran cleanly.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    try:
        yield page
    finally:
        context.close()
