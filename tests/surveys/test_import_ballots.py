import datetime
from io import BytesIO, StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.utils import timezone
from openpyxl import load_workbook

from surveys.models import Answer, AuditEntry, Batch, FormTemplate, FormVersion, Procedure, ProcedureField, Response
from surveys.services.forms import version_contents, version_fill
from surveys.services.imports import BallotsImportError, ballots_import
from tests.conftest import FROZEN_NOW
from tests.xlsx import workbook_bytes

SIPAS = ["Ngày", "Thủ tục", *(f"Câu {n}" for n in range(1, 9))]
GOOD_ROWS = [
    ["05/03/2025", "Đăng ký khai sinh", 5, 5, 4, 4, 5, 3, 5, 4],
    [datetime.date(2025, 3, 6), "", "Rất hài lòng", "hài lòng", "Binh thuong", None, 2, 1, "Không hài lòng", " "],
    ["07/03/2025", None, 4, None, None, None, None, None, None, "5"],
]


def xlsx(header, rows) -> BytesIO:
    return BytesIO(workbook_bytes(header, rows))


def run_import(world, forms, header, rows, form="sipas-5", actor=None):
    return ballots_import(
        actor=actor or world.staff_a,
        unit=world.commune_a,
        template=forms[form],
        file=xlsx(header, rows),
        filename="phieu-thang-3.xlsx",
    )


def problems_of(world, forms, header, rows, form="sipas-5") -> list[str]:
    with pytest.raises(BallotsImportError) as caught:
        run_import(world, forms, header, rows, form)
    assert not Response.objects.exists()
    assert not Batch.objects.exists()
    assert not AuditEntry.objects.filter(action="surveys.ballots.imported").exists()
    return caught.value.problems


def scores(form_code="sipas-5") -> dict[str, tuple[int, int]]:
    """(answers, sum of scores) per question code, from the database."""
    rows = (
        Answer.objects.filter(question__version__template__code=form_code)
        .values("question__code")
        .annotate(n=Count("id"), total=Sum("value"))
    )
    return {row["question__code"]: (row["n"], row["total"]) for row in rows}


def test_a_good_sipas_file_stores_every_ballot_in_one_open_batch(world, builtin_forms):
    result = run_import(world, builtin_forms, SIPAS, GOOD_ROWS)

    assert result.count == 3
    batch = Batch.objects.get()
    assert result.batch == batch and batch.is_open and batch.opening is None
    assert batch.source_file == "phieu-thang-3.xlsx" and batch.created_by == world.staff_a
    assert batch.version == builtin_forms["sipas-5"].current_version()
    responses = Response.objects.filter(batch=batch, unit=world.commune_a, channel=Response.Channel.PAPER)
    assert responses.count() == 3
    assert sorted(responses.values_list("answered_on", flat=True)) == [
        datetime.date(2025, 3, 5),
        datetime.date(2025, 3, 6),
        datetime.date(2025, 3, 7),
    ]
    assert set(responses.values_list("entered_by", flat=True)) == {world.staff_a.pk}
    # Labels count as their scores; blank cells are not answers.
    assert scores() == {
        "Câu 1": (3, 5 + 5 + 4),
        "Câu 2": (2, 5 + 4),
        "Câu 3": (2, 4 + 3),
        "Câu 4": (1, 4),
        "Câu 5": (2, 5 + 2),
        "Câu 6": (2, 3 + 1),
        "Câu 7": (2, 5 + 2),
        "Câu 8": (2, 4 + 5),
    }
    assert list(responses.exclude(procedure_text="").values_list("procedure_text", flat=True)) == ["Đăng ký khai sinh"]
    entry = AuditEntry.objects.get(action="surveys.ballots.imported")
    assert entry.unit == world.commune_a and entry.actor == world.staff_a and entry.target_id == str(batch.pk)
    assert entry.data["count"] == 3 and entry.data["file"] == "phieu-thang-3.xlsx"


