"""A report as plain data: what it says, in order, before any file format is chosen.

Each report (notice, period report, Phụ lục 2, minutes) builds one Document
from the figures; the PDF, XLSX and DOCX writers in reports.writers turn the
same Document into their file, so the three can never disagree.
"""

from dataclasses import dataclass, field

from reports.renderers.letterhead import Letterhead


@dataclass(frozen=True)
class Heading:
    """A numbered section heading ("I. KẾT QUẢ KHẢO SÁT", "1. Thời gian thực hiện")."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """Body text; `text` is plain text (writers escape it), one paragraph per item."""

    text: str
    bold: bool = False
    italic: bool = False
    indent: bool = True
    centre: bool = False


@dataclass(frozen=True)
class Table:
    """A grid with a header row. Cells are text or numbers; numbers stay numbers in the XLSX file.

    `widths` are relative column widths; `numeric` marks the columns to right-align.
    `bold_rows` are row indexes (in `rows`) printed bold, such as a total.
    `shaded` columns hold percentages that XLSX fills with the heatmap's colours (reports.charts.heat_colour).
    """

    columns: list[str]
    rows: list[list[str | int | float | None]]
    widths: list[float] | None = None
    numeric: frozenset[int] = frozenset()
    bold_rows: frozenset[int] = frozenset()
    shaded: frozenset[int] = frozenset()
    caption: str = ""
    sheet: str = ""


@dataclass(frozen=True)
class Chart:
    """A chart drawn on the server as SVG (reports.charts); DOCX gets it as PNG, PDF as vector."""

    svg: str
    caption: str = ""
    width_mm: float = 160


Block = Heading | Paragraph | Table | Chart


@dataclass(frozen=True)
class Signature:
    """The signature block: authority lines ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), a hint, the signer."""

    lines: list[str]
    hint: str = ""
    name: str = ""


@dataclass(frozen=True)
class Document:
    """One administrative document in the house style of Nghị định 30/2020."""

    letterhead: Letterhead
    kind: str  # "BÁO CÁO", "THÔNG BÁO", "BIÊN BẢN"
    subject: list[str]  # the trích yếu under the kind, one item per printed line
    blocks: list[Block]
    recipients: list[str] = field(default_factory=list)
    signature: Signature | None = None
    filename: str = "bao-cao"  # without extension
    title: str = ""  # the file's own title (PDF metadata, DOCX core properties, XLSX sheet)
    landscape: bool = False  # wide tables (a comparison of units) print across the A4 sheet
