"""The ORM-level guard: every SELECT, UPDATE and DELETE of case content is filtered by
the access policy, and every flush is checked against it.

This is the one place that enforces the row rules of ``app.access.policy``. Because it
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
from werkzeug.exceptions import Forbidden

from app.access import policy
from app.access.policy import Actor

_resolving: contextvars.ContextVar[bool] = contextvars.ContextVar("casus_resolving_actor",
                                                                  default=False)


class AccessDenied(Forbidden):
    """A write the access policy refuses (shown as 403 by Flask, rolled back by FAB)."""


def _actor() -> Actor | None:
    # Resolving the user queries users and roles, which passes through this guard again.
    if _resolving.get():
        return policy.SYSTEM
    token = _resolving.set(True)
    try:
        return policy.current_actor()
    finally:
        _resolving.reset(token)


def guard_actor() -> Actor | None:
    """The actor the guard applies (``policy.SYSTEM`` inside ``system_access``)."""
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
    key = (actor, policy.today())
    options = _options_cache.get(key)
    if options is None:
        built = []
        for model in policy.ROW_RULES:
            criteria = policy.row_criteria(model, actor)
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
    model = policy.guarded_model(type(obj))
    if model is policy.Case:
        return {obj.id}
    if model is policy.Goal:
        plan_ids = _values(obj, "action_plan_id")
        plan = sa.inspect(obj).attrs.action_plan.loaded_value
        if getattr(plan, "case_id", None) is not None:
            return {plan.case_id}
        plan_table = policy.ActionPlan.__table__
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
            and policy.can_change_case(actor, case_id, session))


def _refuse(message: str) -> None:
    raise AccessDenied(description=message)


def check_write(actor: Actor | None, obj: Any, operation: str, session: Session) -> None:
    """Refuse a write the actor may not make; ``operation`` is insert, update or delete."""
    model = policy.guarded_model(type(obj))
    if model is None or (actor is not None and actor.is_system):
        return
    if actor is None:
        _refuse(_("You are not logged in."))
    core_only = (policy.Signal, policy.Weighing, policy.CaseConference)
    if model in core_only:
        if not actor.is_core:
            _refuse(_("Only core partners may change signals, weighings and case "
                      "conferences."))
        return
    if model is policy.CaseAdmission:
        if not actor.coordinates:
            _refuse(_("Only coordinators grant admissions to a case."))
        return
    if model is policy.Case and operation == "insert":
        if not actor.is_core:
            _refuse(_("Only core partners may open a case."))
        return
    if model in (policy.Subject, policy.SubjectRelation):
        if not (actor.is_core or actor.directs):
            _refuse(_("You may not change subjects."))
        return
    for case_id in _case_ids(obj, session):
        directs = _directs(actor, case_id, session)
        changeable = actor.is_core or directs
        if model is policy.Intervention and not changeable:
            # An admitted partner registers and updates its own interventions.
            changeable = actor.admitted_scope and policy.case_visible(actor, case_id, session)
        if not changeable:
            _refuse(_("You may not change this case."))
        if model in (policy.Intervention, policy.Goal, policy.CaseNote) \
                and not (actor.coordinates or directs):
            organisations = _values(obj, "organisation_id") - {None}
            if organisations - {actor.organisation_id}:
                _refuse(_("You may only change what belongs to your own organisation."))


def _check_flush(session: Session, _flush_context, _instances) -> None:
    touched = [(o, "insert") for o in session.new] + \
        [(o, "update") for o in session.dirty if session.is_modified(o)] + \
        [(o, "delete") for o in session.deleted]
    touched = [(o, op) for o, op in touched if policy.guarded_model(type(o)) is not None]
    if not touched:
        return
    actor = _actor()
    for obj, operation in touched:
        check_write(actor, obj, operation, session)


def install_guard(session_factory: Any) -> None:
    """Attach the guard to the session (idempotent: one app factory may run many times)."""
    for name, fn in (("do_orm_execute", _filter_statement), ("before_flush", _check_flush)):
        if not event.contains(session_factory, name, fn):
            event.listen(session_factory, name, fn)


def install(app: Any) -> None:
    from app.access import changes
    from app.extensions import db

    install_guard(db.session)
    changes.install(db.session, _actor)
    app.extensions["casus_access_guard"] = True
