"""Charts drawn on the server as SVG, so the PDF keeps them as vectors and no browser script is needed.

The markup is built as plain strings: every label passes through `xml_safe` and
`escape`/`quoteattr`, so a unit or question name can never break out of its element.
"""

import itertools
import math
import re
import textwrap
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

import cairosvg
from django.utils.translation import gettext as _

FONT = "Liberation Serif, Times New Roman, serif"
INK = "#000000"
GREY = "#8c8c8c"
GRID = "#d0d0d0"
ACCENT = "#1f4e79"
# Grey text that still reads at 4.5:1 on white, for notes and missing values.
MUTED = "#595959"
BAND = "#ececec"
# Drawing units per chart; the <svg> carries its size in millimetres, so 600 units span `width_mm`.
VIEW_WIDTH = 600
# The newer charts keep this many units per millimetre, so a wider chart gets more room, not bigger letters.
UNITS_PER_MM = VIEW_WIDTH / 160
# A serif letter is about half as wide as it is tall, a little less in Vietnamese lower case.
_LETTER = 0.48
# Characters XML 1.0 forbids; Word, Excel and SVG parsers refuse a file that holds one.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop the control characters XML cannot carry, so user text never breaks a file."""
    return _XML_ILLEGAL.sub("", text)


def vn_decimal(value: float, *, places: int = 1) -> str:
    """Write a number the Vietnamese way, with a decimal comma: 87.5 -> "87,5"."""
    return f"{value:.{places}f}".replace(".", ",")


def bar_chart(
    bars: list[tuple[str, float | None]],
    *,
    title: str = "",
    unit: str = "%",
    maximum: float = 100,
    width_mm: float = 160,
) -> str:
    """Horizontal bars, one per label; a bar without a value says that no ballot answered it."""
    label_width, bar_left, bar_right, row = 215, 225, 515, 44
    top = 38 if title else 10
    height = top + row * len(bars) + 28
    parts = [_title(title)]
    for tick in range(5):
        x = bar_left + (bar_right - bar_left) * tick / 4
        bottom = top + row * len(bars)
        parts.append(_line(x, top - 4, x, bottom, GRID))
        parts.append(_text(x, bottom + 17, vn_decimal(maximum * tick / 4, places=0), size=14, anchor="middle"))
    for index, (label, value) in enumerate(bars):
        middle = top + row * index + row / 2
        lines = _wrap(label, width=label_width, size=16)
        first = middle + 6 - 9 * (len(lines) - 1)
        for number, line in enumerate(lines):
            parts.append(_text(label_width, first + 18 * number, line, size=16, anchor="end"))
        if value is None:
            parts.append(_text(bar_left + 5, middle + 5, _("chưa có phiếu"), size=15, fill=GREY, italic=True))
            continue
        end = bar_left + (bar_right - bar_left) * max(0.0, min(value, maximum)) / maximum
        parts.append(
            f'<rect x="{bar_left}" y="{middle - 11:.1f}" width="{end - bar_left:.1f}" height="22" fill="{ACCENT}"/>'
        )
        parts.append(_text(end + 5, middle + 5, f"{vn_decimal(value)}{unit}", size=15, bold=True))
    parts.append(_line(bar_left, top - 4, bar_left, top + row * len(bars), INK))
    return _svg(parts, height=height, width_mm=width_mm, title=title)


