"""XLSX packages written part by part as raw XML in a zip, so that a test puts a fault exactly where it wants.

`package()` builds a small sound workbook (content types, relationships, workbook, styles with one
date format, one sheet); the other helpers write rows and cells, and patch the zip's own records
(sizes, CRC, flags) after the fact.
"""

import io
import struct
import zipfile
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = (
    XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{SHEET_TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{SHEET_TYPE}.styles+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHEET_TYPE}.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    XML_HEAD + f'<Relationships xmlns="{PACKAGE_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    XML_HEAD + f'<Relationships xmlns="{PACKAGE_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    XML_HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
    '<sheets><sheet name="Trang 1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
# Style 1 is a date (built-in number format 14), so a number in a cell styled s="1" reads as a day.
STYLES = (
    XML_HEAD + f'<styleSheet xmlns="{MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def cell(reference: str, value) -> str:
    """One cell: text as an inline string, a number as itself, None as no cell at all."""
    if value is None:
        return ""
    if isinstance(value, str):
        return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
    return f'<c r="{reference}"><v>{value}</v></c>'


def row(number: int, values, *, raw: dict[int, str] | None = None) -> str:
    """Row `number` with a cell per value; `raw` puts hand-written cell XML at 0-based columns instead (or after)."""
    raw = raw or {}
    cells = "".join(
        raw[index] if index in raw else cell(f"{get_column_letter(index + 1)}{number}", value)
        for index, value in enumerate(values)
    )
    cells += "".join(xml for index, xml in sorted(raw.items()) if index >= len(values))
    return f'<row r="{number}">{cells}</row>'


def sheet(rows: str, *, dimension: str = "", namespace: str = MAIN) -> str:
    """A worksheet holding `rows` (row XML); `dimension` like "A1:C2" writes a <dimension> record."""
    recorded = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        XML_HEAD + f'<worksheet xmlns="{namespace}" xmlns:r="{REL}">{recorded}<sheetData>{rows}</sheetData></worksheet>'
    )


def shared_strings(texts) -> str:
    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in texts)
    return XML_HEAD + f'<sst xmlns="{MAIN}" count="{len(texts)}" uniqueCount="{len(texts)}">{items}</sst>'


def package(sheet_xml, *, strings=None, parts=None, method=zipfile.ZIP_DEFLATED) -> bytes:
    """A workbook whose first sheet is `sheet_xml`; `parts` replaces parts by name, or leaves them out (None)."""
    contents = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": shared_strings(strings or []),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    contents.update(parts or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, content in contents.items():
            if content is not None:
                archive.writestr(name, content)
    return out.getvalue()


def streamed_member(data: bytes, name: str, pieces, *, size: int) -> bytes:
    """`data` (a package) with one more member `name` written from `pieces` without holding it whole."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size = size
        with archive.open(info, "w") as stream:
            for piece in pieces:
                stream.write(piece)
    return out.getvalue()


def patched(data: bytes, name: str, **fields) -> bytes:
    """The zip with a member's records changed in both headers: size (unpacked), crc, flags, method."""
    data = bytearray(data)
    for central, local in _records(bytes(data), name):
        for field, value in fields.items():
            for base, offsets in ((central, _CENTRAL), (local, _LOCAL)):
                offset, form = offsets[field]
                struct.pack_into(form, data, base + offset, value)
    return bytes(data)


def corrupted(data: bytes, name: str) -> bytes:
    """The zip with the middle of a member's packed bytes overwritten."""
    data = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    middle = start + info.compress_size // 2
    data[middle : middle + 16] = b"\xff\x00" * 8
    return bytes(data)


_CENTRAL = {"flags": (8, "<H"), "method": (10, "<H"), "crc": (16, "<I"), "size": (24, "<I")}
_LOCAL = {"flags": (6, "<H"), "method": (8, "<H"), "crc": (14, "<I"), "size": (22, "<I")}


def _records(data: bytes, name: str):
    """(central record offset, local header offset) of each member called `name`."""
    end = data.rfind(b"PK\x05\x06")
    count, _size, offset = struct.unpack_from("<HII", data, end + 10)
    for _ in range(count):
        names, extras, comments = struct.unpack_from("<HHH", data, offset + 28)
        local = struct.unpack_from("<I", data, offset + 42)[0]
        if data[offset + 46 : offset + 46 + names].decode() == name:
            yield offset, local
        offset += 46 + names + extras + comments
