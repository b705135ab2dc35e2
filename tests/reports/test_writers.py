import datetime
import io
import unicodedata

import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.charts import bar_chart
from reports.document import Chart, Document, Heading, Paragraph, Signature, Table
from reports.renderers.letterhead import Letterhead
from reports.writers import FORMATS, render

A4_POINTS = (595.28, 841.89)
FORMULA = '=HYPERLINK("http://x","y")'
HOSTILE = f"{FORMULA} <script>alert(1)</script> </w:t>"
BODY = "Trong tháng, Bộ phận Một cửa đã thu được 128 phiếu khảo sát hợp lệ; chỉ số hài lòng chung đạt 87,5%."


@pytest.fixture
def document() -> Document:
    letterhead = Letterhead(
        parent_body="UBND THÀNH PHỐ HÀ NỘI",
        issuing_body=["ỦY BAN NHÂN DÂN", "PHƯỜNG HÀ ĐÔNG"],
        number_code="BC-UBND",
        place="Hà Đông",
        day=datetime.date(2026, 11, 5),
    )
    factors = Table(
        columns=["STT", "Yếu tố", "Số phiếu", "Tỷ lệ hài lòng (%)"],
        rows=[[1, "Tiếp cận dịch vụ", 1280, 87.5], [2, HOSTILE, 12, None], ["", "Tổng", 1292, 90.25]],
        widths=[1, 6, 2, 3],
        numeric=frozenset({2, 3}),
        bold_rows=frozenset({2}),
        caption="Bảng 1. Chỉ số hài lòng theo yếu tố",
        sheet="Theo yếu tố",
    )
    return Document(
        letterhead=letterhead,
        kind="BÁO CÁO",
        subject=["Kết quả khảo sát sự hài lòng của người dân, tổ chức", "tháng 10 năm 2026"],
        blocks=[
            Heading("I. KẾT QUẢ KHẢO SÁT"),
            Paragraph(BODY),
            Paragraph(HOSTILE + "\x01"),
            factors,
            Chart(bar_chart([("Tiếp cận dịch vụ", 87.5), ("Công chức", None)]), caption="Biểu đồ 1", width_mm=150),
            Heading("II. KIẾN NGHỊ"),
            Paragraph("-1 phiếu bị loại vì không hợp lệ.", indent=False),
        ],
        recipients=["Thường trực UBND phường;", "- Lưu: VT."],
        signature=Signature(lines=["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], hint="(Ký tên, đóng dấu)", name="Nguyễn Văn An"),
        filename="bao-cao-thang-10-2026",
        title="Báo cáo tháng 10/2026",
    )


def folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_render_names_the_file_after_the_document_and_its_format(document):
    assert set(FORMATS) == {"pdf", "xlsx", "docx"}
    filename, mimetype, content = render(document, "xlsx")
    assert filename == "bao-cao-thang-10-2026.xlsx"
    assert mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert content.startswith(b"PK")
    with pytest.raises(ValueError):
        render(document, "odt")


def test_the_pdf_is_a4_in_liberation_serif_and_prints_hostile_text_as_text(document):
    filename, mimetype, content = render(document, "pdf")
    assert (filename, mimetype) == ("bao-cao-thang-10-2026.pdf", "application/pdf")
    reader = PdfReader(io.BytesIO(content))
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_POINTS, abs=0.5)
    text = folded(" ".join(page.extract_text() for page in reader.pages))
    for expected in [
        "UBND THÀNH PHỐ HÀ NỘI ỦY BAN NHÂN DÂN PHƯỜNG HÀ ĐÔNG Số: ……/BC-UBND",
        "Hà Đông, ngày 05 tháng 11 năm 2026",
        "BÁO CÁO Kết quả khảo sát sự hài lòng của người dân, tổ chức tháng 10 năm 2026",
        BODY,
        HOSTILE,
        "1.280 87,50",
        "Tổng 1.292 90,25",
        "chưa có phiếu",
        "Nơi nhận: - Thường trực UBND phường; - Lưu: VT.",
        "Nguyễn Văn An",
    ]:
        assert expected in text
    fonts = {
        str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all(font.split("+")[-1].startswith("Liberation-Serif") for font in fonts), fonts
    assert reader.metadata.title == "Báo cáo tháng 10/2026"


def test_the_docx_keeps_the_house_layout_and_user_text_literally(document):
    filename, mimetype, content = render(document, "docx")
    assert filename == "bao-cao-thang-10-2026.docx"
    word = open_docx(io.BytesIO(content))
    section = word.sections[0]
    # Word stores lengths in twentieths of a point: millimetres come back rounded.
    sizes = [section.page_width, section.page_height, section.top_margin, section.bottom_margin]
    sizes += [section.left_margin, section.right_margin]
    assert [round(size.mm, 1) for size in sizes] == [210, 297, 20, 20, 30, 15]
    paragraphs = [paragraph.text for paragraph in word.paragraphs]
    assert BODY in paragraphs and HOSTILE in paragraphs  # the control character is gone, the rest is text
    assert "BÁO CÁO" in paragraphs and "Kết quả khảo sát sự hài lòng của người dân, tổ chức" in paragraphs
    letterhead, factors, closing = word.tables
    assert "Số: ……/BC-UBND" in letterhead.cell(0, 0).text
    assert "Độc lập - Tự do - Hạnh phúc" in letterhead.cell(0, 1).text
    assert [cell.text for cell in factors.rows[2].cells] == ["2", HOSTILE, "12", ""]
    assert factors.style.name == "Table Grid"
    assert "Nơi nhận:" in closing.cell(0, 0).text and "Nguyễn Văn An" in closing.cell(0, 1).text
    assert len(word.inline_shapes) == 1
    assert round(word.inline_shapes[0].width.mm) == 150
    assert word.core_properties.title == "Báo cáo tháng 10/2026"
    fonts = word.styles["Normal"].element.rPr.rFonts
    assert {fonts.get(f"{{{fonts.nsmap['w']}}}{slot}") for slot in ("ascii", "hAnsi", "eastAsia", "cs")} == {
        "Times New Roman"
    }


def test_the_xlsx_keeps_numbers_as_numbers_and_never_writes_a_formula(document):
    _, _, content = render(document, "xlsx")
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Báo cáo", "Theo yếu tố"]
    report, analysis = workbook["Báo cáo"], workbook["Theo yếu tố"]
    values = [cell.value for row in report.iter_rows() for cell in row if cell.value is not None]
    assert "PHƯỜNG HÀ ĐÔNG" in values and BODY in values and "Nơi nhận:" in values
    assert [cell.value for cell in analysis[1]] == ["STT", "Yếu tố", "Số phiếu", "Tỷ lệ hài lòng (%)"]
    assert [cell.value for cell in analysis[2]] == [1, "Tiếp cận dịch vụ", 1280, 87.5]
    assert analysis["D2"].number_format == "0.00" and analysis["C2"].data_type == "n"
    hostile = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value == HOSTILE]
    assert len(hostile) == 3  # the paragraph, and the table cell on both sheets
    for cell in hostile:
        assert cell.data_type == "s" and cell.quotePrefix
    dash = next(cell for row in report.iter_rows() for cell in row if cell.value == "-1 phiếu bị loại vì không hợp lệ.")
    assert dash.data_type == "s" and dash.quotePrefix
    assert not any(cell.data_type == "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)
