"""Partner organisations and the users who work for them."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship

from casusregie.app.models.base import OrganisationKind, OrganisationTier, enum_column
from casusregie.app.models.tracking import Versioned


class Organisation(Versioned, Model):
    __tablename__ = "organisation"

    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(150), nullable=False, unique=True)
    tier = enum_column(OrganisationTier, nullable=False, index=True)
    kind = enum_column(OrganisationKind, nullable=False, default=OrganisationKind.other)
    active = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())

    def __repr__(self) -> str:
        return self.name


class CasusUser(User):
    """Flask-AppBuilder's user, belonging to exactly one organisation."""

    __tablename__ = "ab_user"

    organisation_id = sa.Column(
        sa.Integer, sa.ForeignKey("organisation.id"), nullable=True, index=True
    )
    organisation = relationship(Organisation, lazy="joined")
    #: The user's interface language (a key of ``LANGUAGES``); empty means the default.
    locale = sa.Column(sa.String(10), nullable=True)
    #: E-mail about new tasks: "immediate", "digest" (daily) or "never".
    email_notifications = sa.Column(sa.String(16), nullable=False, default="immediate",
                                    server_default="immediate")
    #: Raised whenever every session and token of the user must end (logout, password,
    #: activation or role change, second-factor reset); cookies and JWTs carry the
    #: value they were issued with (``app.auth.sessions``).
    session_version = sa.Column(sa.Integer, nullable=False, default=1, server_default="1")
    #: Optimistic locking of the user screens (as ``app.models.tracking.Versioned``).
    version = sa.Column(sa.Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
