"""Network helpers for tests that start real servers on loopback."""
from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(app, *, threads: int = 8, **options) -> Iterator[str]:
    """``app`` served by cheroot (eventapp's production server) in a thread; yields its base URL.

    ``options`` go to ``cheroot.wsgi.Server`` (e.g. ``request_queue_size`` for bursts).
    """
    from cheroot import wsgi

    port = free_port()
    server = wsgi.Server(("127.0.0.1", port), app, numthreads=threads, server_name="eventapp-test", **options)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        thread.join(timeout=10)


def stop_process(process: subprocess.Popen) -> None:
    """End a server started as a subprocess: politely, then for sure; close its output."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    if process.stdout is not None:
        process.stdout.close()
