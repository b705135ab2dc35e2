import json
import uuid

import pytest
from django.utils import timezone

from surveys.models import Answer, AuditEntry, Batch, BoxOpening, Response


@pytest.fixture
def batch(world, builtin_forms):
    """A box of commune A opened this morning with 3 ballots counted, typed against sipas-5."""
    opening = BoxOpening.objects.create(
        unit=world.commune_a,
        opened_at=timezone.now(),
        place="Bộ phận Một cửa",
        seal_intact=True,
        ballot_count=3,
        recorded_by=world.staff_a,
    )
    return Batch.objects.create(
        unit=world.commune_a,
        opening=opening,
        version=builtin_forms["sipas-5"].current_version(),
        created_by=world.staff_a,
    )


def login(client, user):
    client.force_login(user)
    return client


def post_ballot(client, batch, answers, client_id=None, day=None):
    payload = {
        "client_id": str(client_id or uuid.uuid4()),
        "answered_on": day or f"{timezone.localdate():%d/%m/%Y}",
        "answers": answers,
    }
    return client.post(f"/lo-phieu/{batch.pk}/phieu/", json.dumps(payload), content_type="application/json")


FULL = {"Câu 1": 5, "Câu 2": 4, "Câu 3": 5, "Câu 4": 5, "Câu 5": 3, "Câu 6": 4, "Câu 7": 5, "Câu 8": 2}


def test_a_typed_ballot_is_stored_once_even_when_sent_twice(world, batch, client):
    login(client, world.staff_a)
    client_id = uuid.uuid4()
    first = post_ballot(client, batch, {**FULL, "Thủ tục": "Đăng ký khai sinh"}, client_id)
    again = post_ballot(client, batch, {**FULL, "Câu 1": 1}, client_id)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["ballot"] == first.json()["ballot"]
    response = Response.objects.get()
    assert (response.channel, response.batch, response.unit) == ("paper", batch, world.commune_a)
    assert response.procedure_text == "Đăng ký khai sinh"
    assert dict(response.answers.values_list("question__code", "value")) == FULL


def test_an_out_of_range_score_is_refused_with_the_question_named(world, batch, client):
    login(client, world.staff_a)
    reply = post_ballot(client, batch, {**FULL, "Câu 3": 6})
    assert reply.status_code == 400
    assert "chỉ nhận điểm 1–5" in reply.json()["errors"]["Câu 3"]
    assert not Response.objects.exists()


def test_a_date_that_does_not_exist_is_refused(world, batch, client):
    login(client, world.staff_a)
    reply = post_ballot(client, batch, FULL, day="31/02/2026")
    assert reply.status_code == 400 and "Ngày “31/02/2026” không có thật." in reply.json()["error"]
    assert not Response.objects.exists()


@pytest.mark.parametrize("persona", ["staff_b", "outsider"])
def test_people_outside_the_unit_get_404_everywhere(world, batch, client, persona):
    login(client, getattr(world, persona))
    for url in [f"/lo-phieu/{batch.pk}/", f"/lo-phieu/{batch.pk}/nhap/", f"/lo-phieu/{batch.pk}/phieu/"]:
        assert client.get(url).status_code == 404
    assert post_ballot(client, batch, FULL).status_code == 404
    assert client.post(f"/lo-phieu/{batch.pk}/khoa-so/", {"note": "x"}).status_code == 404
    assert not Response.objects.exists()


def test_the_province_official_reads_the_batch_but_cannot_type(world, batch, client):
    login(client, world.official)
    assert client.get(f"/lo-phieu/{batch.pk}/").status_code == 200
    assert client.get(f"/lo-phieu/{batch.pk}/nhap/").status_code == 404
    assert post_ballot(client, batch, FULL).status_code == 403


def test_the_typing_page_works_without_javascript_and_shows_errors_next_to_the_field(world, batch, client):
    login(client, world.staff_a)
    page = client.get(f"/lo-phieu/{batch.pk}/nhap/")
    assert page.status_code == 200
    questions = {q.code: q for q in batch.version.questions.all()}
    data = {"client_id": str(uuid.uuid4()), "answered_on": f"{timezone.localdate():%d/%m/%Y}"}
    data.update({f"q-{questions[code].pk}": value for code, value in FULL.items()})
    bad = client.post(f"/lo-phieu/{batch.pk}/nhap/", {**data, f"q-{questions['Câu 2'].pk}": "7"})
    assert bad.status_code == 200
    assert "chỉ nhận điểm 1–5" in bad.context["form"].errors[f"q-{questions['Câu 2'].pk}"][0]
    assert not Response.objects.exists()
    good = client.post(f"/lo-phieu/{batch.pk}/nhap/", data)
    assert good.status_code == 302
    client.post(f"/lo-phieu/{batch.pk}/nhap/", data)  # the browser's resubmit of the same form
    assert Response.objects.count() == 1


def test_the_head_closes_only_when_counts_match_or_a_reason_is_written(world, batch, client):
    login(client, world.staff_a)
    for _ in range(2):
        post_ballot(client, batch, FULL)
    assert client.post(f"/lo-phieu/{batch.pk}/khoa-so/", {"note": ""}).status_code == 404
    client.logout()
    login(client, world.head_a)
    refused = client.post(f"/lo-phieu/{batch.pk}/khoa-so/", {"note": ""})
    assert refused.status_code == 400
    assert "Đã nhập 2 phiếu nhưng biên bản ghi 3 phiếu" in refused.content.decode()
    batch.refresh_from_db()
    assert batch.is_open
    closed = client.post(f"/lo-phieu/{batch.pk}/khoa-so/", {"note": "Một phiếu để trống, không hợp lệ."})
    assert closed.status_code == 302
    batch.refresh_from_db()
    assert not batch.is_open and batch.closed_by == world.head_a
    entry = AuditEntry.objects.get(action="surveys.batch.closed")
    assert entry.data == {"typed": 2, "counted": 3, "note": "Một phiếu để trống, không hợp lệ."}


def test_after_closing_only_the_head_corrects_and_the_log_keeps_before_and_after(world, batch, client):
    login(client, world.staff_a)
    ballot_id = post_ballot(client, batch, FULL).json()["ballot"]["id"]
    Batch.objects.filter(pk=batch.pk).update(status="closed", closed=timezone.now(), closed_by=world.head_a)
    correction = {"answered_on": f"{timezone.localdate():%d/%m/%Y}", "answers": {**FULL, "Câu 8": 4}}
    url = f"/lo-phieu/{batch.pk}/phieu/{ballot_id}/"
    assert client.post(url, json.dumps(correction), content_type="application/json").status_code == 403
    assert post_ballot(client, batch, FULL).status_code == 409
    client.logout()
    login(client, world.head_a)
    reply = client.post(url, json.dumps(correction), content_type="application/json")
    assert reply.status_code == 200
    assert Answer.objects.get(response_id=ballot_id, question__code="Câu 8").value == 4
    entry = AuditEntry.objects.get(action="surveys.ballot.corrected_after_close")
    assert entry.actor == world.head_a
    assert entry.data["before"]["Câu 8"] == 2 and entry.data["after"]["Câu 8"] == 4


def test_the_running_list_returns_ballots_in_typing_order(world, batch, client):
    login(client, world.staff_a)
    post_ballot(client, batch, {"Câu 1": 1})
    post_ballot(client, batch, {"Câu 1": "Rất hài lòng", "Câu 2": ""})
    ballots = client.get(f"/lo-phieu/{batch.pk}/phieu/").json()["ballots"]
    assert [(b["number"], b["answers"]) for b in ballots] == [(1, {"Câu 1": 1}), (2, {"Câu 1": 5})]
