"""The figures of the management dashboard, read through the access policy.

Every figure is one aggregate query (``GROUP BY`` its categories, the case's risk group
and lead organisation) over the period; the filters pick a slice of that cube in
Python, so filtering costs no extra query and the suppression of ``suppression`` sees
every slice a viewer could ask for. Queries use the ORM models: for an ordinary viewer
the guard narrows them to the cases that viewer may see; a figures-only viewer (the
Management role) counts over every case and gets suppressed counts only.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from casusregie.app.access import Actor, current_actor, figures_access, figures_only
from casusregie.app.access.rows import guarded_model
from casusregie.app.extensions import db
from casusregie.app.i18n import active_locale, format_locale
from casusregie.app.labels import enum_label
from casusregie.app.management import summary
from casusregie.app.management.suppression import ALL, marginals, suppressed_keys
from casusregie.app.models import (
    Case,
    CaseAdmission,
    CaseConference,
    CasePhase,
    CloseReason,
    ConferenceStatus,
    InterventionDomain,
    InterventionStatus,
    InterventionType,
    Organisation,
    RiskGroup,
    WeighingOutcome,
)

DEFAULT_MINIMUM = 5
REVIEW_SOON_DAYS = 14
ADMISSION_SOON_DAYS = 30
OPEN_PHASES = (CasePhase.conference, CasePhase.monitoring)
PENDING = summary.PENDING
TOTAL = ALL

Atoms = dict[tuple[Hashable, ...], int]

#: The dashboard's tables, in the order shown.
FIGURES = ("signals", "phase", "risk_group", "escalation", "lead_organisation", "attention",
           "intervention_domain", "intervention_partner", "closures", "discussed")


def small_cell_minimum() -> int:
    """Counts below this are shown as "< n" to figures-only viewers (setting
    ``CASUS_SMALL_CELL_MINIMUM``, default 5)."""
    return int(current_app.config.get("CASUS_SMALL_CELL_MINIMUM", DEFAULT_MINIMUM))


@dataclass(frozen=True)
class Filters:
    year: int
    risk_group_id: int | None = None
    organisation_id: int | None = None


@dataclass(frozen=True)
class Cell:
    """A published count: ``value`` is None when suppressed."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass
class Figure:
    key: str
    title: Any
    description: Any
    rows: list[tuple[Hashable, str]]
    columns: list[tuple[Hashable, str]]
    cells: dict[tuple[Hashable, Hashable], Cell]
    row_total: bool = True

    def cell(self, row: Hashable, column: Hashable) -> Cell:
        return self.cells[(row, column)]


@dataclass(frozen=True)
class LeadTime:
    label: Any
    count: Cell
    median: float | None
    p25: float | None
    p75: float | None


@dataclass
class Dashboard:
    filters: Filters
    minimum: int
    suppressed: bool
    figures: list[Figure] = field(default_factory=list)
    lead_times: list[LeadTime] = field(default_factory=list)
    conferences_held: int = 0


@dataclass(frozen=True)
class _Spec:
    """How one figure's cube is laid out: categories of rows and columns."""

    key: str
    title: Any
    description: Any
    rows: list[tuple[Hashable, str]]
    columns: list[tuple[Hashable, str]]
    row_total: bool = True


# --------------------------------------------------------------------------- counts

def period(year: int) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)


def _between(column: Any, year: int) -> Any:
    start, end = period(year)
    return sa.and_(column >= start, column < end)


def _rows(query: sa.Select) -> Sequence[Any]:
    return db.session.execute(query).all()


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _counts_over_every_case() -> bool:
    """Whether the viewer counts over every case and the kept counts
    (``summary.FigureCount``) are complete: then they are read instead of counted."""
    return _scope(current_actor()) == EVERY_CASE and summary.built(_rows)


def year_atoms(year: int, filters: Filters | None = None) -> dict[str, Atoms]:
    """Every figure's counts of the year but today's attention list, as the viewer may
    count them: from the kept counts for viewers who count over every case (only the
    slice of ``filters`` when given), else counted through the viewer's row rules."""
    if _counts_over_every_case():
        if filters is None:
            return summary.read_year(_rows, year, whole=True)
        return summary.read_year(_rows, year, risk_group=filters.risk_group_id,
                                 organisation=filters.organisation_id)
    atoms: dict[str, Atoms] = defaultdict(dict)
    for (figure, _year, row, col, rg, org), n in summary.count(_rows, _dialect(),
                                                               year=year).items():
        atoms[figure][(row, col, rg, org)] = n
    return dict(atoms)


def conferences_held(year: int) -> int:
    query = (sa.select(sa.func.count(CaseConference.id))
             .where(CaseConference.status == ConferenceStatus.held,
                    _between(CaseConference.held_on, year)))
    return int(db.session.execute(query).scalar() or 0)


