"""How long the case dossier takes, and how much memory, as a case grows.

    .venv/bin/python -m benchmarks.bench_dossier [--keep DIR] [--profile N]
    .venv/bin/python -m benchmarks.bench_dossier --url postgresql+psycopg://... \
        --case 54603 --case 45502 --user bench-director [--profile N]

Builds a scratch SQLite database (migrated, initialised, demo data), adds cases with
10, 100 and 1,000 interventions (each with an outcome text, goals and decisions), and
prints per case the render time, CPU time, SQL queries, peak Python memory
(tracemalloc), pages and pages per second of a full Dutch dossier printed as the demo
coordinator. The 1,000-intervention dossier should take under 2 seconds, the
10-intervention one under 50 ms. ``--keep DIR`` also writes the PDFs there.

``--url`` measures existing cases of an existing database instead (for instance those
``make bench`` generated; nothing is written to it), printed by ``--user``. ``--profile N``
then prints a cProfile of N builds of the first case, heaviest functions first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

SIZES = (10, 100, 1000)
TARGET_SECONDS = 2.0
#: The small dossier's target: a printout should feel immediate.
SMALL_TARGET_SECONDS = 0.05
ALL_SECTIONS = ("decisions", "assessment", "plan", "interventions", "conferences", "notes")


def _build_app(db_path: Path):
    os.environ.setdefault("CASUS_ENV", "testing")
    os.environ.setdefault("CASUS_PLUGINS", "")
    from flask_migrate import upgrade

    from casusregie.app import create_app
    from casusregie.app.access import system_access
    from casusregie.app.demo import seed_demo
    from casusregie.app.setup import init_all

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "TESTING": True,
                      "CASUS_DEMO_PASSWORD": "Casusregie-demo-2026",
                      "RATELIMIT_ENABLED": False})
    with app.app_context(), system_access("benchmark set-up"):
        upgrade()
        init_all()
        seed_demo()
    return app


def _add_case(size: int) -> int:
    """A case like the demo returnee's, with ``size`` interventions over five goals."""
    from casusregie.app.extensions import db
    from casusregie.app.models import (
        ActionPlan,
        Assessment,
        Case,
        CaseNote,
        CaseSubject,
        Decision,
        DecisionBody,
        DecisionKind,
        Goal,
        Intervention,
        InterventionStatus,
        InterventionType,
        Organisation,
        RiskGroup,
        Subject,
    )
    from casusregie.app.numbering import draw_case_number

    coordinator = db.session.query(Organisation).first()
    user = __import__("flask").current_app.appbuilder.sm.find_user(username="coordinator")
    types = db.session.query(InterventionType).all()
    orgs = {o.id: o for o in db.session.query(Organisation)}
    opened = dt.datetime(2025, 1, 6, 10, 0)
    year, seq, number = draw_case_number(db.session, 2025)
    subject = Subject(first_name="Şükrü", last_name=f"Ağca-{size}",
                      date_of_birth=dt.date(2004, 2, 17), bsn="123456782")
    case = Case(number=number, year=year, sequence=seq, phase="monitoring",
                risk_group=db.session.query(RiskGroup).filter_by(number=4).one(),
                lead_organisation=coordinator, case_director=user, opened_at=opened,
                summary="Benchmarkcasus. " * 20, review_date=dt.date(2026, 12, 1))
    case.case_subjects = [CaseSubject(subject=subject, primary=True)]
    db.session.add(case)
    plan = ActionPlan(case=case, version_number=1, current=True, description="Plan. " * 30)
    goals = [Goal(action_plan=plan, position=n, description=f"Doel {n + 1}: " + "groei " * 12,
                  organisation=coordinator) for n in range(5)]
    db.session.add_all([plan, *goals])
    db.session.add(Assessment(case=case, assessed_on=opened.date(), author=user,
                              risk_factors="Risico. " * 60, protective_factors="Steun. " * 60,
                              life_domains="Wonen, school, werk. " * 20))
    statuses = list(InterventionStatus)
    for n in range(size):
        kind = types[n % len(types)]
        db.session.add(Intervention(
            case=case, type=kind, organisation=orgs[kind.organisation_id], goal=goals[n % 5],
            status=statuses[n % 4], start_date=opened.date() + dt.timedelta(days=n % 400),
            end_date=opened.date() + dt.timedelta(days=n % 400 + 90) if n % 4 > 1 else None,
            outcome=f"Verslag {n}: " + "voortgang besproken met de betrokkene. " * (n % 4)))
    for n in range(min(size, 50)):
        db.session.add(Decision(case=case, kind=DecisionKind.escalation,
                                body=DecisionBody.case_conference, decided_by=user,
                                decided_at=opened + dt.timedelta(days=n * 7),
                                reasons="Besluit met toelichting. " * 8))
        db.session.add(CaseNote(case=case, author=user, created_at=opened + dt.timedelta(n),
                                text="Aantekening. " * 40))
    db.session.commit()
    return case.id


