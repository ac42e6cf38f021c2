"""Door benchmark: check-ins per second and latency against `eventapp serve`, beside a bare
Flask endpoint (one indexed lookup, one insert) on the same database, measured in the same run
(in alternating turns); then the server killed (SIGKILL) and restarted in the middle of the load.

    make bench                      # 10 s per configuration
    BENCH_SECONDS=30 make bench     # longer runs
    EVENTAPP_TEST_DATABASE_URL=postgresql+psycopg://… make bench   # PostgreSQL as well

Figures are printed; the test fails only on errors or lost scans, never on speed.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
PARTICIPANTS = 3000
PG_URL = os.environ.get("EVENTAPP_TEST_DATABASE_URL")
EVENTAPP = str(Path(sys.executable).parent / "eventapp")  # the console script of this venv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def bench_db(request, tmp_path):
    """A fresh database with the schema, an event held today, participants and stations."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bench.db'}"
        drop = None
    else:
        from eventapp.config import normalise_database_url

        base = normalise_database_url(PG_URL).rsplit("/", 1)[0]
        name = f"eventapp_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = f"{base}/{name}"

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    instance = tmp_path / "instance"
    env = dict(os.environ, EVENTAPP_INSTANCE_PATH=str(instance), EVENTAPP_DATABASE_URL=url)
    env.pop("EVENTAPP_TEST_DATABASE_URL", None)
    subprocess.run([EVENTAPP, "init"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    tokens, station_tokens = _seed(url, instance)
    yield {"kind": request.param, "url": url, "env": env, "tokens": tokens, "stations": station_tokens}
    if drop:
        drop()


def _seed(url: str, instance: Path):
    from eventapp import create_app
    from eventapp.core.tokens import new_answer_token, new_checkin_token
    from eventapp.door import stations as station_service
    from eventapp.events.models import Event
    from eventapp.extensions import db
    from eventapp.people.models import Person
    from eventapp.registration.models import Registration

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"})
    with app.app_context():
        today = datetime.now(UTC).date()
        event = Event(slug="bench", title="Bench", start_date=today, end_date=today, timezone="UTC", status="open")
        db.session.add(event)
        db.session.flush()
        tokens = []
        for i in range(PARTICIPANTS):
            person = Person(first_name="Awa", last_name=f"Traoré {i}", name_key=f"awa traore {i}")
            db.session.add(person)
            token = new_checkin_token()
            db.session.add(Registration(event=event, person=person, checkin_token=token,
                                        answer_token=new_answer_token()))
            tokens.append(token)
        db.session.commit()
        stations = [station_service.create_station(event, f"Gate {i}").token for i in range(32)]
        db.session.execute(text("CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, registration_id INTEGER, "
                                "client_id VARCHAR(64), at TIMESTAMP)") if db.engine.dialect.name == "sqlite" else
                           text("CREATE TABLE bench_bare (id SERIAL PRIMARY KEY, registration_id INTEGER, "
                                "client_id VARCHAR(64), at TIMESTAMPTZ)"))
        db.session.commit()
        db.engine.dispose()
    return tokens, stations


class Server:
    """A server in a subprocess: `eventapp serve`, or the bare endpoint."""

    def __init__(self, args, env, port):
        self.args, self.env, self.port = args, env, port
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        _wait_port(self.port)
        return self

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def eventapp_server(db, threads):
    port = _free_port()
    return Server([EVENTAPP, "serve", "--port", str(port), "--threads", str(threads)],
                  db["env"], port)


def bare_server(db, threads):
    port = _free_port()
    return Server([sys.executable, "-m", "tests.bench.bare_app", db["url"], str(port), str(threads)], db["env"], port)


class Door(threading.Thread):
    """One station scanning as fast as answers come, retrying a scan with its client_id when the
    connection breaks (as the door page does)."""

    def __init__(self, n, port_ref, path, token, badges, stop_at, retry_until=0.0, seed=0):
        super().__init__(daemon=True)
        self.n, self.port_ref, self.path, self.badges, self.stop_at = n, port_ref, path, badges, stop_at
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        self.retry_until = retry_until
        self.latencies, self.errors, self.answers, self.retried = [], [], [], 0
        self.rng = random.Random(seed * 1000 + n)
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port_ref[0], timeout=30)
        return self.conn

    def send(self, body: bytes):
        conn = self._connection()
        conn.request("POST", self.path, body=body, headers=self.headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, data

    def run(self):
        while time.time() < self.stop_at:
            badge = self.rng.choice(self.badges)
            scan = {"payload": "EA1" + badge, "client_id": uuid.uuid4().hex,
                    "scanned_at": datetime.now(UTC).isoformat(), "source": "qr"}
            body = json.dumps(scan).encode()
            started = time.perf_counter()
            while True:
                try:
                    status, data = self.send(body)
                    break
                except (OSError, http.client.HTTPException) as exc:
                    self.conn = None
                    if time.time() < self.retry_until:
                        self.retried += 1
                        time.sleep(0.05)
                        continue
                    self.errors.append(repr(exc))
                    status = None
                    break
            if status is None:
                continue
            self.latencies.append(time.perf_counter() - started)
            if status != 200:
                self.errors.append(f"HTTP {status}: {data[:200]!r}")
                continue
            self.answers.append((scan, json.loads(data)))


def run_load(port, path, tokens, stations, badges, seconds, retry_until=0.0, port_ref=None, seed=0):
    port_ref = port_ref or [port]
    stop_at = time.time() + seconds
    doors = [Door(i, port_ref, path, tokens[i % len(tokens)], badges, stop_at, retry_until, seed)
             for i in range(stations)]
    for d in doors:
        d.start()
    return doors


def summarise(doors, seconds):
    lat = sorted(x for d in doors for x in d.latencies)
    answered = sum(len(d.answers) for d in doors)
    errors = [e for d in doors for e in d.errors]
    p = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
    return {"rate": answered / seconds, "p50": p(0.50), "p99": p(0.99), "answered": answered, "errors": errors,
            "mean": statistics.fmean(lat) * 1000 if lat else float("nan")}


def lost_scans(url, answers) -> int:
    """Answered scans that the database does not hold (by client_id)."""
    engine = create_engine(url)
    ids = [scan["client_id"] for scan, _a in answers]
    found = set()
    with engine.connect() as conn:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for table in ("checkins", "scan_logs"):
                found |= set(conn.execute(text(f"SELECT client_id FROM {table} WHERE client_id IN :ids")
                                          .bindparams(__import__("sqlalchemy").bindparam("ids", expanding=True)),
                                          {"ids": chunk}).scalars())
    engine.dispose()
    return len(set(ids) - found)


#: The two servers are loaded in turns of about this many seconds, so that a change in what else
#: the machine does (other processes, the host of a virtual machine) weighs on both alike.
SLICE = 2.5


@pytest.mark.parametrize("stations", [8, 32])
def test_throughput_against_bare_endpoint(bench_db, stations):
    db = bench_db
    threads = max(stations, 16)
    servers = {"bare": (bare_server(db, threads), "/bare/checkins"),
               "eventapp": (eventapp_server(db, threads), "/api/events/bench/checkins")}
    doors = {name: [] for name in servers}
    slices = max(1, round(SECONDS / SLICE))
    try:
        for server, path in servers.values():
            server.start()
            # Warm up (imports, connection pools), then measure.
            for d in run_load(server.port, path, db["stations"], 2, db["tokens"], 1.0):
                d.join()
        for turn in range(slices):
            for name, (server, path) in servers.items():
                load = run_load(server.port, path, db["stations"], stations, db["tokens"], SECONDS / slices,
                                seed=turn + 1)
                for d in load:
                    d.join()
                doors[name] += load
    finally:
        for server, _path in servers.values():
            server.stop()
    figures = {name: summarise(load, SECONDS) for name, load in doors.items()}
    figures["eventapp"]["lost"] = lost_scans(db["url"], [a for d in doors["eventapp"] for a in d.answers])
    bare, app = figures["bare"], figures["eventapp"]
    print(f"\n[door bench] {db['kind']}, {stations} stations, {SECONDS:.0f} s each in {slices} turns, "
          f"{PARTICIPANTS} badges")
    for name, f in figures.items():
        print(f"  {name:9s} {f['rate']:7.1f} check-ins/s  p50 {f['p50']:6.1f} ms  p99 {f['p99']:6.1f} ms  "
              f"answered {f['answered']}  errors {len(f['errors'])}" + (f"  lost {f['lost']}" if "lost" in f else ""))
    print(f"  ratio eventapp/bare: {app['rate'] / bare['rate'] * 100:.0f}%")
    assert app["errors"] == [] and app["lost"] == 0


def test_kill_and_restart_mid_load(bench_db):
    db = bench_db
    path = "/api/events/bench/checkins"
    server = eventapp_server(db, 16).start()
    port_ref = [server.port]
    try:
        seconds = max(SECONDS, 6)
        doors = run_load(server.port, path, db["stations"], 8, db["tokens"], seconds,
                         retry_until=time.time() + seconds + 30, port_ref=port_ref)
        time.sleep(seconds / 2)
        server.kill()
        killed_at = time.time()
        server.start()  # same port: the doors retry with their client_ids until it answers
        down = time.time() - killed_at
        for d in doors:
            d.join()
        answers = [a for d in doors for a in d.answers]
        retried = sum(d.retried for d in doors)
        errors = [e for d in doors for e in d.errors]
        lost = lost_scans(db["url"], answers)
        # Every answered scan sent again with its client_id gets the same answer.
        replay = Door(99, port_ref, path, db["stations"][0], db["tokens"], 0)
        different = 0
        sample = answers if len(answers) <= 3000 else random.Random(1).sample(answers, 3000)
        for scan, answer in sample:
            status, data = replay.send(json.dumps(scan).encode())
            again = json.loads(data)
            same = (status == 200 and again["result"] == answer["result"]
                    and (again.get("checkin") or {}).get("id") == (answer.get("checkin") or {}).get("id"))
            different += not same
    finally:
        server.stop()
    print(f"\n[door bench] {db['kind']}: SIGKILL mid-load, restarted in {down:.1f} s; answered {len(answers)}, "
          f"retried requests {retried}, errors {len(errors)}, lost {lost}, "
          f"replayed {len(sample)} with their client_id: {different} different answers")
    assert errors == [] and lost == 0 and different == 0
