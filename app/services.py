"""The one write path for case content.

Every change a user makes to case content — on a screen, through the REST API or in a
plugin's form — goes through a service: the process functions of ``app.workflow``,
``app.conferences`` and ``app.subjects``, and the writers of ``app.casework`` for the rows
the generated forms edit (plans, goals, interventions, notes, admissions...). A service
applies the write policy and the checks of its kind of row; the generated
Flask-AppBuilder forms and the API reach it through their ``pre_add`` / ``pre_update`` /
``pre_delete`` hooks (``app.views.base.CasusModelView``, ``app.api.base``), and save inside
its service call.

A flush by a signed-in user that inserts, changes or deletes case content outside a
service call is refused when ``CASUS_REQUIRE_SERVICE_LAYER`` is on (the tests and
development): a screen that writes models directly fails its tests instead of quietly
skipping the rules. Jobs and set-up code under ``system_access()`` are not user writes and
are not checked; tasks and notifications are derived from the cases on every flush.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from casusregie.app.access import rows
from casusregie.app.access.guard import guard_actor
from casusregie.app.models import Notification, Task

F = TypeVar("F", bound=Callable[..., Any])

#: Rows derived from the case state by ``app.tasks`` on every flush: no user writes them.
DERIVED = (Task, Notification)

_depth: contextvars.ContextVar[int] = contextvars.ContextVar("casus_service_call", default=0)

#: (model, operation) → the writer that checks and completes a row before it is saved.
WRITERS: dict[tuple[type, str], Callable[[Any], None]] = {}

OPERATIONS = ("add", "edit", "delete")


class ServiceLayerBypassed(RuntimeError):
    """Case content was written outside a service call."""


@contextlib.contextmanager
def service_call() -> Iterator[None]:
    """Writes inside this block are made by a service (nesting is allowed)."""
    token = _depth.set(_depth.get() + 1)
    try:
        yield
    finally:
        _depth.reset(token)


#: Every function marked ``@service``: each one is used by a screen, the API or a plugin
#: (``tests/test_service_layer.py`` fails on one that only tests call).
SERVICES: list[Callable[..., Any]] = []


def service(fn: F) -> F:
    """Mark a function as a service: its writes pass the check."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with service_call():
            return fn(*args, **kwargs)

    SERVICES.append(wrapper)
    return wrapper  # type: ignore[return-value]


def writer(model: type, *operations: str) -> Callable[[F], F]:
    """Register ``fn(row)`` as the service that checks and completes ``model`` rows
    before they are saved; it raises ``WorkflowError`` (or ``ValueError``) to refuse."""
    for operation in operations:
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}")

    def register(fn: F) -> F:
        for operation in operations:
            WRITERS[(model, operation)] = fn
        return fn

    return register


def writer_for(model: type, operation: str) -> Callable[[Any], None] | None:
    """The writer of ``model`` or of the nearest model it extends (plugin interventions)."""
    for base in getattr(model, "__mro__", ()):
        found = WRITERS.get((base, operation))
        if found is not None:
            return found
    return None


def prepare(row: Any, operation: str) -> None:
    """Run the row's writer (the forms' and the API's ``pre_*`` hooks call this)."""
    found = writer_for(type(row), operation)
    if found is not None:
        with service_call():
            found(row)


@contextlib.contextmanager
def saving(row: Any, operation: str) -> Iterator[None]:
    """Save ``row`` inside its service call; without a writer, no service call (and a
    write of case content is refused at the flush)."""
    if writer_for(type(row), operation) is None:
        yield
        return
    with service_call():
        yield


def is_case_content(model: type) -> bool:
    guarded = rows.guarded_model(model)
    return guarded is not None and guarded not in DERIVED


def _enforced() -> bool:
    return has_app_context() and bool(current_app.config.get("CASUS_REQUIRE_SERVICE_LAYER"))


def _check_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    if _depth.get() or not _enforced():
        return
    touched = [*session.new, *(o for o in session.dirty if session.is_modified(o)),
               *session.deleted]
    bypassing = sorted({type(o).__name__ for o in touched if is_case_content(type(o))})
    if not bypassing:
        return
    actor = guard_actor()
    if actor is None or actor.is_system:
        return
    raise ServiceLayerBypassed(
        f"{', '.join(bypassing)} written outside the service layer (app.services)")


def install(session_factory: Any) -> None:
    """Attach the check to the session (idempotent)."""
    if not event.contains(session_factory, "before_flush", _check_flush):
        event.listen(session_factory, "before_flush", _check_flush)
