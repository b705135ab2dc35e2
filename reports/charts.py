"""Charts drawn on the server as SVG, so the PDF keeps them as vectors and no browser script is needed.

The markup is built as plain strings: every label passes through `xml_safe` and
`escape`/`quoteattr`, so a unit or question name can never break out of its element.
"""

import re
import textwrap
from xml.sax.saxutils import escape, quoteattr

import cairosvg
from django.utils.translation import gettext as _

FONT = "Liberation Serif, Times New Roman, serif"
INK = "#000000"
GREY = "#8c8c8c"
GRID = "#d0d0d0"
ACCENT = "#1f4e79"
# Drawing units per chart; the <svg> carries its size in millimetres, so 600 units span `width_mm`.
VIEW_WIDTH = 600
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
) -> str:
    """A line over the months; a month without a value leaves a gap instead of a made-up zero."""
    left, right = 50, 580
    top = 48 if title else 24
    bottom = top + 180
    parts = [_title(title)]
    for tick in range(5):
        y = bottom - (bottom - top) * tick / 4
        parts.append(_line(left, y, right, y, GRID if tick else INK))
        parts.append(_text(left - 6, y + 5, vn_decimal(maximum * tick / 4, places=0), size=14, anchor="end"))
    step = (right - left) / max(len(points), 1)
    # Twelve months must fit side by side: "10/2025" is about seven letters wide.
    label_size = 14 if step >= 60 else 12
    segments: list[list[tuple[float, float]]] = [[]]
    marks = []
    for index, (label, value) in enumerate(points):
        x = left + step * (index + 0.5)
        marks.append(_text(x, bottom + 20, label, size=label_size, anchor="middle"))
        if value is None:
            segments.append([])
            continue
        y = bottom - (bottom - top) * max(0.0, min(value, maximum)) / maximum
        segments[-1].append((x, y))
        marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{ACCENT}"/>')
        marks.append(_text(x, y - 9, f"{vn_decimal(value)}{unit}", size=label_size, anchor="middle", bold=True))
    for segment in segments:
        if len(segment) > 1:
            coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
            parts.append(f'<polyline points="{coordinates}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    return _svg(parts + marks, height=bottom + 30, width_mm=width_mm, title=title)


def svg_to_png(svg: str, *, scale: float = 2) -> bytes:
    """Rasterise a chart for DOCX, which cannot embed SVG that every Word version reads."""
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)


def _svg(parts: list[str], *, height: float, width_mm: float, title: str) -> str:
    height_mm = width_mm * height / VIEW_WIDTH
    label = f" aria-label={quoteattr(xml_safe(title))}" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img"{label} width="{width_mm:g}mm" '
        f'height="{height_mm:.1f}mm" viewBox="0 0 {VIEW_WIDTH} {height:.0f}" '
        f"font-family={quoteattr(FONT)}>" + "".join(parts) + "</svg>"
    )


def _title(title: str) -> str:
    return _text(VIEW_WIDTH / 2, 22, title, size=17, anchor="middle", bold=True) if title else ""


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
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{style}>'
        f"{escape(xml_safe(text))}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" stroke-width="1"/>'


def _wrap(label: str, *, width: float, size: float) -> list[str]:
    """Break a long label into two lines that fit `width`, shortening the second with an ellipsis."""
    # A serif letter is about half as wide as it is tall.
    characters = max(int(width / (size * 0.48)), 8)
    lines = textwrap.wrap(label, width=characters) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width=characters, placeholder="…")]
    return lines
