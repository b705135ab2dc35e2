"""The citizen's pages without JavaScript: the one-time link, the unit's rating page, the offline worker.

Everything the citizen sends is untrusted; bad answers come back beside their question with what was typed.
"""

import json
import re
import unicodedata
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from surveys.models import Counter, Question, Response, SurveySettings
from surveys.services.kiosks import kiosk_pair, kiosk_pairing_start
from surveys.views.api import KIOSK_COOKIE
from tests.factories import dossier_with_survey

API = "/api/v1/responses"


@pytest.fixture
def issued(world, builtin_forms):
    return dossier_with_survey(unit=world.commune_a, code="HS-2026-0042")


@pytest.fixture
def binh_phuoc(world, builtin_forms):
    """A survey of commune A on the Bình Phước form: every kind of question, with contact details."""
    SurveySettings.objects.create(unit=world.commune_a, form=builtin_forms["binh-phuoc"])
    dossier, survey, token = dossier_with_survey(unit=world.commune_a, code="HS-BP-1")
    return survey, token, {q.code: q for q in survey.version.questions.all()}


def client_id_of(page: str) -> str:
    return re.search(r'name="client_id" value="([0-9a-f-]{36})"', page).group(1)


def sipas_5_answers(survey, scores=(5, 4, 4, 5, 3, 5, 4, 2)) -> dict[str, str]:
    """The POST of the plain form: q-<pk> → the score, in printed order."""
    scales = survey.version.questions.filter(kind=Question.Kind.SCALE).order_by("position")
    return {f"q-{q.pk}": str(score) for q, score in zip(scales, scores, strict=True)}


def fieldset_of(page: str, question) -> str:
    start = page.index(f'id="cq-{question.pk}"')
    return page[start : page.index("</fieldset>", start)]


def test_the_link_opens_a_light_phone_page_with_the_dossier(client, issued):
    dossier, survey, token = issued

    reply = client.get(f"/p/{token}/")

    page = reply.content.decode()
    assert reply.status_code == 200
    assert reply["Cache-Control"] == "no-store" and reply["Referrer-Policy"] == "same-origin"
    assert '<html lang="vi">' in page and 'name="viewport"' in page
    assert "bootstrap" not in page and "htmx" not in page
    assert "Phường Hà Đông" in page and "HS-2026-0042" in page and "Đăng ký khai sinh" in page
    # The dossier already says which procedure it was: the citizen is not asked again.
    procedure = survey.version.questions.get(kind=Question.Kind.PROCEDURE)
    assert f'name="q-{procedure.pk}"' not in page
    assert "Rất không hài lòng" in page and "Gửi đánh giá" in page
    assert uuid.UUID(client_id_of(page)).version == 4
    assert "js/sipas-queue.js" in page and "js/citizen-form.js" in page and "kiosk-form.js" not in page
    assert f'data-token="{token}"' in page and f'data-draft="sipas-draft:token:{token}"' in page


def test_a_plain_post_is_stored_once_and_thanks_the_citizen(client, issued):
    dossier, survey, token = issued
    client_id = client_id_of(client.get(f"/p/{token}/").content.decode())
    data = {"client_id": client_id, **sipas_5_answers(survey)}

    first = client.post(f"/p/{token}/", data)
    again = client.post(f"/p/{token}/", data)  # the browser's "send again" after a lost reply

    assert first.status_code == 200 and "Cảm ơn ông/bà" in first.content.decode()
    assert again.status_code == 200 and "Cảm ơn ông/bà" in again.content.decode()
    response = Response.objects.get()
    assert (response.channel, response.survey, response.unit) == ("issued", survey, dossier.unit)
    assert response.client_id == uuid.UUID(client_id)
    assert dict(response.answers.values_list("question__code", "value")) == {
        "Câu 1": 5, "Câu 2": 4, "Câu 3": 4, "Câu 4": 5, "Câu 5": 3, "Câu 6": 5, "Câu 7": 4, "Câu 8": 2,
    }  # fmt: skip
    assert response.procedure_text == "Đăng ký khai sinh" and len(response.origin) == 16


