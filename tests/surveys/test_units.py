import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection

from surveys.models import Unit
from surveys.services.units import UnitRow, UnitsLoadError, units_load
from surveys.text import fold
from tests.factories import UnitFactory


def _table():
    return list(
        Unit.objects.order_by("code").values_list(
            "code", "name", "kind", "parent__code", "path", "search_name", "valid_from", "valid_to", "successor__code"
        )
    )


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Thượng  Lộ", "thuong lo"), ("Đặc khu Phú Quốc", "dac khu phu quoc"), ("THỪA THIÊN HUẾ", "thua thien hue")],
)
def test_fold_drops_diacritics_case_and_extra_spaces(text, folded):
    assert fold(text) == folded


@pytest.mark.django_db
def test_load_units_loads_the_official_list_and_is_idempotent(capsys):
    call_command("load_units")
    first = capsys.readouterr().out
    table = _table()
    call_command("load_units")
    second = capsys.readouterr().out

    assert Unit.objects.filter(kind=Unit.Kind.PROVINCE, code__regex=r"^[0-9]{2}$").count() == 34
    assert Unit.objects.filter(kind=Unit.Kind.COMMUNE, code__regex=r"^[0-9]{5}$").count() == 3321
    assert _table() == table
    assert first.count("\n") == 1 and "34 provinces, 3321 communes" in first
    assert "0 created, 0 updated" in second


@pytest.mark.django_db
def test_official_units_have_their_statistics_office_codes_and_parents():
    call_command("load_units", stdout=io.StringIO())
    hanoi = Unit.objects.get(code="01")
    hoan_kiem = Unit.objects.get(code="00070")
    assert hanoi.name == "Thành phố Hà Nội"
    assert Unit.objects.get(code="42").name == "Tỉnh Hà Tĩnh"
    assert (hoan_kiem.name, hoan_kiem.parent, hoan_kiem.path) == ("Phường Hoàn Kiếm", hanoi, "/01/00070/")
    assert hoan_kiem.valid_from == datetime.date(2025, 7, 1)


@pytest.mark.django_db
def test_historical_units_of_the_source_documents_point_to_their_successors():
    call_command("load_units", stdout=io.StringIO())
    expected = {
        "H-THUONGLO": ("Xã Thượng Lộ", "H-NAMDONG", "20161"),
        "H-THUANLOC": ("Xã Thuận Lộc", "H-HONGLINH", "18118"),
        "H-VANPHUC": ("Phường Vạn Phúc", "H-HADONG", "09556"),
        "H-ANMY": ("Xã An Mỹ", "H-MYDUC", "10465"),
        "H-BINHPHUOC-SCT": ("Sở Công Thương tỉnh Bình Phước", "H-BINHPHUOC", "75-SCT"),
        "H-BINHPHUOC": ("Tỉnh Bình Phước", None, "75"),
    }
    for code, (name, parent, successor) in expected.items():
        unit = Unit.objects.select_related("parent", "successor").get(code=code)
        assert unit.name == name
        assert (unit.parent.code if unit.parent else None) == parent
        assert unit.successor.code == successor
        assert unit.valid_to == datetime.date(2025, 6, 30)
    assert Unit.objects.get(code="H-HONGLINH").parent.code == "42"


@pytest.mark.django_db
def test_own_codes_never_look_like_official_ones():
    call_command("load_units", stdout=io.StringIO())
    own = Unit.objects.exclude(code__regex=r"^([0-9]{2}|[0-9]{5})$")
    assert own.exists()
    assert not own.filter(code__regex=r"^[0-9]+$").exists()


@pytest.mark.django_db
def test_subtree_is_the_unit_and_everything_below_it():
    root = UnitFactory(code="01", kind=Unit.Kind.PROVINCE)
    district = UnitFactory(code="H-D", kind=Unit.Kind.DISTRICT, parent=root)
    ward = UnitFactory(code="H-W", parent=district)
    commune = UnitFactory(code="00004", parent=root)
    UnitFactory(code="010", kind=Unit.Kind.PROVINCE)  # shares the prefix "01" but not the path "/01/"
    other = UnitFactory(code="42", kind=Unit.Kind.PROVINCE)
    UnitFactory(code="18118", parent=other)

    assert set(Unit.objects.subtree_of(root)) == {root, district, ward, commune}
    assert set(Unit.objects.subtree_of(district)) == {district, ward}
    assert set(Unit.objects.subtree_of(district, commune)) == {district, ward, commune}


@pytest.mark.django_db
def test_reparenting_moves_the_whole_subtree():
    units_load(rows=[UnitRow("01", "A", "tinh"), UnitRow("H-D", "D", "huyen", "01"), UnitRow("H-W", "W", "xa", "H-D")])
    result = units_load(
        rows=[UnitRow("42", "B", "tinh"), UnitRow("H-D", "D", "huyen", "42"), UnitRow("H-W", "W", "xa", "H-D")]
    )
    assert Unit.objects.get(code="H-W").path == "/42/H-D/H-W/"
    assert (result.created, result.updated) == (1, 2)


