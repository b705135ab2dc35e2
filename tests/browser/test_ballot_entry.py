"""Type paper ballots in a real browser: speed, refusal of wrong keys, and nothing lost or doubled offline."""

import random
import time
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import Answer, Batch, BoxOpening, FormTemplate, Response
from surveys.services.forms import forms_load
from tests.browser.test_home import log_in
from tests.conftest import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def open_batch(count: int):
    world = make_world()
    forms_load()
    opening = BoxOpening.objects.create(
        unit=world.commune_a,
        opened_at=timezone.now(),
        place="Bộ phận Một cửa phường Hà Đông",
        seal_intact=True,
        ballot_count=count,
        recorded_by=world.staff_a,
    )
    version = FormTemplate.objects.get(code="sipas-5").current_version()
    return Batch.objects.create(unit=world.commune_a, opening=opening, version=version, created_by=world.staff_a)


def start_typing(page, live_server, batch):
    log_in(page, live_server, "motcua.a")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/lo-phieu/{batch.pk}/nhap/")
    expect(page.locator("#ballot-entry")).to_have_attribute("data-ready", "true")


def type_ballot(page, digits: str, procedure: str = ""):
    """As a typist does: the procedure (if written on the paper), Tab, one key per question, Enter."""
    if procedure:
        page.keyboard.type(procedure)
    page.keyboard.press("Tab")
    page.keyboard.type(digits)
    page.keyboard.press("Enter")


def saved_count(page) -> int:
    return page.locator("#ballot-list tbody tr:not(.table-warning)").count()


def test_a_typist_enters_fifty_ballots_from_the_keyboard(live_server, page, screenshot):
    batch = open_batch(50)
    start_typing(page, live_server, batch)
    rng = random.Random(2026)
    ballots = ["".join(rng.choice("5554443321") for _ in range(8)) for _ in range(50)]
    ballots[7] = "55504444"  # a blank answer to Câu 4, typed as 0

    started = time.perf_counter()
    for number, digits in enumerate(ballots):
        type_ballot(page, digits, "Đăng ký khai sinh" if number % 5 == 0 else "")
    expect(page.locator("#typed-count")).to_have_text("50")
    expect(page.locator("#ballot-list tbody tr.table-warning")).to_have_count(0)
    per_ballot = (time.perf_counter() - started) / len(ballots)

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "typing-speed.txt").write_text(f"50 ballots of sipas-5: {per_ballot:.2f} s per ballot\n")
    print(f"\ntyping screen: {per_ballot:.2f} s per ballot over 50 ballots")
    assert per_ballot < 10

    page.keyboard.press("Tab")  # the next, clean ballot: two answers typed before we look
    page.keyboard.type("54")
    screenshot("ballot-entry")

    assert Response.objects.filter(batch=batch).count() == 50
    stored = Response.objects.filter(batch=batch).order_by("id")
    for response, digits in zip(stored, ballots, strict=True):
        answers = dict(response.answers.values_list("question__code", "value"))
        expected = {f"Câu {i}": int(d) for i, d in enumerate(digits, 1) if d != "0"}
        assert answers == expected
    assert stored.filter(procedure_text="Đăng ký khai sinh").count() == 10


def test_a_key_outside_the_scale_is_refused_next_to_the_question(live_server, page, screenshot):
    batch = open_batch(1)
    start_typing(page, live_server, batch)
    page.keyboard.press("Tab")
    page.keyboard.type("7")
    question = page.locator(".typing-row", has_text="Câu 1")
    expect(question.locator("[data-error]")).to_contain_text("Chỉ nhận 1, 2, 3, 4, 5.")
    expect(question.locator("input")).to_have_value("")
    screenshot("ballot-entry-refused-key")
    page.keyboard.type("4")
    expect(question.locator("[data-error]")).to_have_text("")
    expect(question.locator(".typing-hint")).to_have_text("Hài lòng")
    assert not Response.objects.exists()


def test_nothing_typed_is_lost_or_saved_twice_when_the_network_fails(live_server, page, screenshot):
    batch = open_batch(4)
    start_typing(page, live_server, batch)
    type_ballot(page, "55555555")
    expect(page.locator("#typed-count")).to_have_text("1")
    expect(page.locator("#ballot-list tbody tr.table-warning")).to_have_count(0)

    # The server cannot be reached: two ballots wait in the browser, and survive a reload.
    page.route("**/phieu/", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    type_ballot(page, "44444444")
    type_ballot(page, "33333333")
    expect(page.locator("#entry-status")).to_contain_text("2 phiếu đang chờ gửi")
    page.keyboard.press("Tab")
    page.keyboard.type("21")  # half a ballot, not yet saved
    page.reload()
    expect(page.locator("#ballot-entry")).to_have_attribute("data-ready", "true")
    expect(page.locator("#ballot-list tbody tr.table-warning")).to_have_count(2)
    expect(page.locator(".typing-row", has_text="Câu 2").locator("input")).to_have_value("1")
    screenshot("ballot-entry-offline")
    assert Response.objects.count() == 1

    # The server stores the next ballot but its reply is lost: the retry must not store it again.
    page.unroute("**/phieu/")
    lost = {"count": 0}

    def lose_first_reply(route):
        if route.request.method == "POST" and lost["count"] == 0:
            lost["count"] += 1
            route.fetch()
            route.abort()
        else:
            route.continue_()

    page.route("**/phieu/", lose_first_reply)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#ballot-list tbody tr.table-warning")).to_have_count(0, timeout=20000)
    page.keyboard.type("111111")
    page.keyboard.press("Enter")
    expect(page.locator("#typed-count")).to_have_text("4")
    expect(page.locator("#ballot-list tbody tr.table-warning")).to_have_count(0, timeout=10000)
    assert lost["count"] == 1
    assert Response.objects.count() == 4
    assert sorted(Answer.objects.filter(question__code="Câu 1").values_list("value", flat=True)) == [2, 3, 4, 5]
