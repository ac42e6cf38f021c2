"""An external report from real data cannot be made to give a small count away.

The report is read back from what leaves the building (the PDF's text through pypdf, the XLSX
through openpyxl, the web page's HTML), and an attacker who knows how the tables add up (rows
and their totals, columns and their total row, the same figure printed in several tables)
tries to recover every hidden cell by subtraction, and by pinning "<5" cells at their bounds.
"""
from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from eventapp.audit.services import Actor
from eventapp.core import web
from eventapp.reports.services import build_report, export_report
from eventapp.reports.suppression import Line
from tests import reports_fixtures as kf
from tests.pdfutil import pdf_text
from tests.reports.test_suppression import attack

HIDDEN = ("<5", "[s]")  # the French mark: the event's language


def _number(text):
    text = str(text).strip()
    return text if text in HIDDEN else int(text)


def read_xlsx(data: bytes, report) -> dict:
    """{table title: [(row label, [figures])]} and the summary, from the workbook's sheets."""
    wb = load_workbook(io.BytesIO(data))
    tables = {}
    for ws in wb.worksheets[1:]:
        title = ws["A1"].value
        if title not in {t.title for t in report.tables}:
            continue
        rows = []
        for row in ws.iter_rows(min_row=3, values_only=True):
            if row[0] is None:
                break
            rows.append((row[0], [_number(v) for v in row[1:] if v is not None]))
        tables[title] = rows
    summary = {label: _number(value) for label, value in
               ws_pairs(wb.worksheets[0]) if label in {lbl for lbl, _v in report.summary}}
    return {"tables": tables, "summary": summary}


def ws_pairs(ws):
    return [(r[0], r[1]) for r in ws.iter_rows(values_only=True) if r and r[0] is not None and len(r) > 1
            and r[1] is not None]


def read_pdf(data: bytes, report) -> dict:
    """The same from the PDF's text: each table's title, then per row its label and figures."""
    lines = [line.strip() for line in pdf_text(data).splitlines() if line.strip()]
    position = 0

    def find_label(label, start):
        for i in range(start, len(lines)):
            joined = ""
            for j in range(i, min(i + 4, len(lines))):
                joined = f"{joined} {lines[j]}".strip()
                if joined == label:
                    return j + 1
                if not label.startswith(joined):
                    break
        raise AssertionError(f"{label!r} not found in the PDF")

    summary = {}
    for label, _value in report.summary:
        position = find_label(label, position)
        summary[label] = _number(lines[position])
    tables = {}
    for table in report.tables:
        position = find_label(table.title, position)
        rows = []
        for label, values in table.rows:
            position = find_label(label, position)
            rows.append((label, [_number(v) for v in lines[position:position + len(values)]]))
            position += len(values)
        tables[table.title] = rows
    return {"tables": tables, "summary": summary}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.summary, self._title, self._row, self._cell = {}, {}, None, None, None
        self._in_h2 = self._in_dt = self._in_dd = False
        self._dt = ""

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self._in_h2, self._title = True, ""
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = ""
        elif tag == "dt":
            self._in_dt, self._dt = True, ""
        elif tag == "dd":
            self._in_dd, self._dd = True, ""

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False
        elif tag in ("th", "td") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables.setdefault(self._title, []).append(self._row)
            self._row = None
        elif tag == "dt":
            self._in_dt = False
        elif tag == "dd":
            self._in_dd = False
            self.summary[self._dt.strip()] = self._dd.strip()

    def handle_data(self, data):
        if self._in_h2:
            self._title += data
        if self._cell is not None:
            self._cell += data
        if self._in_dt:
            self._dt += data
        if self._in_dd:
            self._dd += data


def read_page(html: str, report) -> dict:
    page = _Page()
    page.feed(html)
    tables = {}
    for table in report.tables:
        rows = page.tables[table.title][1:]  # the first row holds the column headings
        tables[table.title] = [(r[0], [_number(v) for v in r[1:]]) for r in rows]
    return {"tables": tables, "summary": {k: _number(v) for k, v in page.summary.items()}}


