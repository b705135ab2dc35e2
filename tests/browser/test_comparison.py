"""Compare, rank and drill down as a province official, a commune head and a national official would, in Chromium."""

import datetime
import io
import subprocess

import pytest
from openpyxl import load_workbook
from PIL import Image, ImageOps
from playwright.sync_api import expect

from surveys.models import Membership
from surveys.services.forms import forms_load
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_home import log_in
from tests.conftest import make_world
from tests.factories import UnitFactory, UserFactory, ballots, dossier_with_survey, scored_ballots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (code, name, ballots, share satisfied): wards of Hà Nội that differ, two of them too small to be ranked.
WARDS = [
    ("00004", "Phường Ba Đình", 120, 0.92),
    ("00008", "Phường Ngọc Hà", 90, 0.85),
    ("00025", "Phường Giảng Võ", 110, 0.8),
    ("00070", "Phường Hoàn Kiếm", 12, 0.95),
    ("00073", "Phường Cửa Nam", 80, 0.78),
    ("00091", "Phường Phú Thượng", 100, 0.55),
    ("00097", "Phường Hồng Hà", 20, 0.4),
    ("00103", "Phường Tây Hồ", 95, 0.88),
]


def fill_country(world):
    """Two provinces with wards that differ, a head's issued surveys, and a national official."""
    forms_load()
    for number, (code, name, count, satisfied) in enumerate(WARDS):
        ward = UnitFactory(code=code, name=name, parent=world.hanoi)
        ballots(ward, scored_ballots(count, satisfied, day=datetime.date(2026, 6, 10), seed=number))
    ballots(world.commune_a, scored_ballots(150, 0.9, day=datetime.date(2026, 5, 5), seed=40))
    ballots(world.commune_b, scored_ballots(60, 0.7, day=datetime.date(2026, 5, 6), seed=41))
    ballots(world.commune_c, scored_ballots(80, 0.75, day=datetime.date(2026, 4, 7), seed=42))
    for number, officer in enumerate(["Trần Văn Bình", "Lê Thị Cúc"]):
        dossier_with_survey(unit=world.commune_a, code=f"HS-{number}", officer=officer)
    national = UserFactory(username="theodoi.quocgia")
    Membership.objects.create(user=national, unit=None, role=Membership.Role.NATIONAL)
    return national


