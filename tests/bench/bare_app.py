"""The yardstick of the door benchmark: a bare Flask endpoint doing one indexed lookup and one
insert on the same database as eventapp, served by the same server (cheroot, as
``eventapp.server.make_server`` sets it up).

    python -m tests.bench.bare_app DATABASE_URL PORT THREADS
"""
from __future__ import annotations

import sys
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, event, text


def make_app(url: str) -> Flask:
    engine = create_engine(url, pool_size=40, max_overflow=0) if url.startswith("postgresql") else create_engine(url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    app = Flask(__name__)

    @app.post("/bare/checkins")
    def checkin():
        data = request.get_json()
        with engine.begin() as conn:
            reg = conn.execute(text("SELECT id FROM registrations WHERE checkin_token = :t"),
                               {"t": data["payload"][3:]}).scalar()
            conn.execute(text("INSERT INTO bench_bare (registration_id, client_id, at) VALUES (:r, :c, :a)"),
                         {"r": reg, "c": data["client_id"], "a": datetime.now(UTC)})
        return jsonify(result="checked_in" if reg else "unknown_token")

    return app


if __name__ == "__main__":
    from eventapp.server import make_server

    url, port, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    # The same server, set up as `eventapp serve` sets it up (keep-alive, accept queue).
    server = make_server(make_app(url), "127.0.0.1", port, threads)
    try:
        server.start()
    except KeyboardInterrupt:
        server.stop()