def what_a_reader_knows(report, read: dict, days: int) -> tuple[dict, list[Line]]:
    """Every figure read as a cell ``(table, row, column)``, and the sums a reader knows hold."""
    cells, lines = {}, []
    by_key = {t.key: t for t in report.tables}
    for table in report.tables:
        for r, (label, values) in enumerate(read["tables"][table.title]):
            assert label == table.rows[r][0]
            for c, value in enumerate(values):
                cells[(table.key, r, c)] = value
    for label, value in read["summary"].items():
        cells[("summary", label)] = value

    def same(a, b):
        lines.append(Line(a, (b,)))

    def table_sums(key, row_total: bool):
        table = by_key[key]
        n_rows, n_cols = len(table.rows), len(table.columns)
        for c in range(n_cols):  # the total row is the sum of the rows above
            lines.append(Line((key, n_rows - 1, c), tuple((key, r, c) for r in range(n_rows - 1))))
        if row_total:
            for r in range(n_rows):
                lines.append(Line((key, r, n_cols - 1), tuple((key, r, c) for c in range(n_cols - 1))))

    for key in ("sex_category", "sex_age", "locality"):
        table_sums(key, row_total=True)
        for c in range(4):
            same(("sex_category", len(by_key["sex_category"].rows) - 1, c), (key, len(by_key[key].rows) - 1, c))
    table_sums("day_category", row_total=False)
    table_sums("arrivals", row_total=days > 1)
    for r in range(len(by_key["day_category"].rows) - 1):  # a category's "overall" is its total
        same(("sex_category", r, 3), ("day_category", r, days))
    last_day_row = len(by_key["day_category"].rows) - 1
    for c in range(days):  # the attended per day, three times
        same(("day_category", last_day_row, c), ("arrivals", len(by_key["arrivals"].rows) - 1, c))
        same(("day_category", last_day_row, c), ("attendance", 3, c))
    everyone = ("sex_category", len(by_key["sex_category"].rows) - 1, 3)
    same(everyone, ("attendance", 3, days))
    if days == 1:  # present on the only day is present at all
        for r in range(len(by_key["day_category"].rows)):
            same(("day_category", r, 0), ("day_category", r, 1))
        for r in range(len(by_key["arrivals"].rows)):
            same(("arrivals", r, 0), ("arrivals", r, 1))
        same(("attendance", 4, 0), ("attendance", 4, 1))
    for r in range(len(by_key["consents"].rows)):
        lines.append(Line(everyone, tuple(("consents", r, c) for c in range(3))))
    for r, (label, _values) in enumerate(by_key["attendance"].rows):  # the same figure on every day
        for c in range(days):
            if r not in (3, 4):
                same(("attendance", r, c), ("attendance", r, days))
        for summary_label, _v in report.summary:
            if summary_label == label:
                same(("summary", label), ("attendance", r, days))
    women, men = report.summary[5][0], report.summary[6][0]
    same(("summary", women), ("sex_category", len(by_key["sex_category"].rows) - 1, 0))
    same(("summary", men), ("sex_category", len(by_key["sex_category"].rows) - 1, 1))
    for i in range(days):
        same(("summary", report.summary[7 + i][0]), ("day_category", last_day_row, i))
    return cells, lines


def true_values(internal, cells) -> dict:
    """The real figure behind every cell, from the internal report (same layout, nothing hidden)."""
    real = {}
    summary = dict(internal.summary)
    tables = {t.key: t for t in internal.tables}
    for key in cells:
        real[key] = summary[key[1]] if key[0] == "summary" else tables[key[0]].rows[key[1]][1][key[2]]
    return real


def check_no_hidden_cell_is_recovered(internal, external, read, days):
    cells, lines = what_a_reader_knows(external, read, days)
    real = true_values(internal, cells)
    hidden = {k for k, v in cells.items() if v in HIDDEN}
    for key, value in cells.items():
        if key in hidden:
            assert (value == "<5") == (0 < real[key] < 5), key  # "<5" says the truth, and only it
        else:
            assert value == real[key] and not 0 < value < 5, key  # a shown figure is true and not small
    assert hidden, "the data has small counts: something must be hidden"
    values = {k: real[k] for k in cells}
    assert attack(values, lines, hidden) == {}


