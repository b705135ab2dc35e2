import csv
import datetime
import io
import tempfile
import zipfile

import pytest
from openpyxl import load_workbook

from reports.exports import ExportRefused, responses_write
from surveys.models import Answer, Response, Unit
from surveys.services.imports import ballots_import
from surveys.services.responses import ballot_parse, response_submit
from tests.xlsx import workbook_bytes

MARCH = (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
SIPAS = ["Ngày", "Thủ tục", *(f"Câu {n}" for n in range(1, 9))]
COMMENT = "=cmd|' /C calc'!A0"
SECRET = {"name": "Nguyễn Văn Bí Mật", "address": "12 Ngõ Kín, Hà Đông", "phone": "0912345678"}


def import_sipas(world, forms, unit, rows):
    from io import BytesIO

    ballots_import(
        actor=world.staff_a,
        unit=unit,
        template=forms["sipas-5"],
        file=BytesIO(workbook_bytes(SIPAS, rows)),
        filename="phieu.xlsx",
    )


def submit_binh_phuoc(forms, unit, day, raw):
    version = forms["binh-phuoc"].current_version()
    ballot = ballot_parse(version=version, raw=raw, unit=unit)
    response, _ = response_submit(
        version=version, unit=unit, channel=Response.Channel.ONLINE, answered_on=day, ballot=ballot
    )
    return response


@pytest.fixture
def responses(world, builtin_forms):
    import_sipas(
        world,
        builtin_forms,
        world.commune_a,
        [
            ["05/03/2025", "Đăng ký khai sinh", 5, 4, 3, 2, 1, 5, 4, None],
            ["31/03/2025", "", 4, 4, 4, 4, 4, 4, 4, 4],
            ["01/04/2025", "Ngoài kỳ", 1, 1, 1, 1, 1, 1, 1, 1],  # after the period
        ],
    )
    import_sipas(world, builtin_forms, world.commune_c, [["10/03/2025", "Tỉnh khác", 2, 2, 2, 2, 2, 2, 2, 2]])
    online = submit_binh_phuoc(
        builtin_forms,
        world.commune_b,
        datetime.date(2025, 3, 20),
        {
            "1": "Cấp giấy phép",
            "2": "Trung tâm PVHCC",
            "3.1": "1; 3",
            "3.2": 5,
            "3.7": "Có",
            "3.9": "Đúng hẹn",
            "4": COMMENT,
            "5": SECRET,
        },
    )
    return online


def export(units, start=MARCH[0], end=MARCH[1]):
    with tempfile.TemporaryFile() as out:
        count = responses_write(unit_ids=[unit.pk for unit in units], start=start, end=end, fmt="xlsx", out=out)
        out.seek(0)
        workbook = load_workbook(out)
    sheet = workbook["Phiếu"]
    return count, sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


def by_code(header, row):
    """The question cells of a row by the code its header starts with ("Câu 1. …" -> "Câu 1")."""
    return {title.split(". ")[0]: value for title, value in zip(header[8:], row[8:], strict=True)}


def test_every_response_of_the_units_and_period_is_one_row(world, responses):
    count, sheet, rows = export(Unit.objects.subtree_of(world.hanoi))

    header, *data = rows
    assert count == len(data) == 3
    assert header[:8] == [
        "Mã phiếu",
        "Đơn vị",
        "Mã đơn vị",
        "Ngày đánh giá",
        "Kênh",
        "Mẫu phiếu",
        "Thủ tục",
        "Đơn vị tiếp nhận",
    ]
    codes = [title.split(". ")[0] for title in header[8:]]
    # binh-phuoc before sipas-5 (template code), each in printed order; no procedure, unit or contact column.
    assert codes == ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "4"] + [
        f"Câu {n}" for n in range(1, 9)
    ]
    assert header[8].startswith("3.1. Ông/Bà tìm hiểu thông tin")
    # Commune C is in another province and the 01/04 ballot is after the period.
    assert {row[2] for row in data} == {"09556", "09886"}
    days = sorted(row[3].date() for row in data)
    assert days == [datetime.date(2025, 3, 5), datetime.date(2025, 3, 20), datetime.date(2025, 3, 31)]
    assert sheet["D2"].number_format == "dd/mm/yyyy" and sheet["D2"].is_date


def test_cells_hold_numbers_ticked_options_and_text(world, responses):
    _, sheet, (header, *data) = export([world.commune_a, world.commune_b])

    sipas = next(row for row in data if row[3] == datetime.datetime(2025, 3, 5))
    assert sipas[1:3] == ["Phường Hà Đông", "09556"]
    assert sipas[4] == "Phiếu giấy" and sipas[5] == "Phiếu khảo sát 5 mức (SIPAS) v1"
    assert sipas[6] == "Đăng ký khai sinh" and sipas[7] is None
    answers = by_code(header, sipas)
    assert [answers[f"Câu {n}"] for n in range(1, 9)] == [5, 4, 3, 2, 1, 5, 4, None]
    assert answers["3.1"] is None

    online = next(row for row in data if row[0] == responses.pk)
    assert online[1:3] == ["Phường Dương Nội", "09886"]
    assert online[4] == "Đánh giá trực tuyến" and online[5].endswith(" v1")
    assert online[6:8] == ["Cấp giấy phép", "Trung tâm PVHCC"]
    answers = by_code(header, online)
    assert answers["3.1"] == "1; 3"  # two ticks of a multiple choice
    assert answers["3.2"] == 5 and answers["3.3"] is None
    assert answers["3.7"] == 1 and answers["3.9"] == 2  # Có, Đúng hẹn
    assert answers["Câu 1"] is None


