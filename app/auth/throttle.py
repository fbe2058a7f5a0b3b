"""Login throttling: failed logins counted per account and per address, in a shared store.

Only failures count, so colleagues behind the city's one NAT address never throttle each
other by logging in. Per account: after ``CASUS_LOGIN_FREE_FAILURES`` failures every
further failure doubles a waiting time (``CASUS_LOGIN_BACKOFF_SECONDS``, 2×, 4×, …); at
``CASUS_LOGIN_LOCK_AFTER`` failures the account is locked until a functional
administrator unlocks it. Per address: ``CASUS_LOGIN_ADDRESS_FAILURES`` failures within
``CASUS_LOGIN_ADDRESS_WINDOW_MINUTES`` minutes refuse that address until the window ends.

Unknown account names are counted and locked exactly like existing ones, so neither the
answer nor the work done reveals whether an account exists.

The store is the database by default (one row per key, incremented in one UPDATE, so
every worker of every process sees the same counts) or Redis
(``CASUS_LOGIN_THROTTLE_STORE=redis://host:6379/0``).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from flask import Flask, current_app, request

from casusregie.app.auth.models import LoginThrottle, utcnow

ACCOUNT = "account"
ADDRESS = "address"
#: Failures of an account older than this no longer count towards its back-off.
ACCOUNT_WINDOW = dt.timedelta(hours=24)
#: Share of failures that also remove stale counter rows, so the table stays small.
PRUNE_CHANCE = 0.01


@dataclass(frozen=True)
class Entry:
    failures: int = 0
    window_start: dt.datetime | None = None
    blocked_until: dt.datetime | None = None
    locked_at: dt.datetime | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a login is refused before its password is looked at."""

    reason: str  # "locked", "backoff" or "address"
    until: dt.datetime | None = None


class ThrottleStore(Protocol):
    def read(self, key: str) -> Entry: ...
    def add_failure(self, key: str, kind: str, subject: str, now: dt.datetime,
                    window: dt.timedelta) -> Entry: ...
    def block(self, key: str, until: dt.datetime | None, lock: bool) -> None: ...
    def clear(self, key: str) -> None: ...


class DatabaseStore:
    """The ``login_throttle`` table, written in its own short transactions."""

    table = LoginThrottle.__table__

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def read(self, key: str) -> Entry:
        t = self.table
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.c.failures, t.c.window_start, t.c.blocked_until,
                                         t.c.locked_at).where(t.c.key == key)).first()
        return Entry(*row) if row else Entry()

    def add_failure(self, key: str, kind: str, subject: str, now: dt.datetime,
                    window: dt.timedelta) -> Entry:
        t = self.table
        expired = t.c.window_start < now - window
        # One statement: concurrent workers never lose an increment.
        bump = (sa.update(t).where(t.c.key == key).values(
            failures=sa.case((expired, 1), else_=t.c.failures + 1),
            window_start=sa.case((expired, now), else_=t.c.window_start),
            last_failure=now))
        for _attempt in range(2):
            try:
                with self.engine.begin() as conn:
                    if random.random() < PRUNE_CHANCE:
                        conn.execute(self._stale(now))
                    if conn.execute(bump).rowcount == 0:
                        conn.execute(sa.insert(t).values(
                            key=key, kind=kind, subject=subject[:256], failures=1,
                            window_start=now, last_failure=now))
                break
            except sa.exc.IntegrityError:
                continue  # another worker inserted the row first: increment it
        return self.read(key)

    def _stale(self, now: dt.datetime) -> sa.Delete:
        """Rows nobody waits on whose last failure is a day old (they no longer count)."""
        t = self.table
        return sa.delete(t).where(
            t.c.locked_at.is_(None), t.c.last_failure < now - ACCOUNT_WINDOW,
            sa.or_(t.c.blocked_until.is_(None), t.c.blocked_until < now))

    def block(self, key: str, until: dt.datetime | None, lock: bool) -> None:
        values: dict = {"blocked_until": until}
        if lock:
            values["locked_at"] = utcnow()
        with self.engine.begin() as conn:
            conn.execute(sa.update(self.table).where(self.table.c.key == key)
                         .values(**values))

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(self.table).where(self.table.c.key == key))


