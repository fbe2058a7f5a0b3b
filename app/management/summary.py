"""The dashboard's counts over every case, kept in a table in step with the cases.

Counting a year afresh at city scale (100,000 cases, 290,000 interventions registered in
a year) takes more than a second, most of it one grouped query over the interventions.
Viewers who count over every case (coordinators, core partners, the Management role)
read the year's counts from ``figure_count`` instead: a few thousand rows.

The table is kept up to date in the transaction of every change, by the flush that
writes it (the one write path: services, screens, API and jobs all flush through the
session). Before a flush that touches what a figure counts, the counts of the cases and
signals it touches are taken from the database as they were; after the flush, again;
the difference is added to the table. A destruction, which deletes with plain SQL, does
the same around its statements (``recounted``). Loading data past the ORM (the
benchmark generator) ends with ``rebuild``, as does ``flask casus init`` and
``flask casus figures-rebuild`` (for a nightly check), and a change of an intervention
type's domain (it would touch every intervention of the type).

The table holds counts per year, figure and category only: no case, person or text.
Partners and case directors still count afresh through their row rules: their counts are
small.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.dialects import postgresql, sqlite

from casusregie.app.management.suppression import ALL
from casusregie.app.models import (
    AgendaItem,
    Case,
    CaseConference,
    Intervention,
    InterventionType,
    Signal,
    Weighing,
)

PENDING = "pending"
TOTAL = ALL
LEAD_TIMES = ("weighing", "inclusion", "closure")

#: (figure, year, row, column, risk group, lead organisation) → count
Key = tuple[str, int, Hashable, Hashable, Any, Any]


class FigureCount(Model):
    """One count of the dashboard over every case: figure, year, categories."""

    __tablename__ = "figure_count"

    year = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    figure = sa.Column(sa.String(30), primary_key=True)
    row_key = sa.Column(sa.String(40), primary_key=True)
    col_key = sa.Column(sa.String(40), primary_key=True)
    # 0 stands for none (a signal without a case has no lead organisation).
    risk_group = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    organisation = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    count = sa.Column(sa.Integer, nullable=False)


#: Written by ``rebuild``: until then the dashboard counts afresh.
BUILT = {"year": 0, "figure": "built", "row_key": "", "col_key": "", "risk_group": 0,
         "organisation": 0, "count": 1}

#: Figures whose row categories are numbers (months, levels, ids, days).
_NUMBER_ROWS = frozenset({"signals", "escalation", "risk_group", "lead_organisation",
                          "intervention_partner", "discussed",
                          *(f"lead {k}" for k in LEAD_TIMES)})


@dataclasses.dataclass(frozen=True)
class Within:
    """The cases and signals whose counts are taken (all of them when not given)."""

    cases: frozenset[int] = frozenset()
    signals: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.cases or self.signals)


# --------------------------------------------------------------------------- counting

def _year(column: Any) -> Any:
    return sa.cast(sa.extract("year", column), sa.Integer)


def _month(column: Any) -> Any:
    return sa.cast(sa.extract("month", column), sa.Integer)


def _raw(column: Any) -> Any:
    """An enum column read as its stored value: the key is the value, and at city scale
    turning tens of thousands of values into members and back cost a tenth of a
    second."""
    return sa.type_coerce(column, sa.String)


def _latest_weighing() -> Any:
    """The weighing in the query is its signal's latest: no later one exists.

    Asked of the weighings a query already holds (one index probe each on
    ``(signal_id, id)``), not computed for every signal to join the weighings to: at
    city scale that read every signal and every weighing."""
    later = sa.orm.aliased(Weighing)
    return ~sa.exists().where(later.signal_id == Weighing.signal_id, later.id > Weighing.id)


def _days(start: Any, end: Any, dialect: str) -> Any:
    """Whole calendar days from ``start`` to ``end`` (dates or times), counted by the
    database: tens of thousands of durations at city scale."""
    if dialect == "sqlite":
        return sa.cast(sa.func.julianday(sa.func.date(end))
                       - sa.func.julianday(sa.func.date(start)), sa.Integer)
    return sa.cast(end, sa.Date) - sa.cast(start, sa.Date)


def _in_year(column: Any, year: int | None, *, dates: bool = False) -> Any:
    """The rows of ``year`` (a range on the column, so its index serves), or all."""
    if year is None:
        return column.is_not(None)
    start, end = dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)
    if dates:
        return sa.and_(column >= start.date(), column < end.date())
    return sa.and_(column >= start, column < end)


def _of_signals(within: Within | None) -> Any:
    if not within:
        return sa.true()
    return sa.or_(Signal.case_id.in_(within.cases), Signal.id.in_(within.signals))


def _of_cases(column: Any, within: Within | None) -> Any:
    return column.in_(within.cases) if within else sa.true()


Execute = Callable[[Any], Iterable[Sequence[Any]]]
PARTS = ("signals", "cases", "closures", "interventions", "discussed", "lead times")


def count(execute: Execute, dialect: str, *, year: int | None = None,
          within: Within | None = None, parts: Iterable[str] = PARTS) -> Counter[Key]:
    """The dashboard's counts, one grouped query per part: of one year or of every year,
    of some cases and signals or of all. ``execute`` runs a statement: the guarded
    session for a viewer's own counts, a plain connection for the summary."""
    counts: Counter[Key] = Counter()
    for part in parts:
        for key, n in _PARTS[part](execute, dialect, year, within):
            counts[key] += n
    return counts


