"""A counter tablet in a real browser: paired by a head's code, it opens each survey its counter sends
and goes back to its welcome screen after an answer or 30 seconds untouched, never keeping an answer."""

import time
import uuid

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from surveys.models import Counter, IssuedSurvey, Response
from surveys.services.kiosks import counter_create, kiosk_pairing_start
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_home import log_in
from tests.conftest import make_world
from tests.factories import dossier_with_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def snap(tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def eventually(check, seconds: float = 5) -> None:
    """Wait for the server to have received what the tablet sent without waiting for its reply."""
    deadline = time.monotonic() + seconds
    while not retrying(check):
        assert time.monotonic() < deadline, "the server never got it"
        time.sleep(0.1)


def retrying(query):
    """Run `query` while the live server uses the database too: in-memory SQLite may say a table is locked."""
    for _attempt in range(50):
        try:
            return query()
        except OperationalError:
            time.sleep(0.1)
    return query()


def survey_at(counter, code: str):
    """Counter staff issue the survey of a resolved dossier and send it to the counter's tablet."""
    return retrying(lambda: dossier_with_survey(unit=counter.unit, code=code, counter=counter))


def test_a_counter_tablet_shows_each_citizen_a_clean_form_and_returns_home(
    live_server, page, browser, screenshot, builtin_forms
):
    world = make_world()
    log_in(page, live_server, world.head_a.username)
    page.goto(f"{live_server.url}/quay/")
    page.fill("#id_09556_name", "Quầy 1 – Tư pháp")
    page.get_by_role("button", name="Thêm quầy").click()
    page.get_by_role("button", name="Ghép máy tính bảng").click()
    code = page.locator("#pairing-code").inner_text()
    expect(page.locator("#pairing")).to_contain_text(f"{live_server.url}/may-tinh-bang/")
    screenshot("counter-pairing")

    tablet = browser.new_context(viewport={"width": 800, "height": 1280}, locale="vi-VN", has_touch=True)
    tab = tablet.new_page()
    # Timers run at their own pace, but the test may jump the clock instead of waiting 30 seconds.
    tab.clock.install()
    home = f"{live_server.url}/may-tinh-bang/"
    tab.goto(home)
    tab.fill("#id_code", code)
    tab.get_by_role("button", name="Ghép nối").click()
    expect(tab.locator("#kiosk-counter")).to_have_text("Quầy 1 – Tư pháp")
    expect(tab.get_by_role("heading", name="Mời ông/bà đánh giá sự phục vụ của chúng tôi")).to_be_visible()
    snap(tab, "kiosk-welcome")

    # Offline, the welcome screen says so and keeps trying; back online, the hint goes.
    tablet.set_offline(True)
    expect(tab.locator("#kiosk-offline")).to_be_visible(timeout=10_000)
    tablet.set_offline(False)
    expect(tab.locator("#kiosk-offline")).to_be_hidden(timeout=10_000)

    counter = retrying(Counter.objects.get)
    _dossier, first, token = survey_at(counter, "HS-0001")
    tab.wait_for_url(f"{live_server.url}/p/{token}/", timeout=10_000)
    expect(tab.locator("form[data-kiosk-home]")).to_be_visible()
    snap(tab, "kiosk-form")

    # Nobody touches it: after 30 seconds (not 25) it is back on the welcome screen.
    tab.clock.fast_forward("00:25")
    tab.wait_for_timeout(500)
    assert tab.url == f"{live_server.url}/p/{token}/"
    tab.clock.fast_forward("00:06")
    tab.wait_for_url(home, timeout=10_000)
    expect(tab.locator("#kiosk-counter")).to_be_visible()
    eventually(lambda: IssuedSurvey.objects.get(pk=first.pk).kiosk_closed is not None)

    # The next citizen answers: thanks, then the welcome screen again.
    _dossier, second, token = survey_at(counter, "HS-0002")
    tab.wait_for_url(f"{live_server.url}/p/{token}/", timeout=10_000)
    answer_every_question(tab)
    tab.locator("#citizen-form [type=submit]").click()
    expect(tab.locator("#kiosk-thanks")).to_be_visible()
    expect(tab.locator("#kiosk-thanks")).to_contain_text("Cảm ơn ông/bà đã đánh giá!")
    snap(tab, "kiosk-thanks")
    tab.clock.fast_forward("00:06")
    tab.wait_for_url(home, timeout=10_000)
    eventually(lambda: Response.objects.filter(survey=second).exists())

    # The third citizen sees a clean form, and Back never leads to an earlier citizen's answers.
    _dossier, _third, token = survey_at(counter, "HS-0003")
    tab.wait_for_url(f"{live_server.url}/p/{token}/", timeout=10_000)
    expect(tab.locator("form[data-kiosk-home]")).to_be_visible()
    assert tab.locator("input[type=radio]").count() > 0
    assert tab.locator("input:checked").count() == 0
    filled = tab.locator("textarea, input[type=text], input[type=tel]").evaluate_all(
        "(fields) => fields.filter((field) => field.value !== '').length"
    )
    assert filled == 0
    tab.go_back()
    assert "/p/" not in tab.url
    # The offline worker kept the welcome screen and the static files, never a citizen's link. Read its cache
    # from a page of its own: the welcome screen goes back to the open survey on its next poll.
    probe = tab.context.new_page()
    probe.goto(f"{live_server.url}/manifest.webmanifest")
    kept = probe.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
            }
            return urls;
        }"""
    )
    assert f"{live_server.url}/may-tinh-bang/" in kept
    assert not [url for url in kept if "/p/" in url], kept
    tablet.close()


def answer_every_question(tab) -> None:
    """Touch the first answer of every question with fixed answers, as a citizen taps through the form."""
    for question in tab.locator("#citizen-form fieldset").all():
        options = question.locator("label.citizen-option")
        if options.count():
            options.first.click()


def test_an_answer_that_could_not_be_sent_is_sent_later_and_its_survey_never_reopened(
    live_server, browser, builtin_forms
):
    world = make_world()
    counter = counter_create(actor=world.head_a, unit=world.commune_a, name="Quầy 2")
    _kiosk, code = kiosk_pairing_start(actor=world.head_a, counter=counter)
    tablet = browser.new_context(viewport={"width": 800, "height": 1280}, locale="vi-VN", has_touch=True)
    tab = tablet.new_page()
    home = f"{live_server.url}/may-tinh-bang/"
    tab.goto(home)
    tab.fill("#id_code", code)
    tab.get_by_role("button", name="Ghép nối").click()
    expect(tab.locator("#kiosk-counter")).to_have_text("Quầy 2")

    # The answer and the tablet's "closed" notice are both lost on the way: the server still
    # offers this survey as open, and only the tablet knows it went back from it.
    def lost(route):
        route.abort("internetdisconnected")

    tablet.route("**/api/v1/responses", lost)
    tablet.route("**/may-tinh-bang/dong/", lost)
    _dossier, first, token = survey_at(counter, "HS-0101")
    tab.wait_for_url(f"{live_server.url}/p/{token}/", timeout=10_000)
    answer_every_question(tab)
    tab.locator("#citizen-form [type=submit]").click()
    expect(tab.locator("#kiosk-thanks")).to_contain_text("sẽ tự gửi khi có mạng")
    tab.wait_for_url(home, timeout=10_000)
    tab.wait_for_timeout(4000)  # two polls, both offered the same survey
    assert tab.url == home
    assert retrying(lambda: IssuedSurvey.objects.open().filter(pk=first.pk, kiosk_closed__isnull=True).exists())

    # The network is back: the welcome screen itself sends the waiting answer, no next citizen needed.
    tablet.unroute_all()
    eventually(lambda: Response.objects.filter(survey=first).exists(), seconds=20)
    assert tab.url == home
    assert tab.evaluate("localStorage.getItem('sipas-queue')") == "[]"
    _dossier, _second, token = survey_at(counter, "HS-0102")
    tab.wait_for_url(f"{live_server.url}/p/{token}/", timeout=10_000)
    assert tab.locator("input:checked").count() == 0
    tablet.close()


def paired_tablet(browser, live_server, world, name: str):
    """A tablet paired with a new counter of commune A, on its welcome screen."""
    counter = counter_create(actor=world.head_a, unit=world.commune_a, name=name)
    _kiosk, code = kiosk_pairing_start(actor=world.head_a, counter=counter)
    tablet = browser.new_context(viewport={"width": 800, "height": 1280}, locale="vi-VN", has_touch=True)
    tab = tablet.new_page()
    tab.goto(f"{live_server.url}/may-tinh-bang/")
    tab.fill("#id_code", code)
    tab.get_by_role("button", name="Ghép nối").click()
    expect(tab.locator("#kiosk-counter")).to_have_text(name)
    return counter, tablet, tab


def queued(token: str, answers: dict) -> dict:
    """An entry of the tablet's queue as citizen-form.js leaves it when the network is down."""
    payload = {"token": token, "client_id": str(uuid.uuid4()), "device": "may-1", "answers": answers}
    return {"payload": payload, "draft": "", "queued": 0, "tries": 0, "next": 0}


