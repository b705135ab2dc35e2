"""Look at the results page as the head on a desktop screen and at the public page on a phone."""

import datetime
import uuid

import pytest
from playwright.sync_api import expect

from surveys.models import Answer, FormTemplate, ResolvedCount, ResponseContact
from surveys.services.answering import survey_answer
from surveys.services.forms import forms_load
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_home import log_in
from tests.conftest import make_world
from tests.factories import dossier_with_survey
from tests.reports.test_index import SIPAS, plan
from tests.surveys.test_import_ballots import run_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_month(world, month: datetime.date):
    """A month with every kind of figure: paper ballots of two forms, issued surveys, a comment with contacts."""
    forms = {template.code: template for template in FormTemplate.objects.filter(unit__isnull=True)}
    day = f"{month:%d/%m/%Y}"
    before = month - datetime.timedelta(days=1)
    run_import(world, forms, SIPAS, [[f"{before:%d/%m/%Y}", 5, 5, 5, 5, 5, 5, 5, 1]])
    rows = [[day, 5, 5, 4, 5, 5, 4, 5, 4], [day, 4, 3, 5, 4, 4, 5, 4, 5], [day, 3, 4, 4, 5, 2, 4, 4, None]]
    run_import(world, forms, SIPAS, rows)
    run_import(
        world,
        forms,
        ["Ngày", "3.1", "3.2", "3.3", "3.7", "3.8", "3.9", "3.10", "4"],
        [
            [day, "1; 3", "Tốt", "Kém", "Có", "Không", "Trễ hẹn", "Hài lòng", "Phải đi lại hai lần vì thiếu giấy tờ."],
            [day, "2", "Rất tốt", "Tốt", "Không", "Không", "Đúng hẹn", "Rất hài lòng", "Cán bộ nhiệt tình, chu đáo."],
        ],
        form="binh-phuoc",
    )
    commented = Answer.objects.get(text__startswith="Phải đi lại").response
    ResponseContact.objects.create(response=commented, name="Nguyễn Thị Hoa", phone="0912345678")
    for code, officer, score in [("HS-1", "Trần Văn Bình", 5), ("HS-2", "Lê Thị Cúc", 2)]:
        _dossier, _survey, token = dossier_with_survey(unit=world.commune_a, code=code, officer=officer)
        survey_answer(token=token, client_id=uuid.uuid4(), raw={f"Câu {n}": score for n in range(1, 9)})
    ResolvedCount.objects.create(unit=world.commune_a, month=month, count=40)
    plan(world.commune_a, month.year)


def test_the_head_reads_the_results_and_a_phone_shows_the_public_page(
    live_server, page, browser, screenshot, frozen_clock
):
    world = make_world()
    forms_load()
    month = frozen_clock.replace(day=1)
    fill_month(world, month)
    log_in(page, live_server, world.head_a.username)
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/ket-qua/09556/{month:%Y-%m}/")
    expect(page.locator("#results-unit")).to_have_text("Phường Hà Đông")
    expect(page.locator("#officer-table")).to_contain_text("Lê Thị Cúc")
    expect(page.locator("#comments")).to_contain_text("Nguyễn Thị Hoa")
    expect(page.locator("#results-alerts")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot("results-page")

    page.select_option("#picker-kind", "9T")
    page.click("#period-picker button[type=submit]")
    page.wait_for_url(f"{live_server.url}/ket-qua/09556/{month:%Y}-9T/")
    expect(page.locator("h1 + p")).to_contain_text("9 tháng năm")

    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN").new_page()
    phone.goto(f"{live_server.url}/cong-khai/09556/{month:%Y-%m}/")
    expect(phone.locator("#public-unit")).to_have_text("Phường Hà Đông")
    expect(phone.locator("#public-factors")).to_contain_text("Công chức")
    assert phone.get_by_text("Phải đi lại").count() == 0 and phone.get_by_text("Lê Thị Cúc").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(SCREENSHOTS / "public-notice-phone.png"), full_page=True)
    phone.context.close()