def _measure(app, cases: dict[str, int], username: str, keep: Path | None,
             profile: int) -> dict[str, float]:
    """Print one line per case; returns the best wall time per label."""
    import sqlalchemy as sa
    from flask_babel import force_locale

    from casusregie.app.access import system_access
    from casusregie.app.access.actor import actor_for_user
    from casusregie.app.extensions import db
    from casusregie.reports.dossier import PrintRequest, build_dossier

    with app.app_context():
        engine = db.engine
    queries = [0]

    def count(*_args) -> None:
        queries[0] += 1

    print(f"{'case':>13} {'seconds':>8} {'cpu s':>6} {'queries':>7} {'peak MiB':>9} "
          f"{'pages':>6} {'pages/s':>8}")
    best: dict[str, float] = {}
    # Rows are read as a system job (the benchmark has no request user); the field rules
    # are those of the user who prints.
    with app.test_request_context(), system_access("benchmark"), force_locale("nl"):
        user = app.appbuilder.sm.find_user(username=username)
        actor = actor_for_user(user)
        first = next(iter(cases.values()))
        build_dossier(first, PrintRequest(  # warm-up: fonts, imports
            user=user, actor=actor, purpose="Opwarmen", locale="nl", sections=ALL_SECTIONS))
        for label, case_id in cases.items():
            request = PrintRequest(user=user, actor=actor, purpose="Benchmark",
                                   locale="nl", sections=ALL_SECTIONS)
            tracemalloc.start()
            printed = build_dossier(case_id, request)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert printed is not None, f"case {case_id} not found"
            # Timed without tracemalloc, which slows allocation-heavy code; best of a few,
            # since other work on the machine only ever adds time.
            runs = []
            sa.event.listen(engine, "before_cursor_execute", count)
            try:
                for _ in range(3 if printed.pages > 20 else 7):
                    queries[0] = 0
                    wall, cpu = time.perf_counter(), time.process_time()
                    build_dossier(case_id, request)
                    runs.append((time.perf_counter() - wall, time.process_time() - cpu))
            finally:
                sa.event.remove(engine, "before_cursor_execute", count)
            seconds, cpu_seconds = min(runs)
            best[label] = seconds
            print(f"{label:>13} {seconds:>8.3f} {cpu_seconds:>6.3f} {queries[0]:>7} "
                  f"{peak / 2**20:>9.1f} {printed.pages:>6} {printed.pages / seconds:>8.1f}")
            if keep:
                keep.mkdir(parents=True, exist_ok=True)
                (keep / printed.filename).write_bytes(printed.pdf)
        if profile:
            import cProfile
            import pstats

            request = PrintRequest(user=user, actor=actor, purpose="Benchmark", locale="nl",
                                   sections=ALL_SECTIONS)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(profile):
                build_dossier(first, request)
            profiler.disable()
            print(f"\ncProfile of {profile} builds of case {first}:")
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(30)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the PDFs into this folder")
    parser.add_argument("--url", help="measure cases of this existing database instead")
    parser.add_argument("--case", type=int, action="append", default=[],
                        help="with --url: a case id to print (repeatable)")
    parser.add_argument("--user", default=None,
                        help="who prints (default: the demo coordinator; with --url "
                             "bench-director)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print a cProfile of N builds of the first case")
    args = parser.parse_args(argv)

    if args.url:
        if not args.case:
            parser.error("--url needs at least one --case")
        import logging

        from casusregie.app import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "RATELIMIT_ENABLED": False,
                      "CASUS_MFA_ROLES": []})  # bench users log in with a password only
        logging.disable(logging.ERROR)
        _measure(app, {f"case {c}": c for c in args.case}, args.user or "bench-director",
                 args.keep, args.profile)
        return 0

    with tempfile.TemporaryDirectory(prefix="casus-bench-dossier-") as tmp:
        app = _build_app(Path(tmp) / "bench.db")
        from casusregie.app.access import system_access

        with app.app_context(), system_access("benchmark set-up"):
            case_ids = {f"{size:,} int.": _add_case(size) for size in SIZES}
        best = _measure(app, case_ids, args.user or "coordinator", args.keep, args.profile)
    small, large = best[f"{SIZES[0]:,} int."], best[f"{SIZES[-1]:,} int."]
    ok = large < TARGET_SECONDS and small < SMALL_TARGET_SECONDS
    print(f"{SIZES[-1]:,} interventions: {large:.2f} s (target < {TARGET_SECONDS:.0f} s) "
          f"{'OK' if large < TARGET_SECONDS else 'TOO SLOW'}")
    print(f"{SIZES[0]} interventions: {small * 1000:.0f} ms "
          f"(target < {SMALL_TARGET_SECONDS * 1000:.0f} ms) "
          f"{'OK' if small < SMALL_TARGET_SECONDS else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
