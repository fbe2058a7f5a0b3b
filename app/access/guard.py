"""The ORM-level guard: every SELECT, UPDATE and DELETE of case content is filtered by
the access policy, and every flush is checked against it.

This is the one place that enforces the row rules of ``app.access.rows``. Because it
sits on the session, it covers Flask-AppBuilder's lists, counts, show/edit/delete pages,
actions, related-field dropdowns, REST APIs and reports without their cooperation; a
query made with nobody logged in (and outside ``system_access()``) sees no case content.
"""

from __future__ import annotations

import contextvars
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session, with_loader_criteria

from casusregie.app.access import checked, clock, rows
from casusregie.app.access.actor import SYSTEM, Actor, current_actor
from casusregie.app.access.errors import AccessDenied

_resolving: contextvars.ContextVar[bool] = contextvars.ContextVar("casus_resolving_actor",
                                                                  default=False)


def _actor() -> Actor | None:
    # Resolving the user queries users and roles, which passes through this guard again.
    if _resolving.get():
        return SYSTEM
    token = _resolving.set(True)
    try:
        return current_actor()
    finally:
        _resolving.reset(token)


def guard_actor() -> Actor | None:
    """The actor the guard applies (``SYSTEM`` inside ``system_access``)."""
    return _actor()


def _filter_statement(state) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Re-loading columns of a row already loaded (expired after a commit) is not a new
    # read: the row passed the guard when it was first loaded.
    if state.is_column_load:
        return
    actor = _actor()
    if actor is not None and actor.is_system:
        return
    options = _guard_options(actor)
    if options:
        state.statement = state.statement.options(*options)


_OPTIONS_CACHE_SIZE = 1024
_options_cache: dict[tuple[Actor | None, Any], tuple[Any, ...]] = {}


def _guard_options(actor: Actor | None) -> tuple[Any, ...]:
    """The loader criteria for ``actor``, built once per actor and day.

    Building them (fifteen row rules, each with its sub-selects) for every statement was
    most of the CPU of a page that runs ten queries. The criteria depend only on the
    actor (user, organisation, roles) and on today's date (admissions expire), so they
    are kept per both; a role change makes a different actor, so a new entry.
    """
    key = (actor, clock.today())
    options = _options_cache.get(key)
    if options is None:
        built = []
        for model in rows.ROW_RULES:
            criteria = rows.row_criteria(model, actor)
            if criteria is sa.true():
                continue
            built.append(with_loader_criteria(model, criteria, include_aliases=True))
        options = tuple(built)
        if len(_options_cache) >= _OPTIONS_CACHE_SIZE:
            _options_cache.clear()
        _options_cache[key] = options
    return options


# --------------------------------------------------------------------------- writes


def _values(obj: Any, attr: str) -> set[Any]:
    """The current and (for an update) the previous value of ``attr``."""
    state = sa.inspect(obj)
    if attr not in state.attrs:
        return set()
    history = state.attrs[attr].history
    values = {*history.added, *history.unchanged, *history.deleted}
    if not values:
        values = {getattr(obj, attr, None)}
    return values


def _case_ids(obj: Any, session: Session) -> set[int | None]:
    model = rows.guarded_model(type(obj))
    if model is rows.Case:
        return {obj.id}
    if model is rows.Goal:
        plan_ids = _values(obj, "action_plan_id")
        plan = sa.inspect(obj).attrs.action_plan.loaded_value
        if getattr(plan, "case_id", None) is not None:
            return {plan.case_id}
        plan_table = rows.ActionPlan.__table__
        return {session.execute(sa.select(plan_table.c.case_id)
                                .where(plan_table.c.id == pid)).scalar()
                for pid in plan_ids if pid is not None} or {None}
    ids = _values(obj, "case_id")
    related = sa.inspect(obj).attrs.case.loaded_value if "case" in sa.inspect(obj).attrs \
        else None
    if getattr(related, "id", None) is not None:
        ids.add(related.id)
    if ids - {None}:
        ids.discard(None)
    return ids or {None}


def _directs(actor: Actor, case_id: int | None, session: Session) -> bool:
    return (actor.directs and case_id is not None
            and rows.can_change_case(actor, case_id, session))


def _refuse(message: str) -> None:
    raise AccessDenied(description=message)


def check_write(actor: Actor | None, obj: Any, operation: str, session: Session) -> None:
    """Refuse a write the actor may not make; ``operation`` is insert, update or delete."""
    model = rows.guarded_model(type(obj))
    if model is None or (actor is not None and actor.is_system):
        return
    if actor is None:
        _refuse(_("You are not logged in."))
    core_only = (rows.Signal, rows.Weighing, rows.CaseConference)
    if model in core_only:
        if not actor.is_core:
            _refuse(_("Only core partners may change signals, weighings and case "
                      "conferences."))
        return
    if model is rows.CaseAdmission:
        if not actor.coordinates:
            _refuse(_("Only coordinators grant admissions to a case."))
        return
    if model is rows.Case and operation == "insert":
        if not actor.is_core:
            _refuse(_("Only core partners may open a case."))
        return
    if model in (rows.Subject, rows.SubjectRelation):
        if not (actor.is_core or actor.directs):
            _refuse(_("You may not change subjects."))
        return
    for case_id in _case_ids(obj, session):
        directs = _directs(actor, case_id, session)
        changeable = actor.is_core or directs
        if model is rows.Intervention and not changeable:
            # An admitted partner registers and updates its own interventions.
            changeable = actor.admitted_scope and rows.case_visible(actor, case_id, session)
        if not changeable:
            _refuse(_("You may not change this case."))
        if model in (rows.Intervention, rows.Goal, rows.CaseNote) \
                and not (actor.coordinates or directs):
            organisations = _values(obj, "organisation_id") - {None}
            if organisations - {actor.organisation_id}:
                _refuse(_("You may only change what belongs to your own organisation."))


def may_write(actor: Actor | None, obj: Any, operation: str, session: Session) -> bool:
    """Whether ``check_write`` would let the actor make this write: screens offer only
    the buttons that will work."""
    try:
        check_write(actor, obj, operation, session)
    except AccessDenied:
        return False
    return True


def _note_case(target: Any, _context: Any) -> None:
    """A case row came through the guard: its children need not ask again this request."""
    actor = _actor()
    if actor is not None and not actor.is_system:
        checked.note(actor, target.id, target.__dict__.get("case_director_id"))


def _check_flush(session: Session, _flush_context, _instances) -> None:
    touched = [(o, "insert") for o in session.new] + \
        [(o, "update") for o in session.dirty if session.is_modified(o)] + \
        [(o, "delete") for o in session.deleted]
    touched = [(o, op) for o, op in touched if rows.guarded_model(type(o)) is not None]
    if not touched:
        return
    if any(rows.guarded_model(type(o)) in (rows.Case, rows.CaseAdmission) for o, _ in touched):
        checked.forget()
    actor = _actor()
    for obj, operation in touched:
        check_write(actor, obj, operation, session)


def install_guard(session_factory: Any) -> None:
    """Attach the guard to the session (idempotent: one app factory may run many times)."""
    for name, fn in (("do_orm_execute", _filter_statement), ("before_flush", _check_flush)):
        if not event.contains(session_factory, name, fn):
            event.listen(session_factory, name, fn)
    if not event.contains(rows.Case, "load", _note_case):
        event.listen(rows.Case, "load", _note_case)
