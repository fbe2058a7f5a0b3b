"""The rows of a list table, printed in Python.

Flask-AppBuilder's list template prints every cell through Jinja (a loop, a formatter
lookup, an ``if`` and an escape per cell); for a 25-row case list that was the largest
part of the page's CPU time. This prints the same markup from the same values, links,
formatters and permissions in one pass; ``appbuilder/general/widgets/list.html`` calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

#: Stands for a row's primary key in a link built once per page.
PK_MARKER = "__casus_pk__"


def list_rows(value_columns: Sequence[Mapping[str, Any]], pks: Sequence[Any],
              include_columns: Sequence[str], formatters: Mapping[str, Callable[[Any], Any]],
              *, actions: bool, buttons: bool, show_link: str | None, edit_link: str | None,
              delete_button: str | None, labels: Mapping[str, str]) -> Markup:
    """``<tr>`` elements for the rows; the links and ``delete_button`` hold ``PK_MARKER``
    where the row's key goes (escaped HTML already, as the template built them)."""
    select_label = escape(labels["select"])
    show = (f'<a href="{escape(show_link)}" class="btn btn-sm btn-default" '
            f'data-toggle="tooltip" rel="tooltip" title="{escape(labels["show_title"])}">'
            f'<span class="sr-only">{escape(labels["show"])}</span>'
            f'<i class="fa fa-search"></i></a>') if show_link else ""
    edit = (f'<a href="{escape(edit_link)}" class="btn btn-sm btn-default" '
            f'data-toggle="tooltip" rel="tooltip" title="{escape(labels["edit_title"])}">'
            f'<span class="sr-only">{escape(labels["edit"])}</span>'
            f'<i class="fa fa-edit"></i></a>') if edit_link else ""
    buttons_template = (f'<td><center><div class="btn-group btn-group-xs" '
                        f'style="display: flex;">{show}{edit}{delete_button or ""}'
                        f'</div></center></td>') if buttons else ""
    cells = [(column, formatters.get(column)) for column in include_columns]
    out: list[str] = []
    for item, pk in zip(value_columns, pks, strict=False):
        key = escape(pk)
        out.append("<tr>")
        if actions:
            out.append(f'<td><input id="{key}" class="action_check" name="rowid" '
                       f'value="{key}" type="checkbox" aria-label="{select_label}"></td>')
        if buttons_template:
            out.append(buttons_template.replace(PK_MARKER, quote(str(pk), safe="/")))
        for column, formatter in cells:
            value = item[column]
            out.append(f"<td>{escape(formatter(value) if formatter else value)}</td>")
        out.append("</tr>")
    return Markup("\n".join(out))


def register(appbuilder: Any) -> None:
    appbuilder.app.jinja_env.globals["casus_list_rows"] = list_rows
    appbuilder.app.jinja_env.globals["casus_pk_marker"] = PK_MARKER