def trend_chart(
    points: list[tuple[str, float | None]],
    *,
    title: str = "",
    maximum: float = 100,
    unit: str = "%",
    width_mm: float = 160,
    previous: list[float | None] | None = None,
    previous_label: str = "",
    current_label: str = "",
) -> str:
    """A line over the months; a month without a value leaves a gap instead of a made-up zero.

    `previous` holds the same months a year earlier: a dashed grey line with hollow squares and no
    numbers, so it tells itself apart from this year's line without colour and without clutter.
    """
    left, right = 50, 580
    top = 48 if title else 24
    bottom = top + 180
    parts = [_title(title)]
    for tick in range(5):
        y = bottom - (bottom - top) * tick / 4
        parts.append(_line(left, y, right, y, GRID if tick else INK))
        parts.append(_text(left - 6, y + 5, vn_decimal(maximum * tick / 4, places=0), size=14, anchor="end"))
    step = (right - left) / max(len(points), 1)
    xs = [left + step * (index + 0.5) for index in range(len(points))]

    def place(value: float | None) -> float | None:
        return None if value is None else bottom - (bottom - top) * max(0.0, min(value, maximum)) / maximum

    # Twelve months must fit side by side: "10/2025" is about seven letters wide.
    label_size = 14 if step >= 60 else 12
    if previous is not None:
        earlier = [(x, place(value)) for x, value in zip(xs, previous, strict=True)]
        parts += _polylines(earlier, stroke=GREY, width=1.5, dash="6 4")
        parts += [_marker("square", x, y, 4, fill="#ffffff", stroke=GREY) for x, y in earlier if y is not None]
    current = [(x, place(value)) for x, (_label, value) in zip(xs, points, strict=True)]
    parts += _polylines(current, stroke=ACCENT, width=2)
    marks = []
    for x, (label, value) in zip(xs, points, strict=True):
        marks.append(_text(x, bottom + 20, label, size=label_size, anchor="middle"))
        if value is None:
            continue
        y = place(value)
        marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{ACCENT}"/>')
        marks.append(_text(x, y - 9, f"{vn_decimal(value)}{unit}", size=label_size, anchor="middle", bold=True))
    height = bottom + 30
    if previous is not None:
        middle = bottom + 44
        this_year, end = _legend_line(
            left, middle, current_label or _("Năm nay"), stroke=ACCENT, width=2, shape="circle", fill=ACCENT
        )
        last_year, _end = _legend_line(
            end + 30,
            middle,
            previous_label or _("Cùng kỳ năm trước"),
            stroke=GREY,
            width=1.5,
            shape="square",
            fill="#ffffff",
            dash="6 4",
        )
        marks += [this_year, last_year]
        height = middle + 14
    return _svg(parts + marks, height=height, width_mm=width_mm, title=title)


# Yellow-green-blue (ColorBrewer YlGnBu): lightness falls steadily from the first stop to the last,
# so a greyscale print keeps the order and no colour-blind reader depends on hue.
HEAT_STOPS = ("#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58")
# SIPAS values mostly lie between 60 and 100 %: the scale spends its steps there and clamps what lies below.
HEAT_LOW, HEAT_HIGH = 50, 100


def heatmap(
    rows: list[tuple[str, list[float | None]]],
    columns: list[str],
    *,
    title: str = "",
    width_mm: float = 160,
    note: str = "",
) -> str:
    """Units by factors, each cell shaded by its value and carrying the number, so the shade only guides the eye."""
    width = width_mm * UNITS_PER_MM
    label_width = min(max(width * 0.33, 110), 280)
    grid_left, grid_right, row = label_width + 10, width - 6, 29
    column_width = (grid_right - grid_left) / max(len(columns), 1)
    headers = [_wrap(column, width=column_width - 2, size=11, lines=3, balanced=True) for column in columns]
    top = (38 if title else 10) + 14 * max((len(lines) for lines in headers), default=1) + 6
    parts = [_title(title, width=width)]
    for index, lines in enumerate(headers):
        centre = grid_left + column_width * (index + 0.5)
        for number, line in enumerate(lines):
            y = top - 8 - 14 * (len(lines) - 1 - number)
            parts.append(_text(centre, y, line, size=11, anchor="middle", bold=True))
    # A row shorter than the columns lacks the values at its end.
    grid = [(label, (list(values) + [None] * len(columns))[: len(columns)]) for label, values in rows]
    number_size = min(13, column_width / 3.2)
    for row_index, (label, values) in enumerate(grid):
        y = top + row * row_index
        parts += _label(label_width, y + row / 2, label, width=label_width - 6, size=13)
        for index, value in enumerate(values):
            x = grid_left + column_width * index
            cell = (x + 1, y + 1, column_width - 2, row - 2)
            centre, baseline = x + column_width / 2, y + row / 2 + 4.5
            if value is None:
                parts += [_rect(*cell, "#ffffff", stroke=GRID), _hatch(*cell, colour=GRID, gap=6)]
                parts.append(_text(centre, baseline, "—", size=number_size, anchor="middle"))
                continue
            fill = heat_colour(value)
            parts.append(_rect(*cell, fill))
            parts.append(
                _text(centre, baseline, vn_decimal(value), size=number_size, anchor="middle", fill=ink_on(fill))
            )
    bottom = top + row * len(grid)
    missing = any(value is None for _label, values in grid for value in values)
    # The scale leaves room on its right for the key to empty cells.
    scale = max(min(grid_right - grid_left - (170 if missing else 30), 300), 100)
    parts += _heat_legend(grid_left, bottom + 14, scale, missing=missing)
    notes, height = _note(note, bottom + 62, width)
    return _svg(parts + notes, height=height, width_mm=width_mm, title=title, view_width=width)


