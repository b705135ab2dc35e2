"""The reports built from the figures: what they say, in every format, and who may download them."""

import datetime
import io
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.builders import annual_report, monthly_notice, period_report
from reports.document import Paragraph, Table
from reports.jobs.kinds import KINDS
from reports.models import ReportJob, ReportText
from reports.periods import Period
from reports.writers import render
from surveys.models import AuditEntry, Procedure, ProcedureField, ResolvedCount, Response, SurveyPlan
from surveys.services.ballots import box_opening_record
from surveys.services.tallies import tallies_rebuild
from tests.reports.test_index import SIPAS, plan
from tests.surveys.test_import_ballots import run_import

HOSTILE = '<b>in đậm?</b> =HYPERLINK("http://x","y") & </w:t>'


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture
def year_of_ballots(world, builtin_forms):
    rows = [
        ["05/03/2026", "Đăng ký khai sinh", 5, 5, 4, 5, 5, 4, 5, 4],
        ["06/03/2026", "Đăng ký khai sinh", 4, 3, 5, 4, 4, 5, 4, 5],
        ["07/03/2026", "Chứng thực bản sao", 3, 4, 4, 5, 2, 4, 4, None],
        ["10/04/2026", "", 2, 5, 3, 4, 4, 3, 5, 3],
    ]
    run_import(world, builtin_forms, ["Ngày", "Thủ tục", *SIPAS[1:]], rows)
    run_import(world, builtin_forms, SIPAS, [["12/05/2026", 5, 5, 5, 5, 5, 5, 5, 5]])
    Response.objects.filter(answered_on__month=5).update(unit=world.commune_b)
    tallies_rebuild()
    ResolvedCount.objects.create(unit=world.commune_a, month=datetime.date(2026, 3, 1), count=10)
    return world


