import json
import os
import re
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from surveys import xlsx
from surveys.models import AuditEntry, Membership, Procedure, ProcedureField
from surveys.services.catalogue import NATIONAL_CATALOGUE, CatalogueInvalid, procedures_import, procedures_load
from tests.factories import MembershipFactory, UserFactory
from tests.xlsx import workbook_bytes

HEADER = ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp"]
HANOI_ROWS = [
    ["1.001193.H01", "Đăng ký khai sinh (Hà Nội)", "Hộ tịch", "xã"],
    ["", "Cấp giấy phép tổ chức lễ hội cấp thành phố", "Văn hóa cơ sở", "Tỉnh"],
    [None, "Xác nhận hộ gia đình làm nông nghiệp", "Nông nghiệp", "cap xa"],
]


def run_import(world, rows, header=HEADER, actor=None, province=None, filename="danh-muc.xlsx"):
    return procedures_import(
        actor=actor or world.admin_hanoi,
        province=province or world.hanoi,
        file=BytesIO(workbook_bytes(header, rows)),
        filename=filename,
    )


def problems_of(world, rows, header=HEADER, **kwargs) -> list[str]:
    with pytest.raises(CatalogueInvalid) as caught:
        run_import(world, rows, header, **kwargs)
    assert not Procedure.objects.exists()
    assert not AuditEntry.objects.filter(action="surveys.procedures.imported").exists()
    return [str(problem) for problem in caught.value.problems]


def catalogue_table():
    columns = ["code", "name", "field__name", "level", "province__code", "search_name"]
    return sorted(Procedure.objects.values_list(*columns))


@pytest.mark.django_db
def test_load_procedures_loads_the_fixture_and_is_idempotent(capsys):
    call_command("load_procedures")
    first = capsys.readouterr().out
    table = catalogue_table()
    call_command("load_procedures")
    second = capsys.readouterr().out

    items = json.loads(NATIONAL_CATALOGUE.read_text(encoding="utf-8"))["procedures"]
    assert first.count("\n") == 1 and f"{len(items)} created" in first
    assert "0 created, 0 updated" in second
    assert catalogue_table() == table
    birth = Procedure.objects.get(code="1.001193")
    assert (birth.name, birth.field.name, birth.level, birth.province) == (
        "Thủ tục đăng ký khai sinh",
        "Hộ tịch",
        "xa",
        None,
    )
    assert birth.search_name == "thu tuc dang ky khai sinh"


def test_the_fixture_covers_communes_and_the_provincial_trade_department_with_well_formed_codes():
    data = json.loads(NATIONAL_CATALOGUE.read_text(encoding="utf-8"))
    items = data["procedures"]
    levels = [item["level"] for item in items]
    codes = [item["code"] for item in items if item["code"]]
    assert data["source"]
    assert 40 <= levels.count("xa") <= 80 and 15 <= levels.count("tinh") <= 30
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[1-6]\.\d{6}", code) for code in codes)
    assert len({(item["name"], item["level"]) for item in items}) == len(items)
    assert {"Hộ tịch", "Chứng thực", "Lưu thông hàng hóa trong nước"} <= {item["field"] for item in items}


@pytest.mark.django_db
def test_a_corrected_code_or_field_in_the_fixture_updates_the_procedure_in_place(tmp_path):
    procedures_load()
    data = json.loads(NATIONAL_CATALOGUE.read_text(encoding="utf-8"))
    data["procedures"][0] |= {"code": "9.999999", "field": "Hộ tịch, chứng thực"}
    changed = tmp_path / "procedures.json"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    result = procedures_load(path=changed)

    assert (result.created, result.updated) == (0, 1)
    procedure = Procedure.objects.get(name=data["procedures"][0]["name"], province=None)
    assert (procedure.code, procedure.field.name) == ("9.999999", "Hộ tịch, chứng thực")


