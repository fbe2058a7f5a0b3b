"""Cases the guard has already let the actor read in this request.

A case page, a dossier or a form reads one case and then its children (interventions,
goals, notes, subjects...). The row rules ask for every child row whether its case is
directed by the actor or open to the actor's organisation: one probe per row, or worse,
a sub-plan reading every case the actor directs. Once the case itself has come through
the guard, that answer is known. Every ``Case`` row loaded through the guarded session
is noted here, per request and actor; the row rules then test a child's ``case_id``
against these few ids first (``app.access.rows``), and only probe for rows of other
cases.

Nothing is trusted that the guard did not check: only rows loaded while an actor other
than the system is in force are noted, the list belongs to one request and one actor,
and it is cleared when a flush changes a case or an admission. Outside a request (jobs,
the command line) nothing is noted and the rules probe as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g, has_request_context, request

from casusregie.app.access.actor import Actor

#: A list page notes its 25 or 100 cases; beyond this the short cut stops growing, so a
#: statement never carries a long list of ids.
MAX_NOTED = 200

_ATTR = "_casus_checked_cases"


@dataclass
class _Checked:
    request: Any
    actor: Actor
    visible: set[int] = field(default_factory=set)
    directed: set[int] = field(default_factory=set)


def _holder(actor: Actor | None, *, create: bool) -> _Checked | None:
    if actor is None or actor.is_system or not has_request_context():
        return None
    current = request._get_current_object()  # type: ignore[attr-defined]
    holder = g.get(_ATTR)
    if holder is None or holder.request is not current or holder.actor != actor:
        if not create:
            return None
        holder = _Checked(current, actor)
        setattr(g, _ATTR, holder)
    return holder


def note(actor: Actor | None, case_id: int | None, director_id: int | None) -> None:
    """``actor`` was shown the case ``case_id`` (directed by ``director_id``) by the guard."""
    holder = _holder(actor, create=True)
    if holder is None or case_id is None or len(holder.visible) >= MAX_NOTED:
        return
    holder.visible.add(case_id)
    if actor.directs and director_id is not None and director_id == actor.user_id:
        holder.directed.add(case_id)


def forget() -> None:
    """A case or an admission changed: what was checked may no longer hold."""
    if has_request_context() and g.get(_ATTR) is not None:
        setattr(g, _ATTR, None)


def visible_ids(actor: Actor) -> list[int]:
    holder = _holder(actor, create=False)
    return sorted(holder.visible) if holder is not None else []


def directed_ids(actor: Actor) -> list[int]:
    holder = _holder(actor, create=False)
    return sorted(holder.directed) if holder is not None else []