def _signals(execute: Execute, _dialect: str, year: int | None,
             within: Within | None) -> Iterator[tuple[Key, int]]:
    """Signals by month received × outcome of their latest weighing (or pending)."""
    received = Signal.received_at
    risk_group = sa.func.coalesce(Case.risk_group_id, Weighing.risk_group_id)
    query = (sa.select(_year(received), _month(received), _raw(Weighing.outcome), risk_group,
                       Case.lead_organisation_id, sa.func.count(Signal.id))
             .select_from(Signal)
             .outerjoin(Weighing, Weighing.signal_id == Signal.id)
             .outerjoin(Case, Case.id == Signal.case_id)
             .where(_in_year(received, year), _of_signals(within),
                    sa.or_(Weighing.id.is_(None), _latest_weighing()))
             .group_by(_year(received), _month(received), Weighing.outcome, risk_group,
                       Case.lead_organisation_id))
    for y, m, outcome, rg, org, n in execute(query):
        yield ("signals", y, m, outcome or PENDING, rg, org), n


def _cases(execute: Execute, _dialect: str, year: int | None,
           within: Within | None) -> Iterator[tuple[Key, int]]:
    """Cases included in the year: by phase, risk group, escalation level and lead
    organisation (four figures from one query)."""
    opened = Case.opened_at
    query = (sa.select(_year(opened), _raw(Case.phase), Case.escalation_level,
                       Case.risk_group_id, Case.lead_organisation_id, sa.func.count(Case.id))
             .where(_in_year(opened, year), _of_cases(Case.id, within))
             .group_by(_year(opened), Case.phase, Case.escalation_level, Case.risk_group_id,
                       Case.lead_organisation_id))
    for y, phase, level, rg, org, n in execute(query):
        yield ("phase", y, phase, TOTAL, rg, org), n
        yield ("risk_group", y, rg, TOTAL, rg, org), n
        yield ("escalation", y, level, TOTAL, rg, org), n
        yield ("lead_organisation", y, org, TOTAL, rg, org), n


def _closures(execute: Execute, _dialect: str, year: int | None,
              within: Within | None) -> Iterator[tuple[Key, int]]:
    closed = Case.closed_at
    query = (sa.select(_year(closed), _raw(Case.close_reason), Case.risk_group_id,
                       Case.lead_organisation_id, sa.func.count(Case.id))
             .where(_in_year(closed, year), _of_cases(Case.id, within))
             .group_by(_year(closed), Case.close_reason, Case.risk_group_id,
                       Case.lead_organisation_id))
    for y, reason, rg, org, n in execute(query):
        yield ("closures", y, reason, TOTAL, rg, org), n