@pytest.mark.django_db
def test_a_broken_fixture_is_refused_with_every_problem(tmp_path):
    broken = tmp_path / "procedures.json"
    items = [{"code": "", "name": "", "field": "Hộ tịch", "level": "xa"}, {"name": "A", "field": "B", "level": "huyện"}]
    broken.write_text(json.dumps({"procedures": items}), encoding="utf-8")
    with pytest.raises(CatalogueInvalid) as caught:
        procedures_load(path=broken)
    assert [problem.row for problem in caught.value.problems] == [1, 2]
    assert not Procedure.objects.exists()


def test_import_adds_the_province_list_and_a_second_import_changes_nothing(world):
    first = run_import(world, HANOI_ROWS)
    table = catalogue_table()
    second = run_import(world, HANOI_ROWS)

    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert catalogue_table() == table
    assert set(Procedure.objects.values_list("province__code", "level")) == {("01", "xa"), ("01", "tinh")}
    entries = AuditEntry.objects.filter(action="surveys.procedures.imported").order_by("pk")
    assert [entry.data["created"] for entry in entries] == [3, 0]
    assert entries[0].unit == world.hanoi and entries[0].actor == world.admin_hanoi
    assert entries[0].data == {"filename": "danh-muc.xlsx", "rows": 3, "created": 3, "updated": 0, "unchanged": 0}


def test_reimport_updates_code_and_field_of_the_same_name_and_level(world):
    run_import(world, HANOI_ROWS)
    corrected = [["1.001193", "Đăng ký  khai sinh (Hà Nội)", "HỘ TỊCH", "Xã"], *HANOI_ROWS[1:]]
    result = run_import(world, corrected)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    birth = Procedure.objects.get(name="Đăng ký khai sinh (Hà Nội)")
    # "HỘ TỊCH" is the field already known as "Hộ tịch", not a second field.
    assert (birth.code, birth.field.name) == ("1.001193", "Hộ tịch")
    assert ProcedureField.objects.filter(name__iexact="hộ tịch").count() == 1


def test_a_province_list_does_not_touch_the_national_catalogue_of_the_same_name(world):
    procedures_load()
    run_import(world, [["", "Thủ tục đăng ký khai sinh", "Hộ tịch", "xã"]])
    assert Procedure.objects.filter(name="Thủ tục đăng ký khai sinh").count() == 2
    assert Procedure.objects.get(name="Thủ tục đăng ký khai sinh", province=None).code == "1.001193"


def test_one_bad_row_writes_nothing_and_every_problem_names_its_row_and_column(world):
    rows = [
        HANOI_ROWS[0],
        ["", "", "Hộ tịch", "huyện"],
        ["", "Đăng ký khai sinh (Hà Nội)", "Hộ tịch", "xa"],
        [1.00119, "Chứng thực di chúc", "", "tỉnh"],
        ["", "x" * 501, "Chứng thực", ""],
    ]
    problems = problems_of(world, rows)
    assert problems == [
        "Dòng 3, cột Tên thủ tục: chưa có tên thủ tục.",
        "Dòng 3, cột Cấp: “huyện” không hợp lệ: ghi “xã” hoặc “tỉnh”.",
        "Dòng 4, cột Tên thủ tục: thủ tục này đã có ở dòng 2, cùng cấp.",
        "Dòng 5, cột Mã thủ tục: mã đang ở dạng số nên Excel có thể đã bỏ số 0 ở cuối; định dạng ô là Text rồi gõ lại.",
        "Dòng 5, cột Lĩnh vực: chưa có lĩnh vực.",
        "Dòng 6, cột Tên thủ tục: dài 501 ký tự, tối đa 500.",
        "Dòng 6, cột Cấp: chưa ghi cấp thực hiện (xã hoặc tỉnh).",
    ]