def heat_colour(value: float) -> str:
    """The heatmap's fill for a percentage, interpolated between `HEAT_STOPS` and clamped to the scale's ends."""
    share = (min(max(value, HEAT_LOW), HEAT_HIGH) - HEAT_LOW) / (HEAT_HIGH - HEAT_LOW)
    position = share * (len(HEAT_STOPS) - 1)
    index = min(int(position), len(HEAT_STOPS) - 2)
    start, end = _rgb(HEAT_STOPS[index]), _rgb(HEAT_STOPS[index + 1])
    weight = position - index
    return "#" + "".join(f"{round(a + (b - a) * weight):02x}" for a, b in zip(start, end, strict=True))


def _heat_legend(left: float, top: float, width: float, *, missing: bool) -> list[str]:
    """The colour scale with its ticks; the first tick says "≤ 50" because lower values share the lightest shade."""
    slices = 60
    parts = [
        _rect(
            left + width * index / slices,
            top,
            width / slices + 0.4,
            12,
            heat_colour(HEAT_LOW + (HEAT_HIGH - HEAT_LOW) * (index + 0.5) / slices),
        )
        for index in range(slices)
    ]
    parts.append(_rect(left, top, width, 12, "none", stroke=GREY))
    for tick in range(HEAT_LOW, HEAT_HIGH + 1, 10):
        x = left + width * (tick - HEAT_LOW) / (HEAT_HIGH - HEAT_LOW)
        parts.append(_line(x, top + 12, x, top + 16, INK))
        parts.append(_text(x, top + 28, f"≤ {tick}" if tick == HEAT_LOW else str(tick), size=12, anchor="middle"))
    parts.append(_text(left + width + 12, top + 11, "%", size=12))
    if missing:
        x = left + width + 40
        parts.append(_rect(x, top - 2, 22, 16, "#ffffff", stroke=GRID))
        parts.append(_hatch(x, top - 2, 22, 16, colour=GRID, gap=6))
        parts.append(_text(x + 11, top + 11, "—", size=12, anchor="middle"))
        parts.append(_text(x + 28, top + 11, _("chưa có phiếu"), size=12))
    return parts


@dataclass(frozen=True)
class RankedItem:
    """A unit's index with its 95 % interval; items sharing a `group` cannot be told apart statistically."""

    label: str
    value: float
    low: float
    high: float
    rank: str = ""
    group: int | None = None


def ranking_chart(items: list[RankedItem], *, title: str = "", width_mm: float = 160, note: str = "") -> str:
    """Units in the caller's order, each a point with its interval, so a reader sees which ranks are really apart.

    Groups differ by marker shape and fill and by alternating bands, never by hue alone.
    """
    width = width_mm * UNITS_PER_MM
    rank_width = max((_text_width(item.rank, 13) for item in items), default=0)
    label_left = 6 + (rank_width + 8 if rank_width else 0)
    label_width = min(max(width * 0.3, 110), 240)
    plot_left, plot_right, row = label_left + label_width + 14, width - 44, 28
    start, step = _axis_start(min((min(item.low, item.value) for item in items), default=HEAT_LOW))
    top = (38 if title else 10) + (22 if len(items) > 25 else 0)
    bottom = top + row * len(items)

    def place(value: float) -> float:
        return plot_left + (plot_right - plot_left) * (min(max(value, start), 100) - start) / (100 - start)

    parts = [_title(title, width=width)]
    first, shaded = 0, True
    for group, run in itertools.groupby(items, key=attrgetter("group")):
        size = len(list(run))
        if group is not None:
            parts += [_rect(2, top + row * first, width - 4, row * size, BAND)] if shaded else []
            shaded = not shaded
        first += size
    for tick in range(start, 101, step):
        x = place(tick)
        parts.append(_line(x, top, x, bottom, GRID if tick > start else INK))
        for y in [top - 8] * (len(items) > 25) + [bottom + 17]:
            parts.append(_text(x, y, str(tick), size=12, anchor="middle"))
    parts.append(_text(plot_right + 12, bottom + 17, "%", size=12))
    for index, item in enumerate(items):
        middle = top + row * index + row / 2
        if item.rank:
            parts.append(_text(6 + rank_width, middle + 4.5, item.rank, size=13, anchor="end"))
        parts += _label(label_left, middle, item.label, width=label_width, size=13, anchor="start")
        low, high, value = place(item.low), place(item.high), place(item.value)
        parts.append(_line(low, middle, high, middle, INK, width=1.5))
        parts += [_line(x, middle - 5, x, middle + 5, INK, width=1.5) for x in (low, high)]
        parts.append(_group_marker(item.group, value, middle))
        parts.append(_text(max(high, value) + 7, middle + 4.5, vn_decimal(item.value), size=12))
    notes, height = _note(note, bottom + 40, width)
    return _svg(parts + notes, height=height, width_mm=width_mm, title=title, view_width=width)