def _interventions(execute: Execute, _dialect: str, year: int | None,
                   within: Within | None) -> Iterator[tuple[Key, int]]:
    """Interventions registered in the year: by domain × status and by partner."""
    created = Intervention.created_at
    query = (sa.select(_year(created), _raw(InterventionType.domain), _raw(Intervention.status),
                       Intervention.organisation_id, Case.risk_group_id,
                       Case.lead_organisation_id, sa.func.count(Intervention.id))
             .select_from(Intervention)
             .join(InterventionType, InterventionType.id == Intervention.type_id)
             .join(Case, Case.id == Intervention.case_id)
             .where(_in_year(created, year), _of_cases(Intervention.case_id, within))
             .group_by(_year(created), InterventionType.domain, Intervention.status,
                       Intervention.organisation_id, Case.risk_group_id,
                       Case.lead_organisation_id))
    for y, domain, status, partner, rg, org, n in execute(query):
        yield ("intervention_domain", y, domain, status, rg, org), n
        yield ("intervention_partner", y, partner, TOTAL, rg, org), n


def _discussed(execute: Execute, _dialect: str, year: int | None,
               within: Within | None) -> Iterator[tuple[Key, int]]:
    """Cases discussed in case conferences held in the year, per month."""
    held = CaseConference.held_on
    # count(*): the agenda items' own columns are then all in ``ix_agenda_item_discussed``.
    query = (sa.select(_year(held), _month(held), Case.risk_group_id,
                       Case.lead_organisation_id, sa.func.count())
             .select_from(AgendaItem)
             .join(CaseConference, CaseConference.id == AgendaItem.conference_id)
             .join(Case, Case.id == AgendaItem.case_id)
             .where(AgendaItem.discussed.is_(True), _in_year(held, year),
                    _of_cases(AgendaItem.case_id, within))
             .group_by(_year(held), _month(held), Case.risk_group_id,
                       Case.lead_organisation_id))
    for y, m, rg, org, n in execute(query):
        yield ("discussed", y, m, TOTAL, rg, org), n


def _lead_times(execute: Execute, dialect: str, year: int | None,
                within: Within | None) -> Iterator[tuple[Key, int]]:
    """How many signals and cases took each number of days: signal → latest weighing
    (by year weighed), weighing → inclusion (by year opened), inclusion → closure (by
    year closed)."""
    weighed_on = Weighing.weighed_on
    signal_group = sa.func.coalesce(Case.risk_group_id, Weighing.risk_group_id)
    weighed = (sa.select(_year(weighed_on), _days(Signal.received_at, weighed_on, dialect),
                         signal_group, Case.lead_organisation_id)
               .select_from(Weighing).join(Signal, Signal.id == Weighing.signal_id)
               .outerjoin(Case, Case.id == Signal.case_id)
               .where(_in_year(weighed_on, year, dates=True), _latest_weighing(),
                      _of_signals(within)))
    included = (sa.select(_year(Case.opened_at), _days(weighed_on, Case.opened_at, dialect),
                          Case.risk_group_id, Case.lead_organisation_id)
                .select_from(Case).join(Signal, Signal.case_id == Case.id)
                .join(Weighing, Weighing.signal_id == Signal.id)
                .where(_in_year(Case.opened_at, year), _latest_weighing(),
                       _of_signals(within)))
    closed = (sa.select(_year(Case.closed_at), _days(Case.opened_at, Case.closed_at, dialect),
                        Case.risk_group_id, Case.lead_organisation_id)
              .where(_in_year(Case.closed_at, year), _of_cases(Case.id, within)))
    for kind, query in zip(LEAD_TIMES, (weighed, included, closed), strict=True):
        columns = query.selected_columns
        counted = query.with_only_columns(*columns, sa.func.count()).group_by(*columns)
        for y, days, rg, org, n in execute(counted):
            yield (f"lead {kind}", y, days, TOTAL, rg, org), n