def test_binh_phuoc_takes_choices_yes_no_and_timeliness_by_label(world, builtin_forms):
    header = ["Ngày", "1", "2", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "4"]
    rows = [
        [
            "10/04/2025",
            "Cấp giấy phép",
            "Trung tâm PVHCC",
            "1; Đọc bảng niêm yết tại nơi tiếp nhận hồ sơ",
            "Rất tốt",
            "Tốt",
            "Rất gọn",
            "Chậm",
            "Kém",
            "Có",
            "Không",
            "Trễ hẹn",
            "Hài lòng",
            "Cần thêm ghế chờ",
        ],
        ["11/04/2025", "", "", "Qua Zalo", 5, 4, "Rườm rà", "nhanh", "", "khong", "", "Trước hẹn", 5, ""],
    ]
    assert run_import(world, builtin_forms, header, rows, form="binh-phuoc").count == 2

    stored = Answer.objects.filter(response__batch__isnull=False)
    assert sorted(stored.filter(question__code="3.1").values_list("value", "text")) == [
        (1, ""),
        (2, ""),
        (5, "Qua Zalo"),  # "Hình thức khác" with what the citizen wrote
    ]
    assert sorted(stored.filter(question__code="3.7").values_list("value", flat=True)) == [1, 2]  # Có, Không
    assert list(stored.filter(question__code="3.8").values_list("value", flat=True)) == [2]
    assert sorted(stored.filter(question__code="3.9").values_list("value", flat=True)) == [1, 3]  # Trước, Trễ hẹn
    assert scores("binh-phuoc")["3.4"] == (2, 5 + 2)
    assert scores("binh-phuoc")["3.5"] == (2, 2 + 4)
    assert list(stored.filter(question__code="4").values_list("text", flat=True)) == ["Cần thêm ghế chờ"]
    assert Response.objects.filter(received_unit_text="Trung tâm PVHCC", procedure_text="Cấp giấy phép").count() == 1


@pytest.mark.parametrize("form", ["sipas-5", "binh-phuoc"])
def test_the_procedure_column_matches_the_catalogue_by_code_or_name(world, builtin_forms, form):
    procedure = Procedure(
        code="1.001193",
        name="Thủ tục đăng ký khai sinh",
        field=ProcedureField.objects.create(name="Hộ tịch"),
        level=Procedure.Level.COMMUNE,
    )
    procedure.set_derived_fields()
    procedure.save()
    other = "Câu 1" if form == "sipas-5" else "3.10"
    rows = [
        ["01/06/2025", "1.001193", 5],
        ["02/06/2025", "thu tuc dang ky khai sinh", 4],
        ["03/06/2025", "Xin giấy xác nhận", 3],
    ]
    run_import(world, builtin_forms, ["Ngày", "Thủ tục", other], rows, form=form)

    assert Response.objects.filter(procedure=procedure, procedure_text="").count() == 2
    assert Response.objects.get(procedure__isnull=True).procedure_text == "Xin giấy xác nhận"


def test_only_the_date_is_required(world, builtin_forms):
    assert run_import(world, builtin_forms, ["Câu 2", "Ngày"], [[5, "01/01/2025"]]).count == 1


def bad(cell_row, header=SIPAS):
    return header, [GOOD_ROWS[0], cell_row, GOOD_ROWS[2]]


