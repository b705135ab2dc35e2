"""Upload a file of paper ballots in a real browser: every problem listed, then a clean import."""

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from surveys.models import Response
from surveys.services.forms import forms_load
from tests.browser.test_home import log_in
from tests.conftest import make_world
from tests.surveys.test_import_ballots import own_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def write_xlsx(path, rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return str(path)


def test_a_head_fixes_a_bad_file_and_imports_it(live_server, page, screenshot, tmp_path):
    world = make_world()
    forms_load()
    own_template(world.commune_a)
    header = ["Ngày", "Thủ tục", "Câu 1", "Câu 2", "Câu 3"]
    bad = write_xlsx(
        tmp_path / "sai.xlsx",
        [header, ["05/03/2025", "Đăng ký khai sinh", 5, 6, "Hài lòng"], ["31/02/2025", "", "Tốt", 4, 4]],
    )
    good = write_xlsx(tmp_path / "dung.xlsx", [header, ["05/03/2025", "Đăng ký khai sinh", 5, 4, "Hài lòng"]])
    log_in(page, live_server, world.head_a.username)

    page.goto(f"{live_server.url}/nhap-phieu/")
    own_form = page.locator("#import-templates").get_by_text("Phiếu riêng")
    expect(own_form).to_be_visible()
    # The head also reaches the ward merged into the commune: choosing it reloads that unit's forms.
    # htmx wires up the swapped-in form only once it settles; a person is never faster than that.
    page.evaluate(
        "() => { window.settled = new Promise(done => document.body.addEventListener('htmx:afterSettle', done)); }"
    )
    page.select_option("#id_unit", "H-VANPHUC")
    expect(own_form).to_have_count(0)
    page.evaluate("window.settled")
    page.select_option("#id_unit", "09556")
    expect(own_form).to_be_visible()
    page.select_option("#id_template", "sipas-5")
    page.set_input_files("#id_file", bad)
    page.click("#import-form button[type=submit]")
    problems = page.locator("#import-problems")
    expect(problems.get_by_text("Dòng 2, cột Câu 2: “6” không hợp lệ", exact=False)).to_be_visible()
    expect(problems.get_by_text("Dòng 3, cột Ngày: Ngày “31/02/2025” không có thật.")).to_be_visible()
    expect(problems.get_by_text("Dòng 3, cột Câu 1: “Tốt” không hợp lệ", exact=False)).to_be_visible()
    screenshot("ballot-import-errors")
    assert not Response.objects.exists()

    page.set_input_files("#id_file", good)
    page.click("#import-form button[type=submit]")
    expect(page.get_by_text("Đã nhập 1 phiếu từ tệp dung.xlsx", exact=False)).to_be_visible()
    screenshot("ballot-import-done")
    assert Response.objects.filter(unit=world.commune_a).count() == 1
