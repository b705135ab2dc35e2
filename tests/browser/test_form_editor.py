"""A unit head adapts the SIPAS ballot in a real browser and sees it as a citizen would on a phone."""

import pytest
from playwright.sync_api import expect

from surveys.models import FormTemplate
from surveys.services.forms import forms_load
from tests.browser.test_home import log_in
from tests.conftest import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REWORDED = "Nơi ngồi chờ, bàn viết, nhà vệ sinh tại Bộ phận Một cửa có sạch sẽ, thuận tiện cho người cao tuổi?"


def test_a_head_copies_rewords_publishes_and_previews_on_a_phone(live_server, page, screenshot):
    make_world()
    forms_load()
    log_in(page, live_server, "lanhdao.a")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/mau-phieu/")
    screenshot("form-list")
    page.locator("tr", has_text="sipas-5").get_by_role("link", name="Sao chép").click()
    expect(page.locator("#id_code")).to_have_value("sipas-5-09556")
    page.fill("#id_name", "Phiếu 5 mức phường Hà Đông")
    page.locator("#copy-form").get_by_role("button", name="Sao chép").click()
    page.wait_for_url(f"{live_server.url}/mau-phieu/sipas-5-09556/sua/")

    page.locator("tr", has_text="Cơ sở vật chất").get_by_role("link", name="Sửa").click()
    page.fill("#id_text", REWORDED)
    page.get_by_role("button", name="Lưu câu hỏi").click()
    expect(page.locator("#questions")).to_contain_text(REWORDED)
    page.get_by_role("button", name="Chuyển câu Câu 8 lên").click()
    expect(page.locator("#questions tbody tr").nth(7)).to_contain_text("Câu 8")
    screenshot("form-editor")
    page.click("#publish")
    page.wait_for_url(f"{live_server.url}/mau-phieu/sipas-5-09556/")
    expect(page.get_by_text("Đã ban hành phiên bản 1.")).to_be_visible()

    version = FormTemplate.objects.get(code="sipas-5-09556").current_version()
    assert version.questions.get(code="Câu 1").text == REWORDED
    assert list(version.questions.values_list("code", flat=True))[-2:] == ["Câu 8", "Câu 7"]

    page.set_viewport_size({"width": 360, "height": 740})
    page.get_by_role("link", name="Xem trước").click()
    form = page.locator(".citizen-form")
    expect(form).to_contain_text(REWORDED)
    expect(form.get_by_role("button", name="Gửi đánh giá")).to_be_disabled()
    option = form.locator("label", has_text="Rất không hài lòng").first
    box = option.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 280, box
    option.click()
    expect(form.locator("input[type=radio]:checked")).to_have_count(1)
    # Nothing sticks out sideways on a 360 px phone, however long the Vietnamese wording.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("form-preview-mobile")

    page.goto(f"{live_server.url}/mau-phieu/binh-phuoc/xem-truoc/")
    page.locator(".citizen-check", has_text="Nhờ người quen hướng dẫn").click()
    page.locator("label", has_text="Trễ hẹn").click()
    expect(page.locator(".citizen-form input:checked")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("form-preview-binh-phuoc-mobile")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Màn hình nhập phiếu").click()
    expect(page.locator("#typing-ballot")).to_contain_text("Ông (bà) có trả thêm khoản phí nào khác")
    screenshot("form-preview-typist")