def test_a_used_link_is_refused_with_a_clear_message(client, issued):
    _dossier, survey, token = issued
    client.post(f"/p/{token}/", {"client_id": str(uuid.uuid4()), **sipas_5_answers(survey)})

    second = client.post(f"/p/{token}/", {"client_id": str(uuid.uuid4()), **sipas_5_answers(survey, [1] * 8)})
    opened = client.get(f"/p/{token}/")

    for reply in (second, opened):
        assert reply.status_code == 409
        assert "Phiếu khảo sát của hồ sơ này đã được trả lời" in reply.content.decode()
        assert reply["Cache-Control"] == "no-store"
    assert Response.objects.get().answers.filter(value=1).count() == 0


def test_expired_and_unknown_links(client, issued):
    _dossier, survey, token = issued
    survey.issued = timezone.now() - timezone.timedelta(days=9)
    survey.expires = timezone.now() - timezone.timedelta(days=2)
    survey.save()

    opened = client.get(f"/p/{token}/")
    posted = client.post(f"/p/{token}/", {"client_id": str(uuid.uuid4()), **sipas_5_answers(survey)})
    unknown = client.get("/p/khong-co-phieu-nay-123456/")

    assert opened.status_code == 410 and "đã hết hạn ngày" in opened.content.decode()
    assert posted.status_code == 410
    assert unknown.status_code == 404 and "Không tìm thấy phiếu khảo sát" in unknown.content.decode()
    assert not Response.objects.exists()


def test_contact_without_consent_is_refused_beside_the_question_and_every_answer_is_kept(client, binh_phuoc):
    survey, token, q = binh_phuoc
    contact = f"q-{q['5'].pk}"
    data = {
        "client_id": str(uuid.uuid4()),
        f"q-{q['3.1'].pk}": ["2", "4"],
        f"q-{q['3.2'].pk}": "4",
        f"q-{q['3.8'].pk}": "2",
        f"q-{q['3.9'].pk}": "2",
        f"q-{q['4'].pk}": "Cán bộ hướng dẫn tận tình.",
        f"{contact}-name": "Trần Thị Bình",
        f"{contact}-phone": "0912 345 678",
    }

    refused = client.post(f"/p/{token}/", data)

    page = refused.content.decode()
    assert refused.status_code == 400
    assert "Hãy đánh dấu đồng ý nếu muốn để lại thông tin liên hệ" in fieldset_of(page, q["5"])
    ticked = re.findall(rf'name="q-{q["3.1"].pk}" id="[^"]+" value="(\d)" data-label="[^"]+"( checked)?', page)
    assert ticked == [("1", ""), ("2", " checked"), ("3", ""), ("4", " checked"), ("5", "")]
    assert f'id="q-{q["3.2"].pk}-4" value="4" data-label="Tốt" checked' in page
    assert f'id="q-{q["3.8"].pk}-2" value="2" data-label="Không" checked' in page
    assert ">Cán bộ hướng dẫn tận tình.</textarea>" in page
    assert 'value="Trần Thị Bình"' in page and 'value="0912 345 678"' in page
    # Fixed and sent again with the same id: stored once, with the details.
    assert f'name="client_id" value="{data["client_id"]}"' in page
    assert not Response.objects.exists()

    stored = client.post(f"/p/{token}/", {**data, f"{contact}-consent": "on"})

    assert stored.status_code == 200
    response = Response.objects.get()
    assert (response.contact.name, response.contact.phone) == ("Trần Thị Bình", "0912 345 678")
    assert sorted(response.answers.filter(question=q["3.1"]).values_list("value", flat=True)) == [2, 4]
    assert response.answers.get(question=q["3.8"]).value == 2


def test_html_in_a_comment_is_escaped_when_shown_back(client, binh_phuoc):
    survey, token, q = binh_phuoc
    comment = '<script>alert("x")</script><b>Tốt</b>'

    reply = client.post(
        f"/p/{token}/", {"client_id": str(uuid.uuid4()), f"q-{q['4'].pk}": comment, f"q-{q['3.2'].pk}": "9"}
    )

    page = reply.content.decode()
    assert reply.status_code == 400
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Tốt&lt;/b&gt;</textarea>" in page
    assert '<script>alert("x")' not in page and "<b>Tốt</b>" not in page
    assert "không hợp lệ" in fieldset_of(page, q["3.2"])


