"""A counter tablet in a real browser: paired by a head's code, it opens each survey its counter sends
and goes back to its welcome screen after an answer or 30 seconds untouched, never keeping an answer."""

import time

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

    # The network is back; the next citizen's form sends the waiting answer on its way.
    tablet.unroute_all()
    _dossier, _second, token = survey_at(counter, "HS-0102")
    tab.wait_for_url(f"{live_server.url}/p/{token}/", timeout=10_000)
    eventually(lambda: Response.objects.filter(survey=first).exists(), seconds=10)
    assert tab.locator("input:checked").count() == 0
    tablet.close()
