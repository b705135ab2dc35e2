import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from surveys.models import Answer, AuditEntry, FormVersion, Membership, Question, Response
from surveys.services import form_editor
from surveys.services.forms import FormFrozen, version_contents
from surveys.services.responses import ballot_parse, response_submit
from tests.factories import MembershipFactory, UserFactory

SCALE = ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"]


@pytest.fixture
def copy(world, builtin_forms):
    """Commune A's own copy of the SIPAS 5-point ballot, still a draft."""
    return form_editor.form_copy(
        actor=world.head_a,
        template=builtin_forms["sipas-5"],
        unit=world.commune_a,
        code="sipas-5-ha-dong",
        name="Phiếu 5 mức phường Hà Đông",
    )


def draft_of(template) -> FormVersion:
    return template.versions.get(status=FormVersion.Status.DRAFT)


def codes(version) -> list[str]:
    return list(version.questions.values_list("code", flat=True))


def question(version, code) -> Question:
    return version.questions.get(code=code)


def fields_of(q: Question, **changes) -> dict:
    return {field: getattr(q, field) for field in form_editor.QUESTION_FIELDS} | changes


def answer_once(version, unit):
    """One paper ballot answering every scale of `version`, stored as the typing screen stores it."""
    raw = {q.code: 4 for q in version.questions.filter(kind=Question.Kind.SCALE)}
    ballot = ballot_parse(version=version, raw=raw, unit=unit)
    response, _ = response_submit(
        version=version, unit=unit, channel="paper", answered_on=datetime.date(2026, 3, 2), ballot=ballot
    )
    return response


# --- services ---------------------------------------------------------------------------------


def test_a_copy_is_draft_version_1_with_the_same_wording(world, builtin_forms, copy):
    official = builtin_forms["sipas-5"].current_version()
    draft = copy.versions.get()
    assert (draft.number, draft.status, draft.created_by) == (1, "draft", world.head_a)
    assert (copy.unit, copy.based_on) == (world.commune_a, builtin_forms["sipas-5"])
    assert version_contents(draft) == version_contents(official)
    assert copy.current_version() is None
    assert AuditEntry.objects.filter(action="surveys.form.copied", unit=world.commune_a).count() == 1


def test_a_copy_needs_a_free_code_and_a_unit_the_actor_heads(world, builtin_forms, copy):
    with pytest.raises(ValidationError) as taken:
        form_editor.form_copy(
            actor=world.head_a, template=builtin_forms["sipas-5"], unit=world.commune_a, code=copy.code, name="Khác"
        )
    assert "đã được dùng" in taken.value.message_dict["code"][0]
    for actor, unit in [(world.head_a, world.commune_b), (world.staff_a, world.commune_a)]:
        with pytest.raises(PermissionDenied):
            form_editor.form_copy(
                actor=actor, template=builtin_forms["short-5"], unit=unit, code="ngan-moi", name="Phiếu ngắn"
            )


def test_a_head_rewords_reorders_adds_and_removes_questions(world, copy):
    draft, head = draft_of(copy), world.head_a
    first = question(draft, "Câu 1")
    form_editor.question_save(
        actor=head, version=draft, question=first, **fields_of(first, text="Nơi ngồi chờ có sạch sẽ, thoáng mát?")
    )
    form_editor.question_move(actor=head, question=question(draft, "Câu 8"), direction="up")
    form_editor.question_move(actor=head, question=question(draft, "Thủ tục"), direction="up")  # already first
    form_editor.question_delete(actor=head, question=question(draft, "Câu 3"))
    form_editor.question_save(
        actor=head, version=draft, code="Câu 9", text="Ông/Bà có phải trả thêm khoản phí nào?", kind="yesno",
        flags_integrity=True,
    )  # fmt: skip
    assert codes(draft) == ["Thủ tục", "Câu 1", "Câu 2", "Câu 4", "Câu 5", "Câu 6", "Câu 8", "Câu 7", "Câu 9"]
    assert list(draft.questions.values_list("position", flat=True)) == list(range(1, 10))
    assert question(draft, "Câu 1").text == "Nơi ngồi chờ có sạch sẽ, thoáng mát?"
    assert question(draft, "Câu 9").option_labels() == ["Có", "Không"]
    actions = set(
        AuditEntry.objects.filter(action__startswith="surveys.form.question").values_list("action", flat=True)
    )
    assert actions == {
        "surveys.form.question_changed",
        "surveys.form.question_moved",
        "surveys.form.question_deleted",
        "surveys.form.question_added",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "Câu 2"}, "code"),
        ({"code": " "}, "code"),
        ({"text": ""}, "text"),
        ({"kind": "rating", "factor": ""}, "kind"),
        ({"options": SCALE[:4]}, "options"),
        ({"options": [*SCALE[:4], "Hài lòng"]}, "options"),
        ({"kind": "single", "options": ["Có"], "factor": ""}, "options"),
        ({"kind": "yesno", "options": ["Có", "Không"], "factor": ""}, "options"),
        ({"kind": "text", "options": [], "factor": "officer"}, "factor"),
        ({"allows_other": True}, "allows_other"),
        ({"flags_integrity": True}, "flags_integrity"),
    ],
)
def test_each_kind_keeps_its_rules_and_nothing_changes_on_error(world, copy, changes, field):
    draft = draft_of(copy)
    first = question(draft, "Câu 1")
    before = version_contents(draft)
    with pytest.raises(ValidationError) as error:
        form_editor.question_save(actor=world.head_a, version=draft, question=first, **fields_of(first, **changes))
    assert list(error.value.message_dict) == [field]
    assert version_contents(draft) == before


