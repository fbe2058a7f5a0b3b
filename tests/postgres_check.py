"""Exit 0 when the test PostgreSQL server answers (used by ``make test``)."""

from __future__ import annotations

import os
import sys

import sqlalchemy as sa

URL = os.environ.get("CASUS_TEST_POSTGRES_URL") or (
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

if __name__ == "__main__":
    try:
        engine = sa.create_engine(URL, poolclass=sa.pool.NullPool,
                                  connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        print(f"PostgreSQL check failed: {exc}", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
