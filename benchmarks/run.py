"""``make bench``: build the benchmark databases, run every scenario, print the tables.

    .venv/bin/python -m benchmarks.run --cases 2000 [--databases sqlite,postgresql]
        [--load-seconds 30] [--growth CASES] [--fresh] [--markdown docs/…]

Scenarios are measured over HTTP against gunicorn in production mode
(``benchmarks.served``), with CPU per request of the app and of PostgreSQL; on
PostgreSQL also at ``--growth`` cases (default a tenth), printed as the growth table.

Databases are throwaway: ``instance/bench-<cases>.db`` on SQLite and
``casus_bench_<cases>`` on the PostgreSQL server of ``CASUS_BENCH_POSTGRES_URL``
(default: the local one). A database that already holds the generated data for that
size is reused; ``--fresh`` rebuilds it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks.bench_export import dashboard_lines
from benchmarks.load import LoadResult
from benchmarks.suite import DATA_TODAY, Result

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SEED = 8


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _case_count(url: str) -> int | None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text('SELECT COUNT(*) FROM "case"')).scalar()
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def _flask(url: str, *args: str) -> None:
    env = {**os.environ, "CASUS_DATABASE_URL": url}
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "casusregie.app", *args],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def _refresh(url: str) -> str:
    """A reused database gets the latest migrations and role grants."""
    _flask(url, "db", "upgrade")
    _flask(url, "casus", "plugins-upgrade")
    _flask(url, "casus", "init")
    return url


def prepare(backend: str, cases: int, fresh: bool) -> str | None:
    """The URL of a database holding ``cases`` generated cases (built when needed)."""
    if backend == "sqlite":
        path = ROOT / "instance" / f"bench-{cases}.db"
        url = f"sqlite:///{path}"
        if not fresh and _case_count(url) == cases:
            return _refresh(url)
        # With its write-ahead log: a log left behind would be read into the new database.
        for name in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
            name.unlink(missing_ok=True)
    else:
        server = sa.engine.make_url(os.environ.get("CASUS_BENCH_POSTGRES_URL") or DEFAULT_PG)
        # A prefix keeps benchmark databases of different checkouts on one server apart.
        name = f"{os.environ.get('CASUS_BENCH_DB_PREFIX', 'casus_bench')}_{cases}"
        url = server.set(database=name).render_as_string(hide_password=False)
        if not fresh and _case_count(url) == cases:
            return _refresh(url)
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT",
                                 poolclass=sa.pool.NullPool)
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except sa.exc.OperationalError as exc:
            log(f"PostgreSQL is not reachable ({exc.orig}); its run is skipped.")
            return None
        finally:
            admin.dispose()
    log(f"[{backend}] migrating and generating {cases:,} cases …")
    _flask(url, "db", "upgrade")
    # Enabled plugins' tables, so the generator writes their interventions too.
    _flask(url, "casus", "plugins-upgrade")
    _flask(url, "casus", "init")
    started = time.perf_counter()
    env = {**os.environ, "CASUS_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "benchmarks.generate", "--cases", str(cases),
                    "--seed", str(SEED)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    log(f"[{backend}] generated in {time.perf_counter() - started:.0f} s")
    return url


def run_backend(backend: str, url: str, password: str, budget: float, *,
                load_seconds: int = 0, audit: bool = True
                ) -> tuple[list[Result], list[LoadResult]]:
    """Every scenario over HTTP against gunicorn in production mode (``benchmarks.served``),
    the dossier with every section, and, with ``load_seconds``, the load test on the same
    servers. ``audit``: also the audit trail's cost, on and off in one process."""
    from benchmarks.load import load_served
    from benchmarks.served import dossier_scenarios, run_served
    from benchmarks.suite import facts, scenarios
    from casusregie.app import create_app
    from casusregie.app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "CASUS_MFA_ROLES": []})  # the in-process audit comparison only
    # Refusals and screen errors show up as notes in the table, not as log noise.
    logging.disable(logging.ERROR)
    with app.app_context():
        engine = db.engine
    f = facts(engine)
    found = scenarios(app, engine.dialect.name, f) + dossier_scenarios(f)
    load: list[LoadResult] = []

    def load_test(port, floor_port, meter, floor_meter, coordinator) -> None:
        if not load_seconds or coordinator is None:
            return
        log(f"[{backend}] load test, {load_seconds} s per target …")
        floor_index = next(i for i, s in enumerate(found) if s.name == "case list, 25")
        cookie = "; ".join(f"{k}={v}" for k, v in coordinator.cookies.items())
        load.extend(load_served(port, floor_port, cookie, meter, floor_meter,
                                found[floor_index].url, f"/floor/{floor_index}",
                                seconds=load_seconds))

    results = run_served(url, backend, password, found, budget, after=load_test)
    if audit:
        from benchmarks.audit import audit_results, write_cost

        # The trail's overhead on the case list and case page: interleaved on/off pairs.
        results += audit_results(app, backend, password, budget)
        results.append(write_cost(app, backend))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results, load


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _cpu(app_ms: float | None, db_ms: float | None) -> str:
    if app_ms is None:
        return "—"
    return f"{app_ms:,.1f}" + ("" if db_ms is None else f" + {db_ms:,.1f}")