def test_text_over_2000_characters_is_refused_and_nfd_is_stored_as_nfc(client, binh_phuoc):
    survey, token, q = binh_phuoc
    too_long = client.post(f"/p/{token}/", {"client_id": str(uuid.uuid4()), f"q-{q['4'].pk}": "a" * 2001})
    assert too_long.status_code == 400
    assert "Nội dung quá dài: 2001 ký tự, tối đa 2000" in too_long.content.decode()

    typed = unicodedata.normalize("NFD", "Thủ tục nhanh gọn, cán bộ nhiệt tình")
    assert typed != unicodedata.normalize("NFC", typed)
    stored = client.post(f"/p/{token}/", {"client_id": str(uuid.uuid4()), f"q-{q['4'].pk}": typed})

    assert stored.status_code == 200
    assert Response.objects.get().answers.get(question=q["4"]).text == "Thủ tục nhanh gọn, cán bộ nhiệt tình"


def test_written_other_answers_stand_for_the_option_that_asks_for_them(client, binh_phuoc):
    survey, token, q = binh_phuoc
    name = f"q-{q['3.1'].pk}"

    reply = client.post(f"/p/{token}/", {"client_id": str(uuid.uuid4()), name: ["1", "5"], f"{name}-other": "Zalo"})

    assert reply.status_code == 200
    stored = Response.objects.get().answers.filter(question=q["3.1"]).order_by("value")
    assert list(stored.values_list("value", "text")) == [(1, ""), (5, "Zalo")]


def test_an_empty_form_or_a_missing_id_stores_nothing(client, issued):
    _dossier, survey, token = issued

    procedure = survey.version.questions.get(kind=Question.Kind.PROCEDURE)  # asked on the rating page
    empty = client.post(f"/p/{token}/", {"client_id": str(uuid.uuid4())})
    blank = client.post("/danh-gia/09556/", {"client_id": str(uuid.uuid4()), f"q-{procedure.pk}": "  "})
    no_id = client.post(f"/p/{token}/", sipas_5_answers(survey))

    for reply in (empty, blank):
        assert reply.status_code == 400 and "Ông/bà chưa trả lời câu nào." in reply.content.decode()
    assert no_id.status_code == 400 and "thiếu mã gửi" in no_id.content.decode()
    assert 'value="5" data-label="Rất hài lòng" checked' in no_id.content.decode()
    assert not Response.objects.exists()


def test_posting_too_often_says_try_again_in_a_few_minutes(client, issued, settings):
    _dossier, survey, token = issued
    settings.SIPAS_THROTTLES = {**settings.SIPAS_THROTTLES, "token": (2, 600)}
    for _attempt in range(2):
        client.post(f"/p/{token}/", {"client_id": str(uuid.uuid4())})

    throttled = client.post(f"/p/{token}/", {"client_id": str(uuid.uuid4()), **sipas_5_answers(survey)})

    page = throttled.content.decode()
    assert throttled.status_code == 429 and throttled["Retry-After"] == "600"
    assert "Vui lòng thử lại sau ít phút" in page
    assert 'value="5" data-label="Rất hài lòng" checked' in page  # nothing typed is lost
    assert not Response.objects.exists()


def test_a_paired_counter_tablet_gets_the_kiosk_script_and_keeps_no_draft(client, world, builtin_forms):
    counter = Counter.objects.create(unit=world.commune_a, name="Quầy 1")
    other = Counter.objects.create(unit=world.commune_a, name="Quầy 2")
    _dossier, _survey, token = dossier_with_survey(unit=world.commune_a, counter=counter)
    kiosk, _code = kiosk_pairing_start(actor=world.head_a, counter=counter)
    _kiosk, key = kiosk_pair(code=_code)
    _other_kiosk, other_code = kiosk_pairing_start(actor=world.head_a, counter=other)
    _other, other_key = kiosk_pair(code=other_code)

    client.cookies[KIOSK_COOKIE] = key
    on_tablet = client.get(f"/p/{token}/").content.decode()
    client.cookies[KIOSK_COOKIE] = other_key
    on_other_tablet = client.get(f"/p/{token}/").content.decode()

    assert "js/kiosk-form.js" in on_tablet
    assert 'data-kiosk-home="/may-tinh-bang/" data-kiosk-close="/may-tinh-bang/dong/"' in on_tablet
    assert "data-draft=" not in on_tablet
    assert "kiosk-form.js" not in on_other_tablet and "data-draft=" in on_other_tablet


