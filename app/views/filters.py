"""Search filters of Casusregie's lists that an index serves at city scale.

Flask-AppBuilder's text filters use ``ILIKE``, which no B-tree serves on PostgreSQL; its
"starts with" on a subject's last name read the whole name index at 300,000 subjects.
The name search here matches the normalised name keys by prefix (see
``app/name_search.py``): case-, accent- and particle-insensitive ("el-Amrani", "El
Amrani" and "Amrani" alike), on first or last name, with an index on both databases.

Rows are still read through the ORM, so the access guard narrows them as for any query.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy.sql.expression import ColumnElement
from wtforms import StringField, validators

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


def subject_name_criterion(term: str | None, dialect: str) -> ColumnElement | None:
    """Subjects whose first or last name starts with ``term``; None if it holds no name."""
    search = name_search(term)
    if not search:
        return None
    parts = []
    if search.name_prefix:
        parts.append(key_prefix(Subject.name_key, search.name_prefix, dialect))
    if search.surname_prefix:
        parts.append(key_prefix(Subject.surname_key, search.surname_prefix, dialect))
    return sa.or_(*parts)


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


class NameSearchInterface(CasusInterface):
    """The data interface of a list with the name search.

    Sorted by an indexed column, a list reads its page straight from that column's
    index (``ix_subject_last_first``). With a name search active PostgreSQL would do the
    same and test every row it passes — the matches are not spread evenly over the
    alphabet, so it reads most of the index (650 ms at 90,000 subjects, 3.5 s at
    300,000). While the search is active the page is sorted by ``coalesce(col, col)``:
    the same order, which no index offers, so the few matches are read through the key
    indexes and sorted.
    """

    name_sort_columns: tuple[str, ...] = ("last_name", "first_name", "date_of_birth")

    def _apply_inner_all(self, query, filters=None, *args, **kwargs):
        token = _searching_names.set(_name_search_active(filters))
        try:
            return super()._apply_inner_all(query, filters, *args, **kwargs)
        finally:
            _searching_names.reset(token)

    def apply_order_by(self, query, order_column, order_direction, aliases_mapping=None,
                       bypass_many_to_many=False, add_pk=False):
        if not (_searching_names.get() and order_column in self.name_sort_columns):
            return super().apply_order_by(query, order_column, order_direction,
                                          aliases_mapping=aliases_mapping,
                                          bypass_many_to_many=bypass_many_to_many,
                                          add_pk=add_pk)
        direction = sa.asc if order_direction == "asc" else sa.desc
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
