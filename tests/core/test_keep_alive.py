"""`eventapp serve` keeps 32 doors' connections open: no answer closes one, an idle pause longer
than cheroot's default timeout (10 s) closes none, and over HTTPS no scan pays a new handshake."""
from __future__ import annotations

import http.client
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eventapp.server import KEEP_ALIVE_SECONDS
from tests.netutil import free_port, stop_process

BIN = Path(sys.executable).parent / "eventapp"
DOORS = 32
ROUNDS = 5
PATHS = ("/api/openapi.json", "/login", "/static/css/door.css", "/door-sw.js")


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the venue's self-signed certificate
    return context


def _connection(scheme: str, port: int) -> http.client.HTTPConnection:
    if scheme == "https":
        return http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=_tls_context())
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


@pytest.fixture(scope="module")
def instance_env(tmp_path_factory) -> dict:
    """The environment of an initialised instance, shared by the HTTP and HTTPS servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTAPP_")}
    env["EVENTAPP_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("keep-alive") / "instance")
    subprocess.run([str(BIN), "init"], env=env, check=True, capture_output=True, timeout=300)
    return env


def _started(env: dict, scheme: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    args = [str(BIN), "serve", "--port", str(port), "--threads", "4"] + (["--https"] if scheme == "https" else [])
    server = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for _ in range(600):  # until it listens (slow machines included)
        try:
            probe = _connection(scheme, port)
            probe.request("GET", "/api/openapi.json")
            probe.getresponse().read()
            probe.close()
            return server, port
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    output = server.stdout.read().decode() if server.poll() is not None else "no answer"
    stop_process(server)
    pytest.fail(output)


def _ask(conn: http.client.HTTPConnection, path: str) -> None:
    conn.request("GET", path, headers={"Accept-Encoding": "br, gzip"})
    response = conn.getresponse()
    response.read()
    assert response.status == 200, (path, response.status)
    # The server keeps the connection: no "Connection: close", and http.client would not reopen.
    assert (response.getheader("Connection") or "").lower() != "close", path
    assert not response.will_close, path


def _round(doors: list[http.client.HTTPConnection], sockets: list, n: int) -> None:
    for i, conn in enumerate(doors):
        try:
            _ask(conn, PATHS[(i + n) % len(PATHS)])
        except (http.client.RemoteDisconnected, ConnectionError):
            pytest.fail(f"the server closed door {i}'s connection before round {n}")
        assert conn.sock is sockets[i], f"door {i} reconnected in round {n}"


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_32_doors_keep_their_connections(instance_env, scheme):
    server, port = _started(instance_env, scheme)
    doors = []
    try:
        # Every door opens its connection before any asks again: 32 wait at once.
        doors = [_connection(scheme, port) for _ in range(DOORS)]
        for conn in doors:
            _ask(conn, "/api/openapi.json")
        sockets = [conn.sock for conn in doors]
        assert all(s is not None for s in sockets)
        if scheme == "https":
            assert all(isinstance(s, ssl.SSLSocket) for s in sockets)
        for n in range(ROUNDS):
            _round(doors, sockets, n)
        # A quiet moment at the door, longer than cheroot's default idle timeout of 10 s.
        assert KEEP_ALIVE_SECONDS > 20
        time.sleep(11)
        _round(doors, sockets, ROUNDS)
        assert server.poll() is None
    finally:
        for conn in doors:
            conn.close()
        stop_process(server)