@pytest.fixture(params=[2, 1], ids=["two-days", "one-day"])
def event_days(request, app):
    event, _regs = kf.known_attendance(end_date=kf.DAY2 if request.param == 2 else kf.DAY1)
    return event, request.param


def test_external_xlsx_and_pdf_give_no_hidden_count_away(event_days):
    event, days = event_days
    internal = build_report(event, settings=web.settings())
    external = build_report(event, settings=web.settings(), external=True)
    xlsx, _name = export_report(event, "xlsx", settings=web.settings(), actor=Actor.cli(), external=True)
    check_no_hidden_cell_is_recovered(internal, external, read_xlsx(xlsx, external), days)
    pdf, _name = export_report(event, "pdf", settings=web.settings(), actor=Actor.cli(), external=True)
    check_no_hidden_cell_is_recovered(internal, external, read_pdf(pdf, external), days)


def test_the_internal_tables_alone_would_give_counts_away(event_days):
    """The attack works: on the old primary suppression (cells 1–4 only) it recovers counts."""
    event, days = event_days
    internal = build_report(event, settings=web.settings())
    cells, lines = what_a_reader_knows(internal, {"tables": {t.title: t.rows for t in internal.tables},
                                                  "summary": dict(internal.summary)}, days)
    real = true_values(internal, cells)
    small = {k for k, v in real.items() if 0 < v < 5}
    assert attack(real, lines, small)


def test_external_web_page_gives_no_hidden_count_away(event_days, client, login):
    event, days = event_days
    login("coordinator")
    html = client.get(f"/events/{event.slug}/reports?external=1").get_data(as_text=True)
    assert '<html lang="fr">' in html  # the reader's language: the same words as the event's here
    internal = build_report(event, settings=web.settings(), language="fr")
    external = build_report(event, settings=web.settings(), external=True, language="fr")
    read = read_page(html, external)
    read["summary"] = {k: v for k, v in read["summary"].items() if k in dict(external.summary)}
    assert len(read["summary"]) == len(external.summary)
    check_no_hidden_cell_is_recovered(internal, external, read, days)


def test_external_project_reach_gives_no_hidden_count_away(app):
    from eventapp.events.models import Project
    from eventapp.extensions import db
    from eventapp.reports.reach import project_reach

    project = Project(name="Dialogue FDS-populations", funder="Coopération suisse")
    db.session.add(project)
    event, _regs = kf.known_attendance(end_date=kf.DAY1)
    event.project = project
    db.session.commit()
    internal = project_reach(project, settings=web.settings())
    external = project_reach(project, settings=web.settings(), external=True)
    cells, real, lines = {}, {}, []
    for t_ext, t_int in zip(external.tables, internal.tables, strict=True):
        n_rows, n_cols = len(t_ext.rows), len(t_ext.columns)
        for r in range(n_rows):
            for c in range(n_cols):
                cells[(t_ext.key, r, c)], real[(t_ext.key, r, c)] = t_ext.rows[r][1][c], t_int.rows[r][1][c]
        for c in range(n_cols):
            lines.append(Line((t_ext.key, n_rows - 1, c), tuple((t_ext.key, r, c) for r in range(n_rows - 1))))
        if t_ext.key != "per_event":
            for r in range(n_rows):
                lines.append(Line((t_ext.key, r, 3), tuple((t_ext.key, r, c) for c in range(3))))
            lines.append(Line(("per_event", len(external.per_event.rows) - 1, 2), ((t_ext.key, n_rows - 1, 3),)))
            for c in range(4):
                lines.append(Line(("sex_category", len(external.tables[1].rows) - 1, c), ((t_ext.key, n_rows - 1, c),)))
    hidden = {k for k, v in cells.items() if v in HIDDEN}
    assert hidden and all(k in hidden for k, v in real.items() if 0 < v < 5)
    assert attack(real, lines, hidden) == {}
