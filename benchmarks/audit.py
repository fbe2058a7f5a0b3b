"""The audit trail's cost on the pages that read most: the case page and the case list,
measured with the trail on and off (``CASUS_AUDIT``, a switch for this measurement only),
alternating so that both see the same machine load."""

from __future__ import annotations

import statistics

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
        for _round in range(ROUNDS):
            for on in (True, False):
                app.config["CASUS_AUDIT"] = on
                times, last = timed(lambda c=client, u=scenario.url: c.get(u),
                                    budget_s=budget_s / (2 * ROUNDS), min_samples=8)
                if last.status_code != 200:
                    break
                samples[on] += times
        app.config["CASUS_AUDIT"] = True
        if not samples[True] or not samples[False]:
            continue
        on_ms, off_ms = statistics.median(samples[True]), statistics.median(samples[False])
        overhead = (on_ms - off_ms) / off_ms * 100
        results.append(Result(backend, f"{name}, audit trail on", samples_ms=samples[True],
                              note=f"off: {off_ms:.1f} ms; overhead {overhead:+.1f}%"))
    return results
