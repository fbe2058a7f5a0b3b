"""The audit trail's cost on the pages that read most: the case page and the case list.

The same page is requested with the trail on and off (``CASUS_AUDIT``, a switch for this
measurement only) in pairs, the order alternating within each pair, in one process: both
arms see the same machine load, caches and database state, which on a shared machine
matters more than the number of samples. Per arm it reports

* the median wall time of a request,
* the application's CPU time (``time.process_time``: other processes on the machine do
  not count), and
* on PostgreSQL the CPU time of the database server processes serving this process's
  connections (from ``/proc/<backend pid>/stat``, when the server runs on this machine):
  other sessions on the same server do not count either.

The overhead quoted is that of the CPU times (application plus database server), the
cost the trail adds to the page by design; wall time is also given, which includes the
wait for the commit to reach the disk.

    .venv/bin/python -m benchmarks.audit --cases 2000 [--pairs 200] [--profile]
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from benchmarks.suite import Result, facts, login, scenarios

MEASURED = ("case list, 25", "case page, 10 interventions")
PAIRS = 150
WARMUP = 10
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class ServerCpu:
    """CPU seconds spent by the PostgreSQL backends of one engine's connections."""

    def __init__(self, engine: sa.Engine) -> None:
        self.pids: set[int] = set()
        self.readable = engine.dialect.name == "postgresql" and Path("/proc").is_dir()
        if self.readable:
            sa.event.listen(engine, "connect", self._connected)
            engine.dispose()  # connections made from now on report their backend

    def _connected(self, dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        self.pids.add(cursor.fetchone()[0])
        cursor.close()
        dbapi_connection.commit()

    def seconds(self) -> float | None:
        if not self.readable:
            return None
        total = 0
        for pid in list(self.pids):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a backend whose connection closed: its time is no longer ours
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / _TICK


@dataclass
class Arm:
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    server_ms: float = 0.0  # total over the arm: the kernel counts in 10 ms ticks
    requests: int = 0

    @property
    def server_per_request(self) -> float | None:
        return self.server_ms / self.requests if self.requests else None


def compare(app: Flask, client, url: str, server: ServerCpu, pairs: int = PAIRS
            ) -> dict[bool, Arm] | None:
    """Interleave trail-on and trail-off requests of ``url``: (on, off), (off, on), …"""
    arms = {True: Arm(), False: Arm()}
    try:
        for i in range(WARMUP + pairs):
            for on in ((True, False) if i % 2 == 0 else (False, True)):
                app.config["CASUS_AUDIT"] = on
                s0 = server.seconds()
                c0, w0 = time.process_time(), time.perf_counter()
                resp = client.get(url)
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                s1 = server.seconds()
                if resp.status_code != 200:
                    return None
                if i < WARMUP:
                    continue
                arm = arms[on]
                arm.wall_ms.append(wall * 1000)
                arm.cpu_ms.append(cpu * 1000)
                arm.requests += 1
                if s0 is not None and s1 is not None:
                    arm.server_ms += (s1 - s0) * 1000
    finally:
        app.config["CASUS_AUDIT"] = True
    return arms


def overhead(on: float | None, off: float | None) -> float | None:
    if on is None or not off:
        return None
    return (on - off) / off * 100


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def audit_results(app: Flask, backend: str, password: str, budget_s: float = 0.0,
                  pairs: int = PAIRS) -> list[Result]:
    from casusregie.app.extensions import db

    with app.app_context():
        engine = db.engine
        server = ServerCpu(engine)
    found = {s.name: s for s in scenarios(app, engine.dialect.name, facts(engine))}
    results = []
    clients: dict[str, object] = {}
    for name in MEASURED:
        scenario = found.get(name)
        if scenario is None or scenario.url is None:
            continue
        if scenario.user not in clients:
            clients[scenario.user] = app.test_client()
            login(clients[scenario.user], scenario.user, password)
        arms = compare(app, clients[scenario.user], scenario.url, server, pairs)
        if arms is None:
            results.append(Result(backend, f"{name}, audit trail on", note="page refused"))
            continue
        on, off = arms[True], arms[False]
        app_on, app_off = statistics.median(on.cpu_ms), statistics.median(off.cpu_ms)
        db_on, db_off = ((on.server_per_request, off.server_per_request) if server.readable
                         else (None, None))
        total_on = app_on + (db_on or 0.0)
        total_off = app_off + (db_off or 0.0)
        wall_on, wall_off = statistics.median(on.wall_ms), statistics.median(off.wall_ms)
        server_note = (f", database CPU {db_on:.2f} vs {db_off:.2f} ms"
                       if db_on is not None and db_off is not None else "")
        result = Result(
            backend, f"{name}, audit trail on", samples_ms=on.wall_ms, cpu_ms=on.cpu_ms,
            note=(f"audit overhead {_pct(overhead(total_on, total_off))} CPU "
                  f"(app {app_on:.1f} vs {app_off:.1f} ms{server_note}), "
                  f"{_pct(overhead(wall_on, wall_off))} wall ({wall_off:.1f} ms off); "
                  f"{pairs} interleaved pairs"))
        result.extra.update(compare=False, overhead_cpu=overhead(total_on, total_off),
                            overhead_wall=overhead(wall_on, wall_off))
        results.append(result)
    return results


def write_cost(app: Flask, backend: str, pairs: int = 300) -> Result:
    """What appending one page's read record costs, the way a page does it (Core rows,
    one statement on PostgreSQL) against the ORM unit of work writes use, interleaved:
    CPU of this process and of its database server backends per record."""
    from casusregie.app.audit import build_record, build_row
    from casusregie.app.audit.chain import append_rows
    from casusregie.app.extensions import db

    with app.app_context():
        server = ServerCpu(db.engine)
    spent = {"core": [0.0, 0.0], "orm": [0.0, 0.0]}  # app ms, database ms
    detail = {"ids": list(range(1, 26))}
    with app.test_request_context("/casemodelview/list/"):
        session = db.session.session_factory()
        try:
            for i in range(WARMUP + pairs):
                for way in (("core", "orm") if i % 2 == 0 else ("orm", "core")):
                    s0, c0 = server.seconds(), time.process_time()
                    if way == "core":
                        append_rows(session.connection(), [build_row(
                            "search", object_type="case", user="benchmark", detail=detail)])
                    else:
                        session.add(build_record("search", object_type="case",
                                                 user="benchmark", detail=detail))
                    session.commit()
                    cpu, s1 = time.process_time() - c0, server.seconds()
                    if i >= WARMUP:
                        spent[way][0] += cpu * 1000
                        if s0 is not None and s1 is not None:
                            spent[way][1] += (s1 - s0) * 1000
        finally:
            session.close()
    core, orm = ([v / pairs for v in spent[w]] for w in ("core", "orm"))
    db_note = (f", database CPU {core[1]:.2f} vs {orm[1]:.2f} ms"
               if server.readable else "")
    return Result(backend, "append one read record (page path vs ORM path)",
                  note=f"app CPU {core[0]:.2f} vs {orm[0]:.2f} ms per record{db_note}; "
                       f"{pairs} interleaved pairs, commit included{_journal(app)}",
                  extra={"compare": False})


def _journal(app: Flask) -> str:
    """SQLite's journal settings of the app's connections, which decide what a commit
    costs (app/database.py)."""
    from casusregie.app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return ""
        with db.engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
    return f"; journal_mode={mode}, synchronous={names.get(sync, sync)}"


def profile(app: Flask, password: str, pairs: int) -> None:
    """Where the trail's time goes: cProfile of the trail-on requests, audit functions."""
    import cProfile
    import pstats

    from casusregie.app.extensions import db

    with app.app_context():
        engine = db.engine
    found = {s.name: s for s in scenarios(app, engine.dialect.name, facts(engine))}
    for name in MEASURED:
        scenario = found[name]
        client = app.test_client()
        login(client, scenario.user, password)
        for _ in range(WARMUP):
            client.get(scenario.url)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(pairs):
            client.get(scenario.url)
        prof.disable()
        print(f"\n== {name}: {pairs} requests, trail on")
        stats = pstats.Stats(prof).sort_stats("cumulative")
        stats.print_stats(r"app/audit|_write_reads|append|build_record|commit", 25)


def main() -> None:
    """Only this measurement, on the databases ``make bench`` built (``--cases``)."""
    import argparse
    import logging

    from benchmarks.run import prepare, table
    from casusregie.app import create_app
    from casusregie.config import build_config

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pairs", type=int, default=PAIRS)
    parser.add_argument("--profile", action="store_true",
                        help="print where the trail-on requests spend their time")
    args = parser.parse_args()
    password = build_config()["CASUS_DEMO_PASSWORD"]
    results = []
    for backend in args.databases.split(","):
        url = prepare(backend, args.cases, False)
        if url is None:
            continue
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                          "CASUS_MFA_ROLES": []})
        logging.disable(logging.ERROR)
        if args.profile:
            profile(app, password, args.pairs)
            continue
        results += audit_results(app, backend, password, pairs=args.pairs)
        results.append(write_cost(app, backend))
    if results:
        print(table(results, [], args.cases))


if __name__ == "__main__":
    main()