# The "future" case runs on FROZEN_NOW's day, so the day after it is tomorrow on every run.
TOMORROW = (FROZEN_NOW.date() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")


@pytest.mark.parametrize(
    ("header", "rows", "expected"),
    [
        pytest.param(
            *bad(["05/03/2025", "", 5, 5, 6, 4, 5, 3, 5, 4]),
            "Dòng 3, cột Câu 3: “6” không hợp lệ: chỉ nhận điểm 1–5 hoặc một mức: "
            "Rất hài lòng, Hài lòng, Bình thường, Không hài lòng, Rất không hài lòng.",
            id="score-6",
        ),
        pytest.param(
            *bad(["05/03/2025", "", 5, 5, 5, "Tuyệt vời", 5, 3, 5, 4]),
            "Dòng 3, cột Câu 4: “Tuyệt vời” không hợp lệ: chỉ nhận điểm 1–5 hoặc một mức: "
            "Rất hài lòng, Hài lòng, Bình thường, Không hài lòng, Rất không hài lòng.",
            id="unknown-label",
        ),
        pytest.param(
            *bad(["31/02/2026", "", 5, 5, 5, 5, 5, 3, 5, 4]),
            "Dòng 3, cột Ngày: Ngày “31/02/2026” không có thật.",
            id="no-such-day",
        ),
        pytest.param(
            *bad(["2025-03-05", "", 5, 5, 5, 5, 5, 3, 5, 4]),
            "Dòng 3, cột Ngày: “2025-03-05” không phải ngày: ghi theo dạng dd/mm/yyyy, ví dụ 05/03/2026.",
            id="not-a-date",
        ),
        pytest.param(
            *bad([TOMORROW, "", 5, 5, 5, 5, 5, 3, 5, 4]),
            f"Dòng 3, cột Ngày: Ngày {TOMORROW} chưa tới: ngày đánh giá không được sau hôm nay "
            f"({FROZEN_NOW.date():%d/%m/%Y}).",
            id="future",
        ),
        pytest.param(*bad([None, "", 5, 5, 5, 5, 5, 3, 5, 4]), "Dòng 3, cột Ngày: Thiếu ngày đánh giá.", id="no-date"),
        pytest.param(
            *bad(["05/03/2025"]),
            "Dòng 3: Phiếu không có câu trả lời nào; xóa dòng thừa hoặc nhập câu trả lời.",
            id="date-only",
        ),
        pytest.param(
            *bad(["05/03/2025", "", 5], header=["Ngày nhận", "Thủ tục", "Câu 1"]),
            "Dòng 1, cột Ngày: Thiếu cột này: mỗi phiếu cần ngày đánh giá (dd/mm/yyyy).",
            id="wrong-date-header",
        ),
        pytest.param(
            *bad([5, 5], header=["Câu 1", "Câu 2"]),
            "Dòng 1, cột Ngày: Thiếu cột này: mỗi phiếu cần ngày đánh giá (dd/mm/yyyy).",
            id="missing-date-header",
        ),
        pytest.param(
            *bad(["05/03/2025", 5, 5], header=["Ngày", "Câu 1", "Câu 9"]),
            "Dòng 1, cột Câu 9: Mẫu phiếu không có câu này; các cột được dùng: “Ngày”, “Thủ tục”, "
            "“Câu 1”, “Câu 2”, “Câu 3”, “Câu 4”, “Câu 5”, “Câu 6”, “Câu 7”, “Câu 8”.",
            id="unknown-question",
        ),
        pytest.param(
            *bad(["05/03/2025", 5, 4], header=["Ngày", "Câu 1", "Câu 1"]),
            "Dòng 1, cột Câu 1: Trùng với cột B (“Câu 1”): cùng một câu.",
            id="duplicate-header",
        ),
        pytest.param(
            *bad(["05/03/2025", 5, None, 4], header=["Ngày", "Câu 1", None, "Câu 2"]),
            "Dòng 1, cột C: Cột có dữ liệu nhưng không có tiêu đề.",
            id="data-without-header",
        ),
    ],
)
def test_one_bad_cell_writes_nothing_and_names_its_row_and_column(
    world, builtin_forms, frozen_clock, header, rows, expected
):
    assert expected in problems_of(world, builtin_forms, header, rows)


def test_the_procedure_column_and_its_printed_code_are_the_same_question(world, builtin_forms):
    problems = problems_of(world, builtin_forms, ["Ngày", "Thủ tục", "1"], [["01/01/2025", "A", "B"]], "binh-phuoc")
    assert problems == ["Dòng 1, cột 1: Trùng với cột B (“Thủ tục”): cùng một câu."]


def test_every_problem_is_listed_in_sheet_order_and_header_problems_once(world, builtin_forms):
    header = ["Ngày", "Câu 1", None, "Câu 2", "Câu 99"]
    rows = [["01/01/2025", 7, None, "x", 1], ["01/01/2025", 5, None, 5, 1], ["30/02/2025", 0, "?", 5, 1]]
    problems = problems_of(world, builtin_forms, header, rows)
    assert [problem.split(":")[0] for problem in problems] == [
        "Dòng 1, cột Câu 99",
        "Dòng 1, cột C",
        "Dòng 2, cột Câu 1",
        "Dòng 2, cột Câu 2",
        "Dòng 4, cột Ngày",
        "Dòng 4, cột Câu 1",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "Tệp trống."),
        (b"Ngay;Cau 1\n01/01/2025;5\n", "Tệp không phải bảng tính Excel (.xlsx)."),
        (b"\0" * (20 * 1024 * 1024 + 1), "Tệp quá lớn (20.0 MB); giới hạn là 20 MB."),
    ],
)
def test_files_that_are_not_a_usable_workbook_get_a_clear_message(world, builtin_forms, content, expected):
    with pytest.raises(BallotsImportError) as caught:
        ballots_import(
            actor=world.staff_a,
            unit=world.commune_a,
            template=builtin_forms["sipas-5"],
            file=BytesIO(content),
            filename="phieu.xlsx",
        )
    assert caught.value.problems == [expected]
    assert not Batch.objects.exists()


