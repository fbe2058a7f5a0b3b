"""Who wrote a record, and which version of it an editor started from.

Two mixins shared by the models, and one flush hook that fills them:

- ``Versioned``: a ``version`` column used as SQLAlchemy's ``version_id_col``. Every
  edit screen (``app.views.locking``) and every ``PUT`` of the API (``app.api.base``)
  refuses a save on top of a newer one; two saves colliding inside the database end in
  ``StaleDataError``, answered the same way.
- ``Authored``: ``created_by_id`` and ``updated_by_id``, the user ids of whoever
  inserted and last changed the row. They are set here from the logged-in user on every
  flush, whatever a form or request body says, so screens, API, plugins and scripts
  record authorship alike.

``OrganisationOwned`` marks the models a partner writes in its organisation's name
(interventions, plugin interventions, case notes): a new row without an organisation gets
the author's, and a chosen organisation is synchronised to ``organisation_id`` before the
access guard checks the flush (the guard reads the id, which SQLAlchemy would otherwise
only fill from the relationship during the flush itself).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, declared_attr

log = logging.getLogger(__name__)


class Versioned:
    """A row version for optimistic locking (``Case`` and ``Intervention`` declare theirs)."""

    version = sa.Column(sa.Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class Authored:
    """Who inserted the row and who changed it last (user ids, set on flush).

    Plain ids, not foreign keys: like the permission change log, the record of who wrote
    what must outlive an account, and a second path to ``ab_user`` would make every
    existing relationship to users ambiguous.
    """

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return sa.Column(sa.Integer, nullable=True)

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return sa.Column(sa.Integer, nullable=True)


class OrganisationOwned:
    """A row written in an organisation's name: ``organisation`` / ``organisation_id``."""


def _sync_organisation(obj: Any) -> None:
    """Copy a newly chosen ``organisation`` to ``organisation_id`` (only a choice made
    through the relationship; a changed id stays as it is, for the guard to judge)."""
    state = sa.inspect(obj)
    if "organisation" not in state.attrs or not state.attrs.organisation.history.added:
        return
    related = state.attrs.organisation.history.added[0]
    if related is not None and related.id is not None and obj.organisation_id != related.id:
        obj.organisation_id = related.id


def _stamp_new(obj: Any, user_id: int, organisation_id: int | None) -> None:
    if isinstance(obj, Authored):
        obj.created_by_id = user_id
        obj.updated_by_id = user_id
    if isinstance(obj, OrganisationOwned):
        _sync_organisation(obj)
        if obj.organisation_id is None and getattr(obj, "organisation", None) is None:
            obj.organisation_id = organisation_id
        elif obj.organisation_id != organisation_id:
            # Allowed only to coordinators and a case's director (the guard decides);
            # recorded with its author, and written to the server log.
            log.info("user %s registers %s on behalf of organisation %s",
                     user_id, type(obj).__name__, obj.organisation_id)


def _stamp(session: Session, actor_of: Callable[[], Any]) -> None:
    actor = actor_of()
    if actor is None or actor.is_system or actor.user_id is None:
        # Scripts and seeding keep what they set; nobody logged in writes nothing (guard).
        for obj in session.new:
            if isinstance(obj, OrganisationOwned):
                _sync_organisation(obj)
        return
    for obj in session.new:
        _stamp_new(obj, actor.user_id, actor.organisation_id)
    for obj in session.dirty:
        if isinstance(obj, OrganisationOwned):
            _sync_organisation(obj)
        if isinstance(obj, Authored) and session.is_modified(obj):
            obj.updated_by_id = actor.user_id


def install(session_factory: Any, actor_of: Callable[[], Any]) -> None:
    """Stamp authorship on every flush, before the access guard checks it."""

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        _stamp(session, actor_of)

    if not getattr(session_factory, "_casus_tracking", False):
        # ``insert=True``: run before the guard's own before_flush check.
        event.listen(session_factory, "before_flush", before_flush, insert=True)
        session_factory._casus_tracking = True
