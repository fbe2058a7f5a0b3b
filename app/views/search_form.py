"""The list pages' search form, with the HTML of its fixed fields kept per language.

Flask-AppBuilder renders every search field of a list into every list page (as JSON for
its filter script), whether or not the user opens the search panel: on the case list
that was about a sixth of the page's time. Most of those fields come out the same on
every request — a text box, a select of enum words, a searchable select without a
choice — so their HTML is kept per view, column and language. Fields whose HTML can
change between requests are rendered every time: options read from the database, dates
(their default is the current moment), a chosen value, a default computed per call, a
select that depends on another field.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder._compat import as_unicode
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.widgets import SearchWidget
from flask_babel import get_locale
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    IntegerField,
    SelectField,
    StringField,
    TimeField,
)

from casusregie.app.views.fields import LocalDateTimeField

_FIXED_FIELDS = (StringField, SelectField, BooleanField, IntegerField)
_CLOCK_FIELDS = (DateField, DateTimeField, TimeField, LocalDateTimeField)
#: (view, column, language) -> the field's HTML. A handful of entries per list view.
_rendered: dict[tuple[str, str, str], Any] = {}


def _fixed(field: Any) -> bool:
    if getattr(field, "lookup_name", None) is not None:  # app.views.base.RemoteSelectField
        return field.depends_on is None and field.data is None
    if isinstance(field, (QuerySelectField, *_CLOCK_FIELDS)) or callable(
            getattr(field, "default", None)):
        return False
    return isinstance(field, _FIXED_FIELDS) and field.data in (None, "", field.default)


class CachedSearchWidget(SearchWidget):
    """Flask-AppBuilder's ``SearchWidget`` with the same output; fixed fields' HTML kept."""

    def __call__(self, **kwargs: Any) -> Any:
        form = self.template_args["form"]
        view = str(self.template_args.get("route_base"))
        language = str(get_locale() or "")
        dict_filters = self.filters.get_search_filters()
        label_columns, form_fields, search_filters = {}, {}, {}
        for col in self.template_args["include_cols"]:
            field = form[col]
            label_columns[col] = as_unicode(field.label.text)
            if _fixed(field):
                key = (view, col, language)
                html = _rendered.get(key)
                if html is None:
                    html = _rendered[key] = field()
                form_fields[col] = html
            else:
                form_fields[col] = field()
            search_filters[col] = [as_unicode(flt.name) for flt in dict_filters[col]]
        kwargs["label_columns"] = label_columns
        kwargs["form_fields"] = form_fields
        kwargs["search_filters"] = search_filters
        kwargs["active_filters"] = self.filters.get_filters_values_tojson()
        # FormWidget renders the template: SearchWidget's own call is replaced, not extended.
        return super(SearchWidget, self).__call__(**kwargs)