def _axis_start(lowest: float) -> tuple[int, int]:
    """A round start at or below `lowest` (never below 0) and a tick step that gives at most eight intervals to 100."""
    for step in (5, 10):
        start = max(0, math.floor(min(lowest, 99) / step) * step)
        if (100 - start) / step <= 8:
            return start, step
    return max(0, math.floor(lowest / 20) * 20), 20


# Shapes cycle and fills alternate, so groups 1-8 all look different in black and white.
_SHAPES = ("circle", "square", "diamond", "triangle")


def _group_marker(group: int | None, x: float, y: float) -> str:
    if group is None:
        return _marker("circle", x, y, 4.5, fill="#ffffff", stroke=GREY)
    shape = _SHAPES[(group - 1) % len(_SHAPES)]
    filled = ((group - 1) + (group - 1) // len(_SHAPES)) % 2 == 0
    return _marker(shape, x, y, 5, fill=ACCENT if filled else "#ffffff", stroke=ACCENT)


class _Fill(NamedTuple):
    colour: str
    hatch: str = ""
    gap: float = 0
    rising: bool = True


# Very satisfied to very dissatisfied: blue to orange for colour, and stepping lightness plus hatching of rising
# density for greyscale, so neighbours always differ and the two dark ends differ by their lines.
ANSWER_FILLS = (
    _Fill("#08519c"),
    _Fill("#6baed6"),
    _Fill("#d9d9d9"),
    _Fill("#fdae6b", hatch="#e6550d", gap=7),
    _Fill("#d94801", hatch="#7f2704", gap=4, rising=False),
)


def distribution_chart(rows: list[tuple[str, list[tuple[str, int]]]], *, title: str = "", width_mm: float = 160) -> str:
    """One 100 % bar per question, split by answer, so the share of each answer reads at a glance."""
    width = width_mm * UNITS_PER_MM
    label_width = min(max(width * 0.22, 80), 200)
    bar_left, bar_right, row = label_width + 10, width - 66, 30
    top = 38 if title else 10
    bottom = top + row * len(rows)
    parts = [_title(title, width=width)]
    for index, (label, answers) in enumerate(rows):
        y = top + row * index
        middle = y + row / 2
        parts += _label(label_width, middle, label, width=label_width - 6, size=13)
        total = sum(count for _answer, count in answers)
        parts.append(_text(bar_right + 8, middle + 4.5, _("n = %(count)s") % {"count": _thousands(total)}, size=12))
        if not total:
            parts.append(_text(bar_left + 5, middle + 4.5, _("chưa có câu trả lời"), size=13, fill=MUTED, italic=True))
            continue
        parts += _stacked_bar(answers, bar_left, bar_right, y + 5, row - 10)
    for tick in range(0, 101, 25):
        x = bar_left + (bar_right - bar_left) * tick / 100
        parts.append(_line(x, bottom, x, bottom + 4, INK))
        parts.append(_text(x, bottom + 17, f"{tick}%", size=12, anchor="middle"))
    parts.append(_line(bar_left, bottom, bar_right, bottom, INK))
    legend, height = _answer_legend(
        [answer for answer, _count in rows[0][1]] if rows else [], bar_left, bottom + 34, width
    )
    return _svg(parts + legend, height=height, width_mm=width_mm, title=title, view_width=width)


def _stacked_bar(answers: list[tuple[str, int]], left: float, right: float, top: float, height: float) -> list[str]:
    """Segments in the answers' order, each with its share written inside when the number fits."""
    total = sum(count for _answer, count in answers)
    parts, edges, x, before = [], [], left, 0.0
    for position, (_answer, count) in enumerate(answers):
        share, segment = 100 * count / total, (right - left) * count / total
        fill = _answer_fill(position, len(answers))
        parts += _filled(x, top, segment, height, fill)
        text = vn_decimal(share)
        room = _text_width(text, 12) + 4
        if share >= 6 and segment >= room + 2:
            if fill.hatch:
                # The number sits on a patch of plain fill, so hatching never runs through its digits.
                parts.append(_rect(x + (segment - room) / 2, top + height / 2 - 7, room, 14, fill.colour))
            parts.append(
                _text(x + segment / 2, top + height / 2 + 4.5, text, size=12, anchor="middle", fill=ink_on(fill.colour))
            )
        # A white gap keeps neighbours apart in print; a sliver of a few units would vanish under it.
        if count:
            edges += [x] if before >= 3 and segment >= 3 else []
            before = segment
        x += segment
    return parts + [_line(edge, top, edge, top + height, "#ffffff", width=1.5) for edge in edges]


def _answer_fill(position: int, count: int) -> _Fill:
    """Spread fewer than five answers over the scale's ends and middle; more than five share the nearest fills."""
    if count < 2:
        return ANSWER_FILLS[0]
    return ANSWER_FILLS[round(position * (len(ANSWER_FILLS) - 1) / (count - 1))]


def _answer_legend(answers: list[str], left: float, top: float, width: float) -> tuple[list[str], float]:
    """Swatches in the bars' order, flowing onto a new line when the chart is too narrow."""
    parts, x, y = [], left, top
    for position, answer in enumerate(answers):
        item = 22 + _text_width(answer, 12)
        if x > left and x + item > width - 6:
            x, y = left, y + 20
        parts += _filled(x, y - 10, 16, 12, _answer_fill(position, len(answers)))
        parts.append(_text(x + 21, y, answer, size=12))
        x += item + 16
    return parts, y + 10


def _filled(x: float, y: float, width: float, height: float, fill: _Fill) -> list[str]:
    parts = [_rect(x, y, width, height, fill.colour)]
    if fill.hatch:
        parts.append(_hatch(x, y, width, height, colour=fill.hatch, gap=fill.gap, rising=fill.rising, stroke=1.2))
    return parts


def svg_to_png(svg: str, *, scale: float = 2) -> bytes:
    """Rasterise a chart for DOCX, which cannot embed SVG that every Word version reads."""
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)


