"""The built package: what ``pip install .`` from a clean clone gets, without ``make``."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

RENDER = """
import re, sys
import eventapp
assert eventapp.__file__.startswith(sys.argv[1]), eventapp.__file__
assert str(eventapp.TEMPLATES_DIR).startswith(sys.argv[1]), eventapp.TEMPLATES_DIR
app = eventapp.create_app({"SECRET_KEY": "k" * 40, "INSTANCE_PATH": sys.argv[2],
                           "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2] + "/eventapp.db"})
page = app.test_client().get("/login", headers={"Accept-Language": "fr"})
assert page.status_code == 200, page.status_code
print(page.get_data(as_text=True))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[Path, str]:
    """The wheel pip builds (in its own isolated build environment) from a copy of the checkout as
    a clean clone has it: no compiled catalogue, no build folder; and the build's log."""
    clone = tmp_path_factory.mktemp("clone") / "eventapp"
    shutil.copytree(ROOT, clone, ignore=shutil.ignore_patterns(
        "*.mo", "__pycache__", ".*", "build", "*.egg-info", "instance", "tests", "tools", "bench-out"))
    assert not list(clone.rglob("*.mo"))
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "--wheel-dir", str(out),
                            str(clone)],
                           capture_output=True, text=True, timeout=120, check=False)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (path,) = out.glob("eventapp-*.whl")
    return path, build.stdout + build.stderr


def test_the_wheel_carries_compiled_catalogues_templates_and_static_files(wheel):
    path, log = wheel
    names = set(zipfile.ZipFile(path).namelist())
    assert "eventapp/translations/fr/LC_MESSAGES/messages.mo" in names
    assert "eventapp/templates/base.html" in names and "eventapp/static/js/door/main.js" in names
    assert "eventapp/migrations/versions/" in "".join(sorted(names))
    # The table-free license and a recent setuptools: the build says nothing is deprecated.
    assert "Deprecat" not in log, [line for line in log.splitlines() if "Deprecat" in line]


def test_a_page_from_the_installed_package_is_in_french(wheel, tmp_path):
    path, _log = wheel
    site = tmp_path / "site"
    zipfile.ZipFile(path).extractall(site)
    instance = tmp_path / "instance"
    instance.mkdir()
    # The unpacked wheel first on the path, run away from the checkout: the package alone serves.
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTAPP_")} | {"PYTHONPATH": str(site)}
    page = subprocess.run([sys.executable, "-c", RENDER, str(site), str(instance)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert page.returncode == 0, page.stderr[-3000:]
    assert "Se connecter" in page.stdout and "Mot de passe" in page.stdout
