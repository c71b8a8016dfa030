"""The browser tour's Chromium: Debian's /usr/bin/chromium driven by Playwright, never a browser
Playwright downloads itself. axe-core comes from the npm registry (package.json, `npm ci`).

Missing either skips locally with the command that installs it; in CI
(``DEBITOR_REQUIRE_SERVICES=1``) it fails: the tour never skips there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import missing_service

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("DEBITOR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "var" / "browser-artifacts"


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        missing_service(f"the browser tour needs Debian's Chromium at {CHROMIUM}: run `make browser-deps` as root")
    if not AXE.exists():
        missing_service("the browser tour needs axe-core from the npm registry: run `npm ci` (or `make browser-deps`)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django then refuses ORM calls
    # (SynchronousOnlyOperation) although nothing runs concurrently: the tests stay synchronous.
    # Module-scoped, so the variable is gone again before other tests (a subprocess running
    # `check --deploy` would inherit it and fail async.E001).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser tour: screenshots in {ARTIFACTS}")
    return ARTIFACTS
