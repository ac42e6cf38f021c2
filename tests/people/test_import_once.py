"""An import happens once: concurrent confirmations of one web import, two CLI runs of one file.

The database is made to hold the event while the confirmations (real threads against a real
server) or the CLI runs (real processes) start, so that on code without a lock they all read
"nobody registered yet" and all write, and with it they queue and the later ones see the first.
"""
from __future__ import annotations

import csv
import http.cookiejar
import io
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from eventapp.core import web
from eventapp.core.errors import ValidationError
from eventapp.extensions import db
from eventapp.people import imports
from eventapp.people.models import Person
from eventapp.registration.models import Registration
from tests import factories

BIN = Path(sys.executable).parent / "eventapp"
FIRST = ["Awa", "Moussa", "Kadiatou", "Oumou", "Ousmane", "Fatoumata", "Boubacar", "Aïssata", "Hamadoun", "Mariam"]
LAST = ["Traoré", "Maïga", "N'Diaye", "Diarra", "Doumbia"]


def _rows(n: int) -> list[list[str]]:
    """``n`` distinct people; a third with a phone, a third with an email, a third with neither."""
    rows = []
    for i in range(n):
        phone = f"76{i:06d}" if i % 3 == 0 else ""
        email = f"personne{i}@example.org" if i % 3 == 1 else ""
        rows.append([FIRST[i % len(FIRST)], f"{LAST[i % len(LAST)]}-{i}", "Mopti", phone, email])
    return rows


