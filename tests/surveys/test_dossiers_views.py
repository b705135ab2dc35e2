"""The dossier pages: list, add by hand, import, monthly counts, and the counts coverage divides by."""

import datetime
import uuid
from io import BytesIO, StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from surveys.models import (
    AuditEntry,
    Counter,
    Dossier,
    DossierTally,
    IssuedSurvey,
    Procedure,
    ProcedureField,
    ResolvedCount,
)
from surveys.selectors.dossiers import ResolvedMonth, resolved_dossier_counts
from surveys.services.answering import survey_answer
from surveys.services.dossiers import IMPORT_HEADERS
from surveys.services.tallies import dossier_months_count, tallies_rebuild
from tests.conftest import FROZEN_NOW
from tests.factories import dossier_with_survey
from tests.xlsx import workbook_bytes

TODAY = FROZEN_NOW.date()
DAY = f"{TODAY:%d/%m/%Y}"
HEADERS = list(IMPORT_HEADERS)


@pytest.fixture(autouse=True)
def _calendar(frozen_clock):
    """Dossiers are listed and counted by month: the same months on every run."""


def dossier(unit, code="HS-1", resolved=None, **fields) -> Dossier:
    """A registered dossier, counted in its month as dossier_register counts it."""
    resolved = resolved or TODAY
    created = Dossier.objects.create(
        unit=unit,
        code=code,
        procedure_text=fields.pop("procedure_text", "Đăng ký khai sinh"),
        received=fields.pop("received", resolved - datetime.timedelta(days=2)),
        resolved=resolved,
        on_time=fields.pop("on_time", True),
        **fields,
    )
    dossier_months_count(unit_id=unit.pk, months=[resolved])
    return created


def form_data(**changes) -> dict:
    data = {
        "dossier_code": "000.00.12.H26-0001",
        "procedure": "Đăng ký khai sinh",
        "received": DAY,
        "resolved": DAY,
        "on_time": "true",
        "officer": "Nguyễn Văn An",
        "issue_now": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Who reaches what


@pytest.mark.parametrize("persona", ["staff_b", "outsider"])
def test_a_dossier_outside_the_users_units_is_not_found_on_every_page(client, world, builtin_forms, persona):
    record, _survey, _token = dossier_with_survey(unit=world.commune_a)
    client.force_login(getattr(world, persona))
    for name in ("dossier_detail", "survey_slip", "survey_qr"):
        assert client.get(reverse(name, args=[record.pk])).status_code == 404, name
    for name in ("survey_issue", "survey_send"):
        assert client.post(reverse(name, args=[record.pk])).status_code == 404, name
    listed = client.get(reverse("dossier_list"))
    assert listed.status_code == 200 and record.code not in listed.content.decode()


def test_an_official_reads_dossiers_but_neither_adds_imports_nor_issues(client, world, builtin_forms):
    record = dossier(world.commune_a, code="HS-DOC")
    client.force_login(world.official)

    listed = client.get(reverse("dossier_list")).content.decode()
    assert "HS-DOC" in listed and "Phát phiếu" not in listed and reverse("dossier_create") not in listed
    detail = client.get(reverse("dossier_detail", args=[record.pk]))
    assert detail.status_code == 200 and "Chưa phát phiếu" in detail.content.decode()
    assert reverse("survey_issue", args=[record.pk]) not in detail.content.decode()
    for name in ("dossier_create", "dossier_import", "dossier_import_template"):
        assert client.get(reverse(name)).status_code == 404, name
    assert client.post(reverse("dossier_create"), form_data()).status_code == 404
    assert client.post(reverse("survey_issue", args=[record.pk])).status_code == 404
    assert not IssuedSurvey.objects.exists()
    assert Dossier.objects.count() == 1


def test_a_user_without_any_unit_gets_404_on_the_list(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="khong-don-vi"))
    assert client.get(reverse("dossier_list")).status_code == 404
    assert client.get(reverse("resolved_counts")).status_code == 404


# The list


def test_the_list_shows_each_dossier_and_its_survey_state_newest_resolved_first(client, world, builtin_forms):
    dossier(world.commune_a, code="HS-OLD", resolved=TODAY - datetime.timedelta(days=40), on_time=False)
    dossier(world.commune_a, code="HS-NEW", officer="Trần Thị Bình")
    dossier(world.commune_b, code="HS-OTHER")
    client.force_login(world.staff_a)

    response = client.get(reverse("dossier_list"))

    html = response.content.decode()
    assert [d.code for d in response.context["page"].object_list] == ["HS-NEW", "HS-OLD"]
    assert "HS-OTHER" not in html
    assert "Trễ hạn" in html and "Đúng hạn" in html and "Trần Thị Bình" in html
    assert html.count(">Phát phiếu</button>") == 2
    assert TODAY.strftime("%d/%m/%Y") in html


