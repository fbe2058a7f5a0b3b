"""Helpers for the management tests: read the dashboard's tables as a user sees them,
and count the same figures independently, row by row, in Python."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    AgendaItem,
    Case,
    CaseAdmission,
    CaseConference,
    ConferenceStatus,
    Intervention,
    InterventionType,
    Signal,
    Weighing,
)

_SECTION = re.compile(
    r'<section class="casus-mi-figure" id="figure-([a-z_]+)"(.*?)</section>', re.S)
_CELL = re.compile(r'<td class="num" data-row="([^"]*)" data-col="([^"]*)">(.*?)</td>', re.S)
_TAG = re.compile(r"<[^>]+>")
SUPPRESSED = "suppressed"


def _number(text: str) -> int | str:
    text = _TAG.sub("", text).strip()
    if text.startswith("&lt;") or text.startswith("<"):
        return SUPPRESSED
    return int(text.replace(".", "").replace(",", "").replace("\u202f", ""))


def page_tables(html: str) -> dict[str, dict[tuple[str, str], int | str]]:
    """figure key → {(row, column): count or SUPPRESSED}, from the page's table views."""
    return {key: {(r, c): _number(v) for r, c, v in _CELL.findall(body)}
            for key, body in _SECTION.findall(html)}


def _year(value: dt.datetime | dt.date | None, year: int) -> bool:
    return value is not None and value.year == year


def _val(raw) -> str:
    return str(getattr(raw, "value", raw))


def independent_counts(year: int, today: dt.date, case_ids: set[int] | None = None
                       ) -> dict[str, Counter]:
    """Every dashboard figure counted by walking the rows (no GROUP BY), over all cases or
    over ``case_ids``; signals and conferences only when ``case_ids`` is None."""
    with system_access("independent count"):
        cases = [c for c in db.session.query(Case).all()
                 if case_ids is None or c.id in case_ids]
        by_id = {c.id: c for c in cases}
        out: dict[str, Counter] = {k: Counter() for k in (
            "phase", "risk_group", "escalation", "lead_organisation", "closures",
            "intervention_domain", "intervention_partner", "signals", "discussed",
            "attention")}
        for c in cases:
            if _year(c.opened_at, year):
                out["phase"][(_val(c.phase), "__all__")] += 1
                out["risk_group"][(str(c.risk_group_id), "__all__")] += 1
                out["escalation"][(str(c.escalation_level), "__all__")] += 1
                out["lead_organisation"][(str(c.lead_organisation_id), "__all__")] += 1
            if _year(c.closed_at, year):
                out["closures"][(_val(c.close_reason), "__all__")] += 1
            if c.phase.value in ("conference", "monitoring") and c.review_date is not None:
                if c.review_date < today:
                    out["attention"][("overdue", "__all__")] += 1
                elif c.review_date <= today + dt.timedelta(days=14):
                    out["attention"][("soon", "__all__")] += 1
        for a in db.session.query(CaseAdmission).all():
            if a.case_id in by_id and a.starts_on <= today <= a.ends_on \
                    and a.ends_on <= today + dt.timedelta(days=30):
                out["attention"][("admission", "__all__")] += 1
        # Types, conferences and weighings read once: lazy loads per row take minutes.
        domains = {t.id: t.domain for t in db.session.query(InterventionType).all()}
        for i in db.session.query(Intervention).all():
            if i.case_id in by_id and _year(i.created_at, year):
                out["intervention_domain"][(_val(domains[i.type_id]), _val(i.status))] += 1
                out["intervention_partner"][(str(i.organisation_id), "__all__")] += 1
        conferences = {c.id: c for c in db.session.query(CaseConference).all()}
        for item in db.session.query(AgendaItem).all():
            conference = conferences[item.conference_id]
            if item.discussed and item.case_id in by_id and _year(conference.held_on, year):
                out["discussed"][(str(conference.held_on.month), "__all__")] += 1
        if case_ids is None:
            latest_of: dict[int, Weighing] = {}
            for w in db.session.query(Weighing).order_by(Weighing.id):
                latest_of[w.signal_id] = w
            for s in db.session.query(Signal).all():
                if _year(s.received_at, year):
                    latest = latest_of.get(s.id)
                    outcome = _val(latest.outcome) if latest else "pending"
                    out["signals"][(str(s.received_at.month), outcome)] += 1
    return out


def held_conferences(year: int) -> int:
    with system_access("independent count"):
        return sum(1 for c in db.session.query(CaseConference).all()
                   if c.status == ConferenceStatus.held and c.held_on.year == year)


def median_closure_days(year: int) -> float | None:
    with system_access("independent count"):
        days = [(c.closed_at.date() - c.opened_at.date()).days
                for c in db.session.query(Case).all() if _year(c.closed_at, year)]
    return statistics.median(days) if days else None


def weighing_count() -> int:
    with system_access("independent count"):
        return db.session.query(Weighing).count()


def lead_time_days(year: int, risk_group_id: int | None = None) -> dict[str, list[float]]:
    """Signal → weighing, weighing → inclusion and inclusion → closure in days, from
    the rows in Python: a signal's weighing is its latest (highest id)."""
    with system_access("independent count"):
        latest: dict[int, Weighing] = {}
        for w in db.session.query(Weighing).all():
            if w.signal_id not in latest or w.id > latest[w.signal_id].id:
                latest[w.signal_id] = w
        cases = {c.id: c for c in db.session.query(Case).all()}
        out: dict[str, list[float]] = {"weighing": [], "inclusion": [], "closure": []}
        for s in db.session.query(Signal).all():
            w = latest.get(s.id)
            case = cases.get(s.case_id)
            if w is None:
                continue
            group = case.risk_group_id if case is not None else w.risk_group_id
            if risk_group_id is not None and group != risk_group_id:
                continue
            if w.weighed_on.year == year:
                out["weighing"].append(float((w.weighed_on - s.received_at.date()).days))
            if case is not None and _year(case.opened_at, year):
                out["inclusion"].append(float((case.opened_at.date() - w.weighed_on).days))
        for c in cases.values():
            if _year(c.closed_at, year) and risk_group_id in (None, c.risk_group_id):
                out["closure"].append(float((c.closed_at.date() - c.opened_at.date()).days))
    return {k: sorted(d for d in v if d >= 0) for k, v in out.items()}


def stored_equal_fresh(app) -> int:
    """The kept counts over every case (``figure_count``) equal the same counts taken
    afresh from the cases, for every year; returns how many counts were compared."""
    from casusregie.app.management import summary

    with app.app_context():
        connection = db.session.connection()
        fresh = summary.count(connection.execute, connection.dialect.name)
        years = {key[1] for key in fresh if key[1] is not None}
        stored = {(figure, year, *key): n for year in years for lead in (False, True)
                  for figure, atoms in summary.read_year(connection.execute, year,
                                                         lead_times=lead, whole=True).items()
                  for key, n in atoms.items()}
        db.session.rollback()
    expected = {key: n for key, n in fresh.items() if n and key[1] is not None}
    # The same categories come back in the stored form: numbers as numbers, none as None.
    assert stored == expected, sorted(set(stored.items()) ^ set(expected.items()), key=repr)[:10]
    return len(expected)