def _csv(n: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Prénom", "Nom", "Localité", "Téléphone", "Courriel"])
    writer.writerows(_rows(n))
    return out.getvalue().encode("utf-8-sig")


def _counts(event_id: int) -> tuple[int, int]:
    db.session.remove()
    persons = db.session.scalar(select(func.count()).select_from(Person))
    registrations = db.session.scalar(select(func.count()).select_from(Registration)
                                      .where(Registration.event_id == event_id))
    return persons, registrations


@contextmanager
def holding_event(event_id: int):
    """Keep every import from writing into the event until the block ends.

    SQLite: the database's write lock. PostgreSQL: the event's row FOR UPDATE, which an
    import's inserts wait for too (their foreign key to the event), with or without a lock of
    their own.
    """
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        conn = sqlite3.connect(db.engine.url.database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT id FROM events WHERE id = :id FOR UPDATE"), {"id": event_id})
            try:
                yield
            finally:
                conn.rollback()


def _waiting_on_locks() -> int | None:
    """PostgreSQL backends of this database waiting for a lock (None on SQLite: it cannot tell)."""
    if db.engine.dialect.name != "postgresql":
        return None
    with db.engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND wait_event_type = 'Lock'"))


def _multipart(field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "----eventapp-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


CONFIRM = urllib.parse.urlencode({"col_0": "first_name", "col_1": "last_name", "col_2": "locality",
                                  "col_3": "phone", "col_4": "email", "status": "registered",
                                  "action": "import"}).encode()


def _signed_in(base: str):
    """A URL opener with an organizer's session on the live server."""
    user = factories.make_user("organizer")
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    login = urllib.parse.urlencode({"email": user.email, "password": factories.PASSWORD}).encode()
    with opener.open(f"{base}/login", data=login, timeout=30) as r:
        assert "/login" not in r.url
    return opener


def _upload(opener, base: str, slug: str, content: bytes) -> str:
    """Upload a file through the import page; the preview's URL."""
    body, content_type = _multipart("file", "liste.csv", content)
    request = urllib.request.Request(f"{base}/events/{slug}/import", data=body, headers={"Content-Type": content_type})
    with opener.open(request, timeout=30) as r:
        assert "Toutes les lignes sont valides." in r.read().decode()
        return r.url


def _confirm_at_once(opener, event_id: int, urls: list[str], answered_early: int) -> list[str]:
    """POST the confirmation of each URL from its own thread, all at once, while the event is held.

    The hold ends when ``answered_early`` pages have come back (those that need not write), or
    when every request waits for a lock (PostgreSQL tells), or after 5 s.
    """
    barrier = threading.Barrier(len(urls))
    pages: dict[int, str] = {}  # by the URL's place in ``urls``

    def press(n):
        barrier.wait()
        with opener.open(urls[n], data=CONFIRM, timeout=60) as r:
            pages[n] = r.read().decode()

    threads = [threading.Thread(target=press, args=(n,)) for n in range(len(urls))]
    with holding_event(event_id):
        for t in threads:
            t.start()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(pages) < max(answered_early, 1) and \
                (_waiting_on_locks() or 0) < len(urls):
            time.sleep(0.05)
    for t in threads:
        t.join(timeout=60)
    assert len(pages) == len(urls)
    return [pages[n] for n in range(len(urls))]


def test_four_concurrent_confirmations_of_one_web_import_import_once(app, live_server):
    event = factories.make_event()
    event_id, slug = event.id, event.slug
    opener = _signed_in(live_server)
    preview_url = _upload(opener, live_server, slug, _csv(50))
    pages = _confirm_at_once(opener, event_id, [preview_url] * 4, answered_early=3)
    assert _counts(event_id) == (50, 50)
    assert sum("50 participants importés" in page for page in pages) == 1
    assert sum("Cette importation a déjà été confirmée." in page for page in pages) == 3
    # Later, the same page says so again and imports nothing.
    with opener.open(preview_url, data=CONFIRM, timeout=30) as r:
        assert "Cette importation a déjà été confirmée." in r.read().decode()
    assert _counts(event_id) == (50, 50)
    # Nothing of the file stays in the instance folder; only an empty mark that it was imported.
    folder = Path(app.instance_path) / "imports"
    assert sorted(p.suffix for p in folder.iterdir()) == [".done"]
    assert (folder / f"{preview_url.rsplit('/', 1)[1]}.done").stat().st_size == 0


def test_two_uploads_of_one_file_confirmed_at_once_import_once(app, live_server):
    """Two organizers upload the same list and confirm together: the second is refused, row by row."""
    event = factories.make_event()
    event_id, slug = event.id, event.slug
    opener = _signed_in(live_server)
    urls = [_upload(opener, live_server, slug, _csv(30)) for _ in range(2)]
    pages = _confirm_at_once(opener, event_id, urls, answered_early=0)
    assert _counts(event_id) == (30, 30)
    assert sum("30 participants importés" in page for page in pages) == 1
    refused = next(page for page in pages if "30 participants importés" not in page)
    # 20 rows have a phone or an email, 10 neither (refused by their names); the page lists each.
    by_contact = refused.count("Cette personne est déjà inscrite à l&#39;événement.")
    by_name = refused.count("Une personne du même nom est déjà inscrite à l&#39;événement.")
    assert by_name > 0 and by_contact == 2 * by_name
    # The refused upload is given back: its page still shows it, and confirming it still refuses.
    folder = Path(app.instance_path) / "imports"
    assert sorted(p.suffix for p in folder.iterdir()) == [".bin", ".done", ".json"]
    with opener.open(next(u for u, page in zip(urls, pages, strict=True) if page is refused), timeout=30) as r:
        assert "déjà inscrite" in r.read().decode()
    assert _counts(event_id) == (30, 30)


def test_a_plan_made_before_another_import_is_checked_again_when_written(app):
    event = factories.make_event()
    table = imports.read_table(_csv(9), "liste.csv", settings=web.settings())
    first = imports.prepare_import(event, table, settings=web.settings())
    second = imports.prepare_import(event, table, settings=web.settings())
    assert first.ok and second.ok
    imports.run_import(event, first)
    with pytest.raises(ValidationError) as info:
        imports.run_import(event, second)
    # Rows with a phone or an email, and rows with neither (same names), are all refused.
    assert len(info.value.messages()) == 9
    assert _counts(event.id) == (9, 9)


def _cpu_state(pid: int) -> tuple[str, int]:
    """A process's state letter and CPU ticks used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return fields[0], int(fields[11]) + int(fields[12])


def _all_blocked(processes, history: dict) -> bool:
    """True when every process has slept without using CPU for a second (waiting for the database)."""
    now = time.monotonic()
    blocked = 0
    for p in processes:
        if p.poll() is not None:
            return True  # one finished: nothing more to wait for
        try:
            state, ticks = _cpu_state(p.pid)
        except (FileNotFoundError, ProcessLookupError):
            return True
        since = history.get(p.pid)
        if state != "S" or since is None or since[0] != ticks:
            history[p.pid] = (ticks, now)
        elif now - since[1] >= 1.0:
            blocked += 1
    return blocked == len(processes)


@pytest.mark.slow
def test_two_concurrent_cli_imports_of_one_file_import_it_once(app, database_url, tmp_path):
    event = factories.make_event()
    event_id, slug = event.id, event.slug
    path = tmp_path / "liste.csv"
    path.write_bytes(_csv(40))
    env = dict(os.environ, EVENTAPP_INSTANCE_PATH=str(tmp_path / "instance"), EVENTAPP_DATABASE_URL=database_url,
               EVENTAPP_SECRET_KEY="test-secret")
    with holding_event(event_id):
        runs = [subprocess.Popen([str(BIN), "participants", "import", slug, str(path)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        # Until both wait to write (a real server's imports would be as close), for at most 8 s:
        # SQLite's writers give up after 10.
        history: dict = {}
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            waiting = _waiting_on_locks()
            if (waiting is not None and waiting >= 2) or (waiting is None and _all_blocked(runs, history)):
                break
            time.sleep(0.1)
    outputs = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        outputs.append((run.returncode, out.decode(), err.decode()))
    assert _counts(event_id) == (40, 40), outputs
    codes = sorted(code for code, _, _ in outputs)
    assert codes[0] == 0 and codes[1] != 0, outputs
    refused = next(out + err for code, out, err in outputs if code != 0)
    assert "nothing imported" in refused and "Traceback" not in refused
    assert "40 participants imported" in next(out for code, out, _ in outputs if code == 0)
