"""Record a box opening in a real browser and download its minutes."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import BoxOpening
from surveys.services.forms import forms_load
from tests.browser.test_home import log_in
from tests.conftest import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_counter_staff_record_an_opening_and_download_its_minutes(live_server, page, screenshot):
    make_world()
    forms_load()
    log_in(page, live_server, "motcua.a")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/hom-phieu/mo/")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    page.fill("#id_opened_on", yesterday.strftime("%d/%m/%Y"))
    page.fill("#id_opened_time", "08:30")
    page.check("#id_seal_intact_1")  # "Có dấu hiệu bất thường", and no note yet
    page.fill("#id_ballot_count", "37")
    page.fill("#id_key_keeper", "Văn phòng HĐND và UBND phường")
    page.fill("#id_witness-0-name", "Nguyễn Văn Dũng")
    page.fill("#id_witness-0-role", "Trưởng bộ phận Một cửa")
    page.fill("#id_witness-1-name", "Lê Thị Thúy Hằng")
    page.fill("#id_witness-1-role", "Đại diện Ủy ban MTTQ phường")
    page.click("#opening-form button[type=submit]")
    expect(page.locator("#error_1_id_seal_note")).to_be_visible()
    screenshot("box-opening-form-seal-note-missing")

    page.fill("#id_seal_note", "Niêm phong bị rách một góc; đã báo cáo Thường trực UBND phường.")
    page.click("#opening-form button[type=submit]")
    opening = BoxOpening.objects.get()
    page.wait_for_url(f"{live_server.url}/hom-phieu/{opening.pk}/")
    expect(page.locator("#witness-table")).to_contain_text("Lê Thị Thúy Hằng")
    screenshot("box-opening-detail")

    with page.expect_download() as download:
        page.click("#download-minutes")
    assert download.value.suggested_filename.startswith("bien-ban-mo-hom-phieu-09556-")

    page.goto(f"{live_server.url}/hom-phieu/")
    expect(page.locator("#opening-table")).to_contain_text("37")
    screenshot("box-opening-list")
