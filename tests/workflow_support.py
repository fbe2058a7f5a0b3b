"""Helpers for the case-process tests: reading state, filling decision forms."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from flask import Flask

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    Case,
    CaseConference,
    Decision,
    Organisation,
    RiskGroup,
    Signal,
    SignalStatus,
    Subject,
    Weighing,
)

TODAY = dt.date.today()


def iso(day: dt.date) -> str:
    return day.strftime("%Y-%m-%d")


def read(app: Flask, fn) -> Any:
    """Run ``fn(session)`` outside any request, as a system job (tests look at everything)."""
    with app.app_context(), system_access("test inspection"):
        try:
            return fn(db.session)
        finally:
            db.session.rollback()


def org_ids(app: Flask, *prefixes: str) -> list[str]:
    def _ids(s):
        orgs = s.query(Organisation).all()
        return [str(o.id) for p in prefixes for o in orgs if o.name.startswith(p)]
    return read(app, _ids)


def risk_group_id(app: Flask, number: int) -> str:
    return read(app, lambda s: str(s.query(RiskGroup).filter_by(number=number).one().id))


def case_id(app: Flask, number: str) -> int:
    return read(app, lambda s: s.query(Case).filter_by(number=number).one().id)


def case_with(app: Flask, *, phase: str | None = None, last_name: str | None = None) -> int:
    """The id of a demo case, by phase or by the last name of its first subject."""
    def _find(s):
        for case in s.query(Case).order_by(Case.id):
            if phase and case.phase != phase:
                continue
            if last_name and case.subjects[0].last_name != last_name:
                continue
            return case.id
        raise AssertionError(f"no demo case with phase={phase} last_name={last_name}")
    return read(app, _find)


def signal_id(app: Flask, *, last_name: str | None = None, anonymous: bool = False,
              status: str = SignalStatus.received.value) -> int:
    def _find(s):
        q = s.query(Signal).filter(Signal.status == status)
        if anonymous:
            q = q.filter(Signal.anonymous.is_(True), Signal.subject_id.is_(None))
        if last_name:
            q = q.join(Subject, Signal.subject_id == Subject.id).filter(
                Subject.last_name == last_name)
        return q.order_by(Signal.id).first().id
    return read(app, _find)


def case_state(app: Flask, cid: int) -> dict[str, Any]:
    """Everything a transition may change, to prove a refusal changed nothing."""
    def _state(s):
        case = s.get(Case, cid)
        return {
            "phase": str(case.phase), "level": case.escalation_level,
            "review_date": case.review_date, "closed_at": case.closed_at,
            "close_reason": case.close_reason, "retention_until": case.retention_until,
            "version": case.version, "director": case.case_director_id,
            "decisions": s.query(Decision).filter_by(case_id=cid).count(),
        }
    return read(app, _state)


def signal_state(app: Flask, sid: int) -> dict[str, Any]:
    def _state(s):
        signal = s.get(Signal, sid)
        return {"status": str(signal.status), "case": signal.case_id,
                "retention_until": signal.retention_until,
                "weighings": s.query(Weighing).filter_by(signal_id=sid).count(),
                "decisions": s.query(Decision).filter_by(signal_id=sid).count(),
                "cases": s.query(Case).count()}
    return read(app, _state)


def conference_id(app: Flask, status: str) -> int:
    return read(app, lambda s: s.query(CaseConference).filter_by(status=status)
                .order_by(CaseConference.id).first().id)


def decision_form(app: Flask, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "body": "case_conference",
        "participants": "Coen de Coördinator (OOV), Pieter Agent (politie)",
        "organisations": org_ids(app, "Gemeente", "Politie"),
        "reasons": "Besproken in het casusoverleg; besluit genomen op basis van de duiding.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def error_next_to(page_html: str, field: str, message: str) -> bool:
    """Whether ``message`` is shown in the form row of ``field`` (after it, before the next)."""
    text = html.unescape(page_html)
    start = text.find(f'id="{field}"')
    if start < 0:
        return False
    ends = [i for i in (text.find("</tr>", start), text.find("</form>", start)) if i > 0]
    return message in text[start:min(ends) if ends else None]


def field_value(page_html: str, field: str) -> str | None:
    """The value a text area or input shows, to prove input was kept."""
    text = html.unescape(page_html)
    area = re.search(rf'<textarea[^>]*id="{field}"[^>]*>(.*?)</textarea>', text, re.S)
    if area:
        return area.group(1).strip()
    inp = re.search(rf'<input[^>]*id="{field}"[^>]*value="([^"]*)"', text)
    return inp.group(1) if inp else None


def hidden_inputs(page_html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page_html):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def decide(browser, url: str, data: dict[str, Any]):
    """Open the form like a person, keep its hidden fields (CSRF token, case version),
    fill in ``data`` and submit it."""
    page = browser.get(url)
    assert page.status_code == 200, f"{url}: {page.status_code}"
    return browser.post(url, {**hidden_inputs(page.text), **data})
