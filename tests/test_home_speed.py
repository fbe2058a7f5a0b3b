"""The start page at city scale: a bounded count, one read of the open cases."""

from __future__ import annotations

import datetime as dt
import re

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, CasePhase
from casusregie.app.views import home
from tests.support import count_queries


def _open_cases(app) -> list[Case]:
    with app.app_context(), system_access("test"):
        cases = (db.session.query(Case).filter(Case.phase.in_(home.OPEN_PHASES))
                 .order_by(Case.review_date.asc().nulls_last(), Case.number).all())
        db.session.expunge_all()
        return cases


def _badge(text: str, section: str) -> str:
    block = re.search(rf'id="{section}".*?<span class="badge">([^<]*)</span>', text, re.S)
    assert block, section
    return block.group(1).strip()


def test_start_page_reads_the_open_cases_once(app, browser) -> None:
    browser.login("coordinator")
    browser.get("/")
    with count_queries(app) as statements:
        page = browser.get("/")
    assert page.status_code == 200
    case_reads = [s for s in statements if re.search(r'FROM "?case"? ', s)]
    # One bounded count and one read of the rows shown; the reviews due come from them.
    # The third is the bounded list of open cases without a director.
    assert len(case_reads) == 3, case_reads
    assert all("LIMIT" in s.upper() for s in case_reads), case_reads
    assert not any("lead_organisation" in s and "JOIN organisation" in s for s in case_reads)
    # 6, plus the user's open tasks and the bell's unread count (issue 19), plus one
    # bounded query each for signals to weigh, cases without a director, admissions
    # ending soon and overdue interventions, and the subjects of the cases without one.
    assert len(statements) <= 13, statements


def test_reviews_due_and_open_cases_as_before(app, browser) -> None:
    today = dt.date.today()
    horizon = today + dt.timedelta(days=home.REVIEW_HORIZON_DAYS)
    cases = _open_cases(app)
    due = [c.number for c in cases if c.review_date and c.review_date <= horizon]
    assert due, "the demo has an open case with a review due"
    browser.login("coordinator")
    text = browser.get("/").text
    reviews = text[text.index('id="reviews"'):text.index('id="my-cases"')]
    assert re.findall(r"CR-\d{4}-\d{4}", reviews) == due[:home.CASES_SHOWN]
    assert _badge(text, "reviews") == str(len(due[:home.CASES_SHOWN]))
    assert _badge(text, "my-cases") == str(len(cases))
    mine = text[text.index('id="my-cases"'):text.index('id="conferences"')]
    assert re.findall(r"CR-\d{4}-\d{4}", mine) == [c.number for c in cases][:home.CASES_SHOWN]


def test_open_case_badge_stops_at_its_bound(app, browser, monkeypatch) -> None:
    cases = _open_cases(app)
    assert len(cases) > 2
    monkeypatch.setattr(home, "CASES_COUNTED", 2)
    browser.login("coordinator")
    text = browser.get("/").text
    assert _badge(text, "my-cases") == "2+"
    mine = text[text.index('id="my-cases"'):text.index('id="conferences"')]
    assert re.findall(r"CR-\d{4}-\d{4}", mine) == [c.number for c in cases][:home.CASES_SHOWN]


def test_director_sees_only_own_cases_counted(app, browser) -> None:
    with app.app_context(), system_access("test"):
        own = (db.session.query(Case).join(Case.case_director)
               .filter(Case.phase.in_(home.OPEN_PHASES))
               .filter_by(username="regisseur").count())
        assert db.session.query(Case).filter(Case.phase != CasePhase.closed).count() > own
    browser.login("regisseur")
    assert _badge(browser.get("/").text, "my-cases") == str(own)


# The rows as the Jinja macro printed them before they were printed in Python.
_JINJA_ROWS = (
    "{% macro date(value) -%}{{ value|format_date('medium') if value else '—' }}"
    "{%- endmacro %}"
    "{% for c in cases %}<tr>"
    "<td><a href=\"{{ url_for('CaseModelView.show', pk=c.id) }}\">{{ c.number }}</a></td>"
    "<td>{{ c.subject_names }}</td>"
    "<td><span class=\"casus-phase casus-phase-{{ c.phase.value }}\">"
    "{{ c.phase|enum_label }}</span></td>"
    "<td>{{ c.risk_group.number }}</td>"
    "<td>{{ c.case_director or '—' }}</td>"
    "<td class=\"{{ 'casus-overdue' if c.review_date and c.review_date < today }}\">"
    "{{ date(c.review_date) }}"
    "{% if c.review_date and c.review_date < today %} · {{ _(\"overdue\") }}{% endif %}"
    "</td></tr>{% endfor %}")


def _squeezed(html: str) -> str:
    return re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html)).strip()


def test_case_rows_printed_in_python_match_the_template(app) -> None:
    from flask import render_template_string

    from casusregie.app.views.start_rows import case_rows

    with app.test_request_context("/"), system_access("test"):
        cases = (db.session.query(Case).order_by(Case.number).all())
        today = max(c.review_date for c in cases if c.review_date)  # some overdue, some not
        assert any(c.review_date and c.review_date < today for c in cases)
        assert any(c.review_date is None or c.review_date >= today for c in cases)
        expected = render_template_string(_JINJA_ROWS, cases=cases, today=today)
        printed = str(case_rows(cases, today))
    assert printed.count("<tr>") == len(cases) > 2
    assert _squeezed(printed) == _squeezed(expected)
