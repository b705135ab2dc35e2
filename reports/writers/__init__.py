"""Turn one reports.document.Document into the file a user downloads: PDF, XLSX or DOCX."""

from reports.document import Document
from reports.writers import docx, pdf, xlsx

FORMATS = {"pdf": pdf, "xlsx": xlsx, "docx": docx}


def render(document: Document, fmt: str) -> tuple[str, str, bytes]:
    """Return the file name, the mimetype and the bytes of `document` in `fmt` ("pdf", "xlsx", "docx")."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown document format {fmt!r}; expected one of {sorted(FORMATS)}")
    writer = FORMATS[fmt]
    return f"{document.filename}.{writer.EXTENSION}", writer.MIMETYPE, writer.write(document)
