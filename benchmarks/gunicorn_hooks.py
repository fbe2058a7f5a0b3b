"""Gunicorn settings for the benchmark servers (``gunicorn -c benchmarks/gunicorn_hooks.py``).

Each worker answers with ``X-Bench-Queries``: the SQL statements the request ran, the
teardown's included (the body is collected first, so the header is set afterwards).
The app itself is unchanged; the header is the benchmark's only addition.
"""

from __future__ import annotations

import sqlalchemy as sa

_statements = [0]


def _seen(*_args) -> None:
    _statements[0] += 1


class QueryCountingMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        _statements[0] = 0
        captured: list = []
        chunks: list[bytes] = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers, exc_info]
            return chunks.append

        result = self.app(environ, capture)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers, exc_info = captured
        headers = [*headers, ("X-Bench-Queries", str(_statements[0]))]
        start_response(status, headers, exc_info)
        return [b"".join(chunks)]


def post_worker_init(worker) -> None:
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", _seen)
    worker.wsgi = QueryCountingMiddleware(worker.wsgi)
