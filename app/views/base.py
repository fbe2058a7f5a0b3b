"""The base every Casusregie model view builds on.

``CasusModelView`` adds, generically for every model view:

- enum values shown as the user's words (lists, show pages, form selects, search
  filters), taken from ``app.labels.ENUM_LABELS``;
- dates as ``dd-mm-yyyy`` and booleans as yes/no on list and show pages;
- date-times typed and shown in Amsterdam time in one shared field
  (``app.views.fields.LocalDateTimeField``), and yes/no boxes that can be saved as no;
- optimistic locking for models with a ``version_id_col`` (``app.views.locking``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import g, redirect, request, url_for
from flask_appbuilder import ModelView
from flask_appbuilder.fields import EnumField, QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Query, RelationshipProperty, joinedload, selectinload
from wtforms import BooleanField, DateTimeField, ValidationError, validators
from wtforms.widgets import html_params

from casusregie.app import services
from casusregie.app.access import current_actor, may_write
from casusregie.app.audit import content as audit_content
from casusregie.app.datamodel import CasusSQLAInterface
from casusregie.app.i18n import LocalisedColumnsMixin
from casusregie.app.labels import ENUM_LABELS, enum_label_for
from casusregie.app.lookups import LOOKUPS, chosen_case_id
from casusregie.app.validators import MaxLength
from casusregie.app.views.access_policy import AccessPolicyViewMixin
from casusregie.app.views.fields import LocalDateTimeField
from casusregie.app.views.locking import OptimisticLockingMixin
from casusregie.app.views.search_form import CachedSearchWidget


class LabelledEnumField(EnumField):
    """FAB's enum select, showing the user's words instead of the stored values."""

    def __init__(self, enum_class=None, enums=None, **kwargs) -> None:
        super().__init__(enum_class, enums, **kwargs)
        labels = ENUM_LABELS.get(enum_class, {}) if enum_class is not None else {}
        self.choices = [(name, labels.get(enum_class[name], name) if enum_class else name)
                        for name, _label in self.choices]
        coerce = self.coerce

        def coerce_or_refuse(value: Any) -> Any:
            # FAB's lookup raises KeyError on a value that is no member: a 500 instead of
            # "not a valid choice".
            try:
                return coerce(value)
            except KeyError as error:
                raise ValueError(str(value)) from error

        self.coerce = coerce_or_refuse

    def pre_validate(self, form: Any) -> None:
        # FAB raises ValueError here, which WTForms 3.3 does not catch: a 500.
        try:
            super().pre_validate(form)
        except ValueError as error:
            raise ValidationError(str(error)) from error


#: What the empty choice of a select reads (as an empty value in lists and show pages).
EMPTY_CHOICE = "—"
_fab_iter_choices = QuerySelectField.iter_choices


def _iter_choices_with_empty_label(self: QuerySelectField) -> Any:
    # WTForms 3.3 writes an option's value when its label is empty, and Flask-AppBuilder
    # leaves the label of the empty choice empty: every optional select (forms and search
    # filters, also on Flask-AppBuilder's own screens) offered "__None".
    for choice in _fab_iter_choices(self):
        if choice[0] == "__None" and not choice[1]:
            choice = (choice[0], EMPTY_CHOICE, *choice[2:])
        yield choice


QuerySelectField.iter_choices = _iter_choices_with_empty_label


def query_select(label: object, query_func: Callable[[], Any], *, required: bool = False,
                 description: object = "") -> QuerySelectField:
    """A searchable select over a bounded query (never a whole table)."""
    return QuerySelectField(
        label,
        query_func=query_func,
        get_pk_func=lambda obj: obj.id,
        allow_blank=not required,
        widget=Select2Widget(),
        description=description,
        validators=[validators.DataRequired()] if required else [validators.Optional()],
    )


class RemoteSelectWidget:
    """A select holding only its chosen option; the browser searches the rest.

    ``app/static/casus_lookup.js`` turns every ``select.casus-remote-select`` into a
    Select2 box that asks ``data-lookup`` (``app.views.lookup``) for the rows matching
    what the user types, so a page never ships the whole list.
    """

    def __call__(self, field: RemoteSelectField, **kwargs: Any) -> Markup:
        if "name_" in kwargs:  # as Flask-AppBuilder's Select2Widget
            field.name = kwargs.pop("name_")
        kwargs.pop("class", None)
        kwargs.pop("class_", None)
        attrs = {
            "id": kwargs.pop("id", field.id),
            "name": field.name,
            "class": "casus-remote-select form-control",
            "data-lookup": url_for("LookupView.lookup", name=field.lookup_name),
            "data-placeholder": _("Search…"),
            "data-allow-clear": "false" if field.flags.required else "true",
            "data-no-results": _("No results"),
            "data-searching": _("Searching…"),
            "data-loading-more": _("Loading more results…"),
            "data-error-loading": _("The results could not be loaded."),
            **kwargs,
        }
        if field.depends_on:
            # The lookup narrows to the form's choice of this field (``app.lookups``).
            attrs["data-depends-on"] = field.depends_on
            attrs["data-depends-value"] = field.depends_value() or ""
        options = [Markup('<option value=""></option>')]
        selected = field.data
        if selected is not None:
            options.append(Markup('<option value="{}" selected>{}</option>').format(
                field.get_pk_func(selected), field.get_label(selected)))
        return Markup("<select {}>{}</select>").format(
            Markup(html_params(**attrs)), Markup("").join(options))


class RemoteSelectField(QuerySelectField):
    """A related-field select searched through ``/lookup/<name>`` (``app.views.lookup``).

    A posted id is accepted only if the lookup's bounded query returns it, as with
    ``QuerySelectField``; but only that one row is read, never the whole list.
    """

    widget = RemoteSelectWidget()

    def __init__(self, label: object = None, validators: Any = None, *,
                 lookup_name: str, depends_on: str | None = None,
                 depends_value: Callable[[], Any] | None = None,
                 not_offered: object = None, **kwargs: Any) -> None:
        super().__init__(label, validators, query_func=self._no_list,
                         get_pk_func=lambda obj: obj.id,
                         get_label=lambda obj: self._lookup().label(obj), **kwargs)
        self.lookup_name = lookup_name
        self.depends_on = depends_on
        self.depends_value = depends_value or (lambda: None)
        self.not_offered = not_offered

    def pre_validate(self, form: Any) -> None:
        # A posted id the lookup does not offer (another case's goal, in a crafted post):
        # say why in the field's own words rather than the generic "not a valid choice".
        try:
            super().pre_validate(form)
        except ValidationError as error:
            if self.not_offered is None or not self._formdata:
                raise
            raise ValidationError(str(self.not_offered)) from error

    def _lookup(self) -> Any:
        return LOOKUPS[self.lookup_name]

    @staticmethod
    def _no_list() -> list[Any]:  # pragma: no cover - never asked for the whole list
        raise RuntimeError("a remote select does not list its rows")

    def _get_object_list(self) -> list[tuple[str, Any]]:
        if self._object_list is None:
            if self._formdata is not None:
                pk = self._formdata
            elif self._data is not None:
                pk = self.get_pk_func(self._data)
            else:
                pk = None
            row = self._lookup().row(pk) if pk not in (None, "") else None
            self._object_list = [] if row is None else [(str(self.get_pk_func(row)), row)]
        return self._object_list


def remote_select(label: object, lookup_name: str, *, required: bool = False,
                  description: object = "", default: Any = None,
                  extra_validators: list[Any] | None = None) -> RemoteSelectField:
    """A searchable select over a lookup of ``app.views.lookup`` (for growing tables)."""
    rules = [validators.DataRequired()] if required else [validators.Optional()]
    return RemoteSelectField(
        label,
        lookup_name=lookup_name,
        allow_blank=not required,
        description=description,
        default=default,
        validators=[*rules, *(extra_validators or [])],
    )


def goal_select(label: object, description: object = "") -> RemoteSelectField:
    """The goal of an intervention: only goals of the case the form is about, searched
    through ``/lookup/goal`` with the form's case (``app.lookups.chosen_case_id``)."""
    return RemoteSelectField(label, lookup_name="goal", depends_on="case",
                             depends_value=chosen_case_id, allow_blank=True,
                             description=description, validators=[validators.Optional()],
                             not_offered=_l("This goal is not one of the chosen case's "
                                            "goals."))