def _svg(parts: list[str], *, height: float, width_mm: float, title: str, view_width: float = VIEW_WIDTH) -> str:
    height_mm = width_mm * height / view_width
    label = f" aria-label={quoteattr(xml_safe(title))}" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img"{label} width="{width_mm:g}mm" '
        f'height="{height_mm:.1f}mm" viewBox="0 0 {view_width:.0f} {height:.0f}" '
        f"font-family={quoteattr(FONT)}>" + "".join(parts) + "</svg>"
    )


def _title(title: str, *, width: float = VIEW_WIDTH) -> str:
    return _text(width / 2, 22, title, size=17, anchor="middle", bold=True) if title else ""


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    anchor: str = "start",
    bold: bool = False,
    italic: bool = False,
    fill: str = INK,
) -> str:
    style = (' font-weight="bold"' if bold else "") + (' font-style="italic"' if italic else "")
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" fill="{fill}"{style}>'
        f"{escape(xml_safe(text))}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, *, width: float = 1) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" stroke-width="{width:g}"/>'


def _rect(x: float, y: float, width: float, height: float, fill: str, *, stroke: str = "") -> str:
    outline = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}"{outline}/>'


def _hatch(
    x: float, y: float, width: float, height: float, *, colour: str, gap: float, rising: bool = True, stroke: float = 1
) -> str:
    """Diagonal lines cut to a rectangle by arithmetic: no <pattern> id that could clash between charts on a page."""
    moves = []
    offset = gap / 2
    while offset < width + height:
        # Where the line u + v = offset (u rightwards, v downwards) enters and leaves the rectangle.
        u1, u2 = max(0.0, offset - height), min(width, offset)
        v1, v2 = offset - u1, offset - u2
        if not rising:
            v1, v2 = height - v1, height - v2
        moves.append(f"M{x + u1:.1f} {y + v1:.1f}L{x + u2:.1f} {y + v2:.1f}")
        offset += gap
    return f'<path d="{"".join(moves)}" stroke="{colour}" stroke-width="{stroke:g}" fill="none"/>'


