import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from surveys.models import AuditEntry, Batch, BoxOpening, FormTemplate, FormVersion, Response
from surveys.services.ballots import box_opening_record
from tests.factories import UserFactory

WITNESSES = [("Nguyễn Văn Dũng", "Trưởng bộ phận Một cửa"), ("Lê Thị Thúy Hằng", "Đại diện Ủy ban MTTQ phường")]


def yesterday() -> str:
    return (timezone.localdate() - datetime.timedelta(days=1)).strftime("%d/%m/%Y")


def record(actor, unit, version, **overrides):
    """Record an opening through the service, as the form would pass it."""
    fields = {
        "opened_at": timezone.now() - datetime.timedelta(days=1),
        "place": "Bộ phận Một cửa",
        "seal_intact": True,
        "seal_note": "",
        "ballot_count": 12,
        "key_keeper": "Văn phòng HĐND và UBND phường",
        "witnesses": WITNESSES,
    }
    return box_opening_record(actor=actor, unit=unit, version=version, **(fields | overrides))


def form_data(version, witnesses=WITNESSES, **overrides):
    """What the opening form posts, three witness rows included."""
    data = {
        "unit": "09556",
        "opened_on": yesterday(),
        "opened_time": "08:30",
        "place": "Bộ phận Một cửa Phường Hà Đông",
        "seal_intact": "1",
        "seal_note": "",
        "ballot_count": "37",
        "key_keeper": "Văn phòng HĐND và UBND phường",
        "version": str(version.pk),
        "witness-TOTAL_FORMS": "3",
        "witness-INITIAL_FORMS": "0",
        "witness-MIN_NUM_FORMS": "0",
        "witness-MAX_NUM_FORMS": "1000",
    }
    for index in range(3):
        name, role = witnesses[index] if index < len(witnesses) else ("", "")
        data[f"witness-{index}-name"], data[f"witness-{index}-role"] = name, role
    return data | overrides


@pytest.fixture
def sipas5(builtin_forms) -> FormVersion:
    return builtin_forms["sipas-5"].current_version()


@pytest.fixture
def opening_a(world, sipas5) -> BoxOpening:
    return record(world.staff_a, world.commune_a, sipas5)


def nothing_written() -> bool:
    return not (BoxOpening.objects.exists() or Batch.objects.exists() or AuditEntry.objects.exists())


def test_recording_an_opening_writes_its_witnesses_its_open_batch_and_an_audit_entry(world, sipas5):
    opening = record(world.staff_a, world.commune_a, sipas5, ballot_count=37)
    assert opening.recorded_by == world.staff_a and opening.ballot_count == 37
    assert list(opening.witnesses.values_list("position", "name", "role")) == [
        (1, "Nguyễn Văn Dũng", "Trưởng bộ phận Một cửa"),
        (2, "Lê Thị Thúy Hằng", "Đại diện Ủy ban MTTQ phường"),
    ]
    batch = Batch.objects.get(opening=opening)
    assert (batch.unit, batch.version, batch.created_by, batch.status) == (
        world.commune_a,
        sipas5,
        world.staff_a,
        Batch.Status.OPEN,
    )
    entry = AuditEntry.objects.get(action="surveys.box.opened")
    assert (entry.actor, entry.unit, entry.target_id) == (world.staff_a, world.commune_a, str(opening.pk))
    assert entry.data["ballot_count"] == 37 and entry.data["batch"] == batch.pk
    assert "Nguyễn Văn Dũng" not in str(entry.data)


def test_only_counter_staff_and_heads_reaching_the_unit_may_record(world, sipas5):
    record(world.head_a, world.commune_a, sipas5)
    for actor in [world.staff_b, world.official, world.outsider]:
        with pytest.raises(PermissionDenied):
            record(actor, world.commune_a, sipas5)
    assert BoxOpening.objects.count() == 1


def test_the_form_must_be_published_and_available_to_the_unit(world, sipas5):
    own = FormTemplate.objects.create(code="rut-gon-b", name="Phiếu rút gọn", unit=world.commune_b)
    of_b = FormVersion.objects.create(template=own, number=1, status="published", published=timezone.now())
    draft = FormVersion.objects.create(template=sipas5.template, number=sipas5.number + 1, title="Bản nháp")
    for version in [of_b, draft]:
        with pytest.raises(ValidationError):
            record(world.staff_a, world.commune_a, version)
    assert nothing_written()


def test_the_database_refuses_a_broken_seal_without_a_note(world, sipas5):
    with pytest.raises(IntegrityError):
        record(world.staff_a, world.commune_a, sipas5, seal_intact=False, seal_note="")
    assert nothing_written()


def test_counter_staff_record_an_opening_through_the_form(world, client, sipas5):
    client.force_login(world.staff_a)
    response = client.post("/hom-phieu/mo/", form_data(sipas5))
    opening = BoxOpening.objects.get()
    assert response.status_code == 302 and response.url == f"/hom-phieu/{opening.pk}/"
    assert timezone.localtime(opening.opened_at).strftime("%d/%m/%Y %H:%M") == f"{yesterday()} 08:30"
    assert opening.witnesses.count() == 2 and opening.batch.version == sipas5


def test_the_form_offers_counter_staff_their_unit_and_the_sipas_ballot(world, client, sipas5):
    client.force_login(world.staff_a)
    page = client.get("/hom-phieu/mo/").content.decode()
    assert '<option value="09556" selected>Phường Hà Đông</option>' in page
    assert "09886" not in page
    assert f'<option value="{sipas5.pk}" selected>' in page
    assert 'name="witness-2-name"' in page and 'name="witness-3-name"' not in page  # three empty rows