_PARTS: dict[str, Callable[..., Iterator[tuple[Key, int]]]] = {
    "signals": _signals, "cases": _cases, "closures": _closures,
    "interventions": _interventions, "discussed": _discussed, "lead times": _lead_times,
}


# --------------------------------------------------------------------------- the table

def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _row(key: Key, n: int) -> dict[str, Any]:
    figure, year, row, col, rg, org = key
    return {"year": year, "figure": figure, "row_key": _text(row), "col_key": _text(col),
            "risk_group": rg or 0, "organisation": org or 0, "count": n}


def _upsert(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Add each row's count to the stored one (or store it)."""
    if not rows:
        return
    table = FigureCount.__table__
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table)
    keys = [c.name for c in table.primary_key.columns]
    statement = insert.on_conflict_do_update(
        index_elements=keys, set_={"count": table.c["count"] + insert.excluded["count"]})
    # The same order in every transaction: two changes never wait for each other's rows
    # in opposite orders (a deadlock).
    rows.sort(key=lambda r: tuple(r[k] for k in keys))
    for start in range(0, len(rows), 1000):
        connection.execute(statement, rows[start:start + 1000])


def add(connection: sa.Connection, delta: Counter[Key]) -> None:
    _upsert(connection, [_row(key, n) for key, n in delta.items() if n])


