"""`eventapp serve --https` for real: Secure cookies, HSTS, and the daily retention check started."""
from __future__ import annotations

import os
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.netutil import free_port, stop_process

BIN = Path(sys.executable).parent / "eventapp"



@pytest.mark.slow
def test_serve_https_secure_cookies_and_retention_check(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTAPP_")}
    env["EVENTAPP_INSTANCE_PATH"] = str(tmp_path / "instance")
    subprocess.run([str(BIN), "init"], env=env, check=True, capture_output=True)
    # An event past its retention date, so the daily check has something to purge at start.
    script = (
        "from datetime import date\n"
        "from eventapp import create_app\n"
        "from eventapp.extensions import db\n"
        "from eventapp.models import Event\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    db.session.add(Event(slug='ancien', title='Ancien atelier', start_date=date(2020, 1, 8),\n"
        "                         end_date=date(2020, 1, 8), retention_until=date(2021, 1, 1)))\n"
        "    db.session.commit()\n")
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([str(BIN), "serve", "--https", "--port", str(port), "--threads", "2"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        response = None
        for _ in range(300):  # until the server listens (slow machines included)
            try:
                response = urllib.request.urlopen(f"https://127.0.0.1:{port}/login", context=context, timeout=5)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.1)
        assert response is not None, server.stdout.read().decode() if server.poll() is not None else "no answer"
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        purged = None
        for _ in range(200):  # the check runs at start, in its own thread
            with sqlite3.connect(tmp_path / "instance" / "eventapp.db", timeout=10) as conn:
                purged = conn.execute("SELECT purged_at FROM events WHERE slug = 'ancien'").fetchone()[0]
            if purged is not None:
                break
            time.sleep(0.05)
        assert purged is not None
    finally:
        stop_process(server)
