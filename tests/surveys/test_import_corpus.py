"""A corpus of malformed workbooks, each fault written by hand, against the three XLSX importers.

Every case goes through the upload page and the management command of each importer (ballots,
dossiers, a province's procedures): a broken file is refused with a short Vietnamese message next
to the file field (400, never 500) or a CommandError (never a traceback), and nothing is written.
The files that used to lose rows although their data is sound (a `<dimension>` that understates
the sheet, rows out of order, no cell references) store every row.
"""

import functools
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl.utils import get_column_letter

from surveys import xlsx
from surveys.models import AuditEntry, Batch, Dossier, Procedure, Response
from surveys.services.catalogue import procedures_import
from surveys.services.dossiers import IMPORT_HEADERS, DossiersImportError, dossiers_import
from surveys.services.imports import BallotsImportError, ballots_import
from tests.xlsx_parts import (
    MAIN,
    REL,
    STRICT_MAIN,
    WORKBOOK,
    XML_HEAD,
    cell,
    corrupted,
    package,
    patched,
    row,
    shared_strings,
    sheet,
    streamed_member,
)

ROWS = 10  # data rows of every sound file, numbered 2 to 11 as Excel shows them
SHEET = "xl/worksheets/sheet1.xml"


@dataclass(frozen=True)
class Importer:
    name: str
    header: tuple[str, ...]
    values: Callable[[int], list]  # the cells of data row n

    def rows(self, numbers=range(2, ROWS + 2), *, raw=None, header=None) -> str:
        """The header row, then data rows `numbers`; `raw` maps a row number to {column: cell XML}."""
        raw = raw or {}
        first = row(1, header or self.header)
        return first + "".join(row(n, self.values(n), raw=raw.get(n)) for n in numbers)

    def data_rows(self) -> str:
        return "".join(row(n, self.values(n)) for n in range(2, ROWS + 2))

    def book(self, rows: str | None = None, *, dimension: str = "", **options) -> bytes:
        return package(sheet(self.rows() if rows is None else rows, dimension=dimension), **options)


IMPORTERS = {
    importer.name: importer
    for importer in [
        Importer("ballots", ("Ngày", "Câu 1", "Câu 2"), lambda n: ["05/03/2025", 5, n % 5 + 1]),
        Importer(
            "dossiers",
            tuple(IMPORT_HEADERS),
            lambda n: [f"HS-{n}", "Đăng ký khai sinh", "02/03/2025", "05/03/2025", "Đúng hạn", "Nguyễn Văn An"],
        ),
        Importer(
            "procedures",
            ("Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp"),
            lambda n: [f"1.{n:06d}", f"Thủ tục {n}", "Hộ tịch", "xã"],
        ),
    ]
}

# What each refusal says (a fragment of the Vietnamese message).
STORED = "every row stored"
EMPTY = "Tệp trống."
NOT_XLSX = "Tệp không phải bảng tính Excel (.xlsx)."
DAMAGED = "bị hỏng"
NO_SHEET = "Tệp không có trang tính nào."
NO_HEADER = "Trang tính đầu tiên không có dòng tiêu đề."
FORMULA = "Ô chứa công thức"
TOO_MANY_ROWS = "mỗi lần chỉ nhập tối đa 100.000 dòng"
RATIO = "Tệp nén bất thường"
UNNAMED = "Cột có dữ liệu nhưng không có tiêu đề."


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Importer], bytes]
    expected: str | dict[str, str]
    on_page: str = ""  # what the page says instead, when the form refuses the file before the importer sees it

    def expected_for(self, importer: Importer) -> str:
        return self.expected[importer.name] if isinstance(self.expected, dict) else self.expected


def bad_cell(xml: str) -> Callable[[Importer], bytes]:
    """A sound file but for cell A3, written as `xml` (A3 is the date, the dossier code, the procedure code)."""
    return lambda imp: imp.book(imp.rows(raw={3: {0: xml}}))


def inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def zip_of(members: dict[str, bytes | str]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def shared(importer: Importer) -> bytes:
    """The sound rows with every text in the shared-strings part, as Excel writes them."""
    texts: list[str] = []

    def cells(number, values):
        out = []
        for index, value in enumerate(values):
            reference = f"{'ABCDEF'[index]}{number}"
            if isinstance(value, str):
                texts.append(value)
                out.append(f'<c r="{reference}" t="s"><v>{len(texts) - 1}</v></c>')
            else:
                out.append(f'<c r="{reference}"><v>{value}</v></c>')
        return f'<row r="{number}">{"".join(out)}</row>'

    rows = cells(1, importer.header) + "".join(cells(n, importer.values(n)) for n in range(2, ROWS + 2))
    return package(sheet(rows), strings=texts)


def without_references(importer: Importer) -> bytes:
    """Rows and cells with no r="…": each takes the next place, as some generators write them."""
    rows = importer.rows().replace(' r="', ' x="')
    return importer.book(rows)


def prefixed(importer: Importer) -> bytes:
    """Every element of the sheet written with an "x:" namespace prefix."""
    body = importer.rows()
    for tag in ("row", "c", "is", "t", "v"):
        body = (
            body.replace(f"<{tag} ", f"<x:{tag} ").replace(f"<{tag}>", f"<x:{tag}>").replace(f"</{tag}>", f"</x:{tag}>")
        )
    xml = XML_HEAD + f'<x:worksheet xmlns:x="{MAIN}" xmlns:r="{REL}"><x:sheetData>{body}</x:sheetData></x:worksheet>'
    return package(xml)


def strict(importer: Importer) -> bytes:
    """Saved as "Strict Open XML Spreadsheet": the same parts in other namespaces."""
    return package(
        sheet(importer.rows(), namespace=STRICT_MAIN),
        parts={"xl/workbook.xml": WORKBOOK.replace(MAIN, STRICT_MAIN)},
    )


def cells_backwards(importer: Importer) -> bytes:
    """Every row's cells written right to left, each with its reference."""

    def backwards(number, values):
        cells = [cell(f"{get_column_letter(index + 1)}{number}", value) for index, value in enumerate(values)]
        return f'<row r="{number}">{"".join(reversed(cells))}</row>'

    rows = [(1, importer.header), *((n, importer.values(n)) for n in range(2, ROWS + 2))]
    return importer.book("".join(backwards(number, values) for number, values in rows))


def header_twice(importer: Importer) -> bytes:
    """The second column's header again, after the last one."""
    return importer.book(importer.rows(header=[*importer.header, importer.header[1]]))


def with_doctype(importer: Importer, doctype: str, text: str) -> bytes:
    """Cell A3 holds `text` (an entity), declared in a DOCTYPE at the top of the sheet."""
    xml = sheet(importer.rows(raw={3: {0: inline("A3", text)}}))
    return importer.book(parts={SHEET: xml.replace(XML_HEAD, XML_HEAD + doctype)})


def moved_header(importer: Importer, number: int) -> bytes:
    """The header row numbered `number` instead of 1."""
    return importer.book(importer.rows().replace('<row r="1">', f'<row r="{number}">', 1))


@functools.cache
def bomb(importer_name: str, *, declared: int | None = None) -> bytes:
    """The sheet's rows, then 120 MB of blanks that pack into about 120 KB; `declared` lies about its size."""
    importer = IMPORTERS[importer_name]
    head, tail = sheet(importer.rows()).encode().split(b"</sheetData>")
    blanks = b" " * (1024 * 1024)
    size = len(head) + 120 * len(blanks) + len(tail) + len(b"</sheetData>")
    pieces = [head, *([blanks] * 120), b"</sheetData>", tail]
    data = streamed_member(package(None, parts={SHEET: None}), SHEET, pieces, size=size)
    return data if declared is None else patched(data, SHEET, size=declared)


@functools.cache
def million_rows(importer_name: str) -> bytes:
    """A header and a million numbered rows of one cell: 49 MB of XML, 5 MB packed, no more than a sheet packs."""
    importer = IMPORTERS[importer_name]
    body = row(1, importer.header) + "".join(
        f'<row r="{n}"><c r="B{n}"><v>1</v></c></row>' for n in range(2, 1_000_002)
    )
    return package(sheet(body))


LOL = '<!DOCTYPE worksheet [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;">]>'
PASSWD = '<!DOCTYPE worksheet [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>'
NO_SHEETS = WORKBOOK.replace('<sheet name="Trang 1" sheetId="1" r:id="rId1"/>', "")
HYPERLINK = 'HYPERLINK("https://motcua.example.vn/3","HS-3")'

CASES = [
    # Not a workbook, or not one that opens
    Case("empty-file", lambda imp: b"", EMPTY, on_page="Tập tin được gửi là rỗng."),
    Case("csv-text", lambda imp: "Ngày;Câu 1\n05/03/2025;5\n".encode(), NOT_XLSX),
    Case("pdf", lambda imp: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n" * 50, NOT_XLSX),
    Case("random-bytes", lambda imp: bytes(range(256)) * 64, NOT_XLSX),
    Case("old-excel-or-password", lambda imp: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), "Excel cũ (.xls)"),
    Case("zip-cut-in-half", lambda imp: imp.book()[: len(imp.book()) // 2], DAMAGED),
    Case("zip-of-something-else", lambda imp: zip_of({"ghi-chu.txt": "không phải bảng tính"}), DAMAGED),
    Case("opendocument", lambda imp: zip_of({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}), DAMAGED),
    Case("no-content-types", lambda imp: imp.book(parts={"[Content_Types].xml": None}), DAMAGED),
    Case("no-workbook-part", lambda imp: imp.book(parts={"xl/workbook.xml": None}), DAMAGED),
    Case("workbook-xml-broken", lambda imp: imp.book(parts={"xl/workbook.xml": WORKBOOK[:-30]}), DAMAGED),
    Case("styles-xml-broken", lambda imp: imp.book(parts={"xl/styles.xml": "<styleSheet><fonts>"}), DAMAGED),
    Case("relationships-broken", lambda imp: imp.book(parts={"xl/_rels/workbook.xml.rels": "<Rel"}), DAMAGED),
    Case("no-sheets", lambda imp: imp.book(parts={"xl/workbook.xml": NO_SHEETS}), NO_SHEET),
    Case("sheet-part-missing", lambda imp: imp.book(parts={SHEET: None}), NO_SHEET),
    Case("strict-open-xml", strict, "Strict Open XML"),
    # The zip's own records, and sizes
    Case("corrupt-deflate-stream", lambda imp: corrupted(imp.book(), SHEET), DAMAGED),
    Case("wrong-crc", lambda imp: patched(imp.book(), SHEET, crc=0x12345678), DAMAGED),
    Case("encrypted-part", lambda imp: patched(imp.book(), SHEET, flags=1), DAMAGED),
    Case("unknown-compression", lambda imp: patched(imp.book(), SHEET, method=99), DAMAGED),
    Case("declares-a-gigabyte", lambda imp: patched(imp.book(), SHEET, size=10**9), "Tệp giải nén ra 953 MB"),
    Case("zip-bomb", lambda imp: bomb(imp.name), RATIO),
    Case("zip-bomb-declaring-4-kb", lambda imp: bomb(imp.name, declared=4096), DAMAGED),
    Case("million-rows", lambda imp: million_rows(imp.name), TOO_MANY_ROWS),
    Case("a-thousand-parts", lambda imp: zip_of({f"xl/media/anh{n}.png": b"" for n in range(1001)}), "1.001 phần"),
    Case("cell-of-40-mb", bad_cell(inline("A3", "x" * 40_000_000)), RATIO),
    Case("cell-of-600-kb", bad_cell(inline("A3", "x" * 600_000)), "nội dung dài bất thường"),
    Case("attribute-of-600-kb", bad_cell(f'<c r="A3" s="{"0" * 600_000}"><v>1</v></c>'), "nội dung dài bất thường"),
    # Broken XML under the rows
    Case("sheet-cut-short", lambda imp: imp.book(parts={SHEET: sheet(imp.rows())[:-200]}), DAMAGED),
    Case("sheet-not-xml", lambda imp: imp.book(parts={SHEET: "Ngày,Câu 1\n05/03/2025,5"}), DAMAGED),
    Case("nul-character-reference", bad_cell(inline("A3", "HS&#0;3")), DAMAGED),
    Case("control-character-reference", bad_cell(inline("A3", "HS&#1;3")), DAMAGED),
    Case("entity-expansion", lambda imp: with_doctype(imp, LOL, "&c;"), DAMAGED),
    Case("external-entity", lambda imp: with_doctype(imp, PASSWD, "&passwd;"), DAMAGED),
    Case(
        "shared-strings-broken",
        lambda imp: imp.book(parts={"xl/sharedStrings.xml": shared_strings(["a"])[:-12]}),
        DAMAGED,
    ),
    Case("shared-string-missing", bad_cell('<c r="A3" t="s"><v>7</v></c>'), DAMAGED),
    Case("number-nan", bad_cell('<c r="A3"><v>NaN</v></c>'), DAMAGED),
    Case("date-serial-nan", bad_cell('<c r="A3" s="1"><v>NaN</v></c>'), DAMAGED),
    Case("boolean-neither-0-nor-1", bad_cell('<c r="A3" t="b"><v>có</v></c>'), DAMAGED),
    Case("iso-date-impossible", bad_cell('<c r="A3" t="d"><v>2025-13-45</v></c>'), DAMAGED),
    Case(
        "row-number-not-a-number",
        lambda imp: imp.book(imp.rows().replace('<row r="3">', '<row r="ba">')),
        DAMAGED,
    ),
    Case("cell-reference-past-zzz", bad_cell(inline("AAAA3", "HS-3")), DAMAGED),
    Case("cell-reference-garbage", bad_cell(inline("3A", "HS-3")), DAMAGED),
    # Rows and cells out of their places
    Case("no-rows", lambda imp: imp.book(""), NO_HEADER),
    Case("header-not-on-row-1", lambda imp: moved_header(imp, 12), NO_HEADER),
    Case(
        "header-after-the-data",
        lambda imp: imp.book(imp.data_rows() + row(1, imp.header)),
        NO_HEADER,
    ),
    Case("blank-header", lambda imp: imp.book(row(1, [" ", "\u200b"]) + imp.data_rows()), NO_HEADER),
    Case(
        "row-number-twice",
        lambda imp: imp.book(imp.rows() + row(3, imp.values(3))),
        "dòng 3 có hai lần",
    ),
    Case(
        "row-zero",
        lambda imp: imp.book(imp.rows() + row(0, imp.values(3))),
        "ngoài giới hạn của Excel",
    ),
    Case(
        "row-past-1048576",
        lambda imp: imp.book(imp.rows() + row(1_048_577, imp.values(3))),
        "ngoài giới hạn của Excel",
    ),
    Case("cell-twice", bad_cell(inline("A3", "HS-3") + inline("A3", "HS-33")), "ô A3 có hai lần"),
    Case("cell-in-another-row", bad_cell(inline("A4", "HS-3")), "ô A4 nằm trong dòng 3"),
    Case(
        "cell-past-column-xfd",
        lambda imp: imp.book(imp.rows(raw={3: {20: inline("XFE3", "x")}})),
        "(XFD)",
    ),
    Case(
        "header-to-column-xfd",
        lambda imp: imp.book(imp.rows(header=[*imp.header, *([None] * (16_383 - len(imp.header))), "Ghi chú"])),
        "Dòng tiêu đề kéo dài tới cột XFD",
    ),
    Case(
        "data-past-the-last-header",
        lambda imp: imp.book(imp.rows(raw={5: {9: inline("J5", "x")}})),
        UNNAMED,
    ),
    Case("data-in-column-xfd", lambda imp: imp.book(imp.rows(raw={5: {9: inline("XFD5", "x")}})), UNNAMED),
    Case(
        "header-twice",
        header_twice,
        {"ballots": "Trùng với cột B", "dossiers": "có hai lần (cột B và cột", "procedures": "cột này có hai lần"},
    ),
    # Values the importers must not take
    Case("formula-hyperlink", bad_cell(f'<c r="A3" t="str"><f>{HYPERLINK}</f><v>HS-3</v></c>'), FORMULA),
    Case("formula-written-as-text", bad_cell(inline("A3", f"={HYPERLINK}")), FORMULA),
    Case("formula-shared", bad_cell('<c r="A3"><f t="shared" ref="A3:A5" si="0">ROW()</f><v>3</v></c>'), FORMULA),
    Case("formula-array", bad_cell('<c r="A3"><f t="array" ref="A3">SUM(B3:C3)</f><v>9</v></c>'), FORMULA),
    Case("error-value-div0", bad_cell('<c r="A3" t="e"><v>#DIV/0!</v></c>'), "Ô báo lỗi #DIV/0!"),
    Case("error-value-as-text", bad_cell(inline("A3", "#N/A")), "Ô báo lỗi #N/A"),
    Case("date-serial-out-of-range", bad_cell('<c r="A3" s="1"><v>1e20</v></c>'), "Ô báo lỗi #VALUE!"),
    Case("number-infinite", bad_cell('<c r="A3"><v>1e999</v></c>'), "Ô có số không hợp lệ"),
    Case("delete-character", bad_cell(inline("A3", "HS\x7f3")), "ký tự điều khiển"),
    Case("cell-of-40000-characters", bad_cell(inline("A3", "x" * 40_000)), "Ô dài 40.000 ký tự"),
    # Sound data in unusual files: every row is stored
    Case("dimension-understated", lambda imp: imp.book(dimension="A1:C2"), STORED),
    Case("dimension-overstated", lambda imp: imp.book(dimension="A1:Z500"), STORED),
    Case("rows-out-of-order", lambda imp: imp.book(imp.rows([5, 3, 11, 2, 4, 10, 6, 9, 7, 8])), STORED),
    Case(
        "rows-with-gaps",
        lambda imp: imp.book(imp.rows([2, 4, 7, 9, 30, 31, 100, 250, 999, 5000])),
        STORED,
    ),
    Case("cells-out-of-order", cells_backwards, STORED),
    Case("no-cell-or-row-references", without_references, STORED),
    Case("shared-strings", shared, STORED),
    Case("namespace-prefix", prefixed, STORED),
    Case("stored-not-deflated", lambda imp: imp.book(method=zipfile.ZIP_STORED), STORED),
    Case(
        "invisible-characters-in-the-header",
        lambda imp: imp.book(imp.rows(header=[f"\ufeff{imp.header[0]}\u200b", *imp.header[1:]])),
        STORED,
    ),
]


def tables() -> dict[str, int]:
    """Rows of everything an import writes."""
    return {
        "responses": Response.objects.count(),
        "batches": Batch.objects.count(),
        "dossiers": Dossier.objects.count(),
        "procedures": Procedure.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


STORED_IN = {"ballots": "responses", "dossiers": "dossiers", "procedures": "procedures"}


def upload(client, world, importer: Importer, content: bytes):
    file = SimpleUploadedFile("tep-nhap.xlsx", content)
    if importer.name == "ballots":
        client.force_login(world.staff_a)
        return client.post("/nhap-phieu/", {"unit": world.commune_a.code, "template": "sipas-5", "file": file})
    if importer.name == "dossiers":
        client.force_login(world.staff_a)
        return client.post("/ho-so/nhap/", {"file": file})
    client.force_login(world.admin_hanoi)
    return client.post("/thu-tuc/nhap/", {"province": world.hanoi.code, "file": file})


def command(world, importer: Importer, path, stderr=None) -> None:
    options = {
        "ballots": ("import_ballots", {"unit": world.commune_a.code, "form": "sipas-5"}),
        "dossiers": ("import_dossiers", {"unit": world.commune_a.code}),
        "procedures": ("import_procedures", {"province": world.hanoi.code}),
    }
    name, arguments = options[importer.name]
    call_command(name, str(path), stdout=StringIO(), stderr=stderr or StringIO(), **arguments)


@pytest.fixture
def site(request, world, frozen_clock):
    """The personas, and the built-in forms when the ballots importer is under test."""
    if request.node.callspec.params["importer"].name == "ballots":
        request.getfixturevalue("builtin_forms")
    return world


def problems_on(response) -> list[str]:
    return [str(problem) for problem in response.context["problems"]]


@pytest.mark.parametrize("importer", IMPORTERS.values(), ids=IMPORTERS)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_upload_page_refuses_a_broken_file_or_stores_every_row(client, site, case, importer):
    content = case.build(importer)
    before = tables()
    started = time.perf_counter()
    response = upload(client, site, importer, content)
    elapsed = time.perf_counter() - started
    expected = case.expected_for(importer)
    if expected == STORED:
        assert response.status_code == 302, problems_on(response)
        assert tables()[STORED_IN[importer.name]] == before[STORED_IN[importer.name]] + ROWS
        return
    assert response.status_code == 400
    next_to_the_field = response.context["form"].errors["file"]
    assert next_to_the_field
    said = problems_on(response) + next_to_the_field
    assert any((case.on_page or expected) in text for text in said), said
    assert tables() == before
    assert len(response.content) < 100_000
    assert elapsed < 20, f"refused in {elapsed:.1f} s"


@pytest.mark.parametrize("importer", IMPORTERS.values(), ids=IMPORTERS)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_command_refuses_a_broken_file_or_stores_every_row(site, tmp_path, case, importer):
    path = tmp_path / "tep-nhap.xlsx"
    path.write_bytes(case.build(importer))
    before = tables()
    expected = case.expected_for(importer)
    if expected == STORED:
        command(site, importer, path)
        assert tables()[STORED_IN[importer.name]] == before[STORED_IN[importer.name]] + ROWS
        return
    errors = StringIO()
    with pytest.raises(CommandError) as caught:
        command(site, importer, path, stderr=errors)
    said = str(caught.value) + errors.getvalue()
    assert expected in said, said
    assert len(said) < 20_000
    assert tables() == before


# Refused before parsing, and soon


def test_a_million_rows_are_refused_by_counting_before_openpyxl_reads_the_workbook(world, builtin_forms, monkeypatch):
    content = million_rows("ballots")
    opened = []
    monkeypatch.setattr(xlsx, "load_workbook", lambda *args, **kwargs: opened.append(args))
    started = time.perf_counter()
    with pytest.raises(BallotsImportError) as caught:
        ballots_import(
            actor=world.staff_a,
            unit=world.commune_a,
            template=builtin_forms["sipas-5"],
            file=BytesIO(content),
            filename="trieu-dong.xlsx",
        )
    assert caught.value.problems == [
        "Trang tính có hơn 100.000 dòng; mỗi lần chỉ nhập tối đa 100.000 dòng: chia thành nhiều tệp."
    ]
    assert not opened
    assert time.perf_counter() - started < 20


def test_the_row_limit_is_a_setting(world, builtin_forms, frozen_clock, settings):
    settings.SIPAS_IMPORT_MAX_ROWS = 5
    importer = IMPORTERS["ballots"]

    def run(rows):
        return ballots_import(
            actor=world.staff_a,
            unit=world.commune_a,
            template=builtin_forms["sipas-5"],
            file=BytesIO(importer.book(importer.rows(range(2, rows + 2)))),
            filename="phieu.xlsx",
        )

    with pytest.raises(BallotsImportError) as caught:
        run(6)
    assert caught.value.problems == ["Trang tính có hơn 5 dòng; mỗi lần chỉ nhập tối đa 5 dòng: chia thành nhiều tệp."]
    assert run(5).count == 5


@pytest.mark.parametrize("declared", [None, 4096], ids=["honest", "lying"])
def test_a_zip_bomb_is_refused_within_seconds_whatever_size_it_declares(world, declared):
    content = bomb("dossiers", declared=declared)
    started = time.perf_counter()
    with pytest.raises(DossiersImportError) as caught:
        dossiers_import(actor=world.staff_a, unit=world.commune_a, file=BytesIO(content))
    assert time.perf_counter() - started < 5
    assert caught.value.problems == [
        "Tệp nén bất thường (một phần giải nén ra gấp 1.022 lần); không đọc tệp này."
        if declared is None
        else "Tệp .xlsx bị hỏng, không đọc được: mở bằng Excel, lưu lại rồi tải lên lại."
    ]
    assert not Dossier.objects.exists()


# Rows and values


def test_invisible_characters_make_no_second_dossier_code(world, frozen_clock):
    importer = IMPORTERS["dossiers"]
    twins = importer.rows(raw={3: {0: inline("A3", "HS-2\u200b")}})
    with pytest.raises(DossiersImportError) as caught:
        dossiers_import(actor=world.staff_a, unit=world.commune_a, file=BytesIO(importer.book(twins)))
    assert caught.value.problems == ["Dòng 3: mã hồ sơ HS-2 trùng với dòng 2."]

    hidden = importer.rows(raw={3: {0: inline("A3", "\ufeffHS-\u200d3\u2060")}})
    dossiers_import(actor=world.staff_a, unit=world.commune_a, file=BytesIO(importer.book(hidden)))
    assert Dossier.objects.filter(code="HS-3").exists() and Dossier.objects.count() == ROWS


def test_a_file_bad_in_every_row_stops_after_a_thousand_problems(world, builtin_forms, frozen_clock):
    importer = IMPORTERS["ballots"]
    rows = row(1, importer.header) + "".join(row(n, ["05/03/2025", 9, 9]) for n in range(2, 3002))
    with pytest.raises(BallotsImportError) as caught:
        ballots_import(
            actor=world.staff_a,
            unit=world.commune_a,
            template=builtin_forms["sipas-5"],
            file=BytesIO(importer.book(rows)),
            filename="sai.xlsx",
        )
    problems = caught.value.problems
    assert len(problems) == 1001
    assert problems[-1] == "Đã dừng kiểm tra ở dòng 502 sau 1.000 lỗi; sửa các lỗi trên rồi tải tệp lên lại."


def test_a_long_cell_quoted_in_a_problem_is_cut_in_the_middle(world, builtin_forms, frozen_clock):
    importer = IMPORTERS["ballots"]
    rows = importer.rows(raw={4: {0: inline("A4", "ngày " * 6000)}})
    with pytest.raises(BallotsImportError) as caught:
        ballots_import(
            actor=world.staff_a,
            unit=world.commune_a,
            template=builtin_forms["sipas-5"],
            file=BytesIO(importer.book(rows)),
            filename="dai.xlsx",
        )
    [problem] = caught.value.problems
    assert len(problem) == xlsx.SHOWN_CHARS
    assert problem.startswith("Dòng 4, cột Ngày: “ngày ngày") and "…" in problem
    assert problem.endswith("” không phải ngày: ghi theo dạng dd/mm/yyyy, ví dụ 05/03/2026.")


def test_a_formula_in_a_column_the_procedure_list_ignores_is_no_problem(world):
    importer = IMPORTERS["procedures"]
    header = row(1, ["STT", *importer.header])
    rows = "".join(
        row(n, [None, *importer.values(n)], raw={0: f'<c r="A{n}"><f>ROW()-1</f><v>{n - 1}</v></c>'})
        for n in range(2, ROWS + 2)
    )
    result = procedures_import(
        actor=world.admin_hanoi, province=world.hanoi, file=BytesIO(importer.book(header + rows)), filename="dm.xlsx"
    )
    assert result.created == ROWS


# Memory


def test_an_upload_reads_the_workbook_in_bounded_memory(world, client):
    """10,000 procedures through the page: the file streams from a temporary file, rows are read one at a time."""
    importer = IMPORTERS["procedures"]
    content = importer.book(importer.rows(range(2, 10_002)))
    client.force_login(world.admin_hanoi)
    client.get("/thu-tuc/nhap/")  # the first request imports every view: not the upload's memory
    tracemalloc.start()
    try:
        response = upload(client, world, importer, content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 302 and Procedure.objects.count() == 10_000
    # 16 MB measured (under 2 KB a row: the checked rows waiting for the write); the issue saw 26 KB a row.
    assert peak < 80 * 1024 * 1024