def test_a_header_typed_without_diacritics_and_in_another_order_is_understood(world):
    header = ["LINH VUC", "cap", "Ten thu tuc"]
    result = run_import(world, [["Hộ tịch", "xa", "Đăng ký khai sinh (Hà Nội)"]], header=header)
    assert result.created == 1
    assert Procedure.objects.get().code == ""


def test_a_missing_or_wrong_header_says_which_columns_the_file_needs(world):
    problems = problems_of(world, [["Đăng ký khai sinh", "Hộ tịch"]], header=["Tên", "Lĩnh vực"])
    assert len(problems) == 1
    assert problems[0].startswith("Dòng tiêu đề thiếu cột Tên thủ tục, Cấp.")
    assert "Mã thủ tục, Tên thủ tục, Lĩnh vực, Cấp" in problems[0]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"Ten thu tuc;Linh vuc;Cap\n", "danh-muc.xlsx", "Tệp không phải bảng tính Excel (.xlsx)."),
        (b"", "danh-muc.xlsx", "Tệp trống."),
        (workbook_bytes(HEADER, HANOI_ROWS), "danh-muc.csv", "Chỉ nhận tệp Excel có đuôi .xlsx."),
        (workbook_bytes(HEADER, []), "danh-muc.xlsx", "Tệp chỉ có dòng tiêu đề, chưa có thủ tục nào."),
    ],
)
def test_a_file_that_is_no_procedure_list_is_refused_clearly(world, content, filename, message):
    with pytest.raises(CatalogueInvalid) as caught:
        procedures_import(actor=world.admin_hanoi, province=world.hanoi, file=BytesIO(content), filename=filename)
    assert [str(problem) for problem in caught.value.problems] == [message]
    assert not Procedure.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(world, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_BYTES", 1024 * 1024)
    content = BytesIO(os.urandom(1024 * 1024 + 1))
    with pytest.raises(CatalogueInvalid, match=re.escape("Tệp quá lớn (1.0 MB); giới hạn là 1 MB.")):
        procedures_import(actor=world.admin_hanoi, province=world.hanoi, file=content, filename="to.xlsx")
    assert not Procedure.objects.exists()


def write_file(tmp_path: Path, rows, header=HEADER) -> Path:
    path = tmp_path / "danh-muc-ha-noi.xlsx"
    path.write_bytes(workbook_bytes(header, rows))
    return path


def test_the_import_command_loads_a_province_list(world, tmp_path):
    out = StringIO()
    call_command("import_procedures", str(write_file(tmp_path, HANOI_ROWS)), province="01", stdout=out)
    assert out.getvalue() == "import_procedures: Thành phố Hà Nội: 3 created, 0 updated, 0 unchanged\n"
    assert AuditEntry.objects.get(action="surveys.procedures.imported").actor is None


def test_the_import_command_fails_listing_every_problem_and_writes_nothing(world, tmp_path):
    rows = [HANOI_ROWS[0], ["", "", "Hộ tịch", "xã"], ["", "Chứng thực di chúc", "Chứng thực", "x"]]
    path = write_file(tmp_path, rows)
    with pytest.raises(CommandError) as caught:
        call_command("import_procedures", str(path), province="01")
    message = str(caught.value)
    assert "Dòng 3, cột Tên thủ tục: chưa có tên thủ tục." in message
    assert "Dòng 4, cột Cấp: “x” không hợp lệ" in message
    assert message.endswith("Không có thay đổi nào được ghi.")
    assert not Procedure.objects.exists()


def test_the_import_command_refuses_a_commune_code_or_a_missing_file(world, tmp_path):
    with pytest.raises(CommandError, match=re.escape("Không có tỉnh, thành phố mã “09556”.")):
        call_command("import_procedures", str(write_file(tmp_path, HANOI_ROWS)), province="09556")
    with pytest.raises(CommandError, match=re.escape("Không mở được tệp /khong/co/tep.xlsx")):
        call_command("import_procedures", "/khong/co/tep.xlsx", province="01")


@pytest.fixture
def catalogue(world):
    """The national catalogue plus an own list for Hà Nội and one for Hà Tĩnh."""
    procedures_load()
    run_import(world, HANOI_ROWS)
    run_import(
        world,
        [["", "Cấp phép khai thác cát sông Lam", "Tài nguyên nước", "tỉnh"]],
        actor=world.superuser,
        province=world.hatinh,
    )


def suggest(client, user, **params):
    client.force_login(user)
    return client.get("/thu-tuc/goi-y/", params)


def test_suggest_offers_the_national_and_own_province_list_for_the_typing_screen(world, catalogue, client):
    response = suggest(client, world.staff_a, q="khai sinh", unit="09556")
    results = response.json()["results"]
    names = [item["name"] for item in results]

    assert response.status_code == 200
    assert "Thủ tục đăng ký khai sinh" in names and "Đăng ký khai sinh (Hà Nội)" in names
    birth = next(item for item in results if item["name"] == "Thủ tục đăng ký khai sinh")
    assert birth == {
        "id": Procedure.objects.get(code="1.001193").pk,
        "code": "1.001193",
        "name": "Thủ tục đăng ký khai sinh",
        "field": "Hộ tịch",
    }
    assert suggest(client, world.staff_a, q="khai thac cat", unit="09556").json() == {"results": []}
    assert suggest(client, world.outsider, q="khai thac cat", unit="18118").json()["results"][0]["code"] == ""


def test_suggest_puts_an_exact_code_first_and_returns_at_most_twenty(world, catalogue, client):
    assert suggest(client, world.staff_a, q="1.004884", unit="09556").json()["results"][0]["code"] == "1.004884"
    assert len(suggest(client, world.staff_a, q="thu tuc", unit="09556").json()["results"]) == 20
    assert suggest(client, world.staff_a, q="  ", unit="09556").json() == {"results": []}


@pytest.mark.parametrize(("persona", "unit"), [("staff_a", "09886"), ("outsider", "09556"), ("staff_a", "")])
def test_suggest_for_a_unit_outside_reach_is_not_found(world, catalogue, client, persona, unit):
    assert suggest(client, getattr(world, persona), q="khai sinh", unit=unit).status_code == 404


def test_the_list_groups_by_field_and_shows_only_the_users_province_list(world, catalogue, client):
    client.force_login(world.staff_a)
    page = client.get("/thu-tuc/").content.decode()
    assert '<th colspan="4" scope="rowgroup">Hộ tịch</th>' in page
    assert '<th colspan="4" scope="rowgroup">Chứng thực</th>' in page
    assert "1.001193" in page and "Thủ tục đăng ký khai sinh" in page
    assert "Nhập danh mục của tỉnh" not in page
    own = client.get("/thu-tuc/", {"q": "khai sinh"}).content.decode()
    assert "Đăng ký khai sinh (Hà Nội)" in own and "Thành phố Hà Nội" in own
    assert "Cấp phép khai thác cát sông Lam" not in client.get("/thu-tuc/", {"q": "khai thac cat"}).content.decode()


def test_the_list_finds_names_typed_without_diacritics_and_filters_by_level(world, catalogue, client):
    client.force_login(world.official)
    page = client.get("/thu-tuc/", {"q": "dang ky ket hon"}).content.decode()
    assert "Thủ tục đăng ký kết hôn" in page and "Thủ tục đăng ký khai tử" not in page
    provincial = client.get("/thu-tuc/", {"cap": "tinh"}).content.decode()
    assert "Cấp Giấy phép bán buôn rượu" in provincial and "Thủ tục đăng ký khai tử" not in provincial
    assert "Không có thủ tục nào khớp" in client.get("/thu-tuc/", {"q": "khong co dau"}).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/thu-tuc/").status_code == 302
    assert client.get("/thu-tuc/goi-y/", {"q": "khai sinh", "unit": "09556"}).status_code == 302


def upload(client, user, rows, province="01", header=HEADER, filename="danh-muc.xlsx"):
    client.force_login(user)
    file = SimpleUploadedFile(filename, workbook_bytes(header, rows))
    return client.post("/thu-tuc/nhap/", {"province": province, "file": file})


@pytest.mark.parametrize("persona", ["admin_hanoi", "superuser"])
def test_the_upload_imports_and_says_how_many(world, client, persona):
    response = upload(client, getattr(world, persona), HANOI_ROWS)
    assert response.status_code == 302 and response.url == "/thu-tuc/"
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Đã nhập 3 thủ tục của Thành phố Hà Nội: 3 thêm mới, 0 cập nhật, 0 không đổi."
    ]
    assert Procedure.objects.filter(province=world.hanoi).count() == 3