def table(results: list[Result], load: list[LoadResult], cases: int) -> str:
    out = io.StringIO()
    out.write(f"Casusregie benchmarks at {cases:,} cases (over HTTP, gunicorn with 2 workers "
              "in production mode, audit trail and second factor on)\n\n")
    out.write("| database | scenario | median ms | p95 ms | × floor | CPU per request ms "
              "(app + database) | floor ms | floor CPU ms | queries | KB | largest select "
              "| note |\n")
    out.write("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
    for r in results:
        x = r.extra
        cpu = (_cpu(x["app_cpu"], x.get("db_cpu")) if "app_cpu" in x
               else _cpu(r.cpu_median, None))
        out.write(f"| {r.backend} | {r.scenario} | {_fmt(r.median)} | {_fmt(r.p95)} | "
                  f"{_fmt(r.ratio)} | {cpu} | {_fmt(r.floor_ms)} | "
                  f"{_cpu(x.get('floor_app_cpu'), x.get('floor_db_cpu'))} | "
                  f"{'—' if r.queries is None else r.queries} | {_fmt(r.size_kb, 0)} | "
                  f"{'—' if r.largest_select is None else r.largest_select} | {r.note} |\n")
    if load:
        out.write("\n| load (gunicorn, 2 workers, production mode) | clients | seconds "
                  "| requests/s | errors | CPU per request ms (app + database) | tool |\n"
                  "|---|---:|---:|---:|---:|---:|---|\n")
        for lr in load:
            out.write(f"| {lr.target} | 20 | {lr.seconds:.0f} | {lr.per_second:,.1f} | "
                      f"{lr.errors} | {_cpu(lr.app_cpu_ms, lr.db_cpu_ms)} | {lr.tool} |\n")
        if len(load) >= 2 and load[1].per_second:
            share = load[0].per_second / load[1].per_second
            out.write(f"\nCase list throughput: {share:.2f} of the bare Flask floor page's, "
                      f"{load[0].per_second / max(load[-1].per_second, 0.001):.2f} of a "
                      "page without database.\n")
    return out.getvalue()


def growth_table(small: list[Result], large: list[Result], small_cases: int,
                 large_cases: int) -> str:
    """Queries and database CPU per request of every scenario at both sizes."""
    by_name = {r.scenario: r for r in small}
    a, b = f"{small_cases:,}", f"{large_cases:,}"
    out = io.StringIO()
    out.write(f"\nGrowth: {a} → {b} cases (target: queries equal, database CPU ≤ 1.2×)\n\n")
    out.write(f"| database | scenario | queries {a} | queries {b} | database CPU ms {a} | "
              f"database CPU ms {b} | × | app CPU ms {a} | app CPU ms {b} | × |\n")
    out.write("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")

    def ratio(x: float | None, y: float | None) -> str:
        return "—" if not x or y is None else f"{y / x:.2f}"

    for r in large:
        s = by_name.get(r.scenario)
        if s is None or "app_cpu" not in r.extra or "app_cpu" not in s.extra:
            continue
        sd, ld = s.extra.get("db_cpu"), r.extra.get("db_cpu")
        sa_, la = s.extra["app_cpu"], r.extra["app_cpu"]
        out.write(f"| {r.backend} | {r.scenario} | {s.queries} | {r.queries} | {_fmt(sd)} | "
                  f"{_fmt(ld)} | {ratio(sd, ld)} | {_fmt(sa_)} | {_fmt(la)} | "
                  f"{ratio(sa_, la)} |\n")
    return out.getvalue()


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Casusregie benchmark suite")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--load-seconds", type=int, default=30,
                        help="duration of each load run (0 skips the load test)")
    parser.add_argument("--budget", type=float, default=4.0,
                        help="seconds of sampling per scenario")
    parser.add_argument("--growth", type=int, default=None, metavar="CASES",
                        help="on PostgreSQL, also measure at this many cases and print the "
                             "growth table (default: a tenth of --cases; 0 skips it)")
    parser.add_argument("--fresh", action="store_true", help="regenerate the databases")
    parser.add_argument("--markdown", help="also write the tables to this file")
    args = parser.parse_args(argv)
    growth = args.cases // 10 if args.growth is None else args.growth

    os.environ.setdefault("CASUS_RATELIMIT_ENABLED", "false")
    from casusregie.config import build_config

    password = build_config()["CASUS_DEMO_PASSWORD"]
    results: list[Result] = []
    load: list[LoadResult] = []
    growth_text = ""
    fresh_text = "\n"
    load_start = os.getloadavg()[0]
    for backend in [b.strip() for b in args.databases.split(",") if b.strip()]:
        url = prepare(backend, args.cases, args.fresh)
        if url is None:
            results.append(Result(backend, "(all)", note="database not reachable: skipped"))
            continue
        small_url = (prepare(backend, growth, args.fresh)
                     if backend == "postgresql" and growth else None)
        log(f"[{backend}] measuring over HTTP …")
        measured, backend_load = run_backend(
            backend, url, password, args.budget,
            load_seconds=args.load_seconds if backend == "postgresql" else 0)
        results += measured
        load += backend_load
        # The dashboard's first render after a change to case content (the served
        # scenarios above see the page counts kept), in process like bench_export.
        fresh_text += "".join(f"[{backend}] {line}\n"
                              for line in dashboard_lines(url, DATA_TODAY.year))
        if small_url is not None:
            log(f"[{backend}] measuring at {growth:,} cases for the growth table …")
            small, _ = run_backend(backend, small_url, password, args.budget / 2, audit=False)
            growth_text += growth_table(small, measured, growth, args.cases)
    text = (table(results, load, args.cases) + growth_text + fresh_text
            + f"\nMachine: {machine()}\n"
            f"Load average (1 min) at start / end: {load_start:.1f} / {os.getloadavg()[0]:.1f}\n")
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
