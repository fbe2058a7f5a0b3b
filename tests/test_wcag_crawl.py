"""WCAG 2.1 AA in the browser: axe-core on every kind of page every demo user reaches.

For each demo user of the demo with its built-in plugins, the test client finds the pages
the user can reach (the same link crawl as ``tests/test_i18n_crawl.py``: menus, lists,
show, add and edit pages, one per kind of URL). Each kind of page is then opened in
chromium as the first user who reached it, in Dutch and in English, and axe-core
(installed by ``make install`` from the npm registry into ``tests/e2e/vendor/``) checks it
against the WCAG 2.0 and 2.1 A and AA rules. Forms with errors, the login page and an
error page are checked too. Any violation fails the test, listed by rule.

The check reads markup, which does not depend on the database, and axe-core in chromium
is the slowest check of the suite: both languages are checked on SQLite only
(``one_database``), so every page is checked once in each language. They run in the
SQLite run because the PostgreSQL run carries the other HTTP crawls (access, write, fuzz,
API contract) and is the longer of the two that ``make test`` runs side by side. It lives beside
``test_i18n_crawl.py`` rather than in ``tests/e2e/`` for the same reason as that crawl: the
demo's plugins add their models to the shared mapper registry, which
``test_access_guard.py`` walks, so both run after it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.serving import make_server

from tests.e2e.conftest import login
from tests.support import DEMO_USERNAMES, Browser
from tests.test_i18n_crawl import SKIP_PATH, _shape, _VisibleText

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
AXE_DIRS = sorted((ROOT / "tests" / "e2e" / "vendor").glob("axe-core-*"))
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_PAGES = 150  # per user, as in the i18n crawl
#: Each language on one database: the markup is the same on both (see above).
LANGUAGES = (pytest.param("nl", marks=pytest.mark.one_database("sqlite"), id="nl"),
             pytest.param("en", marks=pytest.mark.one_database("sqlite"), id="en"))


def axe_script() -> Path:
    if not AXE_DIRS:
        if os.environ.get("CI") == "true":
            pytest.fail("axe-core is missing: run make install")
        pytest.skip("axe-core not installed (make install): accessibility check skipped")
    return AXE_DIRS[-1] / "axe.min.js"


def discover(browser: Browser) -> list[str]:
    """The user's pages, one URL per kind, in the order a person would find them."""
    queue, seen, found = ["/"], set(), []
    while queue and len(found) < MAX_PAGES:
        url = queue.pop(0)
        if _shape(url) in seen:
            continue
        seen.add(_shape(url))
        resp = browser.get(url)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        found.append(url)
        parser = _VisibleText()
        parser.feed(resp.text)
        for href in parser.links:
            parts = urlsplit(urljoin(url, href))
            if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
                continue
            if SKIP_PATH.search(parts.path):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def pages_per_user(app) -> dict[str, list[str]]:
    """Every kind of page, given to the first demo user who reaches it."""
    taken: set[str] = set()
    plan: dict[str, list[str]] = {}
    for username in DEMO_USERNAMES:
        urls = [u for u in discover(Browser(app).login(username)) if _shape(u) not in taken]
        taken.update(_shape(u) for u in urls)
        plan[username] = urls
    return plan


def run_axe(page, script: Path) -> list[dict]:
    """axe-core's violations of the WCAG A and AA rules on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(script))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", WCAG_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


class Findings:
    """Violations per rule, with the pages and elements where they occur."""

    def __init__(self) -> None:
        self.by_rule: dict[str, list[str]] = {}
        self.pages_with: dict[str, list[str]] = {}
        self.pages = 0

    def add(self, where: str, violations: list[dict]) -> None:
        self.pages += 1
        if violations:
            self.pages_with[where] = sorted({v["id"] for v in violations})
        for v in violations:
            for target in v["nodes"]:
                self.by_rule.setdefault(f"{v['id']} ({v['impact']}): {v['help']}", []).append(
                    f"{where} {json.dumps(target)}")

    def elements(self) -> int:
        return sum(len(v) for v in self.by_rule.values())

    def report(self) -> str:
        lines = [f"{self.elements()} violating elements on {len(self.pages_with)} of "
                 f"{self.pages} pages checked"]
        for rule, where in sorted(self.by_rule.items()):
            pages = len({w.split("] ", 1)[0] + w.split("] ", 1)[1].split(" ")[0] for w in where})
            lines.append(f"{rule} — {len(where)} elements on {pages} pages")
            lines += [f"    {w}" for w in where[:12]]
        return "\n".join(lines)


@pytest.fixture(scope="module")
def demo_app(test_database):
    """The demo as `make run` serves it: with the built-in plugins and their screens."""
    from tests.plugins.support import built_in_app

    app, close = built_in_app(test_database, "a11y")
    yield app
    close()


@pytest.fixture(scope="module")
def plan(demo_app) -> dict[str, list[str]]:
    """The pages per user, found once for both languages (the links do not depend on it)."""
    return pages_per_user(demo_app)


@pytest.fixture(scope="module")
def demo_server(demo_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _set_language(page, base: str, code: str) -> None:
    page.goto(f"{base}/lang/{code}")
    page.wait_for_load_state("domcontentloaded")


def _check_pages(page, base: str, urls: list[str], script: Path, findings: Findings,
                 tag: str) -> None:
    for url in urls:
        page.goto(base + url, wait_until="load")
        findings.add(f"[{tag}] {url}", run_axe(page, script))


def _check_forms_with_errors(page, base: str, script: Path, findings: Findings,
                             tag: str) -> None:
    """Forms sent empty: the server's messages and their fields must be accessible too.

    The browser's own check of required fields is switched off, so the server answers.
    """
    for url in ("/signalmodelview/add", "/subjectmodelview/add"):
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
        page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
        page.locator("#model_form button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        assert page.locator("#model_form .alert-danger").count(), f"no error shown on {url}"
        findings.add(f"[{tag} errors] {url}", run_axe(page, script))


def _save(findings: Findings, code: str) -> None:
    """The full list, for whoever fixes what the assertion reports."""
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / f"axe-violations-{code}.json").write_text(json.dumps(findings.by_rule, indent=1))


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_page_meets_wcag_21_aa(plan, demo_server, _chromium, code: str) -> None:
    script = axe_script()
    findings = Findings()
    assert sum(len(u) for u in plan.values()) >= 30, plan
    # axe-core is injected as an inline script, which the pages' CSP (nonces only)
    # refuses; the CSP itself is checked by tests/e2e/test_csp.py.
    context = _chromium.new_context(locale="nl-NL", viewport={"width": 1366, "height": 900},
                                    bypass_csp=True)
    page = context.new_page()
    page.goto(f"{demo_server}/login/")
    findings.add(f"[{code}] /login/", run_axe(page, script))
    for username, urls in plan.items():
        context.clear_cookies()
        _set_language(page, demo_server, code)
        login(page, demo_server, username)
        _set_language(page, demo_server, code)
        _check_pages(page, demo_server, urls, script, findings, f"{code} {username}")
        if username == "coordinator":
            _check_forms_with_errors(page, demo_server, script, findings, f"{code} {username}")
            page.goto(f"{demo_server}/casemodelview/show/999999")
            findings.add(f"[{code}] 404", run_axe(page, script))
    context.close()
    print(findings.report())
    _save(findings, code)
    assert not findings.by_rule, findings.report()
