"""Throughput under load: gunicorn (2 workers) on loopback, 20 concurrent clients.

The case list of Casusregie is compared with two bare Flask pages served the same way in
the same run: the case list's floor (one SQL query, bare Jinja) and a page without any
database work. The servers are those of ``benchmarks.served`` (production mode, logged in
with the second factor). Clients are ``wrk`` when installed, else Python threads on
``http.client``.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class LoadResult:
    target: str
    requests: int
    seconds: float
    errors: int
    tool: str
    note: str = ""
    #: CPU per request under load: the server's processes and the database backends.
    app_cpu_ms: float | None = None
    db_cpu_ms: float | None = None

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not start in time")


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workers: int = 2,
             extra: list[str] | None = None,
             replace_env: bool = False) -> Iterator[tuple[int, int]]:
    """(port, master pid) of a gunicorn serving ``app_spec``; ``env`` adds to this
    process's environment, or replaces it with ``replace_env``."""
    port = _free_port()
    binary = Path(sys.executable).parent / "gunicorn"
    # A file, not a pipe: a pipe nobody reads would stall the server once it is full.
    errors = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [str(binary), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "--chdir", str(ROOT), *(extra or []), app_spec],
        env=env if replace_env else {**os.environ, **env}, stdout=subprocess.DEVNULL,
        stderr=errors, start_new_session=True)
    try:
        try:
            _wait_for(port, proc)
        except RuntimeError as exc:
            errors.seek(0)
            raise RuntimeError(f"{exc}: {errors.read()[-2000:].decode(errors='replace')}") \
                from None
        yield port, proc.pid
    finally:
        errors.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wrk(port: int, path: str, cookie: str | None, clients: int, seconds: int) -> LoadResult:
    cmd = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True,
                         text=True, check=True).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    elapsed = re.search(r"requests in ([\d.]+)(m?s)", out)
    secs = float(elapsed.group(1)) / (1000 if elapsed.group(2) == "ms" else 1)
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                     out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    return LoadResult(path, total, secs, errors, "wrk")


def _threads(port: int, path: str, cookie: str | None, clients: int,
             seconds: int) -> LoadResult:
    stop = time.monotonic() + seconds
    counts = [0] * clients
    errors = [0] * clients
    headers = {"Cookie": cookie} if cookie else {}

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return LoadResult(path, sum(counts) + sum(errors), time.monotonic() - started,
                      sum(errors), "python threads")


def hammer(port: int, path: str, cookie: str | None, clients: int,
           seconds: int) -> LoadResult:
    if shutil.which("wrk"):
        return _wrk(port, path, cookie, clients, seconds)
    return _threads(port, path, cookie, clients, seconds)


def load_served(port: int, floor_port: int, cookie: str | None, meter, floor_meter,
                path: str, floor_path: str, *, clients: int = 20,
                seconds: int = 30) -> list[LoadResult]:
    """The load test on servers ``benchmarks.served`` started (production mode, logged in
    with the second factor): the page, its floor and a page without database work,
    with CPU per request (``meter``: a ``benchmarks.served.CpuMeter``)."""
    results = []
    for target, at, the_path, the_cookie, the_meter in (
            ("Casusregie case list", port, path, cookie, meter),
            ("bare Flask: case list floor (1 query, Jinja)", floor_port, floor_path, None,
             floor_meter),
            ("bare Flask: page without database", floor_port, "/hello", None, floor_meter)):
        hammer(at, the_path, the_cookie, clients, 3)  # warm both workers
        before = the_meter.sample()
        result = hammer(at, the_path, the_cookie, clients, seconds)
        app_ms, db_ms = the_meter.spent(before, the_meter.sample())
        if result.requests:
            result.app_cpu_ms = app_ms / result.requests
            result.db_cpu_ms = db_ms / result.requests if the_meter.engine is not None else None
        result.target = target
        results.append(result)
    return results
