"""Flask-AppBuilder internals Casusregie depends on: one check per item of
docs/fab-internals.md, so an upgrade that renames, removes or re-signs one fails here
first, with the name of what to look at.
"""

from __future__ import annotations

import inspect

import pytest
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_appbuilder.baseviews import BaseCRUDView
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.sqla.manager import SecurityManager

#: (class, private member, its parameters as Casusregie calls or overrides it).
METHODS = [
    (BaseCRUDView, "_list", ["self", "kwargs"]),
    (BaseCRUDView, "_show", ["self", "pk"]),
    (BaseCRUDView, "_add", ["self"]),
    (BaseCRUDView, "_edit", ["self", "pk"]),
    (BaseCRUDView, "_delete", ["self", "pk"]),
    (BaseCRUDView, "_deserialize_pk_if_composite", ["self", "pk"]),
    (BaseCRUDView, "_get_show_widget",
     ["self", "pk", "item", "widgets", "actions", "show_fieldsets"]),
    (SQLAInterface, "_apply_inner_all",
     ["self", "query", "filters", "order_column", "order_direction", "page", "page_size",
      "select_columns", "aliases_mapping"]),
    (SQLAInterface, "_query_join_relation",
     ["self", "query", "root_relation", "aliases_mapping"]),
    (SecurityManager, "_get_user_permission_view_menus",
     ["self", "user", "permission_name", "view_menus_name"]),
    (SecurityManager, "_has_access_builtin_roles",
     ["self", "role", "permission_name", "view_name"]),
    (Model2SchemaConverter, "_meta_schema_factory",
     ["self", "columns", "model", "class_mixin", "parent_schema_name"]),
    (QuerySelectField, "_get_object_list", ["self"]),
]


@pytest.mark.parametrize(("cls", "name", "parameters"), METHODS,
                         ids=[f"{c.__name__}.{n}" for c, n, _ in METHODS])
def test_private_method_is_still_there_with_the_same_parameters(cls, name, parameters):
    member = getattr(cls, name, None)
    assert callable(member), f"Flask-AppBuilder no longer has {cls.__name__}.{name}"
    assert list(inspect.signature(member).parameters) == parameters, \
        f"{cls.__name__}.{name} changed its parameters: see docs/fab-internals.md"


def test_instance_attributes_the_views_rely_on(app) -> None:
    """Attributes set by Flask-AppBuilder's constructors, read or replaced by the access
    policy (filters), the searchable selects and the API (base filters, session)."""
    appbuilder = app.appbuilder
    view = next(v for v in appbuilder.baseviews if type(v).__name__ == "CaseModelView")
    assert isinstance(view._base_filters, object) and hasattr(view._base_filters, "filters")
    filters = view._filters
    assert isinstance(filters._all_filters, dict)
    assert isinstance(filters._search_filters, dict)
    assert hasattr(filters, "search_columns")
    assert hasattr(view.datamodel, "_session")  # passed on to CasusInterface
    api = next(a for a in appbuilder.baseviews if type(a).__name__ == "CaseApi")
    assert hasattr(api, "_base_filters")


def test_query_select_field_state() -> None:
    """``RemoteSelectField`` fills ``_object_list`` itself from ``_formdata``/``_data``."""
    field = QuerySelectField(query_func=lambda: [], get_pk_func=lambda obj: obj)
    bound = field.bind(form=None, name="probe", _meta=type("M", (), {"locales": False})())
    assert "_object_list" in vars(bound), "QuerySelectField lost _object_list"
    bound.data = None  # the ``data`` setter keeps the value in ``_data``, resets ``_formdata``
    assert "_data" in vars(bound) and "_formdata" in vars(bound), \
        "QuerySelectField no longer keeps its state in _data and _formdata"