def test_a_province_official_compares_ranks_and_drills_down(live_server, page, screenshot, frozen_clock):
    world = make_world()
    fill_country(world)
    log_in(page, live_server, world.official.username)
    page.wait_for_url(f"{live_server.url}/")
    page.click("#nav-compare")
    page.wait_for_url(f"{live_server.url}/so-sanh/01/2026/")
    expect(page.locator("#comparison-title")).to_have_text("So sánh các đơn vị trực thuộc Thành phố Hà Nội")
    expect(page.locator("#provisional")).to_be_visible()  # 2026 is not over on 16/11/2026
    first = page.locator("#comparison-table tbody tr").first
    expect(first).to_contain_text("Phường Ba Đình")
    expect(page.locator("#comparison-table")).to_contain_text("chưa đủ phiếu")  # Hoàn Kiếm, Hồng Hà
    expect(page.locator("#ranking-chart svg")).to_be_visible()
    expect(page.locator("#heatmap svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot("comparison-province-official")

    # The heatmap as it prints on a greyscale printer: colour plus the number in each cell.
    page.emulate_media(media="print")
    colour = Image.open(io.BytesIO(page.locator("#heatmap").screenshot()))
    ImageOps.grayscale(colour).save(SCREENSHOTS / "heatmap-greyscale.png")
    page.emulate_media(media="screen")

    # Sorting by a header, with the keyboard as well as the mouse.
    page.locator('#comparison-table th a[data-sort="name"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=name&order=asc")
    expect(page.locator('#comparison-table th[aria-sort="ascending"]')).to_contain_text("Đơn vị")
    expect(page.locator("#comparison-table tbody tr").first).to_contain_text("Phường Ba Đình")

    # Each file is made in the background: its job's page fills its bar, then offers the download.
    page.click('#comparison-downloads button:has-text("XLSX")')
    page.wait_for_url("**/tao-hang-loat/*/")
    with page.expect_download() as download:
        page.locator("#job-download").click(timeout=30_000)
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes()))["So sánh"]
    assert sheet.cell(row=1, column=4).value == "Đơn vị"
    assert {sheet.cell(row=row, column=4).value for row in range(2, sheet.max_row + 1)} >= {"Phường Ba Đình"}
    page.locator("#job-back").click()
    page.wait_for_url("**sort=name&order=asc")
    page.click('#comparison-downloads button:has-text("PDF")')
    page.wait_for_url("**/tao-hang-loat/*/")
    with page.expect_download() as download:
        page.locator("#job-download").click(timeout=30_000)
    pdf = download.value.path()
    page.locator("#job-back").click()
    page.wait_for_url("**sort=name&order=asc")
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-gray", pdf, str(SCREENSHOTS / "comparison-pdf-grey")], check=True)

    # Drill down: a ward, one of its factors, one question; the breadcrumbs lead back up.
    page.click('#comparison-table a:has-text("Phường Phú Thượng")')
    expect(page.locator("#results-unit")).to_have_text("Phường Phú Thượng")
    expect(page.locator("#breadcrumbs")).to_contain_text("Thành phố Hà Nội")
    page.click('#factor-table a:has-text("Công chức")')
    expect(page.locator("#factor-title")).to_have_text("Công chức")
    page.click('#factor-questions a:has-text("Câu 4")')
    expect(page.locator("#question-title")).to_contain_text("Câu 4")
    expect(page.locator("#by-officer")).to_have_count(0)  # per civil servant: the head's alone
    screenshot("drilldown-question-official")
    page.click('#breadcrumbs a:has-text("Thành phố Hà Nội")')
    expect(page.locator("#results-unit")).to_have_text("Thành phố Hà Nội")
    page.click('#factor-table a:has-text("Kết quả")')
    expect(page.locator("#unit-ranking")).to_contain_text("Phường Ba Đình")  # the wards ranked on the factor
    screenshot("drilldown-factor-province")


def test_a_commune_head_drills_into_their_own_unit(live_server, page, screenshot, frozen_clock):
    world = make_world()
    fill_country(world)
    log_in(page, live_server, world.head_a.username)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/so-sanh/")
    expect(page.locator("#own-results")).to_contain_text("Phường Hà Đông")  # no units below: nothing to rank
    screenshot("comparison-commune-head")
    page.goto(f"{live_server.url}/ket-qua/09556/2026/")
    expect(page.locator("#headline-interval")).to_contain_text("khoảng tin cậy 95%")
    expect(page.locator("#distribution-chart svg")).to_be_visible()
    screenshot("results-commune-head")
    page.click('#question-table a:has-text("Câu 1")')
    expect(page.locator("#by-procedure")).to_be_visible()
    screenshot("drilldown-question-head")
    assert page.goto(f"{live_server.url}/so-sanh/42/2026/").status == 404


def test_a_national_official_ranks_the_provinces(live_server, page, screenshot, frozen_clock):
    world = make_world()
    national = fill_country(world)
    log_in(page, live_server, national.username)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/so-sanh/")
    page.wait_for_url(f"{live_server.url}/so-sanh/toan-quoc/2026/")
    expect(page.locator("#comparison-title")).to_have_text("So sánh các tỉnh, thành phố")
    expect(page.locator("#comparison-table")).to_contain_text("Thành phố Hà Nội")
    expect(page.locator("#comparison-table")).to_contain_text("Tỉnh Hà Tĩnh")
    screenshot("comparison-national")
    page.click('#comparison-table a:has-text("so sánh")')
    expect(page.locator("#breadcrumbs")).to_contain_text("Toàn quốc")