def attention_atoms(today: dt.date) -> Atoms:
    """Today's overdue and coming reviews of open cases and admissions ending soon."""
    atoms: Atoms = defaultdict(int)
    soon = today + dt.timedelta(days=REVIEW_SOON_DAYS)
    state = sa.case((Case.review_date < today, "overdue"), else_="soon")
    query = (sa.select(state, Case.risk_group_id, Case.lead_organisation_id,
                       sa.func.count(Case.id))
             .where(Case.phase.in_(OPEN_PHASES), Case.review_date <= soon)
             .group_by(state, Case.risk_group_id, Case.lead_organisation_id))
    for kind, rg, org, n in _rows(query):
        atoms[(kind, TOTAL, rg, org)] += n
    ending = (sa.select(Case.risk_group_id, Case.lead_organisation_id,
                        sa.func.count(CaseAdmission.id))
              .select_from(CaseAdmission).join(Case, Case.id == CaseAdmission.case_id)
              .where(CaseAdmission.starts_on <= today, CaseAdmission.ends_on >= today,
                     CaseAdmission.ends_on <= today + dt.timedelta(days=ADMISSION_SOON_DAYS))
              .group_by(Case.risk_group_id, Case.lead_organisation_id))
    for rg, org, n in _rows(ending):
        atoms[("admission", TOTAL, rg, org)] += n
    return dict(atoms)


def lead_time_rows(year: int, filters: Filters) -> dict[str, list[float]]:
    """Durations in days: signal → weighing, weighing → inclusion, inclusion → closure.

    The database counts how many took each number of days (a few hundred rows, not one
    per case), per risk group and lead organisation; the filters pick theirs."""
    if _counts_over_every_case():
        stored = summary.read_year(_rows, year, lead_times=True,
                                   risk_group=filters.risk_group_id,
                                   organisation=filters.organisation_id)
        counted = {(f, row, rg, org): n for f, atoms in stored.items()
                   if f.startswith("lead ") for (row, _c, rg, org), n in atoms.items()}
    else:
        counted = {(f, row, rg, org): n for (f, _y, row, _c, rg, org), n
                   in summary.count(_rows, _dialect(), year=year,
                                    parts=["lead times"]).items()}
    result: dict[str, list[float]] = {kind: [] for kind in summary.LEAD_TIMES}
    for (figure, span, rg, org), n in counted.items():
        if filters.risk_group_id is not None and rg != filters.risk_group_id:
            continue
        if filters.organisation_id is not None and org != filters.organisation_id:
            continue
        if span is not None and span >= 0 and n > 0:
            result[figure.removeprefix("lead ")].extend(itertools.repeat(float(span), n))
    return {kind: sorted(days) for kind, days in result.items()}


# --------------------------------------------------------------------------- labels

def _enum_rows(values: Iterable[Any]) -> list[tuple[Hashable, str]]:
    return [(v.value, enum_label(v)) for v in values]


def _months() -> list[tuple[Hashable, str]]:
    names = format_locale().months["stand-alone"]["abbreviated"]
    return [(m, str(names[m])) for m in range(1, 13)]


@dataclass(frozen=True)
class Domains:
    """The category values of the cube dimensions shared by every figure."""

    risk_groups: list[tuple[Hashable, str]]
    organisations: list[tuple[Hashable, str]]