def test_the_head_of_a_province_may_import_its_list(world, client):
    head = UserFactory(username="lanhdao.hanoi")
    MembershipFactory(user=head, unit=world.hanoi, role=Membership.Role.HEAD)
    assert upload(client, head, HANOI_ROWS).status_code == 302


def test_the_upload_shows_every_error_in_a_table_and_writes_nothing(world, client):
    response = upload(client, world.admin_hanoi, [HANOI_ROWS[0], ["", "", "Hộ tịch", "huyện"]])
    page = response.content.decode()
    assert response.status_code == 400
    assert "Tệp có 2 lỗi; chưa có thay đổi nào được ghi." in page
    assert "<td>3</td><td>Tên thủ tục</td><td>chưa có tên thủ tục.</td>" in page
    assert "<td>3</td><td>Cấp</td><td>“huyện” không hợp lệ: ghi “xã” hoặc “tỉnh”.</td>" in page
    assert not Procedure.objects.exists()


def test_the_upload_shows_a_file_problem_and_a_missing_file_next_to_the_form(world, client):
    client.force_login(world.admin_hanoi)
    page = upload(client, world.admin_hanoi, [], header=["Tên"]).content.decode()
    assert "<td>—</td><td>—</td><td>Dòng tiêu đề thiếu cột Tên thủ tục, Lĩnh vực, Cấp." in page
    missing = client.post("/thu-tuc/nhap/", {"province": "01"})
    assert missing.status_code == 400 and "Trường này là bắt buộc." in missing.content.decode()


