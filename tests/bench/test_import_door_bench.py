"""Door latency while the worst import files are read: the million-empty-rows XLSX and a 10 MB
CSV of newlines (issue 11, item 15). One thread scans badges through the API as fast as it can
(a station's bearer token), another reads the file; the door's p50/p99 and scans per second are
printed idle, then during each read, with main's reader ("before", loaded from git when the
checkout has a ``main`` branch) and with this code's ("after").

    .venv/bin/pytest -q -s tests/bench/test_import_door_bench.py

Figures are printed; the test fails only on errors, never on speed.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

from eventapp.core.errors import ValidationError
from eventapp.core.tokens import qr_payload
from eventapp.door import stations as station_service
from eventapp.people import imports as imports_now
from tests import factories
from tests.import_bombs import csv_of_newlines, xlsx_with_empty_rows

ROOT = Path(__file__).resolve().parents[2]


def _main_imports(tmp_path):
    """main's services/imports.py as a module of its own, or None without git or a main branch."""
    try:
        source = subprocess.run(["git", "-C", str(ROOT), "show", "main:eventapp/people/imports.py"],
                                capture_output=True, check=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = tmp_path / "imports_main.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("imports_main", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["imports_main"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _door(client, url, headers, payloads, stop, latencies, errors):
    i = 0
    while not stop.is_set():
        body = json.dumps({"payload": payloads[i % len(payloads)], "client_id": f"b{time.monotonic_ns()}-{i}"})
        start = time.perf_counter()
        response = client.post(url, data=body, content_type="application/json", headers=headers)
        latencies.append(time.perf_counter() - start)
        if response.status_code != 200:
            errors.append(response.status_code)
        i += 1


def _measure(app, client, url, headers, payloads, work) -> tuple[dict, float]:
    stop, latencies, errors = threading.Event(), [], []
    door = threading.Thread(target=_door, args=(client, url, headers, payloads, stop, latencies, errors))
    door.start()
    start = time.perf_counter()
    with app.app_context():
        work()
    elapsed = time.perf_counter() - start
    stop.set()
    door.join()
    assert not errors, errors[:5]
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
    return {"scans/s": round(len(latencies) / elapsed, 1), "p50 ms": round(statistics.median(ordered) * 1000, 1),
            "p99 ms": round(p99 * 1000, 1)}, elapsed


def _read(module, content, name):
    def work():
        with contextlib.suppress(ValidationError):  # refused: what the "after" reader does with these files
            module.read_table(content, name)
    return work


def test_door_p99_during_the_worst_import_uploads(app, tmp_path):
    event = factories.make_event(start_date=date.today(), end_date=date.today())
    issued = station_service.create_station(event, "Gate A")
    payloads = [qr_payload(factories.make_registration(event, factories.make_person(f"P{i}", "Traoré")).checkin_token)
                for i in range(50)]
    client = app.test_client()
    url, headers = f"/api/events/{event.slug}/checkins", {"Authorization": f"Bearer {issued.token}"}
    files = {"xlsx, 1M empty rows": (xlsx_with_empty_rows(), "vide.xlsx"),
             "csv, 10 MB of newlines": (csv_of_newlines(), "vide.csv")}
    idle, _s = _measure(app, client, url, headers, payloads, lambda: time.sleep(2))
    print(f"\nidle door: {idle}", file=sys.stderr)
    readers = [("after", imports_now)]
    before = _main_imports(tmp_path)
    if before is not None:
        readers.insert(0, ("before", before))
    for label, module in readers:
        for what, (content, name) in files.items():
            figures, elapsed = _measure(app, client, url, headers, payloads, _read(module, content, name))
            print(f"{label:6} {what:24} read {elapsed:6.2f} s; door {figures}", file=sys.stderr)
