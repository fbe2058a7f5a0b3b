"""The access policy inside Flask-AppBuilder views: columns, filters, forms and actions.

``AccessPolicyViewMixin`` is mixed into every model view by ``CasusModelView``. It asks
``app.access`` only: rows are filtered by the ORM guard, fields by ``can_see_field``. The
Flask-AppBuilder members it overrides are listed in docs/fab-internals.md.
"""

from __future__ import annotations

from typing import Any

from flask import abort, has_request_context, request
from flask_appbuilder import expose

from casusregie.app.access.fields import HIDDEN, can_see_field, column_visible, field_per_row
from casusregie.app.access.guard import AccessDenied, check_write, guard_actor


class _MaskingInterface:
    """Mixed into a view's data interface: per-row hidden values are shown as a dash."""

    def get_values_item(self, item, show_columns):
        values = super().get_values_item(item, show_columns)
        return [v if can_see_field(item, c) else HIDDEN for c, v in zip(show_columns, values,
                                                                       strict=True)]

    def _masked_columns(self, list_columns) -> tuple[list[str], list[str]]:
        """Columns hidden in every row, and columns to judge row by row."""
        hidden, per_row = [], []
        for col in list_columns:
            if field_per_row(self.obj, col):
                per_row.append(col)
            elif not can_see_field(self.obj, col):
                hidden.append(col)
        return hidden, per_row

    def _mask(self, item, row, hidden, per_row) -> None:
        for col in hidden:
            row[col] = HIDDEN
        for col in per_row:
            if not can_see_field(item, col):
                row[col] = HIDDEN

    def get_values(self, lst, list_columns):
        hidden, per_row = self._masked_columns(list_columns)
        for item, row in zip(lst, super().get_values(lst, list_columns), strict=False):
            self._mask(item, row, hidden, per_row)
            yield row

    def get_values_json(self, lst, list_columns):
        rows = super().get_values_json(lst, list_columns)
        hidden, per_row = self._masked_columns(list_columns)
        for item, row in zip(lst, rows, strict=False):
            self._mask(item, row, hidden, per_row)
        return rows


_masking_classes: dict[type, type] = {}


def _masking(datamodel: Any) -> None:
    cls = type(datamodel)
    if issubclass(cls, _MaskingInterface):
        return
    if cls not in _masking_classes:
        _masking_classes[cls] = type(f"Masking{cls.__name__}", (_MaskingInterface, cls), {})
    datamodel.__class__ = _masking_classes[cls]


_POLICY_COLUMN_ATTRS = ("list_columns", "show_columns", "add_columns", "edit_columns",
                        "search_columns", "order_columns", "show_fieldsets")


def _filtered(model: type | None, attr: str, value: Any) -> Any:
    if model is None or not value or not has_request_context():
        return value
    if attr == "show_fieldsets":
        return [(title, {**spec, "fields": [f for f in spec.get("fields", [])
                                            if column_visible(model, f)]})
                for title, spec in value]
    return [f for f in value if column_visible(model, f)]


def _policy_property(attr: str) -> property:
    """A view's column list, seen through the access policy of the current request.

    Views are shared by every request (and thread): the stored list stays whole and each
    request reads its own filtered copy, so one user's request never changes another's.
    """
    slot = f"_policy_{attr}"

    def getter(self):
        value = self.__dict__.get(slot, getattr(type(self), slot, None))
        model = getattr(getattr(self, "datamodel", None), "obj", None)
        return _filtered(model, attr, value)

    def setter(self, value) -> None:
        self.__dict__[slot] = value

    return property(getter, setter)


class AccessPolicyViewMixin:
    """Hooks the access policy into a Flask-AppBuilder view.

    Rows are filtered by the ORM guard for every query the view makes; this mixin
    removes the fields the current user may not see from list, show, add and edit
    columns, search and filters, and masks per-row sensitive values.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A view class declaring ``list_columns = [...]`` would hide the policy's property:
        # keep its value aside and put the property back.
        for attr in _POLICY_COLUMN_ATTRS:
            value = cls.__dict__.get(attr)
            if not isinstance(value, property):
                if attr in cls.__dict__:
                    setattr(cls, f"_policy_{attr}", value)
                setattr(cls, attr, _policy_property(attr))

    def _apply_field_policy(self) -> None:
        datamodel = getattr(self, "datamodel", None)
        model = getattr(datamodel, "obj", None)
        if model is None or not has_request_context():
            return
        _masking(datamodel)
        # FAB accepts ``_flt_<n>_<column>`` for every column, searchable or not: filtering
        # on a hidden column would reveal its value by elimination. (FAB keeps its filter
        # state on the shared view and resets it per request; so does this.)
        filters = getattr(self, "_filters", None)
        if filters is not None:
            originals = self.__dict__.setdefault("_policy_filters", {})
            if "_all_filters" not in originals:
                originals["_all_filters"] = dict(filters._all_filters)
                originals["_search_filters"] = dict(filters._search_filters)
            # Filtering is per column: a per-row field is filterable only if every row is.
            filters._all_filters = {k: v for k, v in originals["_all_filters"].items()
                                    if can_see_field(model, k)}
            filters._search_filters = {k: v for k, v in originals["_search_filters"].items()
                                       if can_see_field(model, k)}
            filters.search_columns = list(self.search_columns or [])

    def _list(self, **kwargs):
        self._apply_field_policy()
        return super()._list(**kwargs)

    def _show(self, pk):
        self._apply_field_policy()
        return super()._show(pk)

    def _add(self):
        self._apply_field_policy()
        return super()._add()

    def _refuse_unless_changeable(self, pk, operation: str) -> None:
        """Open an edit form or delete only for a row the user may change: a form for a
        row the write check would refuse shows content for nothing (404 if hidden)."""
        item = self.datamodel.get(pk)
        if item is None:
            abort(404)
        try:
            check_write(guard_actor(), item, operation, self.datamodel.session)
        except AccessDenied:
            abort(403)

    def _edit(self, pk):
        self._apply_field_policy()
        self._refuse_unless_changeable(pk, "update")
        return super()._edit(pk)

    def _delete(self, pk):
        self._refuse_unless_changeable(pk, "delete")
        return super()._delete(pk)

    # Actions: Flask-AppBuilder hands ``None`` to the action for an id the guard hides;
    # answer 404 before any action code runs, like show and edit do.
    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if self.datamodel.get(self._deserialize_pk_if_composite(pk)) is None:
            abort(404)
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        pks = request.form.getlist("rowid")
        if not pks or any(self.datamodel.get(self._deserialize_pk_if_composite(pk)) is None
                          for pk in pks):
            abort(404)
        return super().action_post()

    def process_form(self, form, is_created) -> None:
        # A hidden field is not in the page, so the posted form lacks it: without this its
        # stored value would be overwritten with an empty one.
        pk = None if is_created else getattr(form, "_id", None)
        item = self.datamodel.get(pk) if pk is not None else None
        for name in list(form._fields):
            if not can_see_field(item if item is not None else self.datamodel.obj, name):
                del form[name]
        super().process_form(form, is_created)

    def prefill_form(self, form, pk) -> None:
        super().prefill_form(form, pk)
        item = self.datamodel.get(pk)
        if item is None:
            return
        for name in list(form._fields):
            if not can_see_field(item, name):
                form[name].data = None
