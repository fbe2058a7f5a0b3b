"""Time the list exports and the management dashboard on a generated database.

    CASUS_DATABASE_URL=... .venv/bin/python -m benchmarks.bench_export [--list interventions]

Logs in as ``bench-coordinator`` through the test client, exports every row of the list
with every offered column as CSV and as Excel, reads each file to its end, and prints
rows, seconds, CPU seconds and the peak memory the process reached; then times the
dashboard, as kept and as after a change (a case moved to another risk group through the
ORM, as the application saves it; the save's own time is printed too). Next to wall time
it prints the app's CPU time, the CPU time of the PostgreSQL backends serving this
database (read from ``/proc`` when the server runs on this machine) and the load
average, because on a shared machine wall time mostly measures waiting for a core.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import time
from collections.abc import Callable

from benchmarks.suite import login

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_CHOICE = re.compile(r'<input[^>]*name="columns"[^>]*value="([^"]+)"')


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_TICKS = os.sysconf("SC_CLK_TCK")


def _server_cpu() -> float | None:
    """CPU seconds used so far by the PostgreSQL backends connected to this database
    (None on SQLite or when the server's processes are not readable here)."""
    from casusregie.app.extensions import db

    engine = db.engine
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        pids = conn.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()").scalars()
        total = 0.0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                return None
            total += (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime
    return total


def _helper_cpu() -> float:
    """CPU seconds of this process's finished helper processes (the Excel export writes
    the workbook in one, ``app.workbook``, while this process reads the rows)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


class Meter:
    """Wall, app CPU and PostgreSQL CPU of one measured stretch."""

    def __init__(self, app) -> None:
        self.app = app

    def _server(self) -> float | None:
        with self.app.app_context():
            return _server_cpu()

    def __enter__(self) -> Meter:
        self.load = os.getloadavg()[0]
        self.server = self._server()
        self.started, self.cpu = time.perf_counter(), time.process_time()
        self.helper = _helper_cpu()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall = time.perf_counter() - self.started
        self.cpu = time.process_time() - self.cpu
        self.helper = _helper_cpu() - self.helper
        after = self._server()
        # A backend that ended during the stretch takes its time with it: then unknown.
        self.server = after - self.server if None not in (after, self.server) \
            and after >= self.server else None

    def __str__(self) -> str:
        server = f"{self.server:.2f}" if self.server is not None else "?"
        helper = f" (+ helper {self.helper:.2f} s)" if self.helper >= 0.005 else ""
        return (f"wall {self.wall:7.2f} s, app CPU {self.cpu:6.2f} s{helper}, "
                f"PostgreSQL CPU {server} s, load {self.load:.1f}")


def export(app, client, name: str, fmt: str) -> tuple[int, Meter, int]:
    page = client.get(f"/export/{name}/").text
    data = {"csrf_token": _CSRF.search(page).group(1), "columns": _CHOICE.findall(page),
            "file_format": fmt, "purpose": "Benchmark van de export"}
    with Meter(app) as meter:
        resp = client.post(f"/export/{name}/", data=data, buffered=False)
        size = sum(len(chunk) for chunk in resp.response)
    return int(resp.headers["X-Export-Rows"]), meter, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", default="interventions")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--no-dashboard", action="store_true")
    parser.add_argument("--no-export", action="store_true")
    args = parser.parse_args(argv)
    from casusregie.app import create_app

    app = create_app({"RATELIMIT_ENABLED": False, "CASUS_MFA_ROLES": []})  # password only
    client = app.test_client()
    login(client, "bench-coordinator", app.config["CASUS_DEMO_PASSWORD"])
    for fmt in [] if args.no_export else args.formats.split(","):
        rows, meter, size = export(app, client, args.list, fmt)
        print(f"export {args.list} {fmt:<4} {rows:>9,} rows: {meter}; "
              f"{size / 1e6:.1f} MB, peak RSS {_peak_mb():.0f} MB", flush=True)
    if not args.no_dashboard:
        dashboard(app, client, args.year, lambda line: print(line, flush=True))
        dashboard(app, management_client(app), args.year,
                  lambda line: print(line, flush=True), who=" as Management")
    return 0


def change(app, year: int, step: int = 1) -> float:
    """A change to case content, saved as the application saves it: the first case
    included in ``year`` moves ``step`` risk groups on (a negative step moves it back).
    Its figures and those of its interventions, signals and agenda items change, and
    this process's kept page counts are dropped. Returns the seconds the save took."""
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.management.figures import period
    from casusregie.app.models import Case, RiskGroup

    start, end = period(year)
    with app.app_context(), system_access("benchmark: a change to case content"):
        case = (db.session.query(Case)
                .filter(Case.opened_at >= start, Case.opened_at < end)
                .order_by(Case.id).first())
        groups = [g for (g,) in db.session.query(RiskGroup.id).order_by(RiskGroup.id)]
        case.risk_group_id = groups[(groups.index(case.risk_group_id) + step) % len(groups)]
        started = time.perf_counter()
        db.session.commit()
        return time.perf_counter() - started


def management_client(app):
    """A test client logged in as ``bench-management`` (the Management role: figures only,
    small counts suppressed), made on the benchmark database when it is not there yet."""
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.models import Organisation
    from casusregie.app.roles import ROLE_MANAGEMENT

    password = app.config["CASUS_DEMO_PASSWORD"]
    with app.app_context(), system_access("benchmark: the Management account"):
        sm = app.appbuilder.sm
        if sm.find_user(username="bench-management") is None:
            user = sm.add_user("bench-management", "Bench", "Cijfers",
                               "bench-management@casusregie.example",
                               sm.find_role(ROLE_MANAGEMENT), password=password)
            user.organisation_id = db.session.query(Organisation.id).order_by(
                Organisation.id).scalar()
            db.session.commit()
    client = app.test_client()
    login(client, "bench-management", password)
    return client


def dashboard(app, client, year: int, out: Callable[[str], None] = print,
              who: str = "") -> None:
    """The dashboard as kept and as after a change; the benchmark database is left as it
    was (the changes add up to none)."""
    for label, url in ((f"dashboard{who}", f"/management/?year={year}"),
                       (f"dashboard{who}, risk group 1",
                        f"/management/?year={year}&risk_group=1")):
        client.get(url)
        saves = []
        for name, runs, fresh in (("after a change", 3, True), ("counts kept", 7, False)):
            meters = []
            for _ in range(runs):
                if fresh:
                    saves.append(change(app, year))
                with Meter(app) as meter:
                    assert client.get(url).status_code == 200
                meters.append(meter)
            middle = sorted(meters, key=lambda m: m.wall)[len(meters) // 2]
            out(f"{label}, {name} (median of {runs}): {middle}")
        change(app, year, -len(saves))
        out(f"  the change's save, counts kept up to date included (median of "
            f"{len(saves)}): {sorted(saves)[len(saves) // 2] * 1000:.0f} ms")


def dashboard_lines(url: str, year: int) -> list[str]:
    """``dashboard`` on the database at ``url``, as lines (for ``make bench``)."""
    from casusregie.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "CASUS_MFA_ROLES": []})
    client = app.test_client()
    login(client, "bench-coordinator", app.config["CASUS_DEMO_PASSWORD"])
    lines: list[str] = []
    dashboard(app, client, year, lines.append)
    dashboard(app, management_client(app), year, lines.append, who=" as Management")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