def test_publishing_makes_the_draft_current(world, copy):
    draft = draft_of(copy)
    form_editor.version_update(
        actor=world.head_a, version=draft, title="PHIẾU KHẢO SÁT PHƯỜNG HÀ ĐÔNG", intro="", instructions="",
        closing="Xin cảm ơn!", note="",
    )  # fmt: skip
    form_editor.version_publish(actor=world.head_a, version=draft)
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published is not None
    assert copy.current_version() == draft and copy.current_version().title == "PHIẾU KHẢO SÁT PHƯỜNG HÀ ĐÔNG"
    with pytest.raises(ValidationError):
        form_editor.question_delete(actor=world.head_a, question=question(draft, "Câu 1"))
    with pytest.raises(ValidationError):
        form_editor.version_publish(actor=world.head_a, version=draft)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("empty", "chưa có câu hỏi"),
        ("four-level scale", "cần đúng 5 mức"),
        ("choice without options", "ít nhất 2 phương án"),
    ],
)
def test_publishing_refuses_an_incomplete_form(world, copy, broken, message):
    draft = draft_of(copy)
    if broken == "empty":
        draft.questions.all().delete()
    elif broken == "four-level scale":  # as older data could hold it; the editor itself refuses to save it
        draft.questions.filter(code="Câu 2").update(options=SCALE[:4])
    else:
        Question.objects.create(version=draft, position=99, code="Câu 9", text="Ông/Bà biết qua đâu?", kind="multi")
    with pytest.raises(ValidationError) as error:
        form_editor.version_publish(actor=world.head_a, version=draft)
    assert message in " ".join(error.value.messages)
    draft.refresh_from_db()
    assert draft.is_draft


def test_editing_after_answers_makes_version_2_and_leaves_version_1_as_answered(world, copy):
    v1 = draft_of(copy)
    form_editor.version_publish(actor=world.head_a, version=v1)
    response = answer_once(v1, world.commune_a)
    wording = version_contents(v1)

    v2 = form_editor.version_draft(actor=world.head_a, template=copy)
    assert (v2.number, v2.status) == (2, "draft")
    assert form_editor.version_draft(actor=world.head_a, template=copy) == v2  # the open draft, not a third
    first = question(v2, "Câu 1")
    form_editor.question_save(actor=world.head_a, version=v2, question=first, **fields_of(first, text="Chỗ ngồi chờ?"))
    form_editor.question_delete(actor=world.head_a, question=question(v2, "Câu 8"))

    v1.refresh_from_db()
    assert version_contents(v1) == wording
    assert set(Answer.objects.filter(response=response).values_list("question__version", flat=True)) == {v1.pk}
    assert Response.objects.get().version == v1
    assert codes(v2) == codes(v1)[:-1]


def test_a_draft_that_somehow_has_answers_is_frozen(world, copy):
    draft = draft_of(copy)
    answer_once(draft, world.commune_a)
    with pytest.raises(FormFrozen):
        form_editor.question_delete(actor=world.head_a, question=question(draft, "Câu 1"))
    with pytest.raises(FormFrozen):
        form_editor.version_draft(actor=world.head_a, template=copy)


def test_official_forms_are_never_edited(world, builtin_forms):
    official = builtin_forms["sipas-5"]
    with pytest.raises(PermissionDenied):
        form_editor.version_draft(actor=world.superuser, template=official)
    with pytest.raises(PermissionDenied):
        form_editor.version_publish(actor=world.superuser, version=official.current_version())
    assert official.versions.count() == 1


