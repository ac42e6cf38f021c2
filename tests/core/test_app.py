"""The factory and the configuration order: defaults → instance/config.py → environment → argument."""
from __future__ import annotations

from eventapp import create_app


def test_defaults_and_instance_database(tmp_path, monkeypatch):
    monkeypatch.delenv("EVENTAPP_DATABASE_URL", raising=False)
    monkeypatch.delenv("EVENTAPP_SECRET_KEY", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'eventapp.db'}"
    assert app.config["BABEL_DEFAULT_LOCALE"] == "fr"
    # The secret key is generated once and kept in the instance folder.
    key = (tmp_path / "secret_key").read_text()
    assert app.config["SECRET_KEY"] == key and len(key) == 64
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == key


def test_order_instance_file_then_environment_then_argument(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("LOGIN_MAX_FAILURES = 7\nPASSWORD_MIN_LENGTH = 12\nSMALL_COUNT_THRESHOLD = 3\n")
    monkeypatch.setenv("EVENTAPP_PASSWORD_MIN_LENGTH", "14")
    monkeypatch.setenv("EVENTAPP_SMALL_COUNT_THRESHOLD", "4")
    monkeypatch.setenv("EVENTAPP_SECRET_KEY", "from-env")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SMALL_COUNT_THRESHOLD": 9})
    assert app.config["LOGIN_MAX_FAILURES"] == 7  # instance file over default
    assert app.config["PASSWORD_MIN_LENGTH"] == 14  # environment over instance file
    assert app.config["SMALL_COUNT_THRESHOLD"] == 9  # argument over everything
    assert app.config["SECRET_KEY"] == "from-env"


def test_instance_path_and_database_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("EVENTAPP_DATABASE_URL", "postgresql://u@localhost/x")
    app = create_app()
    assert app.instance_path == str(tmp_path / "inst")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@localhost/x"


def test_unknown_page_is_a_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pool_holds_a_connection_per_server_thread(tmp_path, monkeypatch):
    """`eventapp serve --threads N` keeps N+4 connections (DATABASE_POOL_SIZE); an explicit
    SQLALCHEMY_ENGINE_OPTIONS pool_size wins."""
    from eventapp.extensions import db

    monkeypatch.delenv("EVENTAPP_DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_POOL_SIZE": 20})
    with app.app_context():
        assert db.engine.pool.size() == 20
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_POOL_SIZE": 20,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 3}})
    with app.app_context():
        assert db.engine.pool.size() == 3


def test_serve_sizes_the_pool_by_its_threads(tmp_path, monkeypatch):
    from eventapp import cli, server

    seen = {}
    monkeypatch.setattr(server, "serve",
                        lambda app, **kw: seen.update(pool=app.config["SQLALCHEMY_ENGINE_OPTIONS"], **kw))
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("EVENTAPP_DATABASE_URL", raising=False)
    result = create_app({"INSTANCE_PATH": str(tmp_path)}).test_cli_runner().invoke(
        cli.serve_command, ["--threads", "24", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert seen["pool"]["pool_size"] == 28 and seen["threads"] == 24 and seen["port"] == 5999
