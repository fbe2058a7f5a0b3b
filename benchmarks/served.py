"""The scenarios as users get them: over HTTP, against gunicorn in production mode.

Casusregie runs under gunicorn with 2 workers and ``CASUS_ENV=production`` (a random
secret key, trusted host 127.0.0.1, the audit trail on, a second factor for every role);
the bare Flask floor app runs beside it under gunicorn too. The bench users get a TOTP
secret on the throwaway benchmark database and log in through the login form and the
second-factor form like anyone else (REST: the security API with ``totp``).

Every scenario is requested one at a time on a kept-alive connection, then its floor, so
both see the same load on the machine. Per request the table gives the wall time, and the
CPU time the requests cost: the gunicorn processes' (``/proc/<pid>/stat``, user + system)
and the PostgreSQL backends' serving the benchmark database (the same, read from
``/proc`` of the backends ``pg_stat_activity`` lists; pg_stat_statements is not needed),
each divided by the number of requests. CPU time hardly moves with other work on the
machine; wall time does.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import pickle
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import sqlalchemy as sa

from benchmarks import floor as floors
from benchmarks.load import gunicorn
from benchmarks.suite import Facts, Result, Scenario, largest_select

ROOT = Path(__file__).resolve().parent.parent
HOOKS = Path(__file__).with_name("gunicorn_hooks.py")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
USERS = ("bench-coordinator", "bench-director", "bench-partner")

FLOOR_MODULE = """
import os, pickle
from benchmarks import floor
with open(os.environ["BENCH_FLOORS"], "rb") as fh:
    queries = pickle.load(fh)
app, _engine = floor.floor_app(os.environ["CASUS_DATABASE_URL"], queries)
"""


# --- CPU time from /proc ------------------------------------------------------------------
def proc_cpu_ms(pid: int) -> float | None:
    """User + system CPU time of a process so far, or None when it is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data.rsplit(")", 1)[1].split()
    # Fields 14 and 15 of proc(5) (utime, stime); the split starts at field 3.
    return (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS


def process_tree(root: int) -> list[int]:
    """``root`` and its children (gunicorn's master and its workers)."""
    pids = [root]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == root:
                pids.append(int(stat.parent.name))
    return pids


@dataclass
class CpuSample:
    app: dict[int, float]
    database: dict[int, float]


class CpuMeter:
    """CPU time of one gunicorn server and of the database backends of one database."""

    def __init__(self, server_pid: int, db_url: str | None) -> None:
        self.server_pid = server_pid
        self.engine = None
        if db_url and db_url.startswith("postgresql"):
            self.engine = sa.create_engine(db_url, poolclass=sa.pool.StaticPool)
            with self.engine.connect() as conn:
                self.own = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
                self.database = conn.execute(sa.text("SELECT current_database()")).scalar()

    def _backends(self) -> list[int]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> :own "
                "AND backend_type = 'client backend'"), {"d": self.database, "own": self.own})
                .scalars())

    def sample(self) -> CpuSample:
        app = {pid: proc_cpu_ms(pid) for pid in process_tree(self.server_pid)}
        database = {}
        if self.engine is not None:
            database = {pid: proc_cpu_ms(pid) for pid in self._backends()}
        return CpuSample({k: v for k, v in app.items() if v is not None},
                         {k: v for k, v in database.items() if v is not None})

    @staticmethod
    def spent(before: CpuSample, after: CpuSample) -> tuple[float, float]:
        """Milliseconds of app and database CPU between two samples (new processes count
        from zero; one that ended in between loses its share, which the pools avoid)."""
        def delta(a: dict[int, float], b: dict[int, float]) -> float:
            return sum(v - a.get(pid, 0.0) for pid, v in b.items())

        return delta(before.app, after.app), delta(before.database, after.database)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