@pytest.mark.parametrize("persona", ["staff_a", "head_a", "official", "outsider"])
def test_only_admins_and_province_heads_reach_the_import(world, client, persona):
    client.force_login(getattr(world, persona))
    assert client.get("/thu-tuc/nhap/").status_code == 404
    assert client.get("/thu-tuc/nhap/mau.xlsx").status_code == 404
    assert upload(client, getattr(world, persona), HANOI_ROWS).status_code == 404
    assert not Procedure.objects.exists()


def test_a_province_head_cannot_import_for_another_province(world, client):
    MembershipFactory(user=world.outsider, unit=world.hatinh, role=Membership.Role.HEAD)
    client.force_login(world.outsider)
    assert client.get("/thu-tuc/nhap/").status_code == 200
    assert upload(client, world.outsider, HANOI_ROWS, province="01").status_code == 404
    assert not Procedure.objects.exists()


def test_the_template_has_the_header_and_an_example_and_imports_as_it_is(world, client):
    client.force_login(world.admin_hanoi)
    response = client.get("/thu-tuc/nhap/mau.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="mau-danh-muc-thu-tuc.xlsx"'
    sheet = load_workbook(BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == HEADER
    assert [cell.value for cell in sheet[2]] == ["1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch", "xã"]

    file = SimpleUploadedFile("mau-danh-muc-thu-tuc.xlsx", response.content)
    assert client.post("/thu-tuc/nhap/", {"province": "01", "file": file}).status_code == 302
    assert Procedure.objects.get(province=world.hanoi).code == "1.001193"
