"""The audit trail's cost on the pages that read most: the case page and the case list,
measured with the trail on and off (``CASUS_AUDIT``, a switch for this measurement only),
alternating so that both see the same machine load."""

from __future__ import annotations

import statistics
import time

from flask import Flask

from benchmarks.suite import Result, facts, login, scenarios, timed

MEASURED = ("case list, 25", "case page, 10 interventions")
ROUNDS = 3


def audit_results(app: Flask, backend: str, password: str, budget_s: float) -> list[Result]:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
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
        client = clients[scenario.user]
        samples: dict[bool, list[float]] = {True: [], False: []}
        cpu: dict[bool, list[float]] = {True: [], False: []}
        for _round in range(ROUNDS):
            for on in (True, False):
                app.config["CASUS_AUDIT"] = on

                def call(c=client, u=scenario.url, spent=cpu[on]):
                    # CPU time of this thread: less sensitive to other work on the machine.
                    before = time.thread_time()
                    resp = c.get(u)
                    spent.append((time.thread_time() - before) * 1000)
                    return resp

                times, last = timed(call, budget_s=budget_s / (2 * ROUNDS), min_samples=8)
                if last.status_code != 200:
                    break
                samples[on] += times
        app.config["CASUS_AUDIT"] = True
        if not samples[True] or not samples[False]:
            continue
        on_ms, off_ms = statistics.median(samples[True]), statistics.median(samples[False])
        cpu_on, cpu_off = statistics.median(cpu[True]), statistics.median(cpu[False])
        results.append(Result(
            backend, f"{name}, audit trail on", samples_ms=samples[True], cpu_ms=cpu[True],
            note=f"off: {off_ms:.1f} ms, CPU {cpu_off:.1f} ms; overhead "
                 f"{(on_ms - off_ms) / off_ms * 100:+.1f}% (CPU "
                 f"{(cpu_on - cpu_off) / cpu_off * 100:+.1f}%)"))
    return results


def main() -> None:
    """Only this measurement, on the databases ``make bench`` built (``--cases``)."""
    import argparse
    import logging

    from app import create_app
    from benchmarks.run import prepare, table
    from config import build_config

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--budget", type=float, default=6.0)
    args = parser.parse_args()
    password = build_config()["CASUS_DEMO_PASSWORD"]
    results = []
    for backend in args.databases.split(","):
        url = prepare(backend, args.cases, False)
        if url is None:
            continue
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        logging.disable(logging.ERROR)
        results += audit_results(app, backend, password, args.budget)
    print(table(results, [], args.cases))


if __name__ == "__main__":
    main()
