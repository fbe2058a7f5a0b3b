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
from flask import request
from sqlalchemy.orm import Query

from casusregie.app.access.role_data import holds_scope
from casusregie.app.errors import MAX_ID
from casusregie.app.extensions import db
from casusregie.app.models import (
    ActionPlan,
    Case,
    CasusUser,
    Goal,
    Intervention,
    Organisation,
    Subject,
)
from casusregie.app.roles import SCOPE_DIRECTED

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
                    holds_scope(SCOPE_DIRECTED))
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


def _case_id(raw: str | None) -> int | None:
    """A case given as its id (a case select) or its number (a typed case number)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if raw.isdigit():
        value = int(raw)
        return value if 0 < value <= MAX_ID else None
    return db.session.query(Case.id).filter(Case.number == raw.upper()).scalar()


def chosen_case_id() -> int | None:
    """The case an intervention form is about: chosen in the form (``case``, an id or a
    number; the lookup endpoint gets it from the form's script), given by the page the
    form was opened from (``_flt_0_case``), or that of the intervention being edited."""
    if not request:
        return None
    for raw in (request.values.get("case"), request.args.get("_flt_0_case")):
        case_id = _case_id(raw)
        if case_id is not None:
            return case_id
    pk = (request.view_args or {}).get("pk")
    if pk is not None and str(pk).isdigit() and int(pk) <= MAX_ID:
        return db.session.query(Intervention.case_id).filter(
            Intervention.id == int(pk)).scalar()
    return None


def goals_of_case(case_id: int | None) -> Query:
    """The goals of a case's current action plan, by position.

    The plan is matched on its table, not through the ``ActionPlan`` model: a partner
    does not see the plan itself, but does see the goals assigned to its organisation
    (the guard still applies to ``Goal``)."""
    plan = ActionPlan.__table__
    current_plans = sa.select(plan.c.id).where(plan.c.case_id == case_id,
                                               plan.c.current.is_(True))
    return (db.session.query(Goal).filter(Goal.action_plan_id.in_(current_plans))
            .order_by(Goal.position, Goal.id))


def goal_belongs_to_case(goal_id: int, case_id: int) -> bool:
    """Whether the goal is one of the case's (any plan version), whoever asks."""
    plan = ActionPlan.__table__
    goal = Goal.__table__
    return db.session.execute(
        sa.select(goal.c.id).join(plan, plan.c.id == goal.c.action_plan_id)
        .where(goal.c.id == goal_id, plan.c.case_id == case_id)).first() is not None


def _goals() -> Query:
    """Goals of the chosen case only; without a case, none (never the city's goals)."""
    return goals_of_case(chosen_case_id())


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
    "goal": Lookup(Goal, _goals, lambda: (Goal.description,)),
}