def _shared_field(unbound: Any) -> Any:
    """The shared field for a field Flask-AppBuilder generated, or None to keep it."""
    field_class = getattr(unbound, "field_class", None)
    if field_class is DateTimeField:
        kwargs = {k: v for k, v in unbound.kwargs.items() if k != "widget"}
        return LocalDateTimeField(*unbound.args, **kwargs)
    if field_class is BooleanField:
        # FAB makes a NOT NULL column "required", and an unticked box sends nothing:
        # "no" could never be saved. A box always has a value, so nothing is required.
        kwargs = dict(unbound.kwargs)
        kwargs["validators"] = [rule for rule in kwargs.get("validators") or []
                                if not isinstance(rule, validators.InputRequired
                                                  | validators.DataRequired)]
        return BooleanField(*unbound.args, **kwargs)
    return None


def _formatter_for(column_type: sa.types.TypeEngine) -> Callable[[Any], str] | None:
    if isinstance(column_type, sa.Enum) and column_type.enum_class is not None:
        # Flask-AppBuilder hands list and show widgets the member's raw value.
        enum_cls = column_type.enum_class
        return lambda raw: enum_label_for(enum_cls, raw) or "—"
    return None


class CasusInterface(CasusSQLAInterface):
    """FAB's SQLAlchemy interface, loading the relations a list shows with the rows.

    The row count of a list stops at ``app.datamodel.COUNT_LIMIT`` (shown as "10000+").

    Without this every related column of a list page (``case``, ``organisation``, …) is
    lazy-loaded once per row.
    """

    eager_columns: tuple[str, ...] = ()

    def _eager_options(self) -> list[Any]:
        options = []
        for name in self.eager_columns:
            prop = self.list_properties.get(name)
            if not isinstance(prop, RelationshipProperty):
                continue
            attr = getattr(self.obj, name)
            options.append(selectinload(attr) if prop.uselist else joinedload(attr))
        return options

    def apply_all(self, query: Query, *args: Any, **kwargs: Any) -> Query:
        return super().apply_all(query, *args, **kwargs).options(*self._eager_options())


