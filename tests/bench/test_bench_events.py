"""Benchmarks of the events area (run by ``make bench``): they print figures, never fail by the clock."""
from __future__ import annotations

import time
from datetime import date

from eventapp.demo import load_demo
from eventapp.events.documents import Programme, ProgrammeDay, ProgrammeItem, ProgrammeOfficial, programme_pdf


def test_bench_demo_load(app):
    for n in (120, 1000):
        start = time.perf_counter()
        result = load_demo(n)
        elapsed = time.perf_counter() - start
        print(f"\n[bench events] demo with {n} participants ({result.checkins} check-ins): {elapsed:.2f} s")
    start = time.perf_counter()
    load_demo(1000)
    print(f"[bench events] demo reloaded over itself with 1000 participants: {time.perf_counter() - start:.2f} s")


def test_bench_programme_pdf():
    from datetime import time as t

    days = [ProgrammeDay(date(2023, 6, 21 + d), [
        ProgrammeItem(t(8 + i // 2, 30 * (i % 2)), t(8 + (i + 1) // 2, 30 * ((i + 1) % 2)), f"Séquence n° {i} — Débat",
                      "Débat ou plénière", "Salle de conférence", held_by=["M. Oumar SOGOBA (Préside)"])
        for i in range(16)]) for d in range(3)]
    data = Programme(title="Atelier de restitution", start_date=date(2023, 6, 21), end_date=date(2023, 6, 23),
                     officials=[ProgrammeOfficial(f"Dr Fatoumata MAÏGA {i}", "Directrice", "IMRAP", "Intervenante")
                                for i in range(12)], days=days)
    programme_pdf(data)  # fonts registered, catalogue loaded
    runs = 10
    start = time.perf_counter()
    for _ in range(runs):
        pdf = programme_pdf(data)
    elapsed = (time.perf_counter() - start) / runs
    print(f"\n[bench events] programme PDF, 3 days × 16 items, 12 officials: {elapsed * 1000:.0f} ms, "
          f"{len(pdf) // 1024} KB")