@pytest.mark.django_db
def test_subtree_query_is_one_indexed_range_scan(django_assert_num_queries):
    for code in ["01", "42"]:
        root = UnitFactory(code=code, kind=Unit.Kind.PROVINCE)
        for n in range(50):
            UnitFactory(code=f"{code}{n:03d}", parent=root)
    root = Unit.objects.get(code="01")
    queryset = Unit.objects.subtree_of(root)
    with django_assert_num_queries(1):
        assert len(list(queryset)) == 51
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    if connection.vendor == "postgresql":
        assert "Index Cond: (((path)::text >= '/01/'::text) AND ((path)::text < '/01/~'::text))" in plan
        assert "Seq Scan" not in plan
    else:
        assert "SEARCH surveys_unit USING INDEX" in plan and "(path>? AND path<?)" in plan


@pytest.mark.django_db
def test_the_picker_search_finds_thuong_lo_among_all_units():
    from surveys.selectors import unit_search
    from tests.factories import UserFactory

    call_command("load_units", stdout=io.StringIO())
    admin = UserFactory(username="quantri", is_superuser=True)
    found = [unit.name for unit in unit_search(user=admin, text="thuong lo")]
    assert found[0] == "Xã Thượng Lộ"
    assert all(name.startswith(("Xã Thượng Lộ", "Xã Thượng Long")) for name in found)
    names = [unit.name for unit in unit_search(user=admin, text="hong linh")]
    assert names[:2] == ["Phường Bắc Hồng Lĩnh", "Phường Nam Hồng Lĩnh"] and "Thị xã Hồng Lĩnh" in names


@pytest.mark.django_db
def test_moving_a_unit_and_its_ancestor_in_one_load_keeps_every_path_right():
    units_load(
        rows=[
            UnitRow("01", "A", "tinh"),
            UnitRow("42", "B", "tinh"),
            UnitRow("75", "C", "tinh"),
            UnitRow("H-D", "D", "huyen", "01"),
            UnitRow("H-W", "W", "xa", "H-D"),
        ]
    )
    UnitFactory(code="H-X", parent=Unit.objects.get(code="H-W"))  # below H-W, not in the rows
    units_load(rows=[UnitRow("H-D", "D", "huyen", "42"), UnitRow("H-W", "W", "xa", "75")])
    assert Unit.objects.get(code="H-X").path == "/75/H-W/H-X/"
    assert {unit.code for unit in Unit.objects.subtree_of(Unit.objects.get(code="H-W"))} == {"H-W", "H-X"}


@pytest.mark.parametrize("code", ["01/X", "ha-noi", "7", "123", "X~", ""])
@pytest.mark.django_db
def test_codes_that_would_break_the_tree_are_refused_and_nothing_is_written(code):
    with pytest.raises(UnitsLoadError):
        units_load(rows=[UnitRow("01", "A", "tinh"), UnitRow(code, "B", "xa", "01")])
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_an_unknown_parent_or_successor_is_a_clear_error():
    with pytest.raises(UnitsLoadError, match="H-NONE"):
        units_load(rows=[UnitRow("H-A", "A", "xa", successor="H-NONE")])
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_load_units_keeps_the_history_an_administrator_recorded_on_official_units():
    call_command("load_units", stdout=io.StringIO())
    Unit.objects.filter(code="00070").update(
        valid_to=datetime.date(2030, 6, 30), successor=Unit.objects.get(code="00073")
    )
    Unit.objects.filter(code="04").update(valid_to=datetime.date(2030, 6, 30), successor=Unit.objects.get(code="08"))
    call_command("load_units", stdout=io.StringIO())
    unit = Unit.objects.get(code="00070")
    assert (unit.valid_to, unit.successor.code) == (datetime.date(2030, 6, 30), "00073")
    province = Unit.objects.get(code="04")
    assert (province.valid_to, province.successor.code) == (datetime.date(2030, 6, 30), "08")


@pytest.mark.django_db
def test_a_broken_fixture_stops_load_units_with_a_vietnamese_message(tmp_path, monkeypatch):
    from django.core.management import CommandError

    from surveys.services import units as services

    broken = tmp_path / "units.json"
    broken.write_text('{"units": [{"code": "H-A", "name": "A", "kind": "xa", "parent": "H-MISSING"}]}')
    monkeypatch.setattr(services, "OUTSIDE_OFFICIAL_LIST", broken)
    with pytest.raises(CommandError, match="Không có đơn vị mã H-MISSING"):
        call_command("load_units", stdout=io.StringIO())
    assert not Unit.objects.exists()
