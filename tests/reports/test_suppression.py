"""Complementary suppression (services.suppression): no hidden count can be worked out.

The attacker here is written apart from the code under test: it knows every shown cell and
every line (total = sum of members), subtracts along any line with one unknown left, and pins
hidden small counts (known to be 1 to threshold − 1) when a line's sum leaves them no room;
it repeats until it learns nothing more.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from eventapp.reports.suppression import Line, exposed, suppress

T = 5


def attack(values: dict, lines: list[Line], hidden: set, threshold: int = T) -> dict:
    """The hidden cells an attacker recovers, with the value found (always the true one)."""
    known = {k: v for k, v in values.items() if k not in hidden}
    small = {k for k in hidden if 0 < values[k] < threshold}  # shown as "<5": 1 to 4
    learned = {}
    progress = True
    while progress:
        progress = False
        for line in lines:
            cells = [line.total, *line.members]
            unknown = [k for k in cells if k not in known]
            if len(unknown) == 1:
                k = unknown[0]
                if k == line.total:
                    known[k] = sum(known[m] for m in line.members)
                else:
                    known[k] = known[line.total] - sum(known[m] for m in line.members if m != k)
                learned[k] = known[k]
                progress = True
            elif unknown and line.total in known and all(k in small for k in unknown):
                left = known[line.total] - sum(known[m] for m in line.members if m in known)
                if left in (len(unknown), len(unknown) * (threshold - 1)):
                    for k in unknown:
                        known[k] = learned[k] = left // len(unknown)
                    progress = True
    for k, v in learned.items():
        assert v == values[k], "the attacker's algebra is wrong"
    return learned


def grid(rows: list[list[int]]) -> tuple[dict, list[Line]]:
    """A table with its row totals, column totals and grand total, as cells and lines."""
    values, lines = {}, []
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            values[(i, j)] = v
        values[(i, "T")] = sum(row)
        lines.append(Line((i, "T"), tuple((i, j) for j in range(len(row)))))
    for j in range(len(rows[0])):
        values[("T", j)] = sum(r[j] for r in rows)
        lines.append(Line(("T", j), tuple((i, j) for i in range(len(rows)))))
    values[("T", "T")] = sum(map(sum, rows))
    lines.append(Line(("T", "T"), tuple(("T", j) for j in range(len(rows[0])))))
    lines.append(Line(("T", "T"), tuple((i, "T") for i in range(len(rows)))))
    return values, lines


def test_the_issue_example_is_no_longer_recoverable():
    """Ouro Modi: F 6, M <5, Total 10 gave M = 4 by subtraction."""
    values, lines = grid([[6, 4, 0], [20, 30, 0]])
    assert attack(values, lines, {(0, 1)}) == {(0, 1): 4}  # primary suppression alone leaks
    hidden = suppress(values, lines, T)
    assert (0, 1) in hidden and attack(values, lines, set(hidden)) == {}
    assert (0, 0) in hidden  # the next smallest count of the row went with it
    assert (0, 2) not in hidden  # a zero is not the complement while a count is left


def test_nothing_hidden_when_nothing_is_small():
    values, lines = grid([[6, 9], [12, 30]])
    assert suppress(values, lines, T) == frozenset()


def test_two_small_counts_summing_to_their_minimum_are_not_left_alone():
    values, lines = grid([[1, 1, 20], [30, 31, 32]])
    hidden = suppress(values, lines, T)
    assert attack(values, lines, set(hidden)) == {}


def test_linked_cells_are_hidden_together():
    """A count printed in two tables is one cell: hiding it in one hides it in the other."""
    values = {"women": 3, "men": 40, "total": 43, "women_day1": 3, "men_day1": 40, "day1": 43}
    lines = [Line("total", ("women", "men")), Line("day1", ("women_day1", "men_day1")),
             Line("women", ("women_day1",)), Line("men", ("men_day1",)), Line("total", ("day1",))]
    hidden = suppress(values, lines, T)
    assert {"women", "women_day1"} <= hidden and attack(values, lines, set(hidden)) == {}


def test_exposed_sees_combinations_of_lines_not_only_one_line():
    """Two 2×2 blocks joined by one hidden cell: every line has two hidden cells, yet the bridge
    cell is the difference of two sums of lines."""
    rows = [[3, 3, 0, 0, 9], [3, 3, 3, 0, 9], [0, 0, 3, 3, 9], [0, 0, 3, 3, 9], [9, 9, 9, 9, 9]]
    values, lines = grid(rows)
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)}
    assert (1, 2) in exposed(values, lines, hidden)
    assert not exposed(values, lines, set(suppress(values, lines, T)))


tables = st.integers(1, 6).flatmap(lambda ncols: st.lists(
    st.lists(st.one_of(st.integers(0, 4), st.integers(0, 40)), min_size=ncols, max_size=ncols),
    min_size=1, max_size=7))


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_hidden_cell_is_recoverable(rows):
    values, lines = grid(rows)
    hidden = suppress(values, lines, T)
    assert all(k in hidden for k, v in values.items() if 0 < v < T)  # every small count is hidden
    assert attack(values, lines, set(hidden)) == {}
    assert not exposed(values, lines, set(hidden))


@settings(max_examples=150, deadline=None)
@given(tables, tables)
def test_two_tables_sharing_their_total_row(first, second):
    """As in the report: the category and the age band tables share the totals by sex."""
    width = min(len(first[0]), len(second[0]))
    first, second = [r[:width] for r in first], [r[:width] for r in second]
    column_totals = [sum(r[j] for r in first) for j in range(width)]
    # Second table rescaled so that its columns add up to the same totals as the first one's.
    second = [[0] * width for _ in second]
    for j, total in enumerate(column_totals):
        second[j % len(second)][j] = total
    a, lines_a = grid(first)
    b, lines_b = grid(second)
    values = {("a", *k) if k[0] != "T" else k: v for k, v in a.items()}
    values.update({("b", *k) if k[0] != "T" else k: v for k, v in b.items()})

    def rename(lines, tag):
        named = lambda k: k if k[0] == "T" else (tag, *k)  # noqa: E731
        return [Line(named(line.total), tuple(named(m) for m in line.members)) for line in lines]

    lines = rename(lines_a, "a") + rename(lines_b, "b")
    hidden = suppress(values, lines, T)
    assert attack(values, lines, set(hidden)) == {}
    assert not exposed(values, lines, set(hidden))
