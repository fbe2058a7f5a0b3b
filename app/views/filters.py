"""Search filters of Casusregie's lists that an index serves at city scale.

Flask-AppBuilder's text filters use ``ILIKE``, which no B-tree serves on PostgreSQL; its
"starts with" on a subject's last name read the whole name index at 300,000 subjects.
The name search here matches the normalised name keys by prefix (see
``app/name_search.py``): case-, accent- and particle-insensitive ("el-Amrani", "El
Amrani" and "Amrani" alike), on first or last name, with an index on both databases.

While a name is searched on the subject list, the page is sorted by the surname key
(the last name without particles, then the full name key and the id: "van Dijk" under D,
as Dutch registers do) and counts at most ``CASUS_SEARCH_COUNT_LIMIT`` matches (500;
beyond it "more than 500 matches: refine your search"). Each key's matches are then read
as a prefix range of an index in that order, stopping after the page (or the count's
bound): the cost no longer grows with the number of people of that name.

Rows are still read through the ORM, so the access guard narrows them as for any query
(also inside the sub-selects of each key: the guard's criteria apply to every mention of
the subject table in a statement).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.sql.expression import ColumnElement
from wtforms import StringField, validators

from casusregie.app.datamodel import BoundedCount
from casusregie.app.models import Case, CaseSubject, Subject
from casusregie.app.name_search import name_search
from casusregie.app.views.base import CasusInterface

# --------------------------------------------------------------------------- prefix match


def key_prefix(column: Any, prefix: str, dialect: str) -> ColumnElement:
    """``column`` starts with ``prefix``, for a normalised key (no wildcard characters).

    PostgreSQL: ``column LIKE 'prefix%'`` (a ``varchar_pattern_ops`` index serves it);
    SQLite: ``column GLOB 'prefix*'`` (case-sensitive, so its plain index serves it —
    SQLite's ``LIKE`` ignores case and would not use it).
    """
    if any(c in prefix for c in "%_*?[]\\"):
        raise ValueError(f"not a normalised key: {prefix!r}")
    if dialect == "sqlite":
        return column.op("GLOB", precedence=5, is_comparison=True)(prefix + "*")
    return column.like(prefix + "%")


def surname_order(descending: bool = False) -> list[ColumnElement]:
    """Surname key, then the full name key (first name first), then the id."""
    # Both keys are lower-case letters and digits compared byte by byte (collation "C"
    # on PostgreSQL, as SQLite compares), the order of ix_subject_surname_order.
    direction = sa.desc if descending else sa.asc
    return [direction(Subject.surname_key), direction(Subject.name_key),
            direction(Subject.id)]


@dataclass(frozen=True)
class _Reach:
    """How many matches of each key a name search reads, in surname order."""

    rows: int
    descending: bool = False


#: Set by ``NameSearchInterface`` for its count and its page; unset (every match, as
#: one condition) for any other use of the filter, such as the export.
_reach: ContextVar[_Reach | None] = ContextVar("name_search_reach", default=None)


def _key_prefixes(term: str | None, dialect: str) -> tuple[ColumnElement | None,
                                                           ColumnElement | None]:
    """The full name key's and the surname key's prefix conditions (None: no such part)."""
    search = name_search(term)
    return (key_prefix(Subject.name_key, search.name_prefix, dialect)
            if search.name_prefix else None,
            key_prefix(Subject.surname_key, search.surname_prefix, dialect)
            if search.surname_prefix else None)


def subject_name_criterion(term: str | None, dialect: str) -> ColumnElement | None:
    """Subjects whose first or last name starts with ``term``; None if it holds no name."""
    parts = [part for part in _key_prefixes(term, dialect) if part is not None]
    if not parts:
        return None
    reach = _reach.get()
    if reach is None:
        return sa.or_(*parts)
    return Subject.id.in_(first_matches(term, dialect, reach))


def first_matches(term: str | None, dialect: str, reach: _Reach) -> sa.CompoundSelect:
    """The ids of the first ``reach.rows`` matches of each key in surname order.

    Their union holds the first ``reach.rows`` matches of either key — of the name
    search alone: another filter must not be added outside it. The surname key's are a
    range of ix_subject_surname_order read in order, stopping there; an OR of both keys
    would be answered by reading (and sorting) every match. The full name key's matches
    (a first name, or a name typed whole) are read through ix_subject_name_key and
    sorted by ``coalesce(key, key)`` — the same order — lest the planner walk the
    surname index to find them in order.
    """
    name_part, surname_part = _key_prefixes(term, dialect)
    direction = sa.desc if reach.descending else sa.asc
    firsts = []
    if name_part is not None:
        firsts.append(sa.select(Subject.id).where(name_part).order_by(
            direction(sa.func.coalesce(Subject.surname_key, Subject.surname_key)),
            direction(Subject.name_key), direction(Subject.id)))
    if surname_part is not None:
        firsts.append(sa.select(Subject.id).where(surname_part)
                      .order_by(*surname_order(reach.descending)))
    limited = [first.limit(reach.rows).subquery() for first in firsts]
    return sa.union(*(sa.select(first.c.id) for first in limited))


def _dialect(query) -> str:
    return query.session.get_bind().dialect.name


# --------------------------------------------------------------------------- filters


class FilterNameStartsWith(BaseFilter):
    """On the subject list: first or last name starts with the term."""

    name = _l("First or last name starts with")
    arg_name = "name_sw"

    def apply(self, query, value):
        criterion = subject_name_criterion(value, _dialect(query))
        if criterion is None:
            return query
        return query.filter(criterion)


class FilterCaseSubjectName(BaseFilter):
    """On the case list: a subject of the case has a first or last name starting so."""

    name = _l("First or last name starts with")
    arg_name = "subject_name_sw"

    def apply(self, query, value):
        criterion = subject_name_criterion(value, _dialect(query))
        if criterion is None:
            return query
        return query.filter(
            sa.exists()
            .where(CaseSubject.case_id == Case.id, CaseSubject.subject_id == Subject.id,
                   criterion))


def _name_search_active(filters: Any) -> bool:
    if filters is None:
        return False
    return any(isinstance(flt, (FilterNameStartsWith, FilterCaseSubjectName))
               and any(name_search(v) for v in (value if isinstance(value, list) else [value]))
               for flt, value in zip(filters.filters, filters.values, strict=False))


_searching_names: ContextVar[bool] = ContextVar("searching_names", default=False)


def _name_alone(filters: Any) -> str | None:
    """The searched name if the name is the list's only filter, else None.

    Only then may each key's first matches stand for the list's first matches: with
    another filter as well (a municipality, a date of birth) the first 25 of the name's
    matches need not hold the first 25 of the list's.
    """
    if filters is None or len(filters.filters) != 1 \
            or not isinstance(filters.filters[0], FilterNameStartsWith):
        return None
    value = filters.values[0]
    term = value[0] if isinstance(value, list) and value else value
    return term if isinstance(term, str) and name_search(term) else None


class SearchCount(BoundedCount):
    """A name search's count that stopped at its bound: a number to the pager, to the
    user "more than 500 matches: refine your search"."""

    def __str__(self) -> str:
        return _("more than %(count)s matches: refine your search", count=int(self))

    __html__ = __str__


def search_count_limit() -> int:
    return int(current_app.config.get("CASUS_SEARCH_COUNT_LIMIT", 500))


class NameSearchInterface(CasusInterface):
    """The data interface of a list with the name search.

    While a name is searched and the list is in its name order (the last name, as the
    list opens), the page is sorted by the surname key (``surname_order``); the count
    stops after ``CASUS_SEARCH_COUNT_LIMIT`` matches (``SearchCount``), so the pager
    offers the pages up to that bound. With the name as the only filter each key's
    matches are read only up to the end of the page (``first_matches``).

    Sorted by another column while searching (first name, date of birth), the page
    sorts every match by ``coalesce(col, col)``: the same order, which no index offers,
    so the matches are read through the key indexes rather than by walking that
    column's index and testing every row (650 ms at 90,000 subjects, 3.5 s at 300,000).
    """

    name_sort_columns: tuple[str, ...] = ("last_name", "first_name", "date_of_birth")
    #: The order columns served by the surname key while a name is searched.
    surname_sort_columns: tuple[str, ...] = ("last_name",)

    def _apply_inner_all(self, query, filters=None, *args, **kwargs):
        token = _searching_names.set(_name_search_active(filters))
        try:
            return super()._apply_inner_all(query, filters, *args, **kwargs)
        finally:
            _searching_names.reset(token)

    def query_count(self, query, filters=None, select_columns=None):
        if not _name_search_active(filters):
            return super().query_count(query, filters, select_columns)
        limit = search_count_limit()
        term = _name_alone(filters)
        if term is None:
            return self.bounded_count(query, filters, select_columns, limit, SearchCount)
        # Count each key's first matches themselves, without reading each one's row
        # again (the guard narrows every mention of the subject table, in these
        # sub-selects as in the list's own query).
        matches = first_matches(term, _dialect(query), _Reach(limit + 1)).subquery()
        count = query.session.execute(
            sa.select(sa.func.count()).select_from(matches)).scalar_one()
        return SearchCount(limit) if count > limit else count

    def apply_all(self, query, filters=None, order_column="", order_direction="",
                  page=None, page_size=None, *args, **kwargs):
        reach = None
        if (page_size and order_column in self.surname_sort_columns
                and _name_alone(filters) is not None):
            reach = _Reach(((page or 0) + 1) * page_size, order_direction == "desc")
        token = _reach.set(reach)
        try:
            return super().apply_all(query, filters, order_column, order_direction, page,
                                     page_size, *args, **kwargs)
        finally:
            _reach.reset(token)

    def apply_order_by(self, query, order_column, order_direction, aliases_mapping=None,
                       bypass_many_to_many=False, add_pk=False):
        if not (_searching_names.get() and order_column in self.name_sort_columns):
            return super().apply_order_by(query, order_column, order_direction,
                                          aliases_mapping=aliases_mapping,
                                          bypass_many_to_many=bypass_many_to_many,
                                          add_pk=add_pk)
        direction = sa.asc if order_direction == "asc" else sa.desc
        if order_column in self.surname_sort_columns:
            if _reach.get() is not None:
                return query.order_by(*surname_order(order_direction == "desc"))
            # With other filters too, every match is read and sorted: in the same order
            # by an expression, lest the planner walk the surname index testing each row.
            return query.order_by(
                direction(sa.func.coalesce(Subject.surname_key, Subject.surname_key)),
                direction(Subject.name_key), direction(Subject.id))
        column = getattr(self.obj, order_column)
        return query.order_by(direction(sa.func.coalesce(column, column)),
                              direction(self.obj.id))


def install_search_filter(view: Any, column: str, filter_class: type[BaseFilter],
                          label: Any) -> None:
    """Make ``filter_class`` the only filter of search column ``column`` on ``view``.

    ``column`` may name a model column (its Flask-AppBuilder filters are replaced) or no
    column at all (a text field is added to the search form). Call after
    Flask-AppBuilder's ``__init__``; the view must list ``column`` in ``search_columns``.
    """
    flt = filter_class(column, view.datamodel)
    filters = view._filters
    filters._search_filters = {**filters._search_filters, column: [flt]}
    filters._all_filters = {**filters._all_filters, column: [flt]}
    view.label_columns = {**view.label_columns, column: label}
    if view.search_form is not None and not hasattr(view.search_form, column):
        setattr(view.search_form, column,
                StringField(label, validators=[validators.Optional(),
                                               validators.Length(max=150)]))