def test_the_list_filters_by_month_state_and_code(client, world, builtin_forms):
    last_month = TODAY.replace(day=1) - datetime.timedelta(days=1)
    dossier(world.commune_a, code="HS-MARCH", resolved=last_month)
    _d, open_survey, _t = dossier_with_survey(unit=world.commune_a, code="HS-OPEN")
    _d, answered, token = dossier_with_survey(unit=world.commune_a, code="HS-ANSWERED")
    survey_answer(token=token, client_id=uuid.uuid4(), raw={"Câu 1": 5})
    _d, expired, _t = dossier_with_survey(unit=world.commune_a, code="HS-EXPIRED")
    IssuedSurvey.objects.filter(pk=expired.pk).update(
        issued=timezone.now() - datetime.timedelta(days=10), expires=timezone.now() - datetime.timedelta(days=1)
    )
    client.force_login(world.staff_a)

    def codes(**query):
        return sorted(d.code for d in client.get(reverse("dossier_list"), query).context["page"].object_list)

    assert codes(thang=f"{last_month:%m/%Y}") == ["HS-MARCH"]
    assert codes(phieu="chua-phat") == ["HS-MARCH"]
    assert codes(phieu="da-phat") == ["HS-ANSWERED", "HS-EXPIRED", "HS-OPEN"]
    assert codes(phieu="cho") == ["HS-OPEN"]
    assert codes(phieu="da-tra-loi") == ["HS-ANSWERED"]
    assert codes(phieu="het-han") == ["HS-EXPIRED"]
    assert codes(q="open") == ["HS-OPEN"]
    # A month written wrong is said so next to the box, and the list stays whole.
    bad = client.get(reverse("dossier_list"), {"thang": "13/2026"})
    assert "Ghi tháng theo dạng mm/yyyy" in bad.content.decode()
    assert len(bad.context["page"].object_list) == 4


def test_the_list_pages_by_fifty_and_keeps_the_filters(client, world):
    Dossier.objects.bulk_create(
        Dossier(
            unit=world.commune_a, code=f"HS-{n:03d}", procedure_text="X", received=TODAY, resolved=TODAY, on_time=True
        )
        for n in range(55)
    )
    client.force_login(world.staff_a)
    first = client.get(reverse("dossier_list"), {"q": "HS"})
    assert len(first.context["page"].object_list) == 50
    assert "?q=HS&amp;trang=2" in first.content.decode()
    assert len(client.get(reverse("dossier_list"), {"q": "HS", "trang": 2}).context["page"].object_list) == 5


# Adding a dossier by hand


