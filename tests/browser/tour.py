"""One page of the browser tour, checked as a finance reader and a screen reader would meet it.

``Tour.visit(url)`` opens a page in a German Chromium 1400 px wide and records every problem
instead of stopping at the first, so one run lists all of them:

- the page or anything it loads answers 5xx;
- the console shows an error (a failed resource, a script error) or the Content-Security-Policy
  refused something;
- a request leaves the live server (no third-party host: fonts, scripts, the API docs);
- axe-core finds a serious or critical accessibility violation;
- the visible text reads wrong (``tests.support.page_reading.page_text_problems``), except the
  listed ``KNOWN_READING_DEFECTS``.

Every page is saved as a screenshot under ``var/browser-artifacts/<role>/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.page_reading import page_text_problems, visible_text

from .conftest import AXE

WIDTH, HEIGHT = 1400, 900
GERMAN = {"locale": "de-DE", "extra_http_headers": {"Accept-Language": "de-DE,de;q=0.9"}}
SERIOUS = ("serious", "critical")

# Reading defects the tour found on pages other parts of issue 16 rework (amount and date
# formatting, object titles, event sentences). Each is (page path pattern, problem pattern); the
# tour stays green on them only through this list, which is emptied when those parts are merged.
KNOWN_READING_DEFECTS: list[tuple[str, str]] = []

# Every CSP violation reaches the page as an event; collected before any page script runs.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " refused " + (event.blockedURI || "inline"));
});
"""

AXE_RUN = """
async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
      count: v.nodes.length,
    }));
}
"""


def known_reading_defect(path: str, problem: str) -> bool:
    return any(re.search(page, path) and re.search(text, problem) for page, text in KNOWN_READING_DEFECTS)


@dataclass
class Tour:
    """A logged-in (or anonymous) German browser session on the live server."""

    browser: object
    base_url: str
    role: str
    artifacts: Path
    problems: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    axe: bool = True
    tolerated: str = ""  # a console message expected on the current page (its own 403 or 404)
    reading: bool = True  # the German reading checks (off for the API docs: ISO dates are the format there)

    def __post_init__(self):
        self.context = self.browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, **GERMAN)
        # axe-core is evaluated into every page by the DevTools protocol: an inline <script> tag
        # (page.add_script_tag) would itself be refused by the page's Content-Security-Policy.
        self.context.add_init_script(path=str(AXE))
        self.context.add_init_script(WATCH_CSP)
        self.context.route(re.compile(r"^(?!" + re.escape(self.base_url) + r")https?://"), self._foreign)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._problem(f"script error: {error}"))
        self.page.on("response", self._response)
        self.folder = self.artifacts / self.role
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()

    # --- listeners -----------------------------------------------------------------------------

    def _problem(self, text: str) -> None:
        self.problems.append(f"[{self.role}] {self.current}: {text}")

    @property
    def current(self) -> str:
        return self.visited[-1] if self.visited else "(start)"

    def _console(self, message) -> None:
        if message.type == "error" and not (self.tolerated and self.tolerated in message.text):
            self._problem(f"console error: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 500:
            self._problem(f"{response.status} from {response.url}")

    def _foreign(self, route) -> None:
        self._problem(f"request to another host: {route.request.url}")
        route.abort()

    # --- pages ---------------------------------------------------------------------------------

    def login(self, username: str, password: str) -> None:
        self.goto("/admin/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        with self.page.expect_navigation():
            self.page.click("input[type=submit]")
        assert "/login/" not in self.page.url, f"login as {username} failed"

    def goto(self, url: str) -> int | None:
        response = self.page.goto(self.base_url + url if url.startswith("/") else url)
        return response.status if response else None

    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def visit(self, url: str, *, name: str | None = None, expect: int | None = None) -> int | None:
        """Open ``url`` and check it; returns the HTTP status of the page itself. ``expect``: an
        error status the page answers on purpose (its console line is then no problem)."""
        self.visited.append(url)
        self.tolerated = f"status of {expect}" if expect else ""
        try:
            status = self.goto(url)
            self.check(name=name)
        finally:
            self.tolerated = ""
        return status

    def check(self, *, name: str | None = None) -> None:
        """Check the page as it stands (after a navigation or a click)."""
        page = self.page
        page.wait_for_load_state("load")
        path = self.path()
        for violation in page.evaluate("window.__cspViolations || []"):
            self._problem(f"CSP violation: {violation}")
        if self.axe:
            for v in page.evaluate(AXE_RUN):
                self._problem(f"axe {v['impact']} {v['id']} ({v['help']}) x{v['count']}: {v['targets']}")
        # The same reading of the page as the server-side test (tests/test_admin_reading.py).
        text = visible_text(page.content()) if self.reading else ""
        for problem in page_text_problems(text):
            if not known_reading_defect(path, problem):
                self._problem(f"reads wrong: {problem}")
        index = len(list(self.folder.glob("*.png"))) + 1
        slug = re.sub(r"[^a-z0-9]+", "-", (name or path).lower()).strip("-")[:80] or "page"
        page.screenshot(path=str(self.folder / f"{index:03d}-{slug}.png"), full_page=True)

    def links(self, selector: str) -> list[str]:
        """The distinct same-site paths of the links matching ``selector``, in page order."""
        hrefs = self.page.eval_on_selector_all(selector, "links => links.map((a) => a.getAttribute('href'))")
        seen: list[str] = []
        for href in hrefs:
            if href and href.startswith("/") and href not in seen:
                seen.append(href)
        return seen

    def close(self) -> None:
        self.context.close()
