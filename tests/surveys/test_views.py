import pytest
from django.contrib.auth import get_user_model

from surveys.models import AuditEntry, Membership
from tests.conftest import PASSWORD


def create_account(client, username, unit, role, password="quay-mot-cua-2026"):
    """Post the account form as a person would fill it in."""
    data = {"username": username, "full_name": "Nguyễn Thị Mới", "password": password, "unit": unit, "role": role}
    return client.post("/tai-khoan/them/", data)


def login_attempt(client, username, password, address="10.0.0.7"):
    return client.post("/dang-nhap/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_login_with_the_right_password_lands_on_the_home_page(world, client):
    response = login_attempt(client, "motcua.a", PASSWORD)
    assert response.status_code == 302 and response.url == "/"


def test_a_wrong_password_gets_a_clear_vietnamese_message(world, client):
    response = login_attempt(client, "motcua.a", "sai-mat-khau")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()


def test_logins_are_throttled_per_account_and_address(world, client):
    for _ in range(5):
        login_attempt(client, "motcua.a", "sai-mat-khau")
    locked = login_attempt(client, "motcua.a", PASSWORD)
    assert locked.status_code == 429
    assert "Tạm khóa đăng nhập" in locked.content.decode()
    # Another account from the same address, and the same account from another address, still get in.
    assert login_attempt(client, "motcua.b", PASSWORD).status_code == 302
    assert login_attempt(client, "motcua.a", PASSWORD, address="10.0.0.8").status_code == 302


def test_five_wrong_passwords_are_each_told_and_the_sixth_try_waits_with_retry_after(world, client):
    wrong = [login_attempt(client, "motcua.a", "sai-mat-khau") for _ in range(5)]
    sixth = login_attempt(client, "motcua.a", PASSWORD)

    assert [reply.status_code for reply in wrong] == [200] * 5
    assert all("Tên đăng nhập hoặc mật khẩu không đúng." in reply.content.decode() for reply in wrong)
    assert sixth.status_code == 429
    assert sixth["Retry-After"] == "900"
    assert "thử lại sau 15 phút" in sixth.content.decode()


def test_behind_a_proxy_the_lockout_counts_the_sender_not_the_proxy(world, client, settings):
    settings.SIPAS_PROXY_HOPS = 1

    def through_proxy(sender, password):
        data = {"username": "motcua.a", "password": password}
        return client.post("/dang-nhap/", data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=sender)

    for _ in range(5):
        through_proxy("203.0.113.7", "sai-mat-khau")

    assert through_proxy("203.0.113.7", PASSWORD).status_code == 429
    # A colleague behind the same proxy still logs in to the same account.
    assert through_proxy("203.0.113.8", PASSWORD).status_code == 302


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/dang-nhap/")


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("staff_a", "Mở hòm phiếu và nhập phiếu giấy", "Quản lý tài khoản của đơn vị"),
        ("head_a", "Quản lý tài khoản của đơn vị", "Mở hòm phiếu và nhập phiếu giấy"),
        ("official", "Tra cứu đơn vị theo dõi", "Quản lý tài khoản của đơn vị"),
        ("admin_hanoi", "Tra cứu đơn vị theo dõi", "Trang quản trị hệ thống"),
        ("superuser", "Trang quản trị hệ thống", "Mở hòm phiếu và nhập phiếu giấy"),
    ],
)
def test_home_shows_each_role_what_to_do_next(world, client, persona, shown, hidden):
    client.force_login(getattr(world, persona))
    page = client.get("/").content.decode()
    assert shown in page
    assert hidden not in page


def test_home_of_someone_without_a_role_says_so(db, client):
    client.force_login(get_user_model().objects.create_user("moi", password=PASSWORD))
    assert "chưa được giao vai trò" in client.get("/").content.decode()


