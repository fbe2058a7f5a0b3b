"""The case rows of the start page, printed in Python.

The start page shows up to 25 open cases (and the reviews due among them again). Printed
through a Jinja macro, every cell cost a loop step, a filter call, an ``if`` and an escape,
and every row a ``url_for``: the largest part of the page's CPU time after the queries.
This prints the same markup from the same values in one pass, as ``app.views.list_rows``
does for the list pages; the link is built once and the row's key put into it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from casusregie.app.i18n import format_date
from casusregie.app.labels import enum_label

#: Stands for the case's key in the link built once per table.
_PK = "0"


def case_rows(cases: Iterable[Any], today: dt.date) -> Markup:
    """The ``<tr>`` elements of the start page's case table (number, subjects, phase,
    risk group, director, review date marked when overdue)."""
    link = url_for("CaseModelView.show", pk=_PK)
    head, _sep, tail = link.rpartition(_PK)
    overdue_label = escape(_("overdue"))
    out: list[str] = []
    for case in cases:
        review = case.review_date
        overdue = review is not None and review < today
        risk_group = case.risk_group
        director = case.case_director
        href = escape(f"{head}{quote(str(case.id), safe='')}{tail}")
        out.append(
            f'<tr><td><a href="{href}">{escape(case.number)}</a></td>'
            f"<td>{escape(case.subject_names)}</td>"
            f'<td><span class="casus-phase casus-phase-{escape(case.phase.value)}">'
            f"{escape(enum_label(case.phase))}</span></td>"
            f"<td>{escape(risk_group.number) if risk_group is not None else ''}</td>"
            f"<td>{escape(director) if director else '—'}</td>"
            f'<td class="{"casus-overdue" if overdue else ""}">'
            f"{escape(format_date(review, 'medium')) if review else '—'}"
            f"{' · ' + overdue_label if overdue else ''}</td></tr>")
    return Markup("\n".join(out))


def register(appbuilder: Any) -> None:
    appbuilder.app.jinja_env.globals["casus_start_case_rows"] = case_rows