def load_domains() -> Domains:
    groups = db.session.execute(
        sa.select(RiskGroup.id, RiskGroup.number, RiskGroup.name, RiskGroup.name_en)
        .order_by(RiskGroup.number)).all()
    orgs = db.session.execute(
        sa.select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    english = active_locale() == "en"
    return Domains(
        risk_groups=[(i, f"{n}. {(en or name) if english else name}")
                     for i, n, name, en in groups],
        organisations=[(i, name) for i, name in orgs])


# --------------------------------------------------------------------------- cache

# Counting a year at city scale (100,000 cases, a million interventions) takes seconds of
# database time; the figures change only when case content does. So the raw counts are
# kept per access scope and period and dropped when this process commits a change to
# case content, and after ``CASUS_FIGURES_CACHE_SECONDS`` (other processes' changes).

_cache_lock = threading.Lock()
_cache: dict[tuple[Hashable, ...], tuple[float, Any]] = {}
_CACHE_SIZE = 256
#: Raised by every commit of this process that changed case content (``note_change``).
_version = itertools.count()
_current_version = [next(_version)]


def note_change() -> None:
    """Case content changed: counts taken before now are not reused."""
    with _cache_lock:
        _current_version[0] = next(_version)
        _cache.clear()


_CHANGED = "casus_figures_changed"


def _counted(obj: Any) -> bool:
    return guarded_model(type(obj)) is not None or isinstance(obj, InterventionType)


def _collect(session: Any, _context: Any) -> None:
    if any(_counted(o) for o in itertools.chain(session.new, session.dirty, session.deleted)):
        session.info[_CHANGED] = True


def _after_commit(session: Any) -> None:
    if session.info.pop(_CHANGED, False):
        note_change()


def _forget(session: Any, *_args: Any) -> None:
    session.info.pop(_CHANGED, None)


def install(app: Any) -> None:
    """Keep the counts over every case in step with each flush of this app's session
    (``summary``), and drop kept counts whenever it commits a change to case content
    (idempotent)."""
    summary.install(db.session)
    for name, fn in (("after_flush", _collect), ("after_commit", _after_commit),
                     ("after_rollback", _forget)):
        if not sa.event.contains(db.session, name, fn):
            sa.event.listen(db.session, name, fn)


EVERY_CASE = "every case"


def _scope(actor: Actor | None) -> Hashable:
    """Viewers who count over every case share one set of counts; anyone else's counts
    go through their own row rules."""
    if actor is not None and (actor.is_system or actor.is_core or figures_only(actor)):
        return EVERY_CASE
    return actor


def _cached(kind: str, key: tuple[Hashable, ...], compute: Callable[[], Any]) -> Any:
    seconds = float(current_app.config.get("CASUS_FIGURES_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return compute()
    full = (kind, _scope(current_actor()), *key)
    now = time.monotonic()
    with _cache_lock:
        version = _current_version[0]
        hit = _cache.get((version, *full))
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    with _cache_lock:
        # Counts read while a change was being committed are kept under the version they
        # started from, which that change has already retired.
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[(version, *full)] = (now + seconds, value)
    return value


# --------------------------------------------------------------------------- assembly

NUMBER = [(TOTAL, "")]


def _publish(spec: _Spec, atoms: Atoms, domains: Domains, filters: Filters,
             minimum: int, suppress: bool) -> Figure:
    rows, cols = [v for v, _ in spec.rows], [v for v, _ in spec.columns if v != TOTAL]
    rgs = [v for v, _ in domains.risk_groups]
    orgs = [v for v, _ in domains.organisations]
    hidden: set = set()
    if suppress:
        seen_rows = {k[0] for k in atoms} - set(rows)
        seen_cols = {k[1] for k in atoms} - set(cols) - {TOTAL}
        dims = [rows + sorted(seen_rows, key=repr), (cols or [TOTAL]) + sorted(seen_cols, key=repr),
                rgs + [None], orgs + [None]]
        offered = (frozenset(rows), frozenset(cols or [TOTAL]), frozenset(rgs), frozenset(orgs))
        hidden = _suppressed(frozenset(atoms.items()), tuple(tuple(d) for d in dims),
                             offered, minimum)
    rg = filters.risk_group_id if filters.risk_group_id is not None else ALL
    org = filters.organisation_id if filters.organisation_id is not None else ALL
    totals = marginals(atoms, 4) if suppress else _slice(atoms, rg, org)
    cells = {}
    for r in [*rows, TOTAL]:
        for c in [*cols, TOTAL] if cols else [TOTAL]:
            key = (r, c if cols else TOTAL, rg, org)
            cells[(r, c)] = Cell(None if key in hidden else totals.get(key, 0))
    columns = [*spec.columns, (TOTAL, str(_l("Total")))] if cols else NUMBER
    return Figure(spec.key, spec.title, spec.description, list(spec.rows), columns, cells,
                  spec.row_total)


def _slice(atoms: Atoms, rg: Hashable, org: Hashable) -> dict[tuple, int]:
    """The marginals of one filter slice only (all a viewer without suppression needs:
    a fifth of the page's time went to computing every marginal)."""
    totals: dict[tuple, int] = defaultdict(int)
    for (row, col, group, organisation), n in atoms.items():
        if (rg != ALL and group != rg) or (org != ALL and organisation != org):
            continue
        for key in {(row, col), (row, ALL), (ALL, col), (ALL, ALL)}:
            totals[(*key, rg, org)] += n
    return totals


@functools.lru_cache(maxsize=512)
def _suppressed(atoms: frozenset, dims: tuple, offered: tuple, minimum: int) -> frozenset:
    """The suppression of one figure's cube, remembered by its exact content: it costs
    up to a second at city scale and is the same for every figures-only viewer and every
    filter; new data gives a new cube and so a fresh answer."""
    return frozenset(suppressed_keys(dict(atoms), dims, offered, minimum))


def _quantiles(days: list[float]) -> tuple[float | None, float | None, float | None]:
    if not days:
        return None, None, None
    if len(days) == 1:
        return days[0], days[0], days[0]
    q1, _, q3 = statistics.quantiles(days, n=4, method="inclusive")
    return statistics.median(days), q1, q3


def _lead_times(filters: Filters, minimum: int, suppress: bool) -> list[LeadTime]:
    labels = {"weighing": _l("Signal → weighing"), "inclusion": _l("Weighing → inclusion"),
              "closure": _l("Inclusion → closure")}
    result = []
    rows = _cached("lead times", (filters, dt.date.today()),
                   lambda: lead_time_rows(filters.year, filters))
    for key, days in rows.items():
        hide = suppress and 0 < len(days) < minimum
        median, p25, p75 = (None, None, None) if hide else _quantiles(days)
        # The number behind a median is a count: a figures-only viewer gets it only when
        # it is large enough, and never exactly (it could be differenced across filters).
        count = Cell(None) if suppress else Cell(len(days))
        result.append(LeadTime(labels[key], count, median, p25, p75))
    return result


def _specs(domains: Domains) -> dict[str, _Spec]:
    outcomes = [*_enum_rows(WeighingOutcome), (PENDING, str(_l("Not yet weighed")))]
    levels = [(n, str(n)) for n in (1, 2, 3)]
    attention = [("overdue", str(_l("Reviews overdue"))),
                 ("soon", str(_l("Reviews due within 14 days"))),
                 ("admission", str(_l("Admissions ending within 30 days")))]
    return {s.key: s for s in (
        _Spec("signals", _l("Signals per month and weighing outcome"),
              _l("Signals received in the period, by month of receipt and the outcome of "
                 "their latest weighing."), _months(), outcomes),
        _Spec("phase", _l("Cases by phase"),
              _l("Cases included in the period, by their phase today."),
              _enum_rows(CasePhase), NUMBER),
        _Spec("risk_group", _l("Cases by risk group"),
              _l("Cases included in the period, by risk group."), domains.risk_groups, NUMBER),
        _Spec("escalation", _l("Cases by escalation level"),
              _l("Cases included in the period, by escalation level today."), levels, NUMBER),
        _Spec("lead_organisation", _l("Cases by lead organisation"),
              _l("Cases included in the period, by lead organisation."),
              domains.organisations, NUMBER),
        _Spec("attention", _l("Reviews and admissions needing attention"),
              _l("Today, regardless of the period: open cases whose review date has passed "
                 "or falls within 14 days, and admissions ending within 30 days."),
              attention, NUMBER, row_total=False),
        _Spec("intervention_domain", _l("Interventions by domain and status"),
              _l("Interventions registered in the period, by domain and status today."),
              _enum_rows(InterventionDomain), _enum_rows(InterventionStatus)),
        _Spec("intervention_partner", _l("Interventions by partner"),
              _l("Interventions registered in the period, by the delivering organisation."),
              domains.organisations, NUMBER),
        _Spec("closures", _l("Closures by reason"),
              _l("Cases closed in the period, by reason for closure."),
              _enum_rows(CloseReason), NUMBER),
        _Spec("discussed", _l("Cases discussed in case conferences"),
              _l("Cases discussed in case conferences held in the period, by month."),
              _months(), NUMBER),
    )}


def _all_atoms(filters: Filters, today: dt.date, whole: bool) -> dict[str, Atoms]:
    atoms = year_atoms(filters.year, None if whole else filters)
    atoms["attention"] = attention_atoms(today)
    return {key: atoms.get(key, {}) for key in FIGURES}


def build_dashboard(filters: Filters, *, today: dt.date | None = None,
                    suppress: bool | None = None) -> Dashboard:
    """Every figure for ``filters`` as the current user may see them.

    ``suppress`` defaults to the access policy's answer (figures-only viewers); the
    management PDF asks for it explicitly.
    """
    actor = current_actor()
    suppress = figures_only(actor) if suppress is None else suppress
    minimum = small_cell_minimum()
    today = today or dt.date.today()
    with figures_access(actor):
        domains = load_domains()
        # The suppression of small counts weighs every cell of the year; any other viewer
        # who counts over every case gets the chosen slice only (see ``year_atoms``).
        whole = suppress or _scope(actor) != EVERY_CASE
        part = None if whole else (filters.risk_group_id, filters.organisation_id)
        atoms = _cached("atoms", (filters.year, today, part),
                        lambda: _all_atoms(filters, today, whole))
        dashboard = Dashboard(filters, minimum, suppress)
        dashboard.figures = [_publish(spec, atoms[key], domains, filters, minimum, suppress)
                             for key, spec in _specs(domains).items()]
        dashboard.lead_times = _lead_times(filters, minimum, suppress)
        dashboard.conferences_held = _cached("conferences", (filters.year, today),
                                             lambda: conferences_held(filters.year))
    return dashboard