def test_a_citizens_text_never_becomes_a_formula(world, responses):
    _, sheet, (header, *data) = export([world.commune_b])

    column = next(i for i, title in enumerate(header) if title.startswith("4. "))
    cell = sheet.cell(row=2, column=column + 1)
    assert cell.value == COMMENT
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_xml_illegal_characters_are_dropped(world, responses):
    Answer.objects.filter(response=responses, question__code="4").update(text="Tốt\x07 lắm\x1b")

    _, _, (header, row) = export([world.commune_b])

    assert by_code(header, row)["4"] == "Tốt lắm"


def test_contact_details_are_never_exported(world, responses):
    assert responses.contact.phone == SECRET["phone"]

    _, _, rows = export([world.commune_b])

    cells = " ".join(str(value) for row in rows for value in row if value is not None)
    for secret in SECRET.values():
        assert secret not in cells
    assert "liên hệ" not in cells.lower()


def test_no_responses_give_the_header_alone(world, responses):
    count, _, rows = export([world.commune_a], datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))

    assert count == 0
    assert rows == [
        ["Mã phiếu", "Đơn vị", "Mã đơn vị", "Ngày đánh giá", "Kênh", "Mẫu phiếu", "Thủ tục", "Đơn vị tiếp nhận"]
    ]


def test_responses_come_in_chunks_without_losing_or_repeating_any(world, responses, monkeypatch):
    monkeypatch.setattr("reports.exports.CHUNK", 2)  # rows of both streams, responses and answers

    count, _, (_, *data) = export(Unit.objects.subtree_of(world.hanoi))

    assert count == 3
    assert sorted(row[0] for row in data) == sorted(
        Response.objects.filter(answered_on__month=3, unit__code__in=["09556", "09886"]).values_list("pk", flat=True)
    )


def export_csv(units, start=MARCH[0], end=MARCH[1]) -> tuple[int, bytes]:
    with tempfile.TemporaryFile() as out:
        count = responses_write(unit_ids=[unit.pk for unit in units], start=start, end=end, fmt="csv", out=out)
        out.seek(0)
        return count, out.read()


def test_the_csv_has_the_same_rows_in_utf8_with_a_byte_order_mark_for_excel(world, responses):
    count, content = export_csv(Unit.objects.subtree_of(world.hanoi))
    _, _sheet, rows = export(Unit.objects.subtree_of(world.hanoi))

    assert content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with it
    header, *data = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert count == len(data) == 3
    assert header == [str(title) for title in rows[0]]
    assert header[1] == "Đơn vị" and header[3] == "Ngày đánh giá"

    by_id = {int(row[0]): row for row in data}
    online = by_id[responses.pk]
    assert online[1:6] == ["Phường Dương Nội", "09886", "2025-03-20", "Đánh giá trực tuyến", online[5]]
    answers = by_code(header, online)
    assert answers["3.1"] == "1; 3" and answers["3.2"] == "5" and answers["3.3"] == ""
    # The same cells as the workbook, written as text; an empty cell is empty.
    sheet_rows = {row[0]: row for row in rows[1:]}
    for pk, row in by_id.items():
        expected = sheet_rows[pk]
        assert row[3] == expected[3].date().isoformat()  # YYYY-MM-DD, which Excel reads as a day in any locale
        for written, cell in zip(row[4:], expected[4:], strict=True):
            text = "" if cell is None else str(cell)
            assert written == ("'" + text if text.startswith("=") else text)


def test_csv_quotes_commas_and_line_breaks_and_defuses_formulas(world, responses):
    Answer.objects.filter(response=responses, question__code="4").update(text='Tốt, "rất" tốt\nnhưng chờ lâu')
    Response.objects.filter(pk=responses.pk).update(received_unit_text='=HYPERLINK("http://x")')

    _count, content = export_csv([world.commune_b])

    header, row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert by_code(header, row)["4"] == 'Tốt, "rất" tốt\nnhưng chờ lâu'
    assert b'"T\xe1\xbb\x91t, ""r\xe1\xba\xa5t"" t\xe1\xbb\x91t\nnh' in content  # quoted, quotes doubled
    # A spreadsheet would run it: an apostrophe in front keeps it text, as Excel itself writes it.
    assert row[7] == '\'=HYPERLINK("http://x")'


def test_csv_never_carries_contact_details(world, responses):
    _count, content = export_csv([world.commune_b])
    text = content.decode("utf-8-sig")
    for secret in SECRET.values():
        assert secret not in text


def test_an_xlsx_past_excels_row_limit_is_refused_before_anything_is_written(world, responses, monkeypatch):
    monkeypatch.setattr("reports.exports.XLSX_MAX_ROWS", 3)  # the header and two rows
    units = [world.commune_a, world.commune_b]

    with tempfile.TemporaryFile() as out:
        with pytest.raises(
            ExportRefused, match="Có 3 phiếu, quá giới hạn 3 dòng của một trang tính Excel. Hãy tải tệp CSV"
        ):
            responses_write(unit_ids=[unit.pk for unit in units], start=MARCH[0], end=MARCH[1], fmt="xlsx", out=out)
        assert out.tell() == 0

    assert export_csv(units)[0] == 3  # a CSV has no such limit
    monkeypatch.setattr("reports.exports.XLSX_MAX_ROWS", 4)
    assert export(units)[0] == 3  # exactly full


def test_the_xlsx_is_a_whole_workbook_with_the_header_frozen(world, responses):
    with tempfile.TemporaryFile() as out:
        responses_write(unit_ids=[world.commune_b.pk], start=MARCH[0], end=MARCH[1], fmt="xlsx", out=out)
        out.seek(0)
        content = out.read()

    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml"} <= set(archive.namelist())
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' in sheet
    assert load_workbook(io.BytesIO(content)).sheetnames == ["Phiếu"]