@pytest.mark.parametrize("persona", ["staff_a", "official", "admin_hanoi", "outsider"])
def test_only_heads_edit_a_units_form(world, copy, persona):
    draft = draft_of(copy)
    with pytest.raises(PermissionDenied):
        form_editor.question_delete(actor=getattr(world, persona), question=question(draft, "Câu 1"))
    assert draft.questions.count() == 9


def test_a_head_of_the_province_edits_the_forms_of_its_communes(world, copy):
    province_head = UserFactory(username="lanhdao.hanoi")
    MembershipFactory(user=province_head, unit=world.hanoi, role=Membership.Role.HEAD)
    form_editor.question_delete(actor=province_head, question=question(draft_of(copy), "Câu 1"))
    assert draft_of(copy).questions.count() == 8


# --- views ------------------------------------------------------------------------------------


def test_the_list_shows_official_forms_and_those_of_units_in_reach(world, copy, client):
    client.force_login(world.staff_a)
    page = client.get("/mau-phieu/").content.decode()
    assert "sipas-21" in page and "sipas-5-ha-dong" in page and "v1 · bản nháp" in page
    assert "Sao chép" not in page
    client.force_login(world.staff_b)
    page = client.get("/mau-phieu/").content.decode()
    assert "sipas-21" in page and "sipas-5-ha-dong" not in page


def test_the_detail_is_read_only_for_official_forms_and_for_non_heads(world, copy, client):
    client.force_login(world.head_a)
    official = client.get("/mau-phieu/binh-phuoc/").content.decode()
    assert "Mẫu phiếu chính thức, chỉ xem" in official and "Sao chép" in official and 'id="start-edit"' not in official
    assert "Rất Rườm rà" in official and "“Có” là dấu hiệu tiêu cực" in official
    assert "Sửa bản nháp v1" in client.get("/mau-phieu/sipas-5-ha-dong/").content.decode()
    client.force_login(world.official)
    page = client.get("/mau-phieu/sipas-5-ha-dong/").content.decode()
    assert "Cơ sở vật chất tại Bộ phận Một cửa" in page and "Sửa bản nháp" not in page


@pytest.mark.parametrize("persona", ["outsider", "staff_b"])
def test_people_outside_the_unit_get_404_on_every_page_of_its_form(world, copy, client, persona):
    client.force_login(getattr(world, persona))
    for url in ["", "sao-chep/", "sua/", "xem-truoc/"]:
        assert client.get(f"/mau-phieu/sipas-5-ha-dong/{url}").status_code == 404, url
    assert client.post("/mau-phieu/sipas-5-ha-dong/sua/", {"action": "publish"}).status_code == 404
    assert draft_of(copy).is_draft


@pytest.mark.parametrize(("persona", "code"), [("staff_a", "sipas-5-ha-dong"), ("head_a", "sipas-5")])
def test_there_is_no_editor_for_counter_staff_nor_for_official_forms(world, copy, client, persona, code):
    client.force_login(getattr(world, persona))
    assert client.get(f"/mau-phieu/{code}/sua/").status_code == 404
    assert client.post(f"/mau-phieu/{code}/sua/", {"action": "draft"}).status_code == 404
    assert FormVersion.objects.filter(status="draft").count() == 1


def test_copy_through_the_page_and_a_taken_code_is_shown_next_to_the_field(world, builtin_forms, client):
    client.force_login(world.head_a)
    form = client.get("/mau-phieu/short-5/sao-chep/").content.decode()
    assert 'value="short-5-09556"' in form
    data = {"unit": "09556", "code": "short-5-09556", "name": "Phiếu ngắn phường Hà Đông"}
    response = client.post("/mau-phieu/short-5/sao-chep/", data)
    assert response.status_code == 302 and response.url == "/mau-phieu/short-5-09556/sua/"
    again = client.post("/mau-phieu/short-5/sao-chep/", data)
    assert again.status_code == 200
    assert "Mã mẫu phiếu này đã được dùng" in again.content.decode()
    client.force_login(world.staff_a)
    assert client.get("/mau-phieu/short-5/sao-chep/").status_code == 404