def test_a_broken_seal_without_a_note_is_refused_next_to_the_note(world, client, sipas5):
    client.force_login(world.staff_a)
    response = client.post("/hom-phieu/mo/", form_data(sipas5, seal_intact="0"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error_1_id_seal_note"' in page
    assert "Khóa hoặc niêm phong có dấu hiệu bất thường: ghi rõ điều đã thấy." in page
    assert nothing_written()


def test_a_broken_seal_with_its_note_is_recorded(world, client, sipas5):
    client.force_login(world.staff_a)
    note = "Niêm phong bị rách một góc; đã báo cáo Thường trực UBND phường."
    client.post("/hom-phieu/mo/", form_data(sipas5, seal_intact="0", seal_note=note))
    opening = BoxOpening.objects.get()
    assert not opening.seal_intact and opening.seal_note == note


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("opened_on", "2026-11-05", "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/11/2026."),
        ("opened_on", "31/02/2026", "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/11/2026."),
        ("opened_on", "01/01/2999", "Ngày mở hòm phiếu chưa tới."),
        ("opened_time", "8h30", "Nhập giờ theo dạng HH:MM, ví dụ 08:30."),
        ("ballot_count", "-1", "Số phiếu không được âm."),
        ("ballot_count", "", "Nhập số phiếu đếm được, kể cả khi là 0."),
    ],
)
def test_bad_input_gets_a_vietnamese_error_next_to_its_field(world, client, sipas5, field, value, message):
    client.force_login(world.staff_a)
    page = client.post("/hom-phieu/mo/", form_data(sipas5, **{field: value})).content.decode()
    assert f'id="error_1_id_{field}"' in page and message in page
    assert nothing_written()


def test_an_opening_needs_at_least_one_witness(world, client, sipas5):
    client.force_login(world.staff_a)
    page = client.post("/hom-phieu/mo/", form_data(sipas5, witnesses=[])).content.decode()
    assert "Ghi ít nhất một người chứng kiến" in page
    half_filled = client.post("/hom-phieu/mo/", form_data(sipas5, witnesses=[("Nguyễn Văn Dũng", "")]))
    assert "Nhập chức vụ." in half_filled.content.decode()
    assert nothing_written()


def test_a_form_of_another_unit_is_refused_next_to_the_form_choice(world, client, sipas5):
    own = FormTemplate.objects.create(code="rut-gon-a", name="Phiếu rút gọn", unit=world.commune_a)
    of_a = FormVersion.objects.create(template=own, number=1, status="published", published=timezone.now())
    client.force_login(world.head_a)
    page = client.post("/hom-phieu/mo/", form_data(of_a, unit="H-VANPHUC")).content.decode()
    assert 'id="error_1_id_version"' in page and "không dùng được cho đơn vị đã chọn" in page
    assert nothing_written()


def test_the_list_shows_typed_ballots_against_the_count_in_the_minutes(world, client, opening_a):
    day = timezone.localdate()
    for _ in range(3):
        Response.objects.create(
            unit=world.commune_a,
            version=opening_a.batch.version,
            channel="paper",
            answered_on=day,
            batch=opening_a.batch,
        )
    client.force_login(world.head_a)
    response = client.get("/hom-phieu/")
    (listed,) = response.context["page"].object_list
    assert (listed.typed, listed.ballot_count) == (3, 12)
    assert f'href="/hom-phieu/{opening_a.pk}/"' in response.content.decode()


def test_officials_read_openings_but_cannot_record_them(world, client, opening_a):
    client.force_login(world.official)
    assert client.get(f"/hom-phieu/{opening_a.pk}/").status_code == 200
    assert client.get("/hom-phieu/mo/").status_code == 404
    assert "Lập biên bản mở hòm phiếu" not in client.get("/hom-phieu/").content.decode()


def test_the_detail_shows_the_minutes_witnesses_and_batch(world, client, opening_a):
    client.force_login(world.staff_a)
    page = client.get(f"/hom-phieu/{opening_a.pk}/").content.decode()
    assert "Lê Thị Thúy Hằng" in page and "Văn phòng HĐND và UBND phường" in page
    assert f'href="/hom-phieu/{opening_a.pk}/bien-ban.pdf"' in page
    assert 'id="opening-batch"' in page and "Đã nhập 0/12 phiếu." in page


def test_the_minutes_download_as_a_pdf(world, client, opening_a):
    client.force_login(world.staff_a)
    response = client.get(f"/hom-phieu/{opening_a.pk}/bien-ban.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="bien-ban-mo-hom-phieu-09556-')
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("persona", ["outsider", "staff_b"])
def test_people_outside_the_unit_get_404_on_its_openings(world, client, opening_a, persona):
    client.force_login(getattr(world, persona))
    assert client.get(f"/hom-phieu/{opening_a.pk}/").status_code == 404
    assert client.get(f"/hom-phieu/{opening_a.pk}/bien-ban.pdf").status_code == 404
    assert client.get("/hom-phieu/", {"don-vi": "09556"}).status_code == 404
    listed = client.get("/hom-phieu/")
    assert listed.status_code == 200 and not listed.context["page"].object_list


def test_someone_without_a_role_gets_404_on_every_page(world, client, opening_a):
    client.force_login(UserFactory(username="chua-giao-viec"))
    for url in [
        "/hom-phieu/",
        "/hom-phieu/mo/",
        f"/hom-phieu/{opening_a.pk}/",
        f"/hom-phieu/{opening_a.pk}/bien-ban.pdf",
    ]:
        assert client.get(url).status_code == 404