class RedisStore:
    """One Redis hash per key, expiring with its window (locks do not expire)."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, decode_responses=True)

    @staticmethod
    def _time(value: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value) if value else None

    def read(self, key: str) -> Entry:
        data = self.redis.hgetall(f"casus:login:{key}")
        if not data:
            return Entry()
        return Entry(int(data.get("failures", 0)), self._time(data.get("window_start")),
                     self._time(data.get("blocked_until")), self._time(data.get("locked_at")))

    def add_failure(self, key: str, kind: str, subject: str, now: dt.datetime,
                    window: dt.timedelta) -> Entry:
        name = f"casus:login:{key}"
        pipe = self.redis.pipeline()
        pipe.hincrby(name, "failures", 1)
        pipe.hsetnx(name, "window_start", now.isoformat())
        pipe.hset(name, mapping={"kind": kind, "subject": subject[:256]})
        failures = pipe.execute()[0]
        if failures == 1:
            self.redis.expire(name, int(window.total_seconds()))
        return self.read(key)

    def block(self, key: str, until: dt.datetime | None, lock: bool) -> None:
        name = f"casus:login:{key}"
        mapping = {"blocked_until": until.isoformat() if until else ""}
        if lock:
            mapping["locked_at"] = utcnow().isoformat()
            self.redis.persist(name)
        self.redis.hset(name, mapping=mapping)

    def clear(self, key: str) -> None:
        self.redis.delete(f"casus:login:{key}")


def build_store(app: Flask) -> ThrottleStore:
    setting = app.config.get("CASUS_LOGIN_THROTTLE_STORE") or "database"
    if setting.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(setting)
    from casusregie.app.extensions import db

    return _LazyDatabaseStore(lambda: db.engine)


class _LazyDatabaseStore(DatabaseStore):
    """The database store, finding the app's engine when first used."""

    def __init__(self, engine_getter) -> None:  # noqa: D107 - engine needs an app context
        self._engine_getter = engine_getter

    @property
    def engine(self) -> sa.Engine:  # type: ignore[override]
        return self._engine_getter()


def account_key(username: str) -> str:
    return f"{ACCOUNT}:{(username or '').strip().lower()[:256]}"


def address_key(address: str) -> str:
    return f"{ADDRESS}:{address}"


def client_address() -> str:
    return request.remote_addr or "unknown"


class LoginGuard:
    """The throttling policy over one store; one per app (``app.extensions``)."""

    def __init__(self, app: Flask, store: ThrottleStore) -> None:
        self.app = app
        self.store = store

    @property
    def enabled(self) -> bool:
        return bool(current_app.config.get("CASUS_LOGIN_THROTTLE"))

    def check(self, username: str, address: str) -> Refusal | None:
        """Refuse before the password is checked: address limit, lock, back-off."""
        if not self.enabled:
            return None
        now = utcnow()
        account = self.store.read(account_key(username))
        if account.locked_at is not None:
            return Refusal("locked")
        if account.blocked_until is not None and account.blocked_until > now:
            return Refusal("backoff", account.blocked_until)
        place = self.store.read(address_key(address))
        cfg = current_app.config
        window = dt.timedelta(minutes=cfg["CASUS_LOGIN_ADDRESS_WINDOW_MINUTES"])
        if (place.failures >= cfg["CASUS_LOGIN_ADDRESS_FAILURES"]
                and place.window_start is not None and place.window_start + window > now):
            return Refusal("address", place.window_start + window)
        return None

    def failed(self, username: str, address: str) -> str | None:
        """Count a failure; return ``"locked"`` or ``"backoff"`` when that started now."""
        if not self.enabled:
            return None
        cfg = current_app.config
        now = utcnow()
        self.store.add_failure(address_key(address), ADDRESS, address, now,
                               dt.timedelta(minutes=cfg["CASUS_LOGIN_ADDRESS_WINDOW_MINUTES"]))
        key = account_key(username)
        entry = self.store.add_failure(key, ACCOUNT, key.split(":", 1)[1], now,
                                       ACCOUNT_WINDOW)
        if entry.locked_at is not None:
            return None
        if entry.failures >= cfg["CASUS_LOGIN_LOCK_AFTER"]:
            self.store.block(key, None, lock=True)
            return "locked"
        over = entry.failures - cfg["CASUS_LOGIN_FREE_FAILURES"]
        if over >= 0:
            wait = cfg["CASUS_LOGIN_BACKOFF_SECONDS"] * (2 ** min(over, 16))
            self.store.block(key, now + dt.timedelta(seconds=wait), lock=False)
            return "backoff"
        return None

    def succeeded(self, username: str) -> None:
        if self.enabled:
            self.store.clear(account_key(username))

    def unlock(self, username: str) -> None:
        self.store.clear(account_key(username))


def get_throttle() -> LoginGuard:
    return current_app.extensions["casus_login_throttle"]


def init_throttle(app: Flask) -> None:
    app.extensions["casus_login_throttle"] = LoginGuard(app, build_store(app))