class CasusModelView(LocalisedColumnsMixin, AccessPolicyViewMixin, OptimisticLockingMixin,
                     ModelView):
    """A Flask-AppBuilder ``ModelView`` with Casusregie's defaults."""

    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete"]
    page_size = 25
    search_widget = CachedSearchWidget

    def __init__(self, **kwargs: Any) -> None:
        if type(self.datamodel) is SQLAInterface:
            self.datamodel = CasusInterface(self.datamodel.obj, self.datamodel._session)
        self._install_length_checks()
        super().__init__(**kwargs)
        if isinstance(self.datamodel, CasusInterface):
            self.datamodel.eager_columns = tuple(self.list_columns)
        self._install_enum_labels()
        self._install_form_fields()
        self._install_formatters()

    # --- the write path: every save goes through the row's service (app.services) ----
    def pre_add(self, item: Any) -> None:
        self._prepare(item, "add")

    def pre_update(self, item: Any) -> None:
        self._prepare(item, "edit")

    def pre_delete(self, item: Any) -> None:
        self._prepare(item, "delete")

    def post_add_redirect(self):
        # To the new record: Flask-AppBuilder returns to the page before the form, often
        # the start page, where the user cannot see what was saved.
        added_type, pk = g.get("casus_added") or (None, None)
        if (pk is not None and isinstance(added_type, type)
                and issubclass(added_type, self.datamodel.obj)
                and "can_show" in self.base_permissions
                and self.appbuilder.sm.has_access("can_show", self.class_permission_name)):
            return redirect(url_for(f"{self.endpoint}.show", pk=pk))
        return super().post_add_redirect()

    def _prepare(self, item: Any, operation: str) -> None:
        try:
            services.prepare(item, operation)
        except Exception:
            # Refused: the form's values must not reach the database by a later flush.
            self.datamodel.session.rollback()
            raise

    # --- input checks ---------------------------------------------------------------
    def _install_length_checks(self) -> None:
        """Refuse over-long text with the shared message, before FAB's own length check."""
        checks = {name: list(rules) for name, rules in (self.validators_columns or {}).items()}
        for column in sa.inspect(self.datamodel.obj).columns:
            length = getattr(column.type, "length", None)
            if (isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum)
                    and length):
                rules = checks.setdefault(column.key, [])
                if not any(isinstance(rule, MaxLength) for rule in rules):
                    rules.insert(0, MaxLength(length))
        self.validators_columns = checks

    # --- enums and formatting -------------------------------------------------------
    def _install_enum_labels(self) -> None:
        for form_cls in (self.add_form, self.edit_form, self.search_form):
            if form_cls is None:
                continue
            for name in dir(form_cls):
                unbound = getattr(form_cls, name, None)
                if getattr(unbound, "field_class", None) is EnumField:
                    setattr(form_cls, name, LabelledEnumField(*unbound.args, **unbound.kwargs))

    def _install_form_fields(self) -> None:
        """Date-times typed in Amsterdam time; yes/no fields that can be saved as no."""
        for form_cls in (self.add_form, self.edit_form):
            if form_cls is None:
                continue
            for name in dir(form_cls):
                unbound = getattr(form_cls, name, None)
                replacement = _shared_field(unbound)
                if replacement is not None:
                    setattr(form_cls, name, replacement)

    def _install_formatters(self) -> None:
        """Enum columns get their words; other columns keep the locale's formatting."""
        mapper = sa.inspect(self.datamodel.obj)
        auto: dict[str, Callable[[Any], str]] = {}
        for name in {*self.list_columns, *self.show_columns}:
            column = mapper.columns.get(name)
            formatter = _formatter_for(column.type) if column is not None else None
            if formatter is not None:
                auto[name] = formatter
        declared = getattr(type(self), "formatters_columns", None) or {}
        # Generic defaults set by mixins give way to the enum words; a view's own win.
        self.formatters_columns = {**(self.formatters_columns or {}), **auto, **declared}

    # --- audit trail: every page showing case content is recorded -------------------
    def _shown_columns(self, item: Any) -> list[str]:
        """The columns of ``item``'s page (a view with per-row field rules narrows them)."""
        return list(self.show_columns)

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        audit_content.read(item)
        columns = self._shown_columns(item)
        widgets = widgets or {}
        widgets["show"] = self.show_widget(
            pk=pk,
            label_columns=self.label_columns,
            include_columns=columns,
            value_columns=self.datamodel.get_values_item(item, columns),
            formatters_columns=self.formatters_columns,
            actions=actions or self.actions,
            # Fieldsets name their columns: they would show a narrowed-away one again.
            fieldsets=(show_fieldsets or self.show_fieldsets)
            if columns == list(self.show_columns) else None,
            modelview_name=self.__class__.__name__,
            edit_url=self._edit_url(pk, item),
        )
        return widgets

    def _edit_url(self, pk: Any, item: Any) -> str | None:
        """The record's edit form, offered on its page only when saving it would be
        allowed: after registering a record the user lands on its page and changes it
        from there."""
        if ("can_edit" not in self.base_permissions
                or not self.appbuilder.sm.has_access("can_edit", self.class_permission_name)
                or not may_write(current_actor(), item, "update")):
            return None
        return url_for(f"{self.endpoint}.edit", pk=pk)

    def _get_list_widget(self, filters, *args: Any, **kwargs: Any):
        widgets = super()._get_list_widget(filters, *args, **kwargs)
        audit_content.listed(self.datamodel.obj, widgets["list"].template_args.get("pks", ()))
        return widgets

    def _edit(self, pk):
        widgets = super()._edit(pk)
        if request.method == "GET" and widgets is not None:
            # The edit form shows the row's content as well.
            audit_content.read_by_id(self.datamodel.obj, pk)
        return widgets


_LINK_MARKER = "__casus_value__"


def link_to(endpoint: str, argument: str) -> Callable[[Any], Markup]:
    """A list formatter linking a value to ``endpoint`` with the value as ``argument``.

    The URL is built once per request and the value put into it per row: ``url_for`` per
    row was a large part of a 100-row list's time.
    """

    def formatter(value: Any) -> Markup:
        if value is None or value == "":
            return Markup("—")
        memo = g.get("_casus_link_templates")
        if memo is None or memo[0] is not request._get_current_object():
            memo = (request._get_current_object(), {})
            g._casus_link_templates = memo
        template = memo[1].get(endpoint)
        if template is None:
            template = memo[1][endpoint] = url_for(endpoint, **{argument: _LINK_MARKER})
        href = template.replace(_LINK_MARKER, quote(str(value), safe=""))
        return Markup('<a href="{}">{}</a>').format(href, value)

    return formatter