def test_a_link_used_before_the_tablet_opened_it_sends_the_tablet_back_home(client, world, builtin_forms):
    counter = Counter.objects.create(unit=world.commune_a, name="Quầy 1")
    other = Counter.objects.create(unit=world.commune_a, name="Quầy 2")
    _dossier, survey, token = dossier_with_survey(unit=world.commune_a, counter=counter)
    _kiosk, code = kiosk_pairing_start(actor=world.head_a, counter=counter)
    _kiosk, key = kiosk_pair(code=code)
    _other_kiosk, other_code = kiosk_pairing_start(actor=world.head_a, counter=other)
    _other, other_key = kiosk_pair(code=other_code)
    # The citizen answered on the phone between the tablet's poll and its page load.
    client.post(f"/p/{token}/", {"client_id": str(uuid.uuid4()), **sipas_5_answers(survey)})

    client.cookies[KIOSK_COOKIE] = key
    on_tablet = client.get(f"/p/{token}/")
    client.cookies[KIOSK_COOKIE] = other_key
    on_other_tablet = client.get(f"/p/{token}/").content.decode()
    del client.cookies[KIOSK_COOKIE]
    on_phone = client.get(f"/p/{token}/").content.decode()

    page = on_tablet.content.decode()
    assert on_tablet.status_code == 409 and "đã được trả lời" in page
    assert "js/kiosk-form.js" in page
    assert 'data-kiosk-home="/may-tinh-bang/" data-kiosk-close="/may-tinh-bang/dong/"' in page
    assert f'data-token="{token}"' in page
    for elsewhere in (on_other_tablet, on_phone):
        assert "đã được trả lời" in elsewhere
        assert "kiosk-form.js" not in elsewhere and "data-kiosk-home" not in elsewhere


def test_the_public_rating_page_counts_apart(client, world, builtin_forms):
    page = client.get("/danh-gia/09556/")
    text = page.content.decode()
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    assert "Phường Hà Đông" in text and "được thống kê riêng" in text and 'data-unit="09556"' in text
    version = builtin_forms["sipas-5"].current_version()
    procedure = version.questions.get(kind=Question.Kind.PROCEDURE)
    assert f'name="q-{procedure.pk}"' in text  # no dossier: the citizen says which procedure

    stored = client.post(
        "/danh-gia/09556/",
        {"client_id": client_id_of(text), f"q-{procedure.pk}": "Chứng thực bản sao", **sipas_5_answers_of(version)},
    )

    assert stored.status_code == 200 and "Cảm ơn ông/bà" in stored.content.decode()
    response = Response.objects.get()
    assert (response.channel, response.unit, response.survey) == ("online", world.commune_a, None)
    assert response.procedure_text == "Chứng thực bản sao"


def sipas_5_answers_of(version) -> dict[str, str]:
    return {f"q-{q.pk}": "4" for q in version.questions.filter(kind=Question.Kind.SCALE)}


def test_rating_pages_that_do_not_exist_or_are_off_are_404(client, world, builtin_forms):
    SurveySettings.objects.create(unit=world.commune_b, public_rating=False)

    unknown = client.get("/danh-gia/99999/")
    off = client.get("/danh-gia/09886/")

    assert unknown.status_code == 404 and "Không có đơn vị mã 99999" in unknown.content.decode()
    assert off.status_code == 404 and "chưa nhận đánh giá trực tuyến" in off.content.decode()