# --- an HTTP client that keeps its cookies -------------------------------------------------
class Browser:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes]:
        # As a browser sends it: a space typed into a search box travels as %20.
        path = quote(path, safe="/?&=%+:,;@!$'()*~._-")
        sent = {**self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=sent)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # gunicorn's sync workers close a kept-alive connection now and then.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        for header in resp.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "expires=thu, 01 jan 1970" in header.lower() or value == "":
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return resp, data

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, form: dict[str, Any] | list[tuple[str, Any]]):
        return self.request("POST", path, urlencode(form, doseq=True),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def close(self) -> None:
        self.conn.close()


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _csrf(html: bytes) -> str:
    match = _CSRF.search(html.decode(errors="replace"))
    return match.group(1) if match else ""


# --- the second factor ------------------------------------------------------------------
def enrol_bench_users(url: str) -> dict[str, str]:
    """A TOTP secret for each bench user (kept when there is one): the benchmark database
    is throwaway, and the harness is their authenticator app."""
    import pyotp

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    secrets_by_user: dict[str, str] = {}
    try:
        with engine.begin() as conn:
            for username in USERS:
                user_id = conn.execute(sa.text("SELECT id FROM ab_user WHERE username = :u"),
                                       {"u": username}).scalar()
                if user_id is None:
                    continue
                secret = conn.execute(sa.text("SELECT secret FROM user_mfa WHERE user_id = :i"),
                                      {"i": user_id}).scalar()
                if secret is None:
                    secret = pyotp.random_base32()
                    conn.execute(sa.text(
                        "INSERT INTO user_mfa (user_id, secret, enrolled_at, last_step) "
                        "VALUES (:i, :s, CURRENT_TIMESTAMP, NULL)"), {"i": user_id, "s": secret})
                secrets_by_user[username] = secret
    finally:
        engine.dispose()
    return secrets_by_user


def _next_code(url: str, username: str, secret: str) -> str:
    """A code for a time step not used before (a code is accepted once)."""
    import pyotp

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            last = conn.execute(sa.text(
                "SELECT m.last_step FROM user_mfa m JOIN ab_user u ON u.id = m.user_id "
                "WHERE u.username = :u"), {"u": username}).scalar()
    finally:
        engine.dispose()
    totp = pyotp.TOTP(secret)
    step = int(time.time()) // totp.interval
    if last is not None and last >= step:
        step = last + 1
        # One step of drift is allowed: wait until the wanted step is at most one ahead.
        while step > int(time.time()) // totp.interval + 1:
            time.sleep(1)
    return totp.generate_otp(step)


def login(browser: Browser, url: str, username: str, password: str, secret: str) -> None:
    _resp, page = browser.get("/login/")
    resp, _ = browser.post_form("/login/", {"username": username, "password": password,
                                            "csrf_token": _csrf(page)})
    if resp.status != 302 or "/mfa" not in (resp.getheader("Location") or ""):
        raise RuntimeError(f"login as {username}: HTTP {resp.status}, no second-factor step")
    _resp, page = browser.get("/mfa/")
    resp, _ = browser.post_form("/mfa/", {"code": _next_code(url, username, secret),
                                          "csrf_token": _csrf(page)})
    if resp.status != 302 or "/login" in (resp.getheader("Location") or ""):
        raise RuntimeError(f"second factor of {username} refused: HTTP {resp.status}")


def api_login(browser: Browser, url: str, username: str, password: str, secret: str) -> None:
    import json

    resp, data = browser.request(
        "POST", "/api/v1/security/login",
        json.dumps({"username": username, "password": password, "provider": "db",
                    "refresh": False, "totp": _next_code(url, username, secret)}),
        {"Content-Type": "application/json"})
    if resp.status != 200:
        raise RuntimeError(f"API login as {username}: HTTP {resp.status} {data[:200]!r}")
    browser.headers["Authorization"] = f"Bearer {json.loads(data)['access_token']}"


# --- servers ----------------------------------------------------------------------------
def production_env(url: str) -> dict[str, str]:
    """Production settings; only what a deployment must supply is filled in."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"CASUS_MFA_ROLES", "CASUS_RATELIMIT_ENABLED", "CASUS_AUDIT",
                        "CASUS_REQUIRE_SERVICE_LAYER", "FLASK_DEBUG"}}
    env.update({"CASUS_ENV": "production", "CASUS_DATABASE_URL": url,
                "CASUS_SECRET_KEY": secrets.token_urlsafe(48),
                "CASUS_TRUSTED_HOSTS": "127.0.0.1", "PYTHONPATH": str(ROOT)})
    return env


@contextlib.contextmanager
def servers(url: str, floor_queries: dict[str, floors.FloorQuery]
            ) -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
    """((port, pid) of Casusregie, (port, pid) of the floor app), both under gunicorn."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bench_floor_app.py").write_text(FLOOR_MODULE)
        with open(Path(tmp) / "floors.pickle", "wb") as fh:
            pickle.dump(floor_queries, fh)
        floor_env = {"CASUS_DATABASE_URL": url, "PYTHONPATH": f"{tmp}:{ROOT}",
                     "BENCH_FLOORS": str(Path(tmp) / "floors.pickle")}
        hooks = ["-c", str(HOOKS)]
        with gunicorn("casusregie.app:create_app()", production_env(url), extra=hooks,
                      replace_env=True) as app_server, \
                gunicorn("bench_floor_app:app", floor_env, extra=hooks) as floor_server:
            yield app_server, floor_server


# --- measuring ------------------------------------------------------------------------------
@dataclass
class Measured:
    samples_ms: list[float] = field(default_factory=list)
    app_cpu_ms: float | None = None
    db_cpu_ms: float | None = None
    queries: int | None = None
    status: int = 0
    body: bytes = b""
    content_type: str = ""


