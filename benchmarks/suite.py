"""Latency scenarios: real pages as logged-in users (measured by ``benchmarks.served``).

Each scenario is timed against its floor (see ``benchmarks.floor``) in the same run.
Scenarios find their URLs in the running app (filters, sort columns, the REST path), so
they follow the screens as they change; a screen that is missing gets a note instead of
a figure.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask

from benchmarks import floor as floors

#: The day the generator treats as today (its data is fixed in time).
DATA_TODAY = dt.date(2026, 11, 1)
SELECT_OPTION_LIMIT = 200


@dataclass
class Result:
    backend: str
    scenario: str
    samples_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    size_kb: float | None = None
    largest_select: int | None = None
    floor_ms: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    cpu_ms: list[float] = field(default_factory=list)

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu_ms) if self.cpu_ms else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples_ms) if self.samples_ms else None

    @property
    def p95(self) -> float | None:
        if not self.samples_ms:
            return None
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def ratio(self) -> float | None:
        if self.median is None or not self.floor_ms:
            return None
        return self.median / self.floor_ms


def timed(call: Callable[[], Any], *, warmup: int = 2, min_samples: int = 12,
          max_samples: int = 60, budget_s: float = 6.0) -> tuple[list[float], Any]:
    """Run ``call`` until ``min_samples`` and the time budget are used up."""
    last = None
    for _ in range(warmup):
        last = call()
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < max_samples:
        t0 = time.perf_counter()
        last = call()
        samples.append((time.perf_counter() - t0) * 1000)
        if len(samples) >= min_samples and time.perf_counter() - started > budget_s:
            break
    return samples, last


_OPTION = re.compile(r"<select\b.*?</select>", re.S | re.I)
_JSON_ANGLE = re.compile(r"\\u003([ce])", re.I)


def largest_select(html: str) -> int:
    """Options of the largest select, also inside JSON-escaped HTML (``\\u003coption``),
    as in Flask-AppBuilder's search form, which ships its fields' HTML as JSON."""
    html = _JSON_ANGLE.sub(lambda m: "<" if m.group(1).lower() == "c" else ">", html)
    return max((block.lower().count("<option") for block in _OPTION.findall(html)),
               default=0)


class QueryCounter:
    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


@dataclass
class Facts:
    """Ids the scenarios need, looked up in the generated data."""

    director_id: int
    partner_org_id: int
    case_1000: int | None
    case_counts: dict[int, int]
    subject_last_name: str
    subject_name_key: str


def facts(engine: sa.Engine) -> Facts:
    with engine.connect() as conn:
        def one(sql: str, **params: Any) -> Any:
            return conn.execute(sa.text(sql), params).scalar()

        director = one("SELECT id FROM ab_user WHERE username = 'bench-director'")
        partner_org = one("SELECT organisation_id FROM ab_user WHERE username = 'bench-partner'")
        counts = {}
        for n in (1000, 100, 10):
            # The generator gives these sizes to neighbouring open cases: take those.
            counts[n] = one(
                "SELECT i.case_id FROM intervention i JOIN \"case\" c ON c.id = i.case_id "
                "WHERE c.case_director_id = :d GROUP BY i.case_id HAVING COUNT(*) = :n "
                "ORDER BY ABS(i.case_id - COALESCE(:near, i.case_id)), i.case_id LIMIT 1",
                n=n, d=director, near=counts.get(1000))
        last_name = one("SELECT last_name FROM subject WHERE kind = 'person' "
                        "ORDER BY id LIMIT 1 OFFSET 7")
        name_key = one("SELECT name_key FROM subject WHERE last_name = :ln LIMIT 1",
                       ln=last_name)
    if director is None or partner_org is None:
        raise SystemExit("The database holds no generated data (bench users are missing): "
                         "run `python -m benchmarks.generate` first.")
    return Facts(director, partner_org, counts.get(1000), counts, last_name,
                 name_key.split(" ")[-1] if name_key else last_name.lower())


def _view(app: Flask, class_name: str):
    for view in app.appbuilder.baseviews:
        if type(view).__name__ == class_name:
            return view
    return None


def _filter_arg(view, column: str, *class_names: str) -> str | None:
    """``_flt_<i>_<column>`` for the first filter class of that name the view offers."""
    if view is None:
        return None
    filters = _search_filters(view).get(column) or []
    for wanted in class_names:
        for index, flt in enumerate(filters):
            if type(flt).__name__ == wanted:
                return f"_flt_{index}_{column}"
    return None


def _search_filters(view) -> dict[str, list]:
    flt = getattr(view, "_filters", None)
    return getattr(flt, "_search_filters", None) or {}


def _list_url(view) -> str:
    return f"{view.route_base}/list/"


@dataclass
class Scenario:
    name: str
    user: str
    url: str | None
    floor: floors.FloorQuery | None
    note: str = ""
    compare: bool = True  # counts towards "within 3x of the floor"
    api: bool = False  # authenticates with a JWT from the security API


def scenarios(app: Flask, dialect: str, f: Facts) -> list[Scenario]:
    out: list[Scenario] = []
    cases = _view(app, "CaseModelView")
    if cases is None:
        return [Scenario("case list", "bench-coordinator", None, None, "no case list view")]
    base = _list_url(cases)
    name = type(cases).__name__
    out.append(Scenario("case list, 25", "bench-coordinator", base, floors.case_list(dialect)))
    out.append(Scenario("case list, 100", "bench-coordinator", f"{base}?psize_{name}=100",
                        floors.case_list(dialect, limit=100)))
    order_col = next((c for c in ("review_date", "opened_at", "phase")
                      if c in (cases.order_columns or [])), None)
    if order_col:
        out.append(Scenario(
            f"case list, sorted by {order_col}", "bench-coordinator",
            f"{base}?_oc_{name}={order_col}&_od_{name}=asc",
            floors.case_list(dialect, order=f"c.{order_col} ASC, c.id")))
    phase_arg = _filter_arg(cases, "phase", "FilterEqual")
    out.append(Scenario(
        "case list, phase = monitoring", "bench-coordinator",
        f"{base}?{phase_arg}=monitoring" if phase_arg else None,
        floors.case_list(dialect, where="c.phase = 'monitoring'"),
        "" if phase_arg else "phase is not a search column"))
    director_arg = _filter_arg(cases, "case_director", "FilterRelationOneToManyEqual",
                               "FilterEqual")
    out.append(Scenario(
        "case list, by case director", "bench-coordinator",
        f"{base}?{director_arg}={f.director_id}" if director_arg else None,
        floors.case_list(dialect, where="c.case_director_id = :d",
                         params={"d": f.director_id}),
        "" if director_arg else "case director is not a search column"))
    # Search by subject name: on the case list when it offers it, else the subject list.
    subject_arg = None
    for column in _search_filters(cases):
        if "subject" in column or "name" in column:
            subject_arg = _filter_arg(cases, column, "FilterContains", "FilterStartsWith",
                                      "FilterEqual")
            if subject_arg:
                break
    if subject_arg:
        out.append(Scenario("search by subject name", "bench-coordinator",
                            f"{base}?{subject_arg}={f.subject_last_name}",
                            floors.subject_search(dialect, f.subject_name_key)))
    else:
        subjects = _view(app, "SubjectModelView")
        arg = (_filter_arg(subjects, "name_key", "FilterNameStartsWith")
               or _filter_arg(subjects, "last_name", "FilterStartsWith", "FilterContains"))
        out.append(Scenario(
            "search by subject name", "bench-coordinator",
            f"{_list_url(subjects)}?{arg}={f.subject_last_name}" if arg else None,
            floors.subject_list(f.subject_last_name, dialect=dialect),
            "on the subject list" if arg else "no name search offered"))
    if f.case_1000:
        out.append(Scenario("case page, 1,000 interventions", "bench-director",
                            f"{cases.route_base}/show/{f.case_1000}",
                            floors.case_page(f.case_1000), compare=False))
    if f.case_counts.get(10):
        out.append(Scenario("case page, 10 interventions", "bench-director",
                            f"{cases.route_base}/show/{f.case_counts[10]}",
                            floors.case_page(f.case_counts[10]), compare=False))
    interventions = _view(app, "InterventionModelView")
    out.append(Scenario(
        "partner's intervention list", "bench-partner",
        _list_url(interventions) if interventions else None,
        floors.partner_interventions(f.partner_org_id, DATA_TODAY),
        "" if interventions else "no intervention list"))
    out.append(Scenario("start page (coordinator)", "bench-coordinator", "/",
                        floors.start_page(dialect)))
    api = next((r.rule for r in app.url_map.iter_rules()
                if r.rule.startswith("/api/v1/") and "intervention" in r.rule.lower()
                and r.rule.endswith("/") and "<" not in r.rule
                and "GET" in (r.methods or ())), None)
    out.append(Scenario("REST list of interventions", "bench-coordinator", api,
                        floors.intervention_api(), "" if api else "no REST endpoint yet",
                        api=True))
    # Management figures (app/management): aggregate queries over the year's cases.
    year = DATA_TODAY.year
    out.append(Scenario("management dashboard (coordinator)", "bench-coordinator",
                        f"/management/?year={year}", None, compare=False))
    out.append(Scenario("management dashboard, risk group filter", "bench-coordinator",
                        f"/management/?year={year}&risk_group=1", None, compare=False))
    out.append(Scenario("management dashboard (partner)", "bench-partner",
                        f"/management/?year={year}", None, compare=False))
    edit = f"{cases.route_base}/edit/{f.case_counts.get(10) or 1}"
    out.append(Scenario("case edit form", "bench-coordinator", edit, None, compare=False))
    return out


def login(client, username: str, password: str) -> None:
    page = client.get("/login/")
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    token = match.group(1) if match else ""
    resp = client.post("/login/", data={"username": username, "password": password,
                                        "csrf_token": token})
    if resp.status_code != 302 or "/login" in resp.headers.get("Location", ""):
        raise SystemExit(f"Could not log in as {username}: HTTP {resp.status_code}")


def api_token(client, username: str, password: str) -> str:
    resp = client.post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": False})
    if resp.status_code != 200:
        raise SystemExit(f"API login as {username} failed: HTTP {resp.status_code}")
    return resp.json["access_token"]