def rebuild(connection: sa.Connection) -> int:
    """Count every year afresh into the table; returns the number of counts stored."""
    table = FigureCount.__table__
    if connection.dialect.name == "postgresql":
        # Changes committed while counting would be missed or counted twice: they wait.
        connection.exec_driver_sql(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE")
    connection.execute(table.delete())
    counts = count(lambda q: connection.execute(q), connection.dialect.name)
    rows = [_row(key, n) for key, n in counts.items() if n and key[1] is not None]
    for start in range(0, len(rows), 5000):
        connection.execute(table.insert(), rows[start:start + 5000])
    connection.execute(table.insert(), [BUILT])
    return len(rows)


def built(execute: Execute) -> bool:
    table = FigureCount.__table__
    query = sa.select(table.c["count"]).where(table.c.year == 0, table.c.figure == "built")
    return any(True for _ in execute(query))


def read_year(execute: Execute, year: int, *, lead_times: bool = False,
              risk_group: int | None = None, organisation: int | None = None,
              whole: bool = False) -> dict[str, dict[tuple[Hashable, ...], int]]:
    """The stored counts of ``year`` per figure, ``{(row, column, group, org): n}``: the
    lead times' or the other figures'.

    ``whole``: every cell, by risk group and lead organisation (what the suppression of
    small counts needs). Otherwise only the slice of one risk group and organisation
    (or of all), summed by the database: a few hundred rows instead of tens of
    thousands (every partner by every lead organisation and risk group), with the
    filter's own values as group and organisation.
    """
    c = FigureCount.__table__.c
    lead = c.figure.like("lead %")
    where = [c.year == year, lead if lead_times else ~lead]
    if whole:
        query = (sa.select(c.figure, c.row_key, c.col_key, c.risk_group, c.organisation,
                           c["count"])
                 .where(*where, c["count"] != 0))
    else:
        if risk_group is not None:
            where.append(c.risk_group == risk_group)
        if organisation is not None:
            where.append(c.organisation == organisation)
        total = sa.func.sum(c["count"])
        query = (sa.select(c.figure, c.row_key, c.col_key, sa.literal(risk_group or 0),
                           sa.literal(organisation or 0), total)
                 .where(*where).group_by(c.figure, c.row_key, c.col_key)
                 .having(total != 0))
    figures: dict[str, dict[tuple[Hashable, ...], int]] = {}
    for figure, row, col, rg, org, n in execute(query):
        atoms = figures.get(figure)
        if atoms is None:
            atoms = figures[figure] = {}
        if row == "":
            row_value: Hashable = None
        elif figure in _NUMBER_ROWS:
            row_value = int(row)
        else:
            row_value = row
        atoms[(row_value, col or None, rg or None, org or None)] = int(n)
    return figures


# --------------------------------------------------------------------------- upkeep

#: What each kind of row changes in the figures: a change of another column (a case's
#: summary, an intervention's description) leaves the counts as they are.
COUNTED: dict[type, tuple[str, ...]] = {
    Case: ("phase", "escalation_level", "risk_group_id", "risk_group", "lead_organisation_id",
           "lead_organisation", "opened_at", "closed_at", "close_reason"),
    Signal: ("received_at", "case_id", "case"),
    Weighing: ("outcome", "risk_group_id", "risk_group", "weighed_on", "signal_id", "signal"),
    Intervention: ("created_at", "status", "organisation_id", "organisation", "type_id",
                   "type", "case_id", "case"),
    AgendaItem: ("discussed", "case_id", "case", "conference_id", "conference"),
    CaseConference: ("held_on",),
}

_STATE = "casus_figure_counts"

#: The parts of ``count`` a change of each kind of row can move: an intervention's or an
#: agenda item's change is recounted with one query, a case's with all of them.
PARTS_OF: dict[type, frozenset[str]] = {
    Case: frozenset(PARTS),
    Signal: frozenset({"signals", "lead times"}),
    Weighing: frozenset({"signals", "lead times"}),
    Intervention: frozenset({"interventions"}),
    AgendaItem: frozenset({"discussed"}),
    CaseConference: frozenset({"discussed"}),
}


@dataclasses.dataclass
class _Touched:
    cases: set[int] = dataclasses.field(default_factory=set)
    signals: set[int] = dataclasses.field(default_factory=set)
    new: list[Any] = dataclasses.field(default_factory=list)  # rows without an id yet
    parts: set[str] = dataclasses.field(default_factory=set)
    rebuild: bool = False
    before: Counter[Key] = dataclasses.field(default_factory=Counter)

    def within(self) -> Within:
        cases, signals = set(self.cases), set(self.signals)
        for obj in self.new:
            if obj.id is not None:
                (cases if isinstance(obj, Case) else signals).add(obj.id)
        return Within(frozenset(cases), frozenset(signals))


def _kind(obj: Any) -> type | None:
    return next((model for model in COUNTED if isinstance(obj, model)), None)


def _changed(obj: Any, names: Sequence[str]) -> bool:
    attrs = sa.inspect(obj).attrs
    return any(name in attrs.keys() and attrs[name].history.has_changes() for name in names)


def _values(obj: Any, name: str) -> Iterator[Any]:
    """Old and new values of an attribute, without loading it."""
    state = sa.inspect(obj)
    if name not in state.attrs.keys():
        return
    history = state.attrs[name].history
    yield from itertools.chain(history.added or (), history.unchanged or (),
                               history.deleted or ())


def _note(touched: _Touched, target: set[int], column: str, relation: str, obj: Any) -> None:
    target.update(v for v in _values(obj, column) if v is not None)
    if sa.inspect(obj).has_identity:
        # A row read earlier may have its columns expired (after a commit): its history
        # is then empty, and a deleted row's case would be missed. Reading it loads it.
        value = getattr(obj, column)
        if value is not None:
            target.add(value)
    for related in _values(obj, relation):
        if related is None:
            continue
        if related.id is not None:
            target.add(related.id)
        else:
            touched.new.append(related)


def _touched(session: sa.orm.Session) -> _Touched:
    touched = _Touched()
    changed = itertools.chain(
        ((o, True) for o in session.new), ((o, True) for o in session.deleted),
        ((o, False) for o in session.dirty))
    for obj, whole in changed:
        if isinstance(obj, InterventionType):
            touched.rebuild = touched.rebuild or (
                obj in session.deleted or (obj not in session.new and _changed(obj, ("domain",))))
            continue
        kind = _kind(obj)
        if kind is None or not (whole or _changed(obj, COUNTED[kind])):
            continue
        touched.parts |= PARTS_OF[kind]
        if kind is Case or kind is Signal:
            if obj.id is None:
                touched.new.append(obj)
            else:
                (touched.cases if kind is Case else touched.signals).add(obj.id)
        if kind is Signal:
            _note(touched, touched.cases, "case_id", "case", obj)
        elif kind is Weighing:
            _note(touched, touched.signals, "signal_id", "signal", obj)
        elif kind in (Intervention, AgendaItem):
            _note(touched, touched.cases, "case_id", "case", obj)
        elif kind is CaseConference and obj.id is not None:
            items = sa.select(AgendaItem.case_id).where(AgendaItem.conference_id == obj.id)
            touched.cases.update(session.connection().execute(items).scalars())
    return touched


def _lock(connection: sa.Connection, within: Within) -> None:
    """Hold the touched cases and signals until this transaction ends (PostgreSQL).

    Each save counts its cases before and after its own flush; a second save of the
    same case committed between the two counts would be counted twice. With the rows
    held, the second save counts only after the first has committed. ``FOR NO KEY
    UPDATE``: adding rows that point at the case (an intervention, a note) is not held
    up. In id order, so two saves never wait for each other crosswise."""
    if connection.dialect.name != "postgresql":
        return  # SQLite lets one transaction write at a time
    for model, ids in ((Case, within.cases), (Signal, within.signals)):
        if ids:
            connection.execute(sa.select(model.id).where(model.id.in_(sorted(ids)))
                               .order_by(model.id).with_for_update(key_share=True))


def _before_flush(session: sa.orm.Session, _context: Any, _instances: Any) -> None:
    touched = _touched(session)
    if not (touched.rebuild or touched.cases or touched.signals or touched.new):
        session.info.pop(_STATE, None)
        return
    connection = session.connection()
    within = touched.within()
    if within and not touched.rebuild:
        _lock(connection, within)
        touched.before = count(connection.execute, connection.dialect.name, within=within,
                               parts=sorted(touched.parts))
    session.info[_STATE] = touched


def _after_flush(session: sa.orm.Session, _context: Any) -> None:
    touched: _Touched | None = session.info.pop(_STATE, None)
    if touched is None:
        return
    connection = session.connection()
    if touched.rebuild:
        rebuild(connection)
        return
    after = count(connection.execute, connection.dialect.name, within=touched.within(),
                  parts=sorted(touched.parts))
    after.subtract(touched.before)
    add(connection, after)


def _forget(session: sa.orm.Session, *_args: Any) -> None:
    session.info.pop(_STATE, None)


def install(session: Any) -> None:
    """Keep the table in step with every flush of ``session`` (idempotent)."""
    for name, fn in (("before_flush", _before_flush), ("after_flush", _after_flush),
                     ("after_rollback", _forget)):
        if not sa.event.contains(session, name, fn):
            sa.event.listen(session, name, fn)


class recounted:  # noqa: N801 — used as ``with recounted(...)``
    """Keep the table in step around statements the flush does not see (plain SQL
    deletes of a destruction): the counts of these cases and signals before and after."""

    def __init__(self, session: sa.orm.Session, cases: Iterable[int] = (),
                 signals: Iterable[int] = ()) -> None:
        self.session = session
        self.within = Within(frozenset(cases), frozenset(signals))

    def __enter__(self) -> recounted:
        connection = self.session.connection()
        _lock(connection, self.within)
        self.before = count(connection.execute, connection.dialect.name, within=self.within)
        return self

    def __exit__(self, exc_type: Any, *_exc: Any) -> None:
        if exc_type is not None:
            return
        connection = self.session.connection()
        after = count(connection.execute, connection.dialect.name, within=self.within)
        after.subtract(self.before)
        add(connection, after)