def test_the_editor_pages_edit_a_draft_and_publish_it(world, copy, client):
    client.force_login(world.head_a)
    v1 = draft_of(copy)
    form_editor.version_publish(actor=world.head_a, version=v1)
    answer_once(v1, world.commune_a)
    assert client.post("/mau-phieu/sipas-5-ha-dong/sua/", {"action": "draft"}).url == "/mau-phieu/sipas-5-ha-dong/sua/"
    v2 = draft_of(copy)
    assert "Bản nháp phiên bản 2" in client.get("/mau-phieu/sipas-5-ha-dong/sua/").content.decode()

    last = question(v2, "Câu 8")
    client.post("/mau-phieu/sipas-5-ha-dong/sua/", {"action": "up", "question": last.pk})
    bad = client.post(
        "/mau-phieu/sipas-5-ha-dong/sua/",
        {
            "action": "question",
            "code": "Câu 9",
            "text": "Mức độ hài lòng chung?",
            "kind": "scale",
            "options": "Tốt\nKém",
        },
    )
    assert bad.status_code == 200
    assert "Thang 5 mức cần đúng 5 mức" in bad.content.decode()
    assert not v2.questions.filter(code="Câu 9").exists()
    client.post(
        "/mau-phieu/sipas-5-ha-dong/sua/",
        {"action": "question", "code": "Câu 9", "text": "Mức độ hài lòng chung?", "kind": "scale",
         "options": "\n".join(SCALE), "factor": ""},
    )  # fmt: skip
    published = client.post("/mau-phieu/sipas-5-ha-dong/sua/", {"action": "publish"})
    assert published.url == "/mau-phieu/sipas-5-ha-dong/"

    v2.refresh_from_db()
    assert v2.status == "published" and copy.current_version() == v2
    assert codes(v2)[-3:] == ["Câu 8", "Câu 7", "Câu 9"]
    assert codes(v1)[-2:] == ["Câu 7", "Câu 8"]
    page = client.get("/mau-phieu/").content.decode()
    assert "v2 · đã ban hành" in page


def test_publishing_an_empty_draft_is_refused_with_a_message(world, copy, client):
    client.force_login(world.head_a)
    draft_of(copy).questions.all().delete()
    response = client.post("/mau-phieu/sipas-5-ha-dong/sua/", {"action": "publish"}, follow=True)
    assert "Phiếu chưa có câu hỏi nào." in response.content.decode()
    assert draft_of(copy)


def test_the_preview_shows_every_kind_of_question_as_the_citizen_answers_it(world, builtin_forms, client):
    client.force_login(world.staff_a)
    page = client.get("/mau-phieu/binh-phuoc/xem-truoc/").content.decode()
    version = builtin_forms["binh-phuoc"].current_version()
    by_code = {q.code: q.pk for q in version.questions.all()}
    assert version.intro in page and version.closing in page
    assert f'type="text" class="form-control form-control-lg" name="q-{by_code["1"]}"' in page
    assert f'name="q-{by_code["2"]}"' in page
    assert page.count(f'type="checkbox" class="form-check-input" name="q-{by_code["3.1"]}"') == 5
    assert f'name="q-{by_code["3.1"]}-other"' in page
    assert f'name="q-{by_code["3.2"]}" id="q-{by_code["3.2"]}-5" value="5"' in page
    assert f'name="q-{by_code["3.8"]}" id="q-{by_code["3.8"]}-1" value="1"' in page
    assert f'name="q-{by_code["3.9"]}" id="q-{by_code["3.9"]}-3" value="3"' in page
    assert f'<textarea class="form-control form-control-lg" name="q-{by_code["4"]}"' in page
    for part in ["name", "address", "phone"]:
        assert f'name="q-{by_code["5"]}-{part}"' in page
    assert "Tên cá nhân, tổ chức" in page and "Không bắt buộc" in page and "Bảo mật" in page
    assert "Trễ hẹn" in page and "Rất Chậm" in page
    assert "disabled>Gửi đánh giá" in page and '<form class="citizen-form" novalidate>' in page


def test_the_preview_also_shows_the_typing_screen(world, builtin_forms, client):
    client.force_login(world.staff_a)
    page = client.get("/mau-phieu/sipas-5/xem-truoc/", {"man-hinh": "nhap-phieu"}).content.decode()
    first = builtin_forms["sipas-5"].current_version().questions.get(code="Câu 1")
    assert 'id="typing-ballot"' in page and f'name="q-{first.pk}"' in page


def test_a_version_that_does_not_exist_is_404(world, builtin_forms, client):
    client.force_login(world.head_a)
    assert client.get("/mau-phieu/sipas-5/xem-truoc/", {"v": "7"}).status_code == 404
    assert client.get("/mau-phieu/sipas-5/", {"v": "abc"}).status_code == 404
