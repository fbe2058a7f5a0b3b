"""Exports of the case, intervention and subject lists as CSV or Excel.

An export is the list screen written to a file: the same view, the same filters
(``_flt_`` arguments of the list page), the same rows (the guarded session), the same
field rules (the view's policy-filtered columns, per-row masking of per-row fields).
Rows are read as plain values of the chosen columns in batches (``yield_per``), not as
mapped objects, and written as they come, so memory does not grow with the number of
rows. Every export is recorded in ``export_log``.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_filter_args, get_order_args
from sqlalchemy.orm import MANYTOONE, lazyload, selectinload

from casusregie.app import workbook
from casusregie.app.access import can_see_field, current_actor
from casusregie.app.access.fields import (
    HIDDEN,
    INTERVENTION_CONTENT_FIELDS,
    SENSITIVE_FIELDS,
    content_visible,
    field_per_row,
    field_rules,
)
from casusregie.app.access.rows import guarded_model
from casusregie.app.labels import enum_label
from casusregie.app.models import Case, CaseSubject, Goal, Intervention, InterventionType, Subject
from casusregie.app.models.base import utcnow
from casusregie.app.models.subject import full_name_of

BATCH = 1000
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExportList:
    """One list that can be exported: its URL name and the view that lists it."""

    name: str
    view: str


LISTS = {e.name: e for e in (ExportList("cases", "CaseModelView"),
                             ExportList("interventions", "InterventionModelView"),
                             ExportList("subjects", "SubjectModelView"))}


class ExportLog(Model):
    """Who exported which list, with which filters and columns, how many rows, why.

    Append-only; no foreign keys, so the record outlives the account. The audit trail
    takes these rows over once it exists.
    """

    __tablename__ = "export_log"

    id = sa.Column(sa.Integer, primary_key=True)
    exported_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    user_id = sa.Column(sa.Integer, nullable=False, index=True)
    username = sa.Column(sa.String(100), nullable=False)
    organisation = sa.Column(sa.String(150), nullable=False, default="")
    list_name = sa.Column(sa.String(30), nullable=False)
    file_format = sa.Column(sa.String(10), nullable=False)
    filters = sa.Column(sa.Text, nullable=False, default="")
    columns = sa.Column(sa.Text, nullable=False)
    row_count = sa.Column(sa.Integer, nullable=False)
    purpose = sa.Column(sa.Text, nullable=False)


class AppendOnlyError(RuntimeError):
    pass


@sa.event.listens_for(ExportLog, "before_update")
@sa.event.listens_for(ExportLog, "before_delete")
def _refuse_change(_mapper, _connection, _target: ExportLog) -> None:
    raise AppendOnlyError("The export log is append-only.")


# --------------------------------------------------------------------------- columns

def offered_columns(view: Any) -> list[tuple[str, str]]:
    """(column, label) the user may export: the view's show and list columns, which the
    access policy has already narrowed to the fields this user may see."""
    view._apply_field_policy()
    names: list[str] = []
    for name in [*view.show_columns, *view.list_columns]:
        if name not in names:
            names.append(name)
    return [(n, str(view.label_columns.get(n, n))) for n in names]


_AS_IS = frozenset({str, int, float, bool, dt.date})


def _text(value: Any) -> Any:
    if type(value) in _AS_IS:  # most cells: a million calls for a city's case list
        return value
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return enum_label(value)
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, (dt.date, int, float, bool)):
        return value
    return str(value)


def cell_reader(view: Any, column: str) -> Callable[[Any], Any]:
    """How to read ``column`` of a row: masked per row where the policy says so."""
    model = view.datamodel.obj
    actor = current_actor()  # once: asked per row it was a twentieth of the export
    if field_per_row(model, column):
        def masked(item: Any) -> Any:
            if not can_see_field(item, column, actor):
                return HIDDEN
            return _text(getattr(item, column, None))

        return masked
    return lambda item: _text(getattr(item, column, None))


# --------------------------------------------------------------------------- rows

def filtered_query(view: Any) -> tuple[Any, Any]:
    """The list's query with the request's filters and order, and those filters."""
    view._apply_field_policy()
    get_filter_args(view._filters)
    filters = view._filters.get_joined_filters(view._base_filters)
    order_column, order_direction = get_order_args().get(view.__class__.__name__, ("", ""))
    if not order_column and view.base_order:
        order_column, order_direction = view.base_order
    datamodel = view.datamodel
    query = datamodel.apply_all(datamodel.session.query(datamodel.obj), filters,
                                order_column, order_direction)
    return query, filters


def count_rows(view: Any, filters: Any) -> int:
    """Exact number of rows (the list screen's own count stops at a bound)."""
    datamodel = view.datamodel
    return SQLAInterface.query_count(datamodel, datamodel.session.query(datamodel.obj),
                                     filters)


def describe_filters(view: Any) -> str:
    """The request's filters for the log: column, operation, value."""
    filters = view._filters
    return json.dumps([[f.column_name, str(f.name), v]
                       for f, v in zip(filters.filters, filters.values, strict=False)],
                      ensure_ascii=False, default=str)


def _subject_names(session: Any, ids: Sequence[Any]) -> dict[Any, str]:
    """``Case.subject_names`` of a batch of cases as plain values, in one query: the
    primary subject first, as on the case page; subjects the user may not see are
    left out by the guard, as on the screen."""
    query = (sa.select(CaseSubject.case_id, Subject.first_name, Subject.last_name)
             .join(Subject, Subject.id == CaseSubject.subject_id)
             .where(CaseSubject.case_id.in_(ids))
             .order_by(CaseSubject.case_id, CaseSubject.primary.desc(), CaseSubject.subject_id))
    names: dict[Any, list[str]] = {}
    for case_id, first, last in session.execute(query):
        names.setdefault(case_id, []).append(full_name_of(first, last))
    return {case_id: ", ".join(parts) for case_id, parts in names.items()}


#: Properties computed from related rows, read for a whole batch of ids at once as plain
#: values (``(session, ids) -> {id: value}``), so no mapped object is built per row.
BATCH_PROPERTIES: dict[tuple[type, str], Callable[[Any, Sequence[Any]], dict[Any, Any]]] = {
    (Case, "subject_names"): _subject_names,
}

#: The column a related row is named by where its name is a plain column (its
#: ``__repr__``): read as a value, because these tables are as large as the export.
LABEL_COLUMNS: dict[type, str] = {Case: "number", Goal: "description"}


def with_relations(query: Any, model: type, columns: Sequence[str]) -> Any:
    """Load the chosen related columns per batch (one query each), not once per row."""
    relations = sa.inspect(model).relationships
    for name in columns:
        prop = relations.get(name)
        if prop is not None:
            # The cell shows the related row's name: its own relations are not needed.
            query = query.options(selectinload(getattr(model, name)).lazyload("*"))
    return query


@dataclass
class _Column:
    """How one chosen column is read: ``column`` (a value of the row), ``relation`` (the
    name of a many-to-one related row, looked up once per batch), ``batch`` (a property
    computed from related rows, read once per batch), ``content`` (an intervention's
    content, shown by the core rule from the row's organisation and type), or ``object``
    (the mapped row itself: another property, or a field a plugin judges row by row)."""

    name: str
    kind: str
    target: Any = None
    labels: dict[Any, Any] | None = None


def _core_content_only(model: type, name: str) -> bool:
    """Whether the per-row rule of ``name`` is the core intervention-content rule alone
    (no plugin rule or clearance of a subclass also judges it)."""
    if guarded_model(model) is not Intervention or name not in INTERVENTION_CONTENT_FIELDS:
        return False
    if any(field == name and issubclass(sub, model) for sub, field in SENSITIVE_FIELDS):
        return False
    return not any(name in rule.fields
                   and (issubclass(model, rule.model) or issubclass(rule.model, model))
                   for rule in field_rules())


def _plan(model: type, name: str) -> _Column:
    mapper = sa.inspect(model)
    if field_per_row(model, name):
        if _core_content_only(model, name) and name in mapper.column_attrs:
            return _Column(name, "content", getattr(model, name), {})
        return _Column(name, "object")
    if name in mapper.column_attrs:
        return _Column(name, "column", getattr(model, name))
    prop = mapper.relationships.get(name)
    if prop is not None and prop.direction is MANYTOONE and len(prop.local_columns) == 1 \
            and not prop.uselist:
        return _Column(name, "relation", prop, {})
    reader = next((fn for (owner, prop_name), fn in BATCH_PROPERTIES.items()
                   if prop_name == name and issubclass(model, owner)), None)
    if reader is not None:
        return _Column(name, "batch", reader)
    return _Column(name, "object")


def _selected(model: type, col: _Column) -> list[Any]:
    """The plain values ``col`` needs from the row itself."""
    if col.kind == "column":
        return [col.target]
    if col.kind == "relation":
        return [getattr(model, next(iter(col.target.local_columns)).key)]
    if col.kind == "content":
        return [col.target, model.organisation_id, model.type_id]
    return []


def plain_rows(view: Any, query: Any, columns: Sequence[str]) -> Iterator[list[Any]]:
    """The export's rows read as plain values, a batch at a time.

    Building an ORM object per row and per related row was most of an export's time.
    Values are selected as columns of the list's own query (the guard's row criteria
    apply to column selects of mapped entities as to whole rows); a related row's name
    and a property computed from related rows are read once per batch through the
    guarded session; only columns a plugin judges row by row (or a property without a
    batch reader) load the mapped rows of the batch.
    """
    model = view.datamodel.obj
    session = view.datamodel.session
    plan = [_plan(model, name) for name in columns]
    selected: list[Any] = [model.id]
    offsets: dict[str, int] = {}
    for col in plan:
        values = _selected(model, col)
        if values:
            offsets[col.name] = len(selected)
            selected.extend(values)
    objects = [c.name for c in plan if c.kind == "object"]
    readers = {name: cell_reader(view, name) for name in objects}
    actor = current_actor()
    plain = query.with_entities(*selected)
    batch: list[Any] = []
    for row in plain.yield_per(BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            yield from _batch_rows(session, model, plan, offsets, readers, actor, batch)
            batch = []
    if batch:
        yield from _batch_rows(session, model, plan, offsets, readers, actor, batch)


def _batch_rows(session: Any, model: type, plan: Sequence[_Column], offsets: dict[str, int],
                readers: dict[str, Callable[[Any], Any]], actor: Any,
                batch: Sequence[Any]) -> Iterator[list[Any]]:
    ids = [row[0] for row in batch]
    items: dict[Any, Any] = {}
    if readers:
        # Relations the model loads eagerly are not wanted here: a per-row rule reads
        # what it needs, and a many-to-one comes from the identity map.
        query = with_relations(session.query(model).options(lazyload("*")), model,
                               list(readers))
        items = {item.id: item for item in query.filter(model.id.in_(ids))}
    computed: dict[str, dict[Any, Any]] = {}
    for col in plan:
        if col.kind == "relation":
            _fill_labels(session, col, {row[offsets[col.name]] for row in batch})
        elif col.kind == "batch":
            computed[col.name] = col.target(session, ids)
        elif col.kind == "content":
            _fill_domains(session, col, {row[offsets[col.name] + 2] for row in batch})
    for row in batch:
        yield [_cell(col, row, offsets, items, readers, computed, actor) for col in plan]


def _cell(col: _Column, row: Any, offsets: dict[str, int], items: dict[Any, Any],
          readers: dict[str, Callable[[Any], Any]], computed: dict[str, dict[Any, Any]],
          actor: Any) -> Any:
    if col.kind == "column":
        return _text(row[offsets[col.name]])
    if col.kind == "relation":
        return col.labels.get(row[offsets[col.name]], "")
    if col.kind == "batch":
        return _text(computed[col.name].get(row[0]))
    if col.kind == "content":
        at = offsets[col.name]
        domain = col.labels.get(row[at + 2])
        if not content_visible(row[at + 1], domain, actor):
            return HIDDEN
        return _text(row[at])
    item = items.get(row[0])
    return readers[col.name](item) if item is not None else ""


def _fill_domains(session: Any, col: _Column, type_ids: set[Any]) -> None:
    """The domains of the intervention types not yet known (a small table)."""
    missing = [i for i in type_ids if i is not None and i not in col.labels]
    if missing:
        query = sa.select(InterventionType.id, InterventionType.domain) \
            .where(InterventionType.id.in_(missing))
        col.labels.update(session.execute(query).all())


def _fill_labels(session: Any, col: _Column, ids: set[Any]) -> None:
    """Names of the related rows not yet known, in one guarded query; a related row the
    user may not see stays unnamed, as on the screen."""
    missing = [i for i in ids if i is not None and i not in col.labels]
    if not missing:
        return
    mapper = col.target.mapper
    key = mapper.get_property_by_column(next(iter(col.target.remote_side))).key
    related = mapper.class_
    label = next((column for cls, column in LABEL_COLUMNS.items()
                  if issubclass(related, cls)), None)
    if label is not None:
        query = sa.select(getattr(related, key), getattr(related, label)) \
            .where(getattr(related, key).in_(missing))
        col.labels.update((k, _text(v)) for k, v in session.execute(query))
        return
    query = session.query(related).options(lazyload("*")) \
        .filter(getattr(related, key).in_(missing))
    for obj in query:
        col.labels[getattr(obj, key)] = _text(obj)


# --------------------------------------------------------------------------- writers

class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(header: Sequence[str], body: Iterator[list[Any]]) -> Iterator[str]:
    """CSV with a byte-order mark and semicolons, as Dutch Excel opens it directly."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(header)
    batch: list[str] = []
    for row in body:
        batch.append(writer.writerow(["" if v is None else _csv_value(v) for v in row]))
        if len(batch) >= BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and value != HIDDEN:
        # A cell starting like a formula would run as one when opened in a spreadsheet.
        return "'" + value
    return value


def xlsx_file(header: Sequence[str], body: Iterator[list[Any]], title: str) -> Any:
    """An Excel workbook of the rows in a temporary file; the caller streams the file and
    closes it. XlsxWriter writes it in a helper process while this one reads the rows
    (``app.workbook``): about three times faster than openpyxl's write-only mode, and
    the writing no longer waits for the reading."""
    return workbook.xlsx_file(header, body, title)


def file_chunks(handle: Any, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()

