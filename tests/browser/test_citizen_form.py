"""A citizen answers on a 360 px phone, on a tablet, without network and without JavaScript."""

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from surveys.models import FormTemplate, Question, Response, SurveySettings
from surveys.services.forms import forms_load
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import make_world
from tests.factories import dossier_with_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True, "locale": "vi-VN"}
TABLET = {"viewport": {"width": 800, "height": 1280}, "has_touch": True, "locale": "vi-VN"}
BUDGET = 100 * 1024
WEIGHT_REPORT = Path(__file__).resolve().parents[2] / "artifacts" / "citizen-page-weight.txt"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def stored_count(expected: int, timeout: float = 10.0) -> int:
    """Responses in the database, waiting up to `timeout` seconds for `expected` of them."""
    deadline = time.monotonic() + timeout
    while (count := Response.objects.count()) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return count


def eventually(check, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return bool(result)


def scale_questions(survey):
    return list(survey.version.questions.filter(kind=Question.Kind.SCALE).order_by("position"))


def test_a_citizen_answers_every_question_by_tapping_on_a_phone(live_server, browser):
    world = make_world()
    forms_load()
    _dossier, survey, token = dossier_with_survey(unit=world.commune_a, code="HS-2026-0107")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))

    page.goto(f"{live_server.url}/p/{token}/")
    page.wait_for_load_state("networkidle")

    # (d) The first view: every response body the page needed (HTML, CSS, JS, icons, manifest, worker).
    sizes = {response.url.removeprefix(live_server.url): len(response.body()) for response in responses}
    # The manifest is fetched by the browser itself, not reported as the page's. (The offline
    # worker is the counter tablet's: a phone never loads it.)
    sizes.setdefault("/manifest.webmanifest", len(page.request.get(live_server.url + "/manifest.webmanifest").body()))
    total = sum(sizes.values())
    WEIGHT_REPORT.parent.mkdir(parents=True, exist_ok=True)
    WEIGHT_REPORT.write_text(
        f"Citizen form (sipas-5, 360 px phone), first view: {total} bytes ({total / 1024:.1f} KB) uncompressed, "
        f"budget {BUDGET // 1024} KB\n" + "".join(f"  {size:>7}  {url}\n" for url, size in sorted(sizes.items()))
    )
    assert total < BUDGET, sizes
    assert not any("bootstrap" in url for url in sizes)

    expect(page.locator(".citizen-unit")).to_have_text("Phường Hà Đông")
    expect(page.locator(".citizen-dossier")).to_contain_text("HS-2026-0107")
    scores = [5, 4, 3, 5, 4, 2, 5, 1]
    for question, score in zip(scale_questions(survey), scores, strict=True):
        option = page.locator(f"label[for='q-{question.pk}-{score}']")
        box = option.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 280, box
        option.tap()
        expect(page.locator(f"#q-{question.pk}-{score}")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    submit = page.get_by_role("button", name="Gửi đánh giá")
    assert submit.bounding_box()["height"] >= 48
    shot(page, "citizen-form-phone")

    submit.tap()
    expect(page.locator("#citizen-done")).to_be_visible()
    expect(page.locator("#citizen-done")).to_contain_text("Cảm ơn ông/bà đã đánh giá!")
    expect(page.locator("#citizen-form")).to_be_hidden()
    shot(page, "citizen-form-phone-done")
    assert stored_count(1) == 1
    response = Response.objects.get()
    assert response.survey == survey and response.channel == "issued"
    assert sorted(response.answers.values_list("value", flat=True)) == sorted(scores)
    # Sent and confirmed: nothing of it stays on the phone.
    assert page.evaluate("localStorage.getItem('sipas-queue')") == "[]"
    assert page.evaluate(f"localStorage.getItem('sipas-draft:token:{token}')") is None
    context.close()


def test_the_form_on_a_counter_tablet(live_server, browser):
    world = make_world()
    forms_load()
    _dossier, survey, token = dossier_with_survey(unit=world.commune_a, code="HS-2026-0108")
    context = browser.new_context(**TABLET)
    page = context.new_page()
    page.goto(f"{live_server.url}/p/{token}/")
    first, second = scale_questions(survey)[:2]
    page.locator(f"label[for='q-{first.pk}-5']").tap()
    page.locator(f"label[for='q-{second.pk}-4']").tap()
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    # The five levels sit side by side on a tablet, each a big target.
    boxes = [page.locator(f"label[for='q-{first.pk}-{score}']").bounding_box() for score in range(5, 0, -1)]
    assert len({round(box["y"]) for box in boxes}) == 1
    assert all(box["height"] >= 48 and box["width"] >= 96 for box in boxes), boxes
    shot(page, "citizen-form-tablet")
    context.close()


def test_an_answer_sent_without_network_is_kept_and_stored_once_when_it_returns(live_server, browser):
    world = make_world()
    forms_load()
    _dossier, survey, token = dossier_with_survey(unit=world.commune_a)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    url = f"{live_server.url}/p/{token}/"
    page.goto(url)
    questions = scale_questions(survey)
    page.locator(f"label[for='q-{questions[0].pk}-4']").tap()
    page.reload()
    # The draft came back from the phone's storage.
    expect(page.locator(f"#q-{questions[0].pk}-4")).to_be_checked()

    context.set_offline(True)
    page.locator(f"label[for='q-{questions[1].pk}-2']").tap()
    page.get_by_role("button", name="Gửi đánh giá").tap()
    expect(page.locator("#citizen-status")).to_contain_text("Đã lưu trên máy, sẽ tự gửi khi có mạng")
    shot(page, "citizen-form-offline")
    assert page.evaluate("JSON.parse(localStorage.getItem('sipas-queue')).length") == 1
    assert Response.objects.count() == 0

    context.set_offline(False)
    expect(page.locator("#citizen-done")).to_be_visible(timeout=10000)
    assert stored_count(1) == 1
    assert dict(Response.objects.get().answers.values_list("question_id", "value")) == {
        questions[0].pk: 4,
        questions[1].pk: 2,
    }
    assert page.evaluate("localStorage.getItem('sipas-queue')") == "[]"
    # A phone keeps no copy of the citizen's link: no offline worker, nothing in Cache Storage.
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then((found) => found.length)") == 0
    assert page.evaluate("caches.keys().then((names) => names.length)") == 0
    context.close()


def test_a_rating_reloaded_while_it_waits_keeps_its_id_and_is_stored_once(live_server, browser):
    world = make_world()
    forms_load()
    context = browser.new_context(**PHONE, service_workers="block")
    page = context.new_page()
    sent = []

    def unreachable(route):
        sent.append(route.request.post_data_json["client_id"])
        route.abort("internetdisconnected")

    # The pages still load; only the answers cannot get through.
    page.route("**/api/v1/responses", unreachable)
    page.goto(f"{live_server.url}/danh-gia/{world.commune_a.code}/")
    scales = page.locator("#citizen-form fieldset[data-kind=scale]")
    status = page.locator("#citizen-status")
    scales.nth(0).locator("label.citizen-option").first.tap()
    page.get_by_role("button", name="Gửi đánh giá").tap()
    expect(status).to_contain_text("Đã lưu trên máy, sẽ tự gửi khi có mạng")

    # Reloaded while it waits: the page says so, and a second "Gửi" is the same submission.
    page.reload()
    expect(status).to_contain_text("Đã lưu trên máy, sẽ tự gửi khi có mạng")
    expect(scales.nth(0).locator("input").first).to_be_checked()  # the draft waits with it
    scales.nth(1).locator("label.citizen-option").first.tap()
    page.get_by_role("button", name="Gửi đánh giá").tap()
    expect(status).to_contain_text("Đã lưu trên máy, sẽ tự gửi khi có mạng")
    queue = page.evaluate("JSON.parse(localStorage.getItem('sipas-queue'))")
    assert len(queue) == 1 and len(set(sent)) == 1 and queue[0]["payload"]["client_id"] == sent[0]

    page.unroute_all()
    expect(page.locator("#citizen-done")).to_be_visible(timeout=15000)
    assert stored_count(1) == 1
    response = Response.objects.get()
    assert response.channel == "online" and str(response.client_id) == sent[0]
    assert response.answers.count() == 2
    assert page.evaluate("localStorage.getItem('sipas-queue')") == "[]"
    context.close()


def test_a_reply_lost_after_the_server_stored_the_answer_is_not_stored_twice(live_server, browser):
    world = make_world()
    forms_load()
    _dossier, survey, token = dossier_with_survey(unit=world.commune_a)
    # Requests must reach page.route, not the offline worker.
    context = browser.new_context(**PHONE, service_workers="block")
    page = context.new_page()
    posts = []

    def lose_first_reply(route):
        posts.append(route.request.post_data_json["client_id"])
        if len(posts) == 1:
            route.fetch()  # the server stores the answer...
            route.abort()  # ...and the phone never hears back
        else:
            route.continue_()

    page.route("**/api/v1/responses", lose_first_reply)
    page.goto(f"{live_server.url}/p/{token}/")
    for question in scale_questions(survey):
        page.locator(f"label[for='q-{question.pk}-5']").tap()
    page.get_by_role("button", name="Gửi đánh giá").tap()

    expect(page.locator("#citizen-done")).to_be_visible(timeout=15000)
    assert len(posts) >= 2 and len(set(posts)) == 1  # retried with the same id
    assert stored_count(1) == 1
    assert Response.objects.get().answers.count() == 8
    context.close()


def test_without_javascript_errors_come_back_beside_the_question_and_answers_stay(live_server, browser):
    world = make_world()
    forms_load()
    SurveySettings.objects.create(unit=world.commune_a, form=FormTemplate.objects.get(code="binh-phuoc"))
    _dossier, survey, token = dossier_with_survey(unit=world.commune_a, code="HS-BP-9")
    by_code = {q.code: q for q in survey.version.questions.all()}
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/p/{token}/")

    page.locator(f"label[for='q-{by_code['3.3'].pk}-5']").tap()
    page.locator(f"label[for='q-{by_code['3.7'].pk}-2']").tap()
    page.locator(".citizen-check", has_text="Nhờ người quen hướng dẫn").tap()
    page.fill(f"#q-{by_code['4'].pk}", "Nhà vệ sinh cần sạch hơn.")
    page.fill(f"#q-{by_code['5'].pk}-name", "Lê Văn Cường")
    page.get_by_role("button", name="Gửi đánh giá").tap()

    contact = page.locator(f"#cq-{by_code['5'].pk}")
    expect(contact.locator(".citizen-error")).to_contain_text("Hãy đánh dấu đồng ý")
    expect(page.locator(f"#q-{by_code['3.3'].pk}-5")).to_be_checked()
    expect(page.locator(f"#q-{by_code['3.7'].pk}-2")).to_be_checked()
    expect(page.locator(f"#q-{by_code['3.1'].pk}-3")).to_be_checked()
    expect(page.locator(f"#q-{by_code['4'].pk}")).to_have_value("Nhà vệ sinh cần sạch hơn.")
    expect(page.locator(f"#q-{by_code['5'].pk}-name")).to_have_value("Lê Văn Cường")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    contact.scroll_into_view_if_needed()
    shot(page, "citizen-form-nojs-error")
    assert Response.objects.count() == 0

    page.locator(f"label[for='q-{by_code['5'].pk}-consent']").tap()
    page.get_by_role("button", name="Gửi đánh giá").tap()
    expect(page.get_by_text("Cảm ơn ông/bà đã đánh giá!")).to_be_visible()
    assert stored_count(1) == 1
    response = Response.objects.get()
    assert response.contact.name == "Lê Văn Cường"
    assert response.answers.get(question=by_code["3.7"]).value == 2
    context.close()


def test_every_kind_of_answer_goes_as_json_and_refusals_show_beside_the_question(live_server, browser):
    world = make_world()
    forms_load()
    SurveySettings.objects.create(unit=world.commune_a, form=FormTemplate.objects.get(code="binh-phuoc"))
    _dossier, survey, token = dossier_with_survey(unit=world.commune_a, code="HS-BP-10")
    q = {question.code: question for question in survey.version.questions.all()}
    context = browser.new_context(**PHONE, service_workers="block")
    page = context.new_page()
    page.goto(f"{live_server.url}/p/{token}/")

    page.fill(f"#q-{q['2'].pk}", "Trung tâm Phục vụ hành chính công")
    page.locator(".citizen-check", has_text="Nhờ người quen hướng dẫn").tap()
    page.fill(f"#q-{q['3.1'].pk}-other", "Zalo của phường")
    expect(page.locator(f"#q-{q['3.1'].pk}-5")).to_be_checked()  # writing "other" ticks its option
    page.locator(f"label[for='q-{q['3.4'].pk}-4']").tap()
    page.locator(f"label[for='q-{q['3.7'].pk}-1']").tap()
    page.locator(f"label[for='q-{q['3.9'].pk}-3']").tap()
    page.fill(f"#q-{q['4'].pk}", "Cần thêm ghế chờ.")
    name = page.locator(f"#q-{q['5'].pk}-name")
    expect(name).to_be_disabled()  # contact details only after consent
    page.locator(f"label[for='q-{q['5'].pk}-consent']").tap()
    name.fill("Phạm Thị Dung")
    page.fill(f"#q-{q['5'].pk}-phone", "0987654321")
    # A score the server does not take (as from a tampered page): refused beside its question.
    page.evaluate(f"document.getElementById('q-{q['3.2'].pk}-1').value = '6'")
    page.locator(f"label[for='q-{q['3.2'].pk}-1']").tap()
    page.get_by_role("button", name="Gửi đánh giá").tap()

    expect(page.locator(f"#cq-{q['3.2'].pk} .citizen-error")).to_contain_text("chỉ nhận điểm 1–5")
    expect(page.locator("#citizen-status")).to_contain_text("Có câu trả lời chưa hợp lệ")
    assert Response.objects.count() == 0
    # Refused is a final answer too: the contact details left the device's storage with the entry.
    assert page.evaluate("localStorage.getItem('sipas-queue')") == "[]"
    assert "Phạm Thị Dung" not in page.evaluate("JSON.stringify(localStorage)")
    page.locator(f"label[for='q-{q['3.2'].pk}-2']").tap()
    page.get_by_role("button", name="Gửi đánh giá").tap()

    expect(page.locator("#citizen-done")).to_be_visible()
    assert stored_count(1) == 1
    response = Response.objects.get()
    answers = {(a.question.code, a.value, a.text) for a in response.answers.select_related("question")}
    assert answers == {
        ("3.1", 3, ""),
        ("3.1", 5, "Zalo của phường"),
        ("3.2", 2, ""),
        ("3.4", 4, ""),
        ("3.7", 1, ""),
        ("3.9", 3, ""),
        ("4", None, "Cần thêm ghế chờ."),
    }
    assert response.received_unit_text == "Trung tâm Phục vụ hành chính công"
    contact = response.contact
    assert (contact.name, contact.phone, contact.address) == ("Phạm Thị Dung", "0987654321", "")
    assert response.alerts.count() == 1  # "Có" on extra papers reaches the head
    assert response.device  # the browser's own id, kept only as a digest
    assert "Phạm Thị Dung" not in page.evaluate("JSON.stringify(localStorage)")
    context.close()
