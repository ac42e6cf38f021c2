"""Bar charts of counts: as reportlab drawings for PDFs, and as SVG markup for web pages.

Plain data in: category labels and one list of counts per series.
"""
from __future__ import annotations

from html import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from eventapp.core.documents.fonts import REGULAR, register_fonts
from eventapp.core.documents.textfit import LEADING, fit_text

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


TITLE_SIZE = 10
LEGEND_SIZE = 7
LABEL_SIZE = 7
LABEL_MIN = 4.5
LEGEND_ROW = 11  # height of a row of legend entries, in points


def bar_drawing(categories: list[str], series: list[list[int]], series_labels: list[str], title: str,
                width: float = 480, height: float = 220) -> Drawing:
    """A vertical bar chart (one bar per series in each category) with its title and legend.

    From the top: the title (fitted to the width, on up to two lines), the legend on rows of
    its own below it (never over the title), then the chart; category names under the bars are
    wrapped and shrunk to fit their group, never cut.
    """
    register_fonts()
    drawing = Drawing(width, height)
    y = _draw_title(drawing, title, width, height)
    if len(series) > 1:
        y = _draw_legend(drawing, series_labels, width, y - 4)
    chart = VerticalBarChart()
    n = max(len(categories), 1)
    chart.x, chart.width = 35, width - 50
    names, size, lines = _category_names(categories, chart.width / n)
    chart.y = 12 + lines * size * LEADING
    chart.height = max(40.0, y - 16 - chart.y)  # room above the tallest bar for its number
    chart.data = [tuple(s) for s in series] if categories else [(0,)]
    chart.categoryAxis.categoryNames = names or [""]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = size
    chart.categoryAxis.labels.leading = size * LEADING
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.textAnchor = "middle"
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
    return drawing


def _draw_title(drawing: Drawing, title: str, width: float, height: float) -> float:
    """The title at the top, fitted to the width; returns where the space below it starts."""
    fitted = fit_text(title, REGULAR, width, 2 * TITLE_SIZE * LEADING, TITLE_SIZE, 7, 2)
    y = height
    for line in fitted.lines:
        y -= fitted.size * LEADING
        drawing.add(String(0, y + fitted.size * 0.2, line, fontName=REGULAR, fontSize=fitted.size))
    return y


def _draw_legend(drawing: Drawing, labels: list[str], width: float, top: float) -> float:
    """A swatch and a name per series, left to right on rows below ``top``; returns the bottom."""
    x, y = 0.0, top - LEGEND_ROW
    for i, label in enumerate(labels):
        entry = 11 + stringWidth(label, REGULAR, LEGEND_SIZE)
        if x and x + entry > width:
            x, y = 0.0, y - LEGEND_ROW
        colour = colors.HexColor(SERIES_COLOURS[i % len(SERIES_COLOURS)])
        drawing.add(Rect(x, y + 1, 8, 8, fillColor=colour, strokeColor=None))
        drawing.add(String(x + 11, y + 2, label, fontName=REGULAR, fontSize=LEGEND_SIZE))
        x += entry + 14
    return y


def _category_names(categories: list[str], group_width: float) -> tuple[list[str], float, int]:
    """The names under the bars wrapped to their group's width, one size for all (never cut).

    Returns the names (lines joined by newlines), their size and the most lines any has.
    """
    room = max(group_width - 4, 10)
    fits = [fit_text(c, REGULAR, room, 3 * LABEL_SIZE * LEADING, LABEL_SIZE, LABEL_MIN, 3) for c in categories]
    size = min([f.size for f in fits] + [LABEL_SIZE])
    fits = [fit_text(c, REGULAR, room, 4 * size * LEADING, size, min(size, LABEL_MIN), 3) for c in categories]
    size = min([f.size for f in fits] + [size])
    return ["\n".join(f.lines) for f in fits], size, max([len(f.lines) for f in fits] + [1])


def bar_svg(categories: list[str], series: list[list[int]], series_labels: list[str], title: str,
            width: int = 640, height: int = 260) -> str:
    """The same chart as SVG markup (no script, no style attribute), safe to embed in a page."""
    left, right, top_pad, bottom = 40, 10, 34, 56
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = _nice_max(max([max(s) for s in series if s] + [0]))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
             f'aria-label="{escape(title)}">', f"<title>{escape(title)}</title>"]
    x = left
    for i, label in enumerate(series_labels if len(series) > 1 else []):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        parts.append(f'<rect x="{x:.0f}" y="6" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14:.0f}" y="15" font-size="11">{escape(label)}</text>')
        x += 14 + stringWidth(label, REGULAR, 11) + 18  # measured, so that long names never overlap
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
        parts.append(_svg_label(label, gx + group_w * 0.4, top_pad + plot_h + 14, group_w))
    parts.append("</svg>")
    return "".join(parts)


def _svg_label(label: str, x: float, y: float, group_width: float) -> str:
    """A category name under its bars, wrapped on up to three lines and shrunk, never cut."""
    register_fonts()
    fitted = fit_text(label, REGULAR, max(group_width - 4, 10), 3 * 10 * LEADING, 10, 6, 3)
    lines = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else fitted.size * LEADING:.1f}">{escape(line)}</tspan>'
                    for i, line in enumerate(fitted.lines))
    return f'<text x="{x:.1f}" y="{y}" font-size="{fitted.size:.1f}" text-anchor="middle">{lines}</text>'