def test_unit_picker_finds_names_typed_without_diacritics(world, client):
    client.force_login(world.official)
    page = client.get("/don-vi/", {"q": "van phuc"}).content.decode()
    assert "Phường Vạn Phúc" in page
    partial = client.get("/don-vi/", {"q": "ha dong"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Phường Hà Đông" in partial and "<html" not in partial


def test_unit_picker_never_shows_units_outside_the_scope(world, client):
    client.force_login(world.staff_a)
    page = client.get("/don-vi/", {"q": "duong noi"}).content.decode()
    assert "Phường Dương Nội" not in page
    assert "Không có đơn vị nào" in page


def test_outsider_gets_404_on_every_unit_page_of_another_province(world, client):
    client.force_login(world.outsider)
    for unit in [world.hanoi, world.commune_a, world.commune_b, world.old_ward]:
        assert client.get(f"/don-vi/{unit.code}/").status_code == 404


def test_head_sees_the_ward_merged_into_their_commune(world, client):
    client.force_login(world.head_a)
    page = client.get(f"/don-vi/{world.commune_a.code}/").content.decode()
    assert "Phường Vạn Phúc" in page
    assert client.get(f"/don-vi/{world.old_ward.code}/").status_code == 200


def test_counter_staff_see_no_link_to_merged_units_outside_their_reach(world, client):
    client.force_login(world.staff_a)
    page = client.get(f"/don-vi/{world.commune_a.code}/").content.decode()
    assert "Phường Vạn Phúc" not in page


def test_head_creates_a_counter_account_in_their_unit(world, client):
    client.force_login(world.head_a)
    response = create_account(client, "motcua.moi", world.commune_a.code, "counter")
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="motcua.moi")
    assert (membership.unit, membership.role) == (world.commune_a, "counter")
    assert AuditEntry.objects.filter(action="surveys.account.created", actor=world.head_a).exists()


def test_the_account_form_offers_only_the_roles_the_person_may_grant(world, client):
    client.force_login(world.head_a)
    page = client.get("/tai-khoan/them/").content.decode()
    assert 'value="counter"' in page and 'value="head"' not in page and 'value="official"' not in page
    client.force_login(world.admin_hanoi)
    page = client.get("/tai-khoan/them/").content.decode()
    assert all(f'value="{role}"' in page for role in ["counter", "head", "official", "admin"])


def test_admin_cannot_grant_roles_outside_their_subtree_and_nothing_is_created(world, client):
    client.force_login(world.admin_hanoi)
    response = create_account(client, "theodoi.moi", world.commune_c.code, "official")
    assert response.status_code == 200
    assert 'id="error_1_id_unit"' in response.content.decode()
    assert not get_user_model().objects.filter(username="theodoi.moi").exists()


def test_head_cannot_create_accounts_in_a_neighbouring_unit(world, client):
    client.force_login(world.head_a)
    response = create_account(client, "x.moi", "09886", "counter")
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="x.moi").exists()


def test_weak_passwords_are_refused_next_to_the_field(world, client):
    client.force_login(world.head_a)
    response = create_account(client, "yeu.mk", world.commune_a.code, "counter", password="123")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error_1_id_password"' in page
    assert "Mật khẩu quá ngắn: cần ít nhất 8 ký tự." in page
    assert not get_user_model().objects.filter(username="yeu.mk").exists()


def test_account_pages_are_404_for_those_who_manage_no_unit(world, client):
    for persona in [world.staff_a, world.official]:
        client.force_login(persona)
        assert client.get("/tai-khoan/").status_code == 404
        assert client.get("/tai-khoan/them/").status_code == 404


def test_head_lists_and_revokes_roles_of_their_own_unit_only(world, client):
    client.force_login(world.head_a)
    page = client.get("/tai-khoan/").content.decode()
    assert "motcua.a" in page and "motcua.b" not in page
    own_role = Membership.objects.get(user=world.head_a)
    assert f"/tai-khoan/{own_role.pk}/thu-hoi/" not in page
    assert client.post(f"/tai-khoan/{own_role.pk}/thu-hoi/").status_code == 403
    assert Membership.objects.filter(pk=own_role.pk).exists()
    staff_b_role = Membership.objects.get(user=world.staff_b)
    assert client.post(f"/tai-khoan/{staff_b_role.pk}/thu-hoi/").status_code == 404
    staff_a_role = Membership.objects.get(user=world.staff_a)
    assert client.post(f"/tai-khoan/{staff_a_role.pk}/thu-hoi/").status_code == 302
    assert not Membership.objects.filter(pk=staff_a_role.pk).exists()
    assert AuditEntry.objects.filter(action="surveys.membership.revoked").count() == 1


def test_django_admin_is_for_system_administrators_only(world, client):
    world.admin_hanoi.is_staff = True  # even if someone ticks "staff status" for them
    world.admin_hanoi.save()
    client.force_login(world.admin_hanoi)
    assert client.get("/quan-tri/").status_code == 302
    assert client.get("/quan-tri/surveys/unit/").status_code == 302
    client.force_login(world.superuser)
    assert client.get("/quan-tri/surveys/unit/").status_code == 200


def test_english_is_one_switch_away(world, client):
    client.force_login(world.head_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Manage your unit&#x27;s accounts" in page or "Manage your unit's accounts" in page
    assert 'lang="en"' in page


def test_an_administrator_elsewhere_still_grants_only_counter_staff_in_the_unit_they_head(world, client):
    Membership.objects.create(user=world.head_a, unit=world.hatinh, role=Membership.Role.ADMIN)
    client.force_login(world.head_a)
    response = create_account(client, "tt.moi", "09556", "official")
    assert "Bạn không được cấp vai trò này tại đơn vị đã chọn." in response.content.decode()
    assert not get_user_model().objects.filter(username="tt.moi").exists()
