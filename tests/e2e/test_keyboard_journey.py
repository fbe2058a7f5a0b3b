"""The coordinator's main journey with the keyboard alone, focus visible at every step.

Registers a signal, includes a signal as a case and prints the case dossier, pressing
only keys: Tab to move, Enter to follow or send, typing in fields, the arrow keys and
Enter in the searchable selects. Pages are opened by address (as with the address bar),
every other step by keys. At every stop of the Tab key the focused element must show a
focus ring; a screenshot of each step goes to ``screenshots/keyboard-*.png``.

The signal form cannot link a person yet, and a signal without a person cannot be
included; the inclusion is therefore done on a signal of the demo data that has one.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Signal, SignalStatus, Subject

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
MAX_TABS = 90

FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return {what: el.outerHTML.slice(0, 120), outline: s.outlineStyle,
          width: parseFloat(s.outlineWidth) || 0, shadow: s.boxShadow,
          shown: r.width > 0 && r.height > 0};
}"""


def assert_focus_visible(page, *, may_leave: bool = False) -> None:
    focus = page.evaluate(FOCUS)
    if focus is None and may_leave:
        return  # after the last control, Tab goes to the browser's own bar
    assert focus, "nothing has the focus"
    assert focus["shown"], f"focused element is not on screen: {focus['what']}"
    ring = (focus["outline"] != "none" and focus["width"] >= 2) or focus["shadow"] != "none"
    assert ring, f"no visible focus on {focus['what']}"


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"keyboard-{name}.png"))


def tab_to(page, selector: str, name: str | None = None) -> None:
    """Press Tab until ``selector`` has the focus, checking the focus ring at each stop.

    A field that already has the focus (the login form's user name) is taken as it is."""
    presses = 0
    while not page.evaluate("s => document.activeElement.matches(s)", selector):
        assert presses < MAX_TABS, f"{selector} not reached with the Tab key"
        page.keyboard.press("Tab")
        presses += 1
        assert_focus_visible(page, may_leave=True)
    assert_focus_visible(page)
    if name:
        shot(page, name)


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page, field_id: str, text: str, name: str) -> None:
    """A searchable select: focus it, open it with Enter, type, take the match with Enter."""
    tab_to(page, f".select2-selection:has(#select2-{field_id}-container)")
    page.keyboard.press("Enter")
    page.locator(".select2-container--open .select2-search__field:focus").wait_for()
    page.keyboard.type(text)
    page.locator(".select2-results__option--highlighted", has_text=text).wait_for()
    shot(page, name)
    page.keyboard.press("Enter")
    assert text.lower() in page.inner_text(f"#select2-{field_id}-container").lower()
    assert_focus_visible(page)


def login_by_keyboard(page, base: str) -> None:
    page.goto(f"{base}/login/")
    type_into(page, "input[name=username]", "coordinator")
    type_into(page, "input[name=password]", "Casusregie-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def register_signal(page, base: str) -> None:
    page.goto(f"{base}/signalmodelview/add")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('casus-skip-link')")
    assert_focus_visible(page)
    shot(page, "1-skip-link")
    page.keyboard.press("Enter")
    # Prefilled with the current time to the microsecond, which the form itself refuses
    # (see the report of issue 20): typed over, as a user would after the message.
    tab_to(page, "#received_at", "2-date")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+A")
    page.keyboard.type("2026-12-01 09:30:00")
    choose(page, "reporter_kind", "Politie", "3-select")
    type_into(page, "#reporter_name", "Wijkagent West")
    # The form marks "Anonymous" as required, so the browser refuses an unticked box:
    # the journey registers an anonymous signal (see the report of issue 20).
    tab_to(page, "#anonymous")
    page.keyboard.press("Space")
    type_into(page, "#concern", "Toetsenbordmelding: zorgen over online uitingen.")
    tab_to(page, "#model_form button[type=submit]", "4-send-signal")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    shot(page, "4b-signal-saved")
    assert page.locator(".casus-flash[role=status]").count() == 1  # announced, not shouted
    db.session.remove()  # a fresh read, not the snapshot of the set-up query
    with system_access("test"):
        assert db.session.query(Signal).filter(
            Signal.concern.like("Toetsenbordmelding%")).count() == 1
        db.session.remove()


def include_signal(page, base: str, signal_id: int) -> None:
    page.goto(f"{base}/signalworkflow/")
    tab_to(page, f"a[href$='/signalworkflow/{signal_id}/weigh']", "5-weigh-link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    choose(page, "outcome", "Opnemen", "6-outcome")
    tab_to(page, "#weighed_on")
    page.keyboard.press("Control+A")
    page.keyboard.type("2026-12-01")
    page.keyboard.press("Escape")
    choose(page, "risk_group", "ronselaar", "7-risk-group")
    type_into(page, "#participants", "Weegploeg: gemeente, politie, OM")
    type_into(page, "#reasons", "Meerdere bronnen bevestigen de zorg.")
    tab_to(page, "form button[type=submit]", "8-include")
    with page.expect_navigation(url="**/casemodelview/show/**"):
        page.keyboard.press("Enter")


def print_dossier(page) -> bytes:
    tab_to(page, "#print-dossier", "9-print-link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    type_into(page, "textarea[name=purpose]", "Voorbereiding casusoverleg")
    tab_to(page, "button[type=submit]", "10-print")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    return Path(info.value.path()).read_bytes()


def test_coordinator_journey_by_keyboard_alone(app, page, live_server: str) -> None:
    with app.app_context(), system_access("test set-up"):
        signal_id, last_name = (db.session.query(Signal.id, Subject.last_name)
                                .join(Subject, Signal.subject_id == Subject.id)
                                .filter(Signal.status == SignalStatus.received)
                                .order_by(Signal.id).first())
        db.session.remove()
        login_by_keyboard(page, live_server)
        register_signal(page, live_server)
        include_signal(page, live_server, signal_id)
    number = page.inner_text("h1").split()[0]
    assert number.startswith("CR-")
    pdf = print_dossier(page)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert number in text and last_name in text