def test_a_header_without_ballots_is_refused(world, builtin_forms):
    assert problems_of(world, builtin_forms, SIPAS, []) == [
        "Tệp không có phiếu nào: dưới dòng tiêu đề chưa có dòng dữ liệu."
    ]


def save_xlsx(tmp_path, header, rows):
    path = tmp_path / "phieu.xlsx"
    path.write_bytes(xlsx(header, rows).getvalue())
    return str(path)


def test_the_command_imports_and_prints_a_summary(world, builtin_forms, tmp_path):
    out = StringIO()
    call_command("import_ballots", save_xlsx(tmp_path, SIPAS, GOOD_ROWS), unit="09556", form="sipas-5", stdout=out)
    batch = Batch.objects.get()
    assert out.getvalue().strip() == (
        f"import_ballots: 3 phiếu mẫu sipas-5 (phiên bản 1) vào Phường Hà Đông (09556), lô #{batch.pk}"
    )
    assert batch.created_by is None and batch.responses.count() == 3


def test_the_command_prints_every_problem_and_exits_non_zero(world, builtin_forms, tmp_path):
    rows = [["01/01/2025", 6, 5], ["31/02/2025", 5, "tốt"]]
    err = StringIO()
    with pytest.raises(CommandError, match="3 lỗi, chưa ghi phiếu nào"):
        call_command(
            "import_ballots",
            save_xlsx(tmp_path, ["Ngày", "Câu 1", "Câu 2"], rows),
            unit="09556",
            form="sipas-5",
            stderr=err,
        )
    assert [line.split(":")[0] for line in err.getvalue().splitlines()] == [
        "Dòng 2, cột Câu 1",
        "Dòng 3, cột Ngày",
        "Dòng 3, cột Câu 2",
    ]
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("unit", "form", "message"),
    [("99999", "sipas-5", "Không có đơn vị mã “99999”."), ("09556", "khong-co", "không có mẫu phiếu mã “khong-co”")],
)
def test_the_command_refuses_an_unknown_unit_or_form(world, builtin_forms, tmp_path, unit, form, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_ballots", save_xlsx(tmp_path, SIPAS, GOOD_ROWS), unit=unit, form=form)


def own_template(unit, code="phieu-rieng") -> FormTemplate:
    """A unit's copy of the short form, published."""
    short = FormTemplate.objects.get(code="short-5").current_version()
    template = FormTemplate.objects.create(code=code, name="Phiếu riêng", unit=unit)
    version = FormVersion(template=template, number=1, status="published", published=timezone.now())
    version_fill(version, version_contents(short))
    return template


def test_a_units_own_form_is_imported_by_its_code_and_refused_elsewhere(world, builtin_forms, tmp_path):
    own_template(world.commune_b, code="phieu-duong-noi")
    path = save_xlsx(tmp_path, ["Ngày", "1", "5"], [["01/01/2025", 5, 1]])
    call_command("import_ballots", path, unit="09886", form="phieu-duong-noi", stdout=StringIO())
    assert Response.objects.filter(unit=world.commune_b).count() == 1
    with pytest.raises(CommandError):
        call_command("import_ballots", path, unit="09556", form="phieu-duong-noi")


def test_the_template_round_trips_through_the_upload_page(world, builtin_forms, client):
    client.force_login(world.staff_a)
    download = client.get("/nhap-phieu/mau/sipas-5.xlsx")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert download["Content-Disposition"] == 'attachment; filename="phieu-sipas-5.xlsx"'

    workbook = load_workbook(BytesIO(download.content))
    sheet, guide = workbook.worksheets
    assert [cell.value for cell in sheet[1]] == SIPAS
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert guide.title == "Hướng dẫn"
    guide_rows = {row[0]: row for row in guide.iter_rows(min_row=2, values_only=True) if row[0]}
    assert guide_rows["Câu 1"][1].startswith("Cơ sở vật chất tại Bộ phận Một cửa")
    assert "5 = Rất hài lòng; 4 = Hài lòng; 3 = Bình thường" in guide_rows["Câu 1"][2]
    for row in GOOD_ROWS:
        sheet.append(row)
    filled = BytesIO()
    workbook.save(filled)
    filled.name = "mau-da-dien.xlsx"
    filled.seek(0)

    response = client.post("/nhap-phieu/", {"unit": "09556", "template": "sipas-5", "file": filled})
    batch = Batch.objects.get()
    assert response.status_code == 302 and response.url == f"/lo-phieu/{batch.pk}/"
    assert batch.responses.count() == 3 and batch.source_file == "mau-da-dien.xlsx"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Đã nhập 3 phiếu từ tệp mau-da-dien.xlsx vào lô #{batch.pk} của Phường Hà Đông."
    ]