def _marker(shape: str, x: float, y: float, radius: float, *, fill: str, stroke: str) -> str:
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"'
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:g}" {paint}/>'
    if shape == "square":
        side = radius * 1.7
        return f'<rect x="{x - side / 2:.1f}" y="{y - side / 2:.1f}" width="{side:.1f}" height="{side:.1f}" {paint}/>'
    if shape == "diamond":
        corners = [(x, y - radius * 1.25), (x + radius * 1.25, y), (x, y + radius * 1.25), (x - radius * 1.25, y)]
    else:
        corners = [(x, y - radius * 1.2), (x + radius * 1.15, y + radius * 0.8), (x - radius * 1.15, y + radius * 0.8)]
    points = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)
    return f'<polygon points="{points}" {paint}/>'


def _polylines(points: list[tuple[float, float | None]], *, stroke: str, width: float, dash: str = "") -> list[str]:
    """One line per run of known values, so a missing month leaves a gap."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            runs.append([])
        else:
            runs[-1].append((x, y))
    pattern = f' stroke-dasharray="{dash}"' if dash else ""
    return [
        f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in run)}" fill="none" stroke="{stroke}" '
        f'stroke-width="{width:g}"{pattern}/>'
        for run in runs
        if len(run) > 1
    ]


def _legend_line(
    x: float, y: float, label: str, *, stroke: str, width: float, shape: str, fill: str, dash: str = ""
) -> tuple[str, float]:
    """A short stretch of a series' line with its marker and name; also says where the entry ends."""
    sample = _polylines([(x, y), (x + 30, y)], stroke=stroke, width=width, dash=dash)
    marker = _marker(shape, x + 15, y, 4, fill=fill, stroke=stroke)
    return "".join([*sample, marker, _text(x + 38, y + 4.5, label, size=13)]), x + 38 + _text_width(label, 13)


def _label(x: float, middle: float, label: str, *, width: float, size: float, anchor: str = "end") -> list[str]:
    """A row's name on one or two even lines, centred on the row."""
    lines = _wrap(label, width=width, size=size, balanced=True)
    first = middle + size * 0.35 - size * 0.55 * (len(lines) - 1)
    return [_text(x, first + size * 1.1 * number, line, size=size, anchor=anchor) for number, line in enumerate(lines)]


def _note(note: str, top: float, width: float) -> tuple[list[str], float]:
    """Small italic lines from baseline `top`; also returns the chart's height, which ends below them."""
    if not note:
        return [], top - 10
    lines = _wrap(note, width=width - 12, size=12, lines=3)
    parts = [_text(6, top + 15 * number, line, size=12, italic=True) for number, line in enumerate(lines)]
    return parts, top + 15 * (len(lines) - 1) + 8


def _text_width(text: str, size: float) -> float:
    return len(text) * size * _LETTER


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of "#rrggbb"."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in _rgb(colour))]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ink_on(fill: str) -> str:
    """Black or white text, whichever contrasts more with `fill`: one of them always reaches 4.5:1."""
    luminance = _luminance(fill)
    return INK if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def _wrap(label: str, *, width: float, size: float, lines: int = 2, balanced: bool = False) -> list[str]:
    """Break a long label into `lines` lines that fit `width`, shortening the last with an ellipsis.

    `balanced` evens the lines out: under a narrow column "Tiếp cận / dịch vụ" reads better than a stray word.
    """
    characters = max(int(width / (size * _LETTER)), 8)
    wrapped = textwrap.wrap(label, width=characters) or [""]
    if balanced:
        for narrower in range(math.ceil(len(label) / len(wrapped)), characters):
            candidate = textwrap.wrap(label, width=narrower, break_long_words=False)
            if len(candidate) == len(wrapped) and max(map(len, candidate)) <= characters:
                wrapped = candidate
                break
    if len(wrapped) > lines:
        rest = " ".join(wrapped[lines - 1 :])
        wrapped = wrapped[: lines - 1] + [textwrap.shorten(rest, width=characters, placeholder="…")]
    return wrapped
