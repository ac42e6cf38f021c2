"""The production server: cheroot (pure Python, runs on Linux and Windows), optionally over TLS."""
from __future__ import annotations

import datetime as dt
import ipaddress
import socket
from pathlib import Path

import click
from flask import Flask


def ensure_certificate(tls_dir: Path, hostnames: list[str] | None = None) -> tuple[Path, Path]:
    """A self-signed certificate for the venue, made once and kept in ``tls_dir``."""
    cert_path, key_path = tls_dir / "cert.pem", tls_dir / "key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    tls_dir.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    names = set(hostnames or []) | {"localhost", socket.gethostname()}
    ips = {"127.0.0.1"} | set(local_addresses())
    san = [x509.DNSName(n) for n in sorted(names)] + [x509.IPAddress(ipaddress.ip_address(i)) for i in sorted(ips)]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eventapp"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "eventapp (self-signed)")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def local_addresses() -> list[str]:
    """This machine's IPv4 addresses on the local network (what phones type in)."""
    addresses = set()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET address: no packet is sent by a UDP connect
            addresses.add(s.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            addresses.add(info[4][0])
    except OSError:
        pass
    return sorted(a for a in addresses if not a.startswith("127."))


#: Idle keep-alive connections the server keeps open. cheroot's default, 10, made it answer
#: ``Connection: close`` once ten connections were waiting: with 32 doors, one answer in eight
#: closed its connection, and the phone reconnected (with a new TLS handshake under --https) in
#: the middle of the rush. A phone opens up to six connections while it loads the page; 256
#: covers forty doors doing so at once, and stays under the 512 sockets select() takes on Windows.
KEEP_ALIVE_CONNECTIONS = 256

#: Seconds an idle connection is kept (cheroot's ``timeout``, default 10), and the longest wait
#: for a request's next bytes. A door between two arrivals still asks for its counts and roster
#: every 20 s: at 60 s its connection, and its TLS session, last the whole morning. Idle
#: connections wait in cheroot's selector, not in a worker thread, so this costs no thread.
KEEP_ALIVE_SECONDS = 60


def make_server(app: Flask, host: str, port: int, threads: int = 16):
    """The cheroot server for ``app``, tuned for many doors on keep-alive connections."""
    from cheroot import wsgi

    # A deep accept queue: thirty doors reconnecting at once must not be reset.
    server = wsgi.Server((host, port), app, numthreads=threads, server_name="eventapp", request_queue_size=256,
                         timeout=KEEP_ALIVE_SECONDS)
    server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
    return server


def serve(app: Flask, host: str = "127.0.0.1", port: int = 5000, use_https: bool = False, threads: int = 16) -> None:
    """Serve ``app`` until interrupted."""
    server = make_server(app, host, port, threads)
    from eventapp.logsafe import error_log

    server.error_log = error_log  # its tracebacks, like the app's, without messages or values
    scheme = "http"
    if use_https:
        from cheroot.ssl.builtin import BuiltinSSLAdapter

        from eventapp.accounts.security import require_secure_cookies

        require_secure_cookies(app)
        cert, key = ensure_certificate(Path(app.instance_path) / "tls")
        server.ssl_adapter = BuiltinSSLAdapter(str(cert), str(key))
        scheme = "https"
    hosts = local_addresses() if host in ("0.0.0.0", "::") else [host]
    for h in hosts or [host]:
        click.echo(f"eventapp serving on {scheme}://{h}:{port}/")
    if use_https:
        click.echo("Phones will warn that the certificate is self-signed: accept it once to use the camera.")
    hook = app.extensions.get("eventapp.serve_hooks", [])
    for start in hook:
        start(app)
    try:
        server.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
