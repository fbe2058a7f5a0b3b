"""Where one page spends its time: cProfile of a page requested as a bench user.

    .venv/bin/python -m benchmarks.profile postgresql:///casus_bench_100000 \
        /casus/cases/list/ --user bench-coordinator [--runs 20] [--sort tottime]
    .venv/bin/python -m benchmarks.profile postgresql:///casus_bench_100000 \
        /api/v1/intervention/ --user bench-coordinator --token

Prints the request's SQL statements once (with their time) and the profile's top
functions, so a slow page shows whether SQL, rendering or the framework is to blame.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import time

import sqlalchemy as sa

from benchmarks.suite import api_token, login
from casusregie.config import DEFAULT_DEMO_PASSWORD as DEMO_PASSWORD


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="database URL")
    parser.add_argument("path", help="page to request, e.g. /casus/cases/list/")
    parser.add_argument("--user", default="bench-coordinator")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--token", action="store_true",
                        help="log in through the security API and send the access token "
                             "(Authorization: Bearer), as a REST client does")
    args = parser.parse_args(argv)

    from casusregie.app import create_app
    from casusregie.app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "RATELIMIT_ENABLED": False,
                      "CASUS_MFA_ROLES": []})  # bench users log in with a password only
    logging.disable(logging.ERROR)
    client = app.test_client()
    if args.token:
        token = api_token(client, args.user, DEMO_PASSWORD)
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    else:
        login(client, args.user, DEMO_PASSWORD)
    statements: list[tuple[float, str]] = []
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, params, context, executemany):
        context._casus_started = time.perf_counter()

    def after(conn, cursor, statement, params, context, executemany):
        statements.append(((time.perf_counter() - context._casus_started) * 1000, statement))

    for _ in range(2):
        resp = client.get(args.path)
    print(f"HTTP {resp.status_code}, {len(resp.data) / 1024:.0f} KB")
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    client.get(args.path)
    sa.event.remove(engine, "before_cursor_execute", before)
    sa.event.remove(engine, "after_cursor_execute", after)
    for ms, statement in statements:
        print(f"{ms:8.1f} ms  {' '.join(statement.split())[:300]}")
    # CPU time of this thread: waiting for a busy core or for the database is not counted.
    profile = cProfile.Profile(timer=time.thread_time)
    started = time.perf_counter()
    profile.enable()
    for _ in range(args.runs):
        client.get(args.path)
    profile.disable()
    print(f"\n{(time.perf_counter() - started) * 1000 / args.runs:.1f} ms per request "
          "(profiled)")
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
