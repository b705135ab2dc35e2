"""A background job as its reader sees it in Chromium: asked for on the results page, watched, downloaded."""

import csv
import datetime
import io

import pytest
from playwright.sync_api import expect

from reports.models import ReportJob
from surveys.services.forms import forms_load
from tests.browser.test_home import log_in
from tests.conftest import make_world
from tests.factories import ballots, scored_ballots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_response_is_exported_off_the_request_and_downloaded_when_the_bar_is_full(
    live_server, page, screenshot, frozen_clock
):
    world = make_world()
    forms_load()
    ballots(world.commune_a, scored_ballots(30, 0.8, day=datetime.date(2026, 10, 5), seed=1))
    ballots(world.commune_b, scored_ballots(20, 0.6, day=datetime.date(2026, 10, 6), seed=2))
    log_in(page, live_server, world.official.username)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/ket-qua/01/2026-10/?subtree=1")

    page.click('#export-responses button:has-text("CSV")')

    page.wait_for_url("**/tao-hang-loat/*/")
    expect(page.locator("#job-title")).to_have_text("Tất cả phiếu tháng 10/2026 (CSV)")
    with page.expect_download() as download:
        page.locator("#job-download").click(timeout=30_000)  # there once the polled block shows the job done
    assert download.value.suggested_filename == "phieu-01-2026-10.csv"
    rows = list(csv.reader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + 50 and rows[0][1] == "Đơn vị"
    expect(page.locator("#job-count")).to_have_text("50/50 phiếu · 100%")
    expect(page.locator("#job-progress .progress-bar")).to_have_attribute("style", "width: 100%;")
    expect(page.locator("#job-progress")).not_to_have_attribute("hx-trigger", "every 1s")  # no more asking
    screenshot("job-export-done")

    page.locator("#job-back").click()
    page.wait_for_url("**/ket-qua/01/2026-10/?subtree=1")


def test_a_failed_job_says_why_and_offers_to_make_it_again(live_server, page, screenshot, frozen_clock):
    world = make_world()
    job = ReportJob.objects.create(
        kind="notices",
        unit=world.hanoi,
        params={"period": "2026-10"},
        total=42,
        done=13,
        status="failed",
        error="Việc bị dừng giữa chừng: nơi tạo tệp không còn báo tiến độ từ 10:02:07 16/11/2026 (máy chủ hoặc bộ "
        "xử lý hàng đợi đã khởi động lại hay bị tắt). Hãy tạo lại.",
        requested_by=world.official,
    )
    log_in(page, live_server, world.official.username)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/tao-hang-loat/{job.key}/")

    expect(page.locator("#job-error")).to_contain_text("Việc bị dừng giữa chừng")
    expect(page.locator("#job-count")).to_have_text("13/42 văn bản · 30%")
    screenshot("job-failed")
    page.get_by_role("button", name="Tạo lại").click()

    page.wait_for_url("**/tao-hang-loat/*/")
    assert ReportJob.objects.count() == 2
    # The units under Hà Nội today: the two wards, the old district and its ward (make_world ends neither).
    expect(page.locator("#job-count")).to_have_text("4/4 văn bản · 100%", timeout=30_000)
