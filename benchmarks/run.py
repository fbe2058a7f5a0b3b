"""``make bench``: build the benchmark databases, run every scenario, print one table.

    .venv/bin/python -m benchmarks.run --cases 2000 [--databases sqlite,postgresql]
        [--load-seconds 30] [--fresh] [--markdown docs/…]

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

from benchmarks.load import LoadResult
from benchmarks.suite import Result

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
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "app", *args],
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
        path.unlink(missing_ok=True)
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


def dossier_results(app, backend: str) -> list[Result]:
    """The dossier of the generated 10/100/1,000-intervention cases, as their director.

    Uses the sections and the procedure of ``benchmarks/bench_dossier.py`` (which measures
    the same on a scratch demo database); here the case sits among the generated data.
    """
    import statistics
    import tracemalloc

    try:
        from benchmarks.bench_dossier import ALL_SECTIONS, SIZES
        from reports.dossier import PrintRequest, build_dossier
    except ImportError as exc:
        return [Result(backend, "dossier PDF", note=f"dossier not available ({exc})")]
    from flask_babel import force_locale

    from app.access import system_access
    from app.access.actor import actor_for_user
    from app.extensions import db
    from benchmarks.suite import QueryCounter, facts

    with app.app_context():
        engine = db.engine
        case_ids = facts(engine).case_counts
    counter = QueryCounter(engine)
    results = []
    # As bench_dossier does: rows read as a system job, field rules of the printing user.
    with app.test_request_context(), system_access("benchmark"), force_locale("nl"):
        user = app.appbuilder.sm.find_user(username="bench-director")
        actor = actor_for_user(user)
        for size in SIZES:
            result = Result(backend, f"dossier PDF, {size:,} interventions")
            results.append(result)
            result.extra["compare"] = False
            case_id = case_ids.get(size)
            if case_id is None:
                result.note = "no generated case of this size"
                continue
            request = PrintRequest(user=user, actor=actor, purpose="Benchmark", locale="nl",
                                   sections=ALL_SECTIONS)
            try:
                build_dossier(case_id, request)  # warm-up: fonts, imports
                tracemalloc.start()
                printed = build_dossier(case_id, request)
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                runs = []
                for _ in range(3 if size >= 1000 else 7):
                    before = counter.count
                    started, cpu = time.perf_counter(), time.thread_time()
                    build_dossier(case_id, request)
                    runs.append((time.perf_counter() - started) * 1000)
                    result.cpu_ms.append((time.thread_time() - cpu) * 1000)
                    result.queries = counter.count - before
            except Exception as exc:  # noqa: BLE001 - one broken scenario must not hide the rest
                if tracemalloc.is_tracing():
                    tracemalloc.stop()
                result.note = f"failed: {type(exc).__name__}: {exc}"
                continue
            result.samples_ms = runs
            result.size_kb = len(printed.pdf) / 1024
            seconds = statistics.median(runs) / 1000
            result.note = (f"{printed.pages} pages, {printed.pages / seconds:.0f} pages/s, "
                           f"peak {peak / 2**20:.1f} MiB")
    return results


def run_backend(backend: str, url: str, password: str, budget: float) -> list[Result]:
    from app import create_app
    from benchmarks.suite import run_latency

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "CASUS_MFA_ROLES": []})  # bench users log in with a password only
    # Refusals and screen errors show up as notes in the table, not as log noise.
    logging.disable(logging.ERROR)
    results = run_latency(app, url, backend, password, budget)
    results += dossier_results(app, backend)
    from benchmarks.audit import audit_results, write_cost

    # The trail's overhead on the case list and case page: interleaved on/off pairs.
    results += audit_results(app, backend, password)
    results.append(write_cost(app, backend))
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
    return results


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def table(results: list[Result], load: list[LoadResult], cases: int) -> str:
    out = io.StringIO()
    out.write(f"Casusregie benchmarks at {cases:,} cases\n\n")
    out.write("| database | scenario | median ms | p95 ms | app CPU ms | queries | KB "
              "| largest select | floor ms | × floor | note |\n")
    out.write("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
    for r in results:
        out.write(f"| {r.backend} | {r.scenario} | {_fmt(r.median)} | {_fmt(r.p95)} | "
                  f"{_fmt(r.cpu_median)} | "
                  f"{'—' if r.queries is None else r.queries} | {_fmt(r.size_kb, 0)} | "
                  f"{'—' if r.largest_select is None else r.largest_select} | "
                  f"{_fmt(r.floor_ms)} | {_fmt(r.ratio)} | {r.note} |\n")
    if load:
        out.write("\n| load (gunicorn, 2 workers, PostgreSQL) | clients | seconds | requests/s "
                  "| errors | tool |\n|---|---:|---:|---:|---:|---|\n")
        for lr in load:
            out.write(f"| {lr.target} | 20 | {lr.seconds:.0f} | {lr.per_second:,.1f} | "
                      f"{lr.errors} | {lr.tool} |\n")
        if len(load) >= 2 and load[1].per_second:
            share = load[0].per_second / load[1].per_second
            out.write(f"\nCase list throughput: {share:.2f} of the bare Flask floor page's, "
                      f"{load[0].per_second / max(load[-1].per_second, 0.001):.2f} of a "
                      "page without database.\n")
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
    parser.add_argument("--fresh", action="store_true", help="regenerate the databases")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)

    os.environ.setdefault("CASUS_RATELIMIT_ENABLED", "false")
    from config import build_config

    password = build_config()["CASUS_DEMO_PASSWORD"]
    results: list[Result] = []
    load: list[LoadResult] = []
    load_start = os.getloadavg()[0]
    for backend in [b.strip() for b in args.databases.split(",") if b.strip()]:
        url = prepare(backend, args.cases, args.fresh)
        if url is None:
            results.append(Result(backend, "(all)", note="database not reachable: skipped"))
            continue
        log(f"[{backend}] measuring latency …")
        results += run_backend(backend, url, password, args.budget)
        if backend == "postgresql" and args.load_seconds > 0:
            from benchmarks.load import run_load

            log(f"[{backend}] load test, {args.load_seconds} s per target …")
            path = "/casemodelview/list/"
            try:
                load = run_load(url, "postgresql", password, path,
                                seconds=args.load_seconds)
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                load = [LoadResult(f"load test failed: {exc}", 0, 0, 0, "")]
    text = (table(results, load, args.cases) + f"\nMachine: {machine()}\n"
            f"Load average (1 min) at start / end: {load_start:.1f} / {os.getloadavg()[0]:.1f}\n")
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
