"""Small counts that stay hidden: primary and complementary cell suppression.

A published report is a set of cells (any hashable key, one per quantity: a figure printed in
two tables is one cell) and *lines*: a total that is the sum of its members (a table's row and
its row total, a column and its column total, the same count printed twice). Whoever reads the
report knows every shown cell and every line.

Primary suppression hides every count from 1 to under the threshold. That is not enough: in
"F 6, M <5, X 0, Total 10" the hidden count is 10 − 6 − 0. Complementary suppression then hides
more cells until no hidden cell can be worked out, by subtraction along one line or by any sum
and difference of lines (a hidden cell is exposed exactly when its unit vector lies in the span
of the lines restricted to the hidden cells, which :func:`exposed` checks by exact elimination).
One more rule closes the bounds attack on a single line: when a shown total's hidden members
are all small counts (each known to be 1 to threshold − 1), they could be pinned at their
bounds ("<5, <5, total of the two 2"), so another member of that line is hidden too.

Which cell to hide next: among the shown cells of a line of the exposed cell, the smallest
non-zero count (a zero is hidden only when nothing else is left), then the next, until stable.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

Key = Hashable


@dataclass(frozen=True)
class Line:
    """``total`` = the sum of ``members`` (one member: the two cells are the same count)."""

    total: Key
    members: tuple[Key, ...]


def primary(values: Mapping[Key, int], threshold: int) -> set[Key]:
    """The small counts: from 1 to under ``threshold``."""
    return {k for k, v in values.items() if 0 < v < threshold}


def exposed(values: Mapping[Key, int], lines: Iterable[Line], hidden: set[Key]) -> set[Key]:
    """The hidden cells that the shown cells and the lines determine exactly.

    Each line is an equation over the hidden cells (members +1, total −1, the shown cells on the
    right-hand side). A hidden cell is determined when some combination of the equations leaves
    it alone: after Gauss–Jordan elimination, its pivot row has nothing in any free column.
    """
    columns = sorted(hidden, key=repr)
    index = {k: i for i, k in enumerate(columns)}
    pivots: dict[int, dict[int, Fraction]] = {}  # pivot column -> its reduced row
    for row in _equations(lines, index):
        row = _reduced(row, pivots)  # by the pivots found so far
        if not row:
            continue
        col = min(row)
        lead = row[col]
        row = {c: v / lead for c, v in row.items()}
        for other in pivots.values():  # keep the earlier rows reduced
            _eliminate(other, col, row)
        pivots[col] = row
    return {columns[col] for col, row in pivots.items() if len(row) == 1}


def _equations(lines: Iterable[Line], index: dict[Key, int]) -> list[dict[int, Fraction]]:
    """Each line as coefficients over the hidden cells' columns (members +1, total −1); empty ones left out."""
    rows: list[dict[int, Fraction]] = []
    for line in lines:
        row: dict[int, Fraction] = defaultdict(Fraction)
        for member in line.members:
            if member in index:
                row[index[member]] += 1
        if line.total in index:
            row[index[line.total]] -= 1
        row = {c: v for c, v in row.items() if v}
        if row:
            rows.append(row)
    return rows


def _reduced(row: dict[int, Fraction], pivots: dict[int, dict[int, Fraction]]) -> dict[int, Fraction]:
    for col, prow in pivots.items():
        factor = row.get(col)
        if factor:
            for c, v in prow.items():
                row[c] = row.get(c, Fraction(0)) - factor * v
            row = {c: v for c, v in row.items() if v}
    return row


def _eliminate(other: dict[int, Fraction], col: int, row: dict[int, Fraction]) -> None:
    """Subtract ``row`` (with 1 at ``col``) from ``other`` so that ``other`` has nothing at ``col``."""
    factor = other.get(col)
    if not factor:
        return
    for c, v in row.items():
        other[c] = other.get(c, Fraction(0)) - factor * v
    for c in [c for c, v in other.items() if not v]:
        del other[c]


def _weak_lines(values, lines, hidden, small) -> list[Line]:
    """Lines with a shown total whose hidden members are all small counts (bounds attack)."""
    weak = []
    for line in lines:
        if line.total in hidden:
            continue
        members = [m for m in line.members if m in hidden]
        if members and all(m in small for m in members):
            weak.append(line)
    return weak


def _complement_round(to_fix: list[Key], weak: list[Line], lines_of: dict[Key, list[Line]], smallest,
                      hidden: set[Key]) -> bool:
    """Hide one complement per exposed cell and per weak line, at most one per line in a round;
    True when something was hidden."""
    touched: set[Line] = set()
    added = False
    for key in to_fix:
        if any(line in touched for line in lines_of[key]):
            continue  # a complement was just put in one of its lines: look again first
        pick = smallest(k for line in lines_of[key] for k in (line.total, *line.members))
        if pick is not None:
            hidden.add(pick)
            touched.update(lines_of[key])
            added = True
    for line in weak:
        if line in touched:
            continue
        pick = smallest((*line.members, line.total))
        if pick is not None:
            hidden.add(pick)
            touched.add(line)
            added = True
    return added


def suppress(values: Mapping[Key, int], lines: Iterable[Line], threshold: int,
             forced: Iterable[Key] = ()) -> frozenset[Key]:
    """The cells to hide: the small counts (and ``forced``), then complements until none is exposed."""
    lines = [line for line in lines if line.members]
    small = primary(values, threshold)
    hidden = set(small) | set(forced)
    lines_of: dict[Key, list[Line]] = defaultdict(list)
    for line in lines:
        for key in (line.total, *line.members):
            lines_of[key].append(line)
    order = {k: i for i, k in enumerate(values)}

    def smallest(candidates) -> Key | None:
        shown = [k for k in candidates if k not in hidden]
        if not shown:
            return None
        return min(shown, key=lambda k: (values[k] == 0, values[k], order.get(k, 0)))

    while True:
        to_fix = sorted(exposed(values, lines, hidden), key=lambda k: order.get(k, 0))
        weak = _weak_lines(values, lines, hidden, small)
        if not to_fix and not weak:
            return frozenset(hidden)
        if not _complement_round(to_fix, weak, lines_of, smallest, hidden):
            # Every line through the exposed cells is hidden already: widen to any shown cell
            # that shares a line with a hidden one, so that each round hides something.
            pick = smallest(k for h in hidden for line in lines_of[h] for k in (line.total, *line.members))
            if pick is None:
                return frozenset(hidden)
            hidden.add(pick)