def test_bad_fields_are_reported_next_to_each_field_and_nothing_is_saved(client, world, builtin_forms):
    client.force_login(world.staff_a)
    tomorrow = f"{TODAY + datetime.timedelta(days=1):%d/%m/%Y}"

    response = client.post(
        reverse("dossier_create"), form_data(dossier_code="  ", procedure="", received="31/02/2025", resolved=tomorrow)
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["dossier_code"] == ["Thiếu mã hồ sơ."]
    assert errors["procedure"] == ["Thiếu thủ tục."]
    assert errors["received"] == ["Ngày “31/02/2025” không có thật."]
    assert "chưa tới" in errors["resolved"][0]
    html = response.content.decode()
    # crispy puts each message right under its own input.
    assert 'id="error_1_id_dossier_code"' in html and 'id="error_1_id_received"' in html
    assert not Dossier.objects.exists() and not IssuedSurvey.objects.exists()


def test_resolved_before_received_is_an_error_on_the_resolved_date(client, world):
    client.force_login(world.staff_a)
    response = client.post(reverse("dossier_create"), form_data(received="10/03/2025", resolved="05/03/2025"))
    assert response.context["form"].errors["resolved"] == [
        "Ngày giải quyết (05/03/2025) trước ngày tiếp nhận (10/03/2025)."
    ]
    assert not Dossier.objects.exists()


def test_a_dossier_is_saved_issued_and_the_slip_opens(client, world, builtin_forms):
    field = ProcedureField.objects.create(name="Hộ tịch")
    birth = Procedure.objects.create(code="1.001193", name="Thủ tục đăng ký khai sinh", field=field, level="xa")
    birth.set_derived_fields()
    birth.save()
    counter = Counter.objects.create(unit=world.commune_a, name="Quầy 1")
    client.force_login(world.staff_a)

    form = client.get(reverse("dossier_create")).context["form"]
    assert "unit" not in form.fields  # one unit: nothing to choose
    assert form["issue_now"].value() is True

    response = client.post(
        reverse("dossier_create"), form_data(procedure="thu tuc dang ky khai sinh", counter=counter.pk)
    )

    record = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("survey_slip", args=[record.pk])
    assert record.unit == world.commune_a and record.source == Dossier.Source.MANUAL
    assert record.created_by == world.staff_a and record.procedure == birth and record.procedure_text == ""
    assert record.received == record.resolved == TODAY and record.on_time and record.officer == "Nguyễn Văn An"
    survey = IssuedSurvey.objects.get(dossier=record)
    assert survey.counter == counter and survey.issued_by == world.staff_a
    # The counter chosen is offered again for the next dossier.
    assert client.get(reverse("dossier_create")).context["form"]["counter"].value() == counter.pk


def test_without_issuing_the_dossier_is_kept_and_free_text_procedures_stay_as_written(client, world, builtin_forms):
    client.force_login(world.staff_a)
    response = client.post(
        reverse("dossier_create"), form_data(issue_now=None, procedure="Xin xác nhận  đơn ", on_time="false")
    )
    record = Dossier.objects.get()
    assert response["Location"] == reverse("dossier_detail", args=[record.pk])
    assert record.procedure is None and record.procedure_text == "Xin xác nhận  đơn" and not record.on_time
    assert not IssuedSurvey.objects.exists()


def test_a_code_already_registered_in_the_unit_is_an_error_next_to_the_code(client, world, builtin_forms):
    dossier(world.commune_a, code="000.00.12.H26-0001")
    dossier(world.commune_b, code="HS-B")
    client.force_login(world.staff_a)

    response = client.post(reverse("dossier_create"), form_data())

    assert response.status_code == 400
    [message] = response.context["form"].errors["dossier_code"]
    assert "đã có ở Phường Hà Đông" in message
    assert Dossier.objects.filter(unit=world.commune_a).count() == 1 and not IssuedSurvey.objects.exists()
    # Another unit's code is no clash.
    assert client.post(reverse("dossier_create"), form_data(dossier_code="HS-B")).status_code == 302


def test_a_head_of_several_units_chooses_one_and_cannot_slip_in_another(client, world, builtin_forms):
    client.force_login(world.head_a)
    form = client.get(reverse("dossier_create")).context["form"]
    assert world.commune_b not in form.fields["unit"].queryset

    refused = client.post(reverse("dossier_create"), form_data(unit=world.commune_b.code))
    assert refused.status_code == 400 and "unit" in refused.context["form"].errors
    Counter.objects.create(unit=world.commune_a, name="Quầy A")
    other_counter = Counter.objects.create(unit=world.commune_b, name="Quầy B")
    refused = client.post(reverse("dossier_create"), form_data(unit=world.commune_a.code, counter=other_counter.pk))
    assert "counter" in refused.context["form"].errors
    assert not Dossier.objects.exists()

    assert client.post(reverse("dossier_create"), form_data(unit=world.commune_a.code)).status_code == 302
    assert Dossier.objects.get().unit == world.commune_a


def test_a_unit_without_a_published_form_keeps_the_dossier_and_says_why_no_survey(client, world):
    client.force_login(world.staff_a)
    response = client.post(reverse("dossier_create"), form_data())
    record = Dossier.objects.get()
    assert response["Location"] == reverse("dossier_detail", args=[record.pk])
    assert any("chưa có mẫu phiếu" in message for message in messages_of(response))
    assert not IssuedSurvey.objects.exists()


# Import


def upload(rows, header=HEADERS, name="ho-so.xlsx"):
    file = BytesIO(workbook_bytes(header, rows))
    file.name = name
    return file


def test_an_import_with_bad_rows_lists_every_problem_and_writes_nothing(client, world):
    client.force_login(world.staff_a)
    rows = [
        ["HS-1", "Đăng ký khai sinh", "02/03/2025", "05/03/2025", "Đúng hạn", "An"],
        ["HS-2", "", "31/02/2025", "05/03/2025", "có lẽ", ""],
        ["HS-1", "Chứng thực", "02/03/2025", "05/03/2025", "Trễ hạn", ""],
    ]

    response = client.post(reverse("dossier_import"), {"file": upload(rows)})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Chưa ghi hồ sơ nào" in html
    problems = response.context["problems"]
    assert "Dòng 3, cột Thủ tục: Thiếu thủ tục." in problems
    assert "Dòng 3, cột Ngày tiếp nhận: Ngày “31/02/2025” không có thật." in problems
    assert any(problem.startswith("Dòng 3, cột Đúng hạn:") for problem in problems)
    assert "Dòng 4: mã hồ sơ HS-1 trùng với dòng 2." in problems
    assert not Dossier.objects.exists()


def test_a_clean_import_stores_new_dossiers_and_keeps_known_ones(client, world):
    dossier(world.commune_a, code="HS-1", procedure_text="Cũ")
    client.force_login(world.staff_a)
    rows = [
        ["HS-1", "Đăng ký khai sinh", "02/03/2025", "05/03/2025", "Đúng hạn", "An"],
        ["HS-2", "Chứng thực bản sao", datetime.date(2025, 3, 3), datetime.date(2025, 3, 6), "Trễ hạn", ""],
    ]

    response = client.post(reverse("dossier_import"), {"file": upload(rows)}, follow=True)

    assert "Đã nhập 1 hồ sơ, 1 hồ sơ đã có được giữ nguyên" in response.content.decode()
    assert Dossier.objects.get(code="HS-1").procedure_text == "Cũ"
    second = Dossier.objects.get(code="HS-2")
    assert second.source == Dossier.Source.IMPORT and second.resolved == datetime.date(2025, 3, 6)
    assert not second.on_time and second.created_by == world.staff_a
    # Coverage divides by the dossiers registered per month: kept as they come, equal to a recount.
    kept = set(DossierTally.objects.values_list("unit_id", "month", "dossiers"))
    assert kept == {(world.commune_a.pk, datetime.date(2025, 3, 1), 1), (world.commune_a.pk, TODAY.replace(day=1), 1)}
    tallies_rebuild()
    assert set(DossierTally.objects.values_list("unit_id", "month", "dossiers")) == kept


def test_an_import_goes_only_to_a_unit_the_user_records_for(client, world):
    rows = [["HS-1", "Đăng ký khai sinh", "02/03/2025", "05/03/2025", "Đúng hạn", ""]]
    client.force_login(world.head_a)
    response = client.post(reverse("dossier_import"), {"unit": world.commune_b.code, "file": upload(rows)})
    assert "unit" in response.context["form"].errors
    assert not Dossier.objects.exists()
    # Counter staff have one unit: a unit code slipped into the request changes nothing.
    client.force_login(world.staff_a)
    client.post(reverse("dossier_import"), {"unit": world.commune_b.code, "file": upload(rows)})
    assert Dossier.objects.get().unit == world.commune_a


def test_the_import_template_has_the_headers_and_a_guide(client, world):
    client.force_login(world.staff_a)
    response = client.get(reverse("dossier_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(BytesIO(response.content))
    first, guide = workbook.worksheets
    assert [cell.value for cell in first[1]] == HEADERS
    assert guide.title == "Hướng dẫn"
    text = " ".join(str(cell.value) for row in guide.iter_rows() for cell in row if cell.value)
    assert "dd/mm/yyyy" in text and "Đúng hạn" in text
    # The empty template itself imports as "no rows", not as a header problem.
    client.force_login(world.staff_a)
    template = BytesIO(response.content)
    template.name = "mau.xlsx"
    assert client.post(reverse("dossier_import"), {"file": template}).context["problems"] == [
        "Tệp không có dòng hồ sơ nào."
    ]


def test_the_import_command_writes_all_or_nothing(world, tmp_path):
    good, bad = tmp_path / "dung.xlsx", tmp_path / "sai.xlsx"
    good.write_bytes(workbook_bytes(HEADERS, [["HS-1", "Đăng ký khai sinh", "02/03/2025", "05/03/2025", "x", ""]]))
    bad.write_bytes(workbook_bytes(HEADERS, [["HS-2", "Đăng ký khai sinh", "06/03/2025", "05/03/2025", "x", ""]]))
    errors = StringIO()
    with pytest.raises(CommandError, match="1 lỗi, chưa ghi hồ sơ nào"):
        call_command("import_dossiers", str(bad), unit=world.commune_a.code, stderr=errors)
    assert "Dòng 2, cột Ngày giải quyết: Ngày giải quyết (05/03/2025) trước ngày tiếp nhận" in errors.getvalue()
    assert not Dossier.objects.exists()
    out = StringIO()
    call_command("import_dossiers", str(good), unit=world.commune_a.code, stdout=out)
    call_command("import_dossiers", str(good), unit=world.commune_a.code, stdout=out)
    assert "1 hồ sơ mới" in out.getvalue() and "0 hồ sơ mới, 1 hồ sơ đã có" in out.getvalue()
    assert Dossier.objects.get().unit == world.commune_a
    with pytest.raises(CommandError, match="Không có đơn vị"):
        call_command("import_dossiers", str(good), unit="99999")


# Monthly counts


def test_resolved_dossier_counts_come_from_the_database_per_unit_and_month(world):
    march, april, may = datetime.date(2025, 3, 1), datetime.date(2025, 4, 1), datetime.date(2025, 5, 1)
    for n, day in enumerate([march, march.replace(day=31), april.replace(day=15), may, datetime.date(2025, 2, 28)]):
        dossier(world.commune_a, code=f"A-{n}", resolved=day)
    dossier(world.commune_b, code="B-1", resolved=april)
    ResolvedCount.objects.create(unit=world.commune_a, month=april, count=40)
    ResolvedCount.objects.create(unit=world.commune_b, month=may, count=7)
    ResolvedCount.objects.create(unit=world.commune_a, month=datetime.date(2025, 6, 1), count=9)

    rows = resolved_dossier_counts(
        units=[world.commune_a, world.commune_b], start=datetime.date(2025, 3, 15), end=datetime.date(2025, 5, 2)
    )

    a, b = world.commune_a.pk, world.commune_b.pk
    assert rows == [
        ResolvedMonth(unit_id=a, month=march, registered=2, entered=None),
        ResolvedMonth(unit_id=a, month=april, registered=1, entered=40),
        ResolvedMonth(unit_id=a, month=may, registered=1, entered=None),
        ResolvedMonth(unit_id=b, month=april, registered=1, entered=None),
        ResolvedMonth(unit_id=b, month=may, registered=0, entered=7),
    ]
    assert [row.used for row in rows] == [2, 40, 1, 1, 7]
    only_b = resolved_dossier_counts(units=[world.commune_b], start=march, end=may)
    assert {row.unit_id for row in only_b} == {b}


def test_counter_staff_enter_a_months_count_and_see_which_number_coverage_uses(client, world):
    this_month = TODAY.replace(day=1)
    dossier(world.commune_a, code="HS-1")
    dossier(world.commune_a, code="HS-2")
    client.force_login(world.staff_a)

    page = client.get(reverse("resolved_counts"))
    months = page.context["months"]
    assert len(months) == 12 and months[0].month == this_month and months[0].registered == 2
    assert months[0].used == 2 and not months[0].uses_entered

    response = client.post(
        reverse("resolved_counts"), {"unit": world.commune_a.code, "month": f"{this_month:%m/%Y}", "count": "120"}
    )
    assert response.status_code == 302
    assert ResolvedCount.objects.get(unit=world.commune_a, month=this_month).count == 120
    assert AuditEntry.objects.filter(action="surveys.resolved_count.set", actor=world.staff_a).exists()
    months = client.get(response["Location"]).context["months"]
    assert (months[0].registered, months[0].entered, months[0].used) == (2, 120, 120)


def test_a_bad_month_or_count_is_shown_next_to_the_field(client, world):
    client.force_login(world.staff_a)
    next_month = (TODAY.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    response = client.post(
        reverse("resolved_counts"), {"unit": world.commune_a.code, "month": "2025-03", "count": "-1"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "month": ["Ghi tháng theo dạng mm/yyyy, ví dụ 03/2026."],
        "count": ["Số hồ sơ không được âm."],
    }
    response = client.post(
        reverse("resolved_counts"), {"unit": world.commune_a.code, "month": f"{next_month:%m/%Y}", "count": "3"}
    )
    assert response.context["form"].errors == {"month": ["Tháng này chưa tới."]}
    assert not ResolvedCount.objects.exists()


@pytest.mark.parametrize("persona", ["staff_b", "official", "outsider"])
def test_only_recorders_of_the_unit_enter_its_count(client, world, persona):
    client.force_login(getattr(world, persona))
    response = client.post(reverse("resolved_counts"), {"unit": world.commune_a.code, "month": "03/2025", "count": "5"})
    assert response.status_code == 404
    assert not ResolvedCount.objects.exists()


def test_an_official_reads_a_units_counts_without_the_form(client, world):
    client.force_login(world.official)
    page = client.get(reverse("resolved_counts"), {"don-vi": world.commune_a.code})
    assert page.status_code == 200 and page.context["unit"] == world.commune_a and not page.context["may_enter"]
    assert 'id="count-form"' not in page.content.decode()
    client.force_login(world.outsider)
    assert client.get(reverse("resolved_counts"), {"don-vi": world.commune_a.code}).status_code == 404
