"""Log in as each role in a real browser and look at the home page, in Vietnamese and in English."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# persona, what the home page must offer in Vietnamese, and in English.
ROLES = [
    ("staff_a", "Mở hòm phiếu và nhập phiếu giấy", "Open the ballot box and type in paper ballots"),
    ("head_a", "Quản lý tài khoản của đơn vị", "Manage your unit's accounts"),
    ("official", "Tra cứu đơn vị theo dõi", "Look up the units you oversee"),
    ("admin_hanoi", "Quản lý tài khoản và phân quyền", "Manage accounts and roles"),
    ("superuser", "Trang quản trị hệ thống", "System administration"),
]


def log_in(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


@pytest.mark.parametrize(("persona", "vietnamese", "english"), ROLES)
def test_each_role_sees_its_next_steps_in_both_languages(live_server, page, screenshot, persona, vietnamese, english):
    world = make_world()
    user = getattr(world, persona)
    log_in(page, live_server, user.username)
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#tasks").get_by_text(vietnamese)).to_be_visible()
    screenshot(f"home-{persona}-vi")

    page.select_option("#language", "en")
    page.click("#set-language")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#tasks").get_by_text(english)).to_be_visible()
    screenshot(f"home-{persona}-en")


def test_a_wrong_password_is_answered_in_vietnamese(live_server, page, screenshot):
    make_world()
    log_in(page, live_server, "motcua.a", "sai-mat-khau")
    expect(page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng.")).to_be_visible()
    screenshot("login-wrong-password")


def test_unit_picker_finds_a_unit_typed_without_diacritics(live_server, page, screenshot):
    make_world()
    log_in(page, live_server, "quantri")
    page.goto(f"{live_server.url}/don-vi/")
    page.fill("#unit-q", "van phuc")
    result = page.locator("#unit-results").get_by_text("Phường Vạn Phúc")
    expect(result).to_be_visible()
    screenshot("unit-picker")
    result.click()
    page.wait_for_url(f"{live_server.url}/don-vi/H-VANPHUC/")
    expect(page.get_by_role("link", name="Phường Hà Đông")).to_be_visible()
