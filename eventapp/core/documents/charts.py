"""Bar charts of counts: as reportlab drawings for PDFs, and as SVG markup for web pages.

Plain data in: category labels and one list of counts per series.
"""
from __future__ import annotations

from html import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from eventapp.core.documents.fonts import REGULAR, register_fonts

SERIES_COLOURS = ["#b35900", "#1f4e79", "#888888", "#1b7a3a", "#6a3d9a"]


def _nice_max(value: int) -> int:
    """A round top for the value axis (1, 2 or 5 times a power of ten, at least 5)."""
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(int(value))) - 1)
    for m in (1, 2, 5, 10):
        if m * magnitude >= value:
            return m * magnitude
    return 10 * magnitude


def bar_drawing(categories: list[str], series: list[list[int]], series_labels: list[str], title: str,
                width: float = 480, height: float = 220) -> Drawing:
    """A vertical bar chart (one bar per series in each category) with a legend."""
    register_fonts()
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 12, title, fontName=REGULAR, fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y = 35, 45
    chart.width, chart.height = width - 50, height - 80
    chart.data = [tuple(s) for s in series] if categories else [(0,)]
    chart.categoryAxis.categoryNames = [c if len(c) <= 18 else c[:17] + "…" for c in categories] or [""]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(categories) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(categories) > 6 else "n"
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 7
    top = max([max(s) for s in series if s] + [0])
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _nice_max(top)
    chart.valueAxis.valueStep = max(1, chart.valueAxis.valueMax // 5)
    for i in range(len(series)):
        chart.bars[i].fillColor = colors.HexColor(SERIES_COLOURS[i % len(SERIES_COLOURS)])
        chart.bars[i].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = REGULAR
    chart.barLabels.fontSize = 6
    chart.barLabels.nudge = 6
    drawing.add(chart)
    if len(series) > 1:
        legend = Legend()
        legend.x, legend.y = width - 10, height - 6
        legend.alignment = "right"
        legend.boxAnchor = "ne"
        legend.columnMaximum = 1
        legend.fontName = REGULAR
        legend.fontSize = 7
        legend.colorNamePairs = [(colors.HexColor(SERIES_COLOURS[i % len(SERIES_COLOURS)]), series_labels[i])
                                 for i in range(len(series))]
        legend.deltax = 60
        drawing.add(legend)
    return drawing


def bar_svg(categories: list[str], series: list[list[int]], series_labels: list[str], title: str,
            width: int = 640, height: int = 260) -> str:
    """The same chart as SVG markup (no script, no style attribute), safe to embed in a page."""
    left, right, top_pad, bottom = 40, 10, 34, 56
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = _nice_max(max([max(s) for s in series if s] + [0]))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
             f'aria-label="{escape(title)}">', f"<title>{escape(title)}</title>"]
    for i, label in enumerate(series_labels if len(series) > 1 else []):
        x = left + i * 130
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{SERIES_COLOURS[i % len(SERIES_COLOURS)]}"/>'
                     f'<text x="{x + 14}" y="15" font-size="11">{escape(label)}</text>')
    for k in range(6):
        value = top * k / 5
        y = top_pad + plot_h - plot_h * k / 5
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{value:g}</text>')
    n = max(len(categories), 1)
    group_w = plot_w / n
    bar_w = group_w * 0.8 / max(len(series), 1)
    for c, label in enumerate(categories):
        gx = left + c * group_w + group_w * 0.1
        for s, values in enumerate(series):
            v = values[c]
            h = plot_h * v / top if top else 0
            x, y = gx + s * bar_w, top_pad + plot_h - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{SERIES_COLOURS[s % len(SERIES_COLOURS)]}"><title>{escape(label)} · '
                         f'{escape(series_labels[s]) if s < len(series_labels) else ""}: {v}</title></rect>')
            if v:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 2:.1f}" font-size="9" '
                             f'text-anchor="middle">{v}</text>')
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(f'<text x="{gx + group_w * 0.4:.1f}" y="{top_pad + plot_h + 14}" font-size="10" '
                     f'text-anchor="middle">{escape(short)}</text>')
    parts.append("</svg>")
    return "".join(parts)