def test_the_binh_phuoc_template_leaves_out_the_confidential_contact(world, builtin_forms, client):
    client.force_login(world.head_a)
    sheet = load_workbook(BytesIO(client.get("/nhap-phieu/mau/binh-phuoc.xlsx").content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == [
        "Ngày",
        "Thủ tục",
        "2",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "3.5",
        "3.6",
        "3.7",
        "3.8",
        "3.9",
        "3.10",
        "4",
    ]


def test_the_upload_page_lists_every_problem_and_writes_nothing(world, builtin_forms, client):
    client.force_login(world.head_a)
    rows = [["01/01/2025", 5, 9] for _ in range(250)]
    upload = xlsx(["Ngày", "Câu 1", "Câu 2"], rows)
    upload.name = "sai.xlsx"
    response = client.post("/nhap-phieu/", {"unit": "09556", "template": "sipas-5", "file": upload})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Chưa ghi phiếu nào: tệp có 250 lỗi." in page
    assert "Dòng 2, cột Câu 2: “9” không hợp lệ" in page
    assert "Dòng 51, cột Câu 2:" in page and "Dòng 52, cột Câu 2:" not in page  # the first 50 shown
    assert "và 200 lỗi khác." in page
    assert not Response.objects.exists() and not Batch.objects.exists()


def test_the_upload_page_offers_the_forms_of_the_chosen_unit(world, builtin_forms, client):
    own_template(world.commune_a, code="phieu-ha-dong")
    own_template(world.commune_b, code="phieu-duong-noi")
    client.force_login(world.staff_a)
    page = client.get("/nhap-phieu/").content.decode()
    assert "/nhap-phieu/mau/phieu-ha-dong.xlsx" in page and "/nhap-phieu/mau/sipas-5.xlsx" in page
    assert "phieu-duong-noi" not in page
    upload = xlsx(["Ngày", "1"], [["01/01/2025", 5]])
    upload.name = "x.xlsx"
    response = client.post("/nhap-phieu/", {"unit": "09556", "template": "phieu-duong-noi", "file": upload})
    assert response.status_code == 400 and not Batch.objects.exists()
    assert client.get("/nhap-phieu/mau/phieu-duong-noi.xlsx").status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "official", "staff_b"])
def test_nobody_outside_commune_a_imports_for_it(world, builtin_forms, client, persona):
    own_template(world.commune_a, code="phieu-ha-dong")
    client.force_login(getattr(world, persona))
    upload = xlsx(SIPAS, GOOD_ROWS)
    upload.name = "x.xlsx"
    assert client.post("/nhap-phieu/", {"unit": "09556", "template": "sipas-5", "file": upload}).status_code == 404
    assert client.get("/nhap-phieu/?unit=09556").status_code == 404
    assert client.get("/nhap-phieu/mau/phieu-ha-dong.xlsx").status_code == 404
    assert not Response.objects.exists()


def test_officials_have_no_upload_page(world, builtin_forms, client):
    client.force_login(world.official)
    assert client.get("/nhap-phieu/").status_code == 404
    assert client.get("/nhap-phieu/mau/sipas-5.xlsx").status_code == 404
