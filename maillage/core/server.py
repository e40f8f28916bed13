"""The production server (gunicorn with ``config/gunicorn_conf.py``) in a child process.

One launcher for everything that needs a real server: the tests with real concurrency
(``tests/core/live.py``) and the benchmarks (``maillage.bench.concurrency``, ``maillage.bench.directory``).
The server runs exactly the production configuration (preloaded app, ``gthread`` workers as soon as there
are two threads), with the number of workers and threads asked for, on a free local port. Its output goes
to a file, never to a pipe nobody reads: a full pipe (64 KB of « Not Found » warnings) blocks every worker
on its next log line, which a first benchmark measured as 30 s timeouts.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RunningServer:
    base: str  # « http://127.0.0.1:PORT »
    pid: int  # the gunicorn master (its children are the workers)
    log: Path  # everything the server wrote

    def log_tail(self, size: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-size:]


@contextmanager
def production_server(
    env: dict[str, str],
    *,
    workers: int,
    threads: int | None = None,
    ready_path: str = "/accessibilite/",
    start_seconds: float = 120,
    log_level: str = "warning",
) -> Iterator[RunningServer]:
    """gunicorn with the production configuration, ``workers`` processes × ``threads`` threads (the
    configuration's default when None), no recycling of workers inside a measure; yields once
    ``ready_path`` answers. ``env`` is the whole environment of the server (settings, database)."""
    port = free_port()
    server_env = {
        **env,
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_MAX_REQUESTS": "0",
        "GUNICORN_TIMEOUT": env.get("GUNICORN_TIMEOUT", "120"),
    }
    if threads is not None:
        server_env["GUNICORN_THREADS"] = str(threads)
    log = tempfile.NamedTemporaryFile(prefix="maillage-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
        [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn_conf", "--log-level", log_level],
        cwd=ROOT,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = RunningServer(base=f"http://127.0.0.1:{port}", pid=process.pid, log=Path(log.name))
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                urllib.request.urlopen(server.base + ready_path, timeout=10).close()  # noqa: S310 — local
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Le serveur gunicorn n'a pas démarré :\n{server.log_tail()}"
                    ) from None
                time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def server_problems(server: RunningServer) -> tuple[int, int]:
    """(lines, tracebacks or errors) of the server's log: printed after a benchmark."""
    lines = server.log.read_text(errors="replace").splitlines()
    return len(lines), sum(1 for line in lines if "Traceback" in line or "[ERROR]" in line)