def test_the_welcome_screen_sends_the_queue_and_counts_what_the_server_refused(live_server, browser, builtin_forms):
    world = make_world()
    # Answered on the citizen's phone while this tablet's answer waited offline, with contact details.
    _dossier, used, used_token = dossier_with_survey(unit=world.commune_a, code="HS-0201")
    phone = browser.new_context()
    reply = phone.request.post(
        f"{live_server.url}/api/v1/responses",
        data={"token": used_token, "client_id": str(uuid.uuid4()), "answers": {"Câu 1": 5}},
    )
    assert reply.status == 201
    phone.close()
    refused = queued(used_token, {"Câu 1": 1, "Câu 9": {"name": "Nguyễn Thị Hoa", "consent": True}})
    _dossier, fine, fine_token = dossier_with_survey(unit=world.commune_a, code="HS-0202")
    waiting = queued(fine_token, {"Câu 1": 4, "Câu 2": 5})
    _counter, tablet, tab = paired_tablet(browser, live_server, world, "Quầy 3")
    home = f"{live_server.url}/may-tinh-bang/"

    # The server fails on the first entry for now: the one behind it must still go through.
    def failing_first(route):
        if route.request.post_data_json["client_id"] == refused["payload"]["client_id"]:
            route.fulfill(status=503, body="")
        else:
            route.continue_()

    tablet.route("**/api/v1/responses", failing_first)
    tab.evaluate("(entries) => localStorage.setItem('sipas-queue', JSON.stringify(entries))", [refused, waiting])
    tab.reload()
    # Waiting through the page, not time.sleep: the route above answers only while Playwright runs.
    for _tick in range(50):
        if retrying(Response.objects.filter(survey=fine).exists):
            break
        tab.wait_for_timeout(200)
    assert retrying(Response.objects.filter(survey=fine).exists), "the entry behind a failing one never went"
    tab.wait_for_function("JSON.parse(localStorage.getItem('sipas-queue')).length === 1")
    pending = tab.evaluate("JSON.parse(localStorage.getItem('sipas-queue'))")
    assert [entry["payload"]["client_id"] for entry in pending] == [refused["payload"]["client_id"]]
    expect(tab.locator("#kiosk-failed")).to_be_hidden()

    # The server is back and refuses it for good: gone from the queue with its contact details, but counted.
    tablet.unroute_all()
    expect(tab.locator("#kiosk-failed")).to_have_text("1 câu trả lời không gửi được", timeout=20_000)
    assert tab.evaluate("localStorage.getItem('sipas-queue')") == "[]"
    failed = tab.evaluate("JSON.parse(localStorage.getItem('sipas-failed'))")
    assert [entry["client_id"] for entry in failed] == [refused["payload"]["client_id"]]
    assert "Nguyễn Thị Hoa" not in tab.evaluate("JSON.stringify(localStorage)")
    assert retrying(lambda: Response.objects.filter(survey=used).count()) == 1
    snap(tab, "kiosk-welcome-failed")

    # Restarted without network, the tablet still opens its welcome screen from the offline worker,
    # which keeps it from its last good load (one that failed, e.g. on a locked test database, is not kept).
    kept = "navigator.serviceWorker.ready.then(() => caches.match(location.pathname)).then(Boolean)"
    for _attempt in range(3):
        if tab.evaluate(kept):
            break
        tab.reload()
    assert tab.evaluate(kept)
    tablet.set_offline(True)
    tab.reload()
    expect(tab.locator("#kiosk-counter")).to_have_text("Quầy 3")
    expect(tab.locator("#kiosk-offline")).to_be_visible(timeout=10_000)
    expect(tab.locator("#kiosk-failed")).to_have_text("1 câu trả lời không gửi được")
    assert tab.url == home
    tablet.close()
