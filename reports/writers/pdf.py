"""The PDF of a Document, in the house style every sipas document shares (templates/reports/document_base.html)."""

from reports.document import Chart, Document, Heading, Paragraph, Table
from reports.renderers.base import PDF_MIMETYPE, render_pdf
from reports.writers.cells import cell_text, recipient_lines

MIMETYPE = PDF_MIMETYPE
EXTENSION = "pdf"
TEMPLATE = "reports/document.html"


def write(document: Document) -> bytes:
    """Render `document` to PDF bytes, in Vietnamese whatever the reader's language."""
    context = {
        "document": document,
        "letterhead": document.letterhead,
        "blocks": _blocks(document),
        "recipients": recipient_lines(document.recipients),
    }
    return render_pdf(TEMPLATE, context)


def _blocks(document: Document) -> list[dict]:
    """Tag each block with its kind, which a template cannot ask a dataclass."""
    blocks = []
    for block in document.blocks:
        if isinstance(block, Heading):
            blocks.append({"kind": "heading", "block": block})
        elif isinstance(block, Paragraph):
            blocks.append({"kind": "paragraph", "block": block})
        elif isinstance(block, Table):
            blocks.append({"kind": "table", "block": block, **_table(block)})
        elif isinstance(block, Chart):
            blocks.append({"kind": "chart", "block": block})
    return blocks


def _table(table: Table) -> dict:
    widths = table.widths or [1] * len(table.columns)
    total = sum(widths)
    return {
        "widths": [f"{100 * width / total:.2f}%" for width in widths],
        "rows": [
            {
                "bold": index in table.bold_rows,
                "cells": [
                    {"text": cell_text(value), "numeric": column in table.numeric} for column, value in enumerate(row)
                ],
            }
            for index, row in enumerate(table.rows)
        ],
    }
