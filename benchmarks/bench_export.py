"""Time the list exports and the management dashboard on a generated database.

    CASUS_DATABASE_URL=... .venv/bin/python -m benchmarks.bench_export [--list interventions]

Logs in as ``bench-coordinator`` through the test client, exports every row of the list
with every offered column as CSV and as Excel, reads each file to its end, and prints
rows, seconds, CPU seconds and the peak memory the process reached; then times the
dashboard, as kept and as counted afresh after a change.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import time

from benchmarks.suite import login

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_CHOICE = re.compile(r'<input[^>]*name="columns"[^>]*value="([^"]+)"')


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export(client, name: str, fmt: str) -> tuple[int, float, float, int]:
    page = client.get(f"/export/{name}/").text
    data = {"csrf_token": _CSRF.search(page).group(1), "columns": _CHOICE.findall(page),
            "file_format": fmt, "purpose": "Benchmark van de export"}
    started, cpu = time.perf_counter(), time.process_time()
    resp = client.post(f"/export/{name}/", data=data, buffered=False)
    size = sum(len(chunk) for chunk in resp.response)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return int(resp.headers["X-Export-Rows"]), elapsed, cpu, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", default="interventions")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--formats", default="csv,xlsx")
    args = parser.parse_args(argv)
    from app import create_app

    app = create_app({"RATELIMIT_ENABLED": False, "CASUS_MFA_ROLES": []})  # password only
    client = app.test_client()
    login(client, "bench-coordinator", app.config["CASUS_DEMO_PASSWORD"])
    for fmt in args.formats.split(","):
        rows, seconds, cpu, size = export(client, args.list, fmt)
        print(f"export {args.list} {fmt:<4} {rows:>9,} rows {seconds:6.2f} s "
              f"(app CPU {cpu:5.2f} s) "
              f"{size / 1e6:6.1f} MB  peak RSS {_peak_mb():.0f} MB")
    from app.management.figures import note_change

    for label, url in (("dashboard", f"/management/?year={args.year}"),
                       ("dashboard, risk group 1", f"/management/?year={args.year}&risk_group=1")):
        client.get(url)
        cold, warm = [], []
        for _ in range(3):
            note_change()  # as after a change to case content: counted afresh
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            cold.append((time.perf_counter() - started) * 1000)
        for _ in range(7):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            warm.append((time.perf_counter() - started) * 1000)
        print(f"{label:<28} median {statistics.median(warm):7.1f} ms, "
              f"after a change {statistics.median(cold):7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
