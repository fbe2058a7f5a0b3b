"""Tables of logging in: throttling counters, security events and second factors."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model

from casusregie.app.models.base import utcnow

__all__ = ["LoginThrottle", "MfaRecoveryCode", "SecurityEvent", "UserMfa", "utcnow"]


class LoginThrottle(Model):
    """Failed logins of one account name (``account:…``) or one address (``address:…``).

    Unknown account names get a row as well, so that the work done for them, and the
    answer, are the same as for existing accounts.
    """

    __tablename__ = "login_throttle"

    key = sa.Column(sa.String(300), primary_key=True)
    kind = sa.Column(sa.String(10), nullable=False)
    subject = sa.Column(sa.String(256), nullable=False, index=True)
    failures = sa.Column(sa.Integer, nullable=False, default=0)
    window_start = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    last_failure = sa.Column(sa.DateTime, nullable=True)
    blocked_until = sa.Column(sa.DateTime, nullable=True, index=True)
    locked_at = sa.Column(sa.DateTime, nullable=True, index=True)

    def __repr__(self) -> str:
        return self.subject


class SecurityEvent(Model):
    """One login, failed login, lockout, unlock, second-factor change, logout or expiry."""

    __tablename__ = "security_event"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    kind = sa.Column(sa.String(30), nullable=False, index=True)
    username = sa.Column(sa.String(256), nullable=True, index=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"),
                        nullable=True, index=True)
    actor = sa.Column(sa.String(256), nullable=True)
    address = sa.Column(sa.String(64), nullable=True)
    channel = sa.Column(sa.String(10), nullable=True)
    detail = sa.Column(sa.String(500), nullable=True)


class UserMfa(Model):
    """A user's TOTP secret (RFC 6238), set once the user confirmed a first code."""

    __tablename__ = "user_mfa"

    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"),
                        primary_key=True)
    secret = sa.Column(sa.String(64), nullable=False)
    enrolled_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    #: The time step of the last accepted code: a code is accepted only once.
    last_step = sa.Column(sa.BigInteger, nullable=True)


class MfaRecoveryCode(Model):
    """A one-time recovery code, stored hashed; ``used_at`` marks it spent."""

    __tablename__ = "mfa_recovery_code"

    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    code_hash = sa.Column(sa.String(256), nullable=False)
    used_at = sa.Column(sa.DateTime, nullable=True)