def test_phu_luc_2_fills_rows_2_3_6_7_9_10_from_the_database_and_the_rest_from_the_plan(year_of_ballots):
    world = year_of_ballots
    field = ProcedureField.objects.create(name="Hộ tịch")
    birth = Procedure(name="Đăng ký khai sinh", field=field, level=Procedure.Level.COMMUNE)
    birth.set_derived_fields()
    birth.save()
    Response.objects.filter(procedure_text="Đăng ký khai sinh").update(procedure=birth, procedure_text="")
    plan(world.hanoi, 2026, number="129/KH-UBND", collection_months=3, lead_unit="Văn phòng UBND thành phố")
    ReportText.objects.create(
        unit=world.hanoi, starts=datetime.date(2026, 1, 1), ends=datetime.date(2026, 12, 31), difficulties=HOSTILE
    )
    # Hà Nội's own responses: those of March moved to it, so rows 7 and 10 differ.
    Response.objects.filter(answered_on__month=3).update(unit=world.hanoi)
    tallies_rebuild()
    document = annual_report(world.hanoi, 2026)
    table = next(block for block in document.blocks if isinstance(block, Table))
    rows = {row[0]: row[2] for row in table.rows}
    assert rows[1] == "Có. Kế hoạch số 129/KH-UBND ngày 05/01/2026"
    assert rows[2] == "Từ ngày 05/03/2026 đến ngày 07/03/2026"
    assert rows[3].startswith("Phát phiếu khảo sát giấy") and "(3 phiếu)" in rows[3]
    assert rows[4] == "03 tháng" and rows[5] == "Văn phòng UBND thành phố"
    assert rows[6] == "Lĩnh vực Hộ tịch: Đăng ký khai sinh (2 phiếu)"
    assert rows[7] == 3
    assert (rows[9], rows[10]) == (2, 2)  # commune A in April, commune B in May
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        text = read(render(document, fmt)[2])
        assert "ỦY BAN NHÂN DÂN" in text and "Kết quả khảo sát, lấy ý kiến người dân, tổ chức" in text
        assert "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in text and "(Ký tên, đóng dấu)" in text
        assert "Lĩnh vực Hộ tịch: Đăng ký khai sinh (2 phiếu)" in text
        assert HOSTILE.replace(" ", "") in text.replace(" ", "").replace("\n", ""), fmt
    sheet = load_workbook(io.BytesIO(render(document, "xlsx")[2]))["Phụ lục 2"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [7, "Tổng số phiếu khảo sát thu về trong năm", 3] in values


def test_a_period_without_responses_says_so_in_every_report(world, builtin_forms):
    for document in (
        monthly_notice(world.commune_b, Period.month(2026, 2)),
        period_report(world.commune_b, Period.quarter(2026, 1)),
        annual_report(world.commune_b, 2026),
    ):
        assert not any(isinstance(block, Table) and not block.rows for block in document.blocks)
        text = pdf_text(render(document, "pdf")[2])
        assert re.search(r"chưa (nhận được|có) phiếu", text), document.title


def test_the_monthly_notice_is_one_page_with_the_index_and_the_weakest_questions(year_of_ballots):
    plan(year_of_ballots.commune_a, 2026)
    document = monthly_notice(year_of_ballots.commune_a, Period.month(2026, 3))
    content = render(document, "pdf")[2]
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    text = pdf_text(content)
    assert "THÔNG BÁO" in text and "tháng 03/2026" in text
    assert "Thực hiện Kế hoạch số 15/KH-UBND ngày 05/01/2026" in text
    assert "3 phiếu" in text and "Số phiếu trên hồ sơ đã giải quyết: 3/10 hồ sơ, đạt 30,00%" in text
    assert "chỉ tiêu kế hoạch ít nhất 50% số hồ sơ đã giải quyết: chưa đạt" in text
    assert "Nội dung có tỷ lệ hài lòng thấp nhất: Câu 1" in text


def test_the_period_report_prints_what_the_head_wrote_escaped(year_of_ballots):
    ReportText.objects.create(
        unit=year_of_ballots.commune_a,
        starts=datetime.date(2026, 1, 1),
        ends=datetime.date(2026, 3, 31),
        strengths="Thái độ phục vụ tốt\n" + HOSTILE,
        recommendations="Trang bị máy lấy số tự động",
    )
    document = period_report(year_of_ballots.commune_a, Period.quarter(2026, 1))
    paragraphs = [block.text for block in document.blocks if isinstance(block, Paragraph)]
    assert "- Thái độ phục vụ tốt" in paragraphs and f"- {HOSTILE}" in paragraphs
    assert "- Trang bị máy lấy số tự động" in paragraphs
    pdf = pdf_text(render(document, "pdf")[2])
    assert "I. KẾT QUẢ KHẢO SÁT" in pdf and "II. NHẬN XÉT CHUNG" in pdf and "III. KIẾN NGHỊ, ĐỀ XUẤT" in pdf
    assert "<b>in đậm?</b>" in pdf
    assert "quý I năm 2026" in pdf
    workbook = load_workbook(io.BytesIO(render(document, "xlsx")[2]))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(io.BytesIO(render(document, "docx")[2])) as archive:
        assert "&lt;b&gt;in đậm?&lt;/b&gt;" in archive.read("word/document.xml").decode()


@pytest.mark.parametrize(
    "url, status",
    [
        ("/bao-cao/09556/2026-03/notice.pdf", 200),
        ("/bao-cao/09556/2026-Q1/period.docx", 200),
        ("/bao-cao/09556/2026/annual.xlsx", 200),
        ("/bao-cao/09556/2026-Q1/notice.pdf", 404),
        ("/bao-cao/09556/2026-03/annual.pdf", 404),
        ("/bao-cao/09556/2026-03/notice.odt", 404),
        ("/bao-cao/09556/2026-13/notice.pdf", 404),
        ("/bao-cao/99999/2026-03/notice.pdf", 404),
    ],
)
def test_downloads_for_the_head(year_of_ballots, client, url, status):
    client.force_login(year_of_ballots.head_a)
    response = client.get(url)
    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("persona, status", [("official", 200), ("staff_a", 404), ("staff_b", 404), ("outsider", 404)])
def test_downloads_follow_the_scoping_function(year_of_ballots, client, persona, status):
    client.force_login(getattr(year_of_ballots, persona))
    assert client.get("/bao-cao/09556/2026-03/notice.pdf").status_code == status


def test_the_head_writes_the_report_text_and_the_plan_with_errors_beside_the_fields(year_of_ballots, client):
    world = year_of_ballots
    client.force_login(world.head_a)
    assert client.post("/bao-cao/09556/2026-Q1/noi-dung/", {"strengths": "Tốt"}).status_code == 302
    assert ReportText.objects.get(unit=world.commune_a).strengths == "Tốt"
    good = {
        "number": "15/KH-UBND",
        "signed_on": "05/01/2026",
        "target_kind": "percent",
        "target_percent": "50",
        "uses_paper": "on",
        "collection_months": "1",
        "starts": "01/01/2026",
        "ends": "31/12/2026",
        "lead_unit": "Văn phòng UBND phường",
        "publication": "Niêm yết tại Bộ phận Một cửa",
    }
    bad = client.post("/ke-hoach/09556/2026/", {**good, "target_percent": "", "ends": "31/12/2027"})
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "Hãy nhập chỉ tiêu phần trăm" in page and "Ngày phải thuộc năm 2026" in page
    assert not SurveyPlan.objects.exists()
    assert client.post("/ke-hoach/09556/2026/", good).status_code == 302
    assert SurveyPlan.objects.get(unit=world.commune_a, year=2026).target_percent == 50
    assert AuditEntry.objects.filter(action="reports.plan.saved").count() == 1
    for persona in ("official", "staff_a", "outsider"):
        client.force_login(getattr(world, persona))
        assert client.get("/ke-hoach/09556/2026/").status_code == 404
        assert client.get("/bao-cao/09556/2026-Q1/noi-dung/").status_code == 404


def test_minutes_download_in_three_formats(world, builtin_forms, client):

    from tests.surveys.test_ballots_openings import opening_a  # noqa: F401

    opening = box_opening_record(
        actor=world.staff_a,
        unit=world.commune_a,
        version=builtin_forms["sipas-5"].current_version(),
        opened_at=timezone.now(),
        place="Bộ phận Một cửa",
        seal_intact=True,
        seal_note="",
        ballot_count=12,
        key_keeper="Văn phòng",
        witnesses=[("Nguyễn Văn Dũng", "Trưởng bộ phận Một cửa")],
    )
    client.force_login(world.staff_a)
    for fmt in ("pdf", "docx", "xlsx"):
        response = client.get(f"/hom-phieu/{opening.pk}/bien-ban.{fmt}")
        assert response.status_code == 200, fmt
    text = docx_text(client.get(f"/hom-phieu/{opening.pk}/bien-ban.docx").content)
    assert "BIÊN BẢN" in text and "12 (mười hai) phiếu" in text and "Nguyễn Văn Dũng" in text
    client.force_login(world.staff_b)
    assert client.get(f"/hom-phieu/{opening.pk}/bien-ban.docx").status_code == 404


def test_render_report_writes_files_and_refuses_bad_input(year_of_ballots, tmp_path):
    out = tmp_path / "thong-bao.pdf"
    call_command("render_report", "notice", "--unit", "09556", "--month", "2026-03", "--format", "pdf", "-o", str(out))
    assert Path(out).read_bytes().startswith(b"%PDF")
    out = tmp_path / "phu-luc-2.docx"
    call_command("render_report", "annual", "--unit", "09556", "--year", "2026", "--format", "docx", "-o", str(out))
    assert "Tổng số phiếu khảo sát thu về trong năm" in docx_text(out.read_bytes())
    for args, message in [
        (["notice", "--unit", "99999", "--month", "2026-03"], "Không có đơn vị"),
        (["notice", "--unit", "09556", "--year", "2026"], "cần --month"),
        (["period", "--unit", "09556", "--quarter", "2026-Q7"], "Không đọc được kỳ"),
        (["annual", "--unit", "09556", "--year", "26"], "Không đọc được kỳ"),
    ]:
        with pytest.raises(CommandError, match=re.escape(message)):
            call_command("render_report", *args, "--format", "pdf", "-o", str(tmp_path / "x.pdf"))


def test_the_responses_of_a_period_are_exported_by_a_job_without_contact_details(year_of_ballots, client):
    client.force_login(year_of_ballots.official)
    page = client.get("/ket-qua/01/2026/?subtree=1").content.decode()
    assert 'action="/bao-cao/01/2026/phieu/"' in page and 'name="subtree" value="1"' in page

    response = client.post("/bao-cao/01/2026/phieu/", {"format": "xlsx", "subtree": "1"})

    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tao-hang-loat/{job.key}/"
    assert (job.kind, job.unit.code, job.total) == ("responses", "01", 5)  # the five ballots of 2026 in Hà Nội
    with tempfile.TemporaryFile() as out:
        filename, _mimetype = KINDS[job.kind].make(job, out, lambda done, total: None)
        out.seek(0)
        sheet = load_workbook(out).active
    assert filename == "phieu-01-2026.xlsx" and sheet.max_row == 1 + 5
    client.force_login(year_of_ballots.staff_a)
    assert client.post("/bao-cao/09556/2026/phieu/", {"format": "xlsx"}).status_code == 404
