"""``eventapp serve --https``: a self-signed certificate made once, and a real TLS server."""
from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from eventapp.server import ensure_certificate
from tests.netutil import free_port


def test_certificate_made_once_and_reused(tmp_path):
    cert, key = ensure_certificate(tmp_path / "tls")
    assert cert.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    first = cert.read_bytes()
    again, _ = ensure_certificate(tmp_path / "tls")
    assert again == cert and again.read_bytes() == first



@pytest.mark.slow
def test_https_server_serves_the_login_page(tmp_path):
    instance = tmp_path / "instance"
    port = free_port()
    env = dict(os.environ, EVENTAPP_INSTANCE_PATH=str(instance),
               EVENTAPP_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}")
    eventapp = Path(sys.executable).parent / "eventapp"
    subprocess.run([str(eventapp), "init"], env=env, check=True, capture_output=True, timeout=120)
    server = subprocess.Popen([str(eventapp), "serve", "--https", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        page = None
        for _ in range(150):  # up to 30 s for a busy machine
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/login", context=context, timeout=5) as r:
                    page = r.read().decode("utf-8")
                    assert r.status == 200
                    assert r.headers["Strict-Transport-Security"]
                break
            except (TimeoutError, ConnectionError, urllib.error.URLError, ssl.SSLError):
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        assert page is not None, server.stdout.read().decode() if server.poll() is not None else "no answer"
        assert "<form" in page and 'name="password"' in page
        cert = (instance / "tls" / "cert.pem").read_bytes()
        # The server presents the certificate kept in the instance folder.
        served = ssl.get_server_certificate(("127.0.0.1", port))
        assert ssl.PEM_cert_to_DER_cert(served) == ssl.PEM_cert_to_DER_cert(cert.decode("ascii"))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()
    # A second start reuses the same certificate.
    assert ensure_certificate(instance / "tls")[0].read_bytes() == cert