def test_ratings_are_throttled_per_address_and_unit(client, world, builtin_forms, settings):
    settings.SIPAS_THROTTLES = {**settings.SIPAS_THROTTLES, "rating": (1, 3600)}
    version = builtin_forms["sipas-5"].current_version()
    data = sipas_5_answers_of(version)

    first = client.post("/danh-gia/09556/", {"client_id": str(uuid.uuid4()), **data})
    second = client.post("/danh-gia/09556/", {"client_id": str(uuid.uuid4()), **data})
    elsewhere = client.post("/danh-gia/09886/", {"client_id": str(uuid.uuid4()), **data})

    assert first.status_code == 200 and elsewhere.status_code == 200
    assert second.status_code == 429 and "thử lại sau ít phút" in second.content.decode()
    assert second["Retry-After"] == "3600"
    assert Response.objects.filter(channel="online").count() == 2


def api(client, body):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(API, data=data, content_type="application/json")


def test_the_api_refuses_bad_answers_in_vietnamese(client, issued):
    _dossier, _survey, token = issued

    def send(answers):
        return api(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": answers})

    unknown = send({"Câu 42": 5})
    six = send({"Câu 1": 6})
    long_text = send({"Thủ tục": "x" * 501})
    bad_bytes = api(client, b'{"token": "' + token.encode() + b'", "answers": {"C\xe2u 1": 5}}')

    assert unknown.status_code == 400 and unknown.json()["errors"] == {"Câu 42": "Mẫu phiếu không có câu “Câu 42”."}
    assert six.status_code == 400 and "chỉ nhận điểm 1–5" in six.json()["errors"]["Câu 1"]
    assert long_text.status_code == 400 and "Nội dung quá dài" in long_text.json()["errors"]["Thủ tục"]
    assert bad_bytes.status_code == 400 and "không phải văn bản UTF-8 hợp lệ" in bad_bytes.json()["message"]
    assert not Response.objects.exists()


def test_the_api_stores_each_client_id_once_and_refuses_used_or_expired_links(client, issued, world, builtin_forms):
    _dossier, survey, token = issued
    body = {"token": token, "client_id": str(uuid.uuid4()), "answers": {"Câu 1": 5, "Câu 2": "Hài lòng"}}

    assert api(client, body).status_code == 201
    assert api(client, body).status_code == 200
    used = api(client, {**body, "client_id": str(uuid.uuid4())})
    assert used.status_code == 409 and "đã được trả lời" in used.json()["message"]
    assert Response.objects.count() == 1

    _other, expired, expired_token = dossier_with_survey(unit=world.commune_a, code="HS-CU")
    expired.issued = timezone.now() - timezone.timedelta(days=9)
    expired.expires = timezone.now() - timezone.timedelta(days=2)
    expired.save()
    gone = api(client, {**body, "token": expired_token, "client_id": str(uuid.uuid4())})
    assert gone.status_code == 410 and "hết hạn" in gone.json()["message"]


def test_the_api_throttles_with_the_same_message(client, issued, settings):
    _dossier, _survey, token = issued
    settings.SIPAS_THROTTLES = {**settings.SIPAS_THROTTLES, "address": (1, 600)}
    api(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": {"Câu 1": 5}})

    throttled = api(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": {"Câu 1": 5}})

    assert throttled.status_code == 429 and "thử lại sau ít phút" in throttled.json()["message"]


def test_the_offline_worker_and_the_manifest(client):
    worker = client.get("/sw.js")
    manifest = client.get("/manifest.webmanifest")

    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    config = json.loads(re.match(r"const SIPAS = (.*);\n", worker.content.decode()).group(1))
    assert {"/static/js/sipas-queue.js", "/static/js/citizen-form.js", "/static/js/kiosk-form.js"} <= set(
        config["files"]
    )
    # The kiosk's welcome screen is the only page kept: survey links and rating pages never are.
    assert config["shell"] == ["/may-tinh-bang/"] and config["api"] == "/api/"
    assert "/p/" not in worker.content.decode() and "/danh-gia/" not in worker.content.decode()
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert (data["name"], data["start_url"], data["display"]) == ("SIPAS – Đánh giá", "/may-tinh-bang/", "standalone")
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon
    assert {icon["sizes"] for icon in data["icons"]} >= {"192x192", "512x512"}
