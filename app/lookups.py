"""The searchable relations behind the growing selects: their bounded queries and what
a typed term searches.

Shared by the form fields (``app.views.base.RemoteSelectField`` validates a posted id
against the same query) and the endpoint that answers the browser
(``app.views.lookup``), so the endpoint returns exactly what the form offers. Rows pass
the ORM guard like any other read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy.orm import Query

from app.errors import MAX_ID
from app.extensions import db
from app.models import Case, CasusUser, Organisation, Subject
from app.roles import DIRECTING_ROLES

PAGE_SIZE = 20
MAX_PAGE = 500
MAX_TERM = 100
MAX_WORDS = 5


@dataclass(frozen=True)
class Lookup:
    """One searchable relation: its bounded query, what a term searches, who may ask."""

    model: type
    query: Callable[[], Query]
    columns: Callable[[], Sequence[Any]]
    label: Callable[[Any], str] = str

    def pk_column(self) -> Any:
        return sa.inspect(self.model).primary_key[0]

    def row(self, pk: str) -> Any | None:
        """The row with primary key ``pk`` if the bounded query offers it."""
        try:
            value = int(pk)
        except (TypeError, ValueError):
            return None
        if not 0 < value <= MAX_ID:  # no row has it, and the database cannot compare it
            return None
        return self.query().filter(self.pk_column() == value).one_or_none()

    def search(self, term: str) -> Query:
        query = self.query()
        for word in term.split()[:MAX_WORDS]:
            pattern = "%" + _escape_like(word) + "%"
            query = query.filter(sa.or_(*(col.ilike(pattern, escape="\\")
                                          for col in self.columns())))
        return query

    def option(self, row: Any) -> dict[str, Any]:
        return {"id": str(getattr(row, self.pk_column().key)), "text": self.label(row)}


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def directing_users_query() -> Query:
    """Users who can direct a case: active holders of a directing role (the same rule
    ``app.workflow`` applies when the director is appointed)."""
    return (db.session.query(CasusUser)
            .filter(CasusUser.active.is_(True),
                    CasusUser.roles.any(Role.name.in_(DIRECTING_ROLES)))
            .order_by(CasusUser.first_name, CasusUser.last_name, CasusUser.id))


def active_organisations_query() -> Query:
    """Organisations that may be chosen: the active ones, by name."""
    return (db.session.query(Organisation).filter(Organisation.active.is_(True))
            .order_by(Organisation.name, Organisation.id))


def _subjects() -> Query:
    """Persons and groups by name; the ORM guard leaves those the user may see."""
    return db.session.query(Subject).order_by(Subject.last_name, Subject.first_name,
                                              Subject.id)


def _subject_label(subject: Subject) -> str:
    # A name alone does not tell two namesakes apart; the date of birth mostly does.
    born = subject.date_of_birth
    return f"{subject.full_name} ({born:%d-%m-%Y})" if born else subject.full_name


def _cases() -> Query:
    """Cases, newest number first; the ORM guard leaves those the user may see."""
    return db.session.query(Case).order_by(Case.number.desc())


LOOKUPS: dict[str, Lookup] = {
    "case_director": Lookup(
        CasusUser, directing_users_query,
        lambda: (CasusUser.first_name, CasusUser.last_name, CasusUser.username),
    ),
    "organisation": Lookup(Organisation, active_organisations_query,
                           lambda: (Organisation.name,)),
    "case": Lookup(Case, _cases, lambda: (Case.number,)),
    "subject": Lookup(Subject, _subjects, lambda: (Subject.first_name, Subject.last_name),
                      _subject_label),
}