def measure(browser: Browser, meter: CpuMeter, send, *, budget_s: float,
            warmup: int = 2, min_samples: int = 10, max_samples: int = 200) -> Measured:
    """Requests one at a time until ``min_samples`` and the time budget are used up."""
    out = Measured()
    for _ in range(warmup):
        resp, body = send(browser)
    before = meter.sample()
    started = time.perf_counter()
    queries = []
    while len(out.samples_ms) < max_samples:
        t0 = time.perf_counter()
        resp, body = send(browser)
        out.samples_ms.append((time.perf_counter() - t0) * 1000)
        queries.append(int(resp.getheader("X-Bench-Queries") or 0))
        if len(out.samples_ms) >= min_samples and time.perf_counter() - started > budget_s:
            break
    app_ms, db_ms = CpuMeter.spent(before, meter.sample())
    n = len(out.samples_ms)
    out.app_cpu_ms = app_ms / n
    out.db_cpu_ms = db_ms / n if meter.engine is not None else None
    out.queries = max(queries)
    out.status, out.body = resp.status, body
    out.content_type = resp.getheader("Content-Type") or ""
    return out


def _get(path: str):
    return lambda browser: browser.get(path)


_SECTION = re.compile(r'<input[^>]*name="sections"[^>]*value="([^"]+)"')


def dossier_sender(browser: Browser, path: str):
    """Posts the print form with every section the form offers."""
    _resp, page = browser.get(path)
    html = page.decode(errors="replace")
    sections = _SECTION.findall(html)
    form = [("csrf_token", _csrf(page)), ("purpose", "Benchmark: de casus voorbereiden."),
            *[("sections", s) for s in sections]]
    return (lambda b: b.post_form(path, form)), sections


def dossier_scenarios(f: Facts) -> list[Scenario]:
    return [Scenario(f"dossier over HTTP, {size:,} interventions", "bench-director",
                     f"/print/dossier/{f.case_counts[size]}" if f.case_counts.get(size)
                     else None, None, compare=False)
            for size in (10, 100, 1000)]


def run_served(url: str, backend: str, password: str, found: list[Scenario],
               budget_s: float, after: Callable[..., None] | None = None) -> list[Result]:
    """Every scenario over HTTP, each followed by its floor. ``after(port, floor_port,
    meter, floor_meter, coordinator)`` runs while the servers are still up (the load
    test); ``coordinator`` is the logged-in coordinator's ``Browser``."""
    user_secrets = enrol_bench_users(url)
    floor_queries = {str(i): s.floor for i, s in enumerate(found) if s.floor is not None}
    results: list[Result] = []
    with servers(url, floor_queries) as ((port, pid), (floor_port, floor_pid)):
        meter, floor_meter = CpuMeter(pid, url), CpuMeter(floor_pid, url)
        browsers: dict[tuple[str, bool], Browser] = {}
        floor_browser = Browser(floor_port)
        try:
            for index, scenario in enumerate(found):
                result = Result(backend, scenario.name, note=scenario.note)
                result.extra["compare"] = scenario.compare
                results.append(result)
                if scenario.url is None:
                    continue
                key = (scenario.user, scenario.api)
                if key not in browsers:
                    browsers[key] = Browser(port)
                    (api_login if scenario.api else login)(
                        browsers[key], url, scenario.user, password,
                        user_secrets[scenario.user])
                browser = browsers[key]
                send = _get(scenario.url)
                if scenario.url.startswith("/print/dossier/"):
                    send, sections = dossier_sender(browser, scenario.url)
                    result.extra["sections"] = len(sections)
                try:
                    got = measure(browser, meter, send, budget_s=budget_s,
                                  min_samples=5 if "1,000" in scenario.name else 10)
                except (OSError, http.client.HTTPException) as exc:
                    result.note = f"failed: {type(exc).__name__}: {exc}"
                    continue
                if got.status != 200:
                    result.note = f"HTTP {got.status} at {scenario.url}"
                    continue
                result.samples_ms = got.samples_ms
                result.extra.update(app_cpu=got.app_cpu_ms, db_cpu=got.db_cpu_ms)
                result.queries = got.queries
                result.size_kb = len(got.body) / 1024
                if got.content_type.startswith("text/html"):
                    result.largest_select = largest_select(got.body.decode(errors="replace"))
                if "sections" in result.extra:
                    pages = len(re.findall(rb"/Type\s*/Page\b", got.body))
                    result.note = (f"{result.extra['sections']} sections, {pages} pages"
                                   + (f"; {result.note}" if result.note else ""))
                if scenario.floor is not None:
                    floor = measure(floor_browser, floor_meter, _get(f"/floor/{index}"),
                                    budget_s=budget_s / 3)
                    assert floor.status == 200, floor.body[:500]
                    result.floor_ms = statistics.median(floor.samples_ms)
                    result.extra.update(floor_app_cpu=floor.app_cpu_ms,
                                        floor_db_cpu=floor.db_cpu_ms)
            if after is not None:
                after(port, floor_port, meter, floor_meter,
                      browsers.get(("bench-coordinator", False)))
        finally:
            for browser in [*browsers.values(), floor_browser]:
                browser.close()
            meter.close()
            floor_meter.close()
    return results

