"""Comparing units: one row per unit under the chosen one, fair ranks with their ranges, history kept."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.comparison import Filters, Measure, compare_units
from reports.periods import Period
from surveys.models import ResolvedCount, Unit
from tests.factories import UnitFactory, ballots, scored_ballots

MARCH = datetime.date(2026, 3, 10)
BEFORE_MERGER = datetime.date(2025, 6, 30)


@pytest.fixture
def hanoi(world, builtin_forms, frozen_clock):
    """Hà Đông answers well, Dương Nội badly, a small commune has too few ballots to be ranked."""
    Unit.objects.filter(pk__in=[world.district.pk, world.old_ward.pk]).update(valid_to=BEFORE_MERGER)
    world.small = UnitFactory(code="10001", name="Xã Nhỏ", parent=world.hanoi)
    ballots(world.commune_a, scored_ballots(60, 0.9, day=MARCH))
    ballots(world.commune_b, scored_ballots(60, 0.4, day=MARCH, seed=1))
    ballots(world.small, scored_ballots(10, 1.0, day=MARCH, seed=2))
    return world


def rows_by_code(table) -> dict:
    return {row.unit.code: row for row in table.rows}


def test_units_are_ranked_with_their_range_and_a_small_unit_is_not(hanoi):
    table = compare_units(root=hanoi.hanoi, period=Period.month(2026, 3))
    rows = rows_by_code(table)
    assert [row.unit.code for row in table.rows] == ["09556", "09886", "10001"]  # by rank, unranked last
    best, worst, small = rows["09556"], rows["09886"], rows["10001"]
    assert best.figures.responses == 60 and best.enough and best.rank_text == "1"
    assert worst.rank_text == "2" and worst.ranked.group == 2 and best.ranked.group == 1
    assert best.low > worst.high  # told apart only because their intervals do not overlap
    assert not small.enough and small.ranked is None and small.figures.index == 100.0
    assert small.figures.needed == 30  # no resolved count: SIPAS_MIN_RESPONSES


def test_units_whose_intervals_overlap_share_a_group_and_a_range(hanoi):
    ballots(hanoi.commune_b, scored_ballots(60, 0.5, day=MARCH, seed=3))
    ballots(hanoi.commune_a, scored_ballots(60, 0.05, day=MARCH, seed=4))
    rows = rows_by_code(compare_units(root=hanoi.hanoi, period=Period.month(2026, 3)))
    first, second = sorted([rows["09556"], rows["09886"]], key=lambda row: row.ranked.rank)
    assert first.low <= second.high
    assert (first.rank_text, second.rank_text) == ("1 (1–2)", "2 (1–2)")
    assert first.ranked.group == second.ranked.group == 1


def test_a_known_resolved_count_asks_for_the_plans_sample_size(hanoi, settings):
    ResolvedCount.objects.create(unit=hanoi.commune_a, month=datetime.date(2026, 3, 1), count=200)
    rows = rows_by_code(compare_units(root=hanoi.hanoi, period=Period.month(2026, 3)))
    assert rows["09556"].figures.needed == 134  # n = 200 ÷ (1 + 200 × 0.05²), rounded up
    assert not rows["09556"].enough and rows["09886"].ranked.rank == 1
    settings.SIPAS_MIN_RESPONSES = 5
    rows = rows_by_code(compare_units(root=hanoi.hanoi, period=Period.month(2026, 3)))
    assert rows["10001"].enough and rows["10001"].figures.needed == 5


def test_a_ward_merged_in_2025_keeps_its_own_row_and_counts_in_its_successor(hanoi):
    ballots(hanoi.old_ward, scored_ballots(40, 0.8, day=datetime.date(2025, 3, 5), seed=5))
    year_2025 = rows_by_code(compare_units(root=hanoi.hanoi, period=Period.year(2025)))
    assert year_2025["H-HADONG"].figures.responses == 40  # the old district, with Vạn Phúc in it
    assert year_2025["09556"].figures.responses == 40  # Hà Đông's row includes its predecessor
    assert "H-HADONG" not in rows_by_code(compare_units(root=hanoi.hanoi, period=Period.year(2026)))
    # Under the old district, the ward appears under its own name for the months it existed.
    assert (
        rows_by_code(compare_units(root=hanoi.district, period=Period.year(2025)))["H-VANPHUC"].figures.responses == 40
    )


def test_filters_narrow_the_rows_and_the_counts(hanoi):
    ballots(hanoi.commune_b, scored_ballots(5, 1.0, day=MARCH, seed=6), channel="online")
    march = Period.month(2026, 3)
    wards = compare_units(root=hanoi.hanoi, period=march, filters=Filters(kind="phuong"))
    assert {row.unit.code for row in wards.rows} == {"09556", "09886"}
    online = rows_by_code(compare_units(root=hanoi.hanoi, period=march, filters=Filters(channel="online")))
    assert online["09886"].figures.responses == 5 and online["09556"].figures.responses == 0
    assert rows_by_code(compare_units(root=hanoi.hanoi, period=march))["09886"].figures.channels["online"] == 5


def test_rows_sort_by_any_column_with_empty_values_last(hanoi):
    march = Period.month(2026, 3)
    by_name = compare_units(root=hanoi.hanoi, period=march, sort="name")
    assert [row.unit.name for row in by_name.rows] == ["Phường Dương Nội", "Phường Hà Đông", "Xã Nhỏ"]
    by_change = compare_units(root=hanoi.hanoi, period=march, sort="change")
    assert all(row.figures.previous.change is None for row in by_change.rows)  # nothing in February
    by_index = compare_units(root=hanoi.hanoi, period=march, sort="index", descending=False)
    assert [row.unit.code for row in by_index.rows] == ["09886", "09556", "10001"]


def test_units_are_ranked_on_one_question_or_factor(hanoi):
    march = Period.month(2026, 3)
    question = compare_units(root=hanoi.hanoi, period=march, measure=Measure(template="sipas-5", code="Câu 4"))
    rows = rows_by_code(question)
    assert rows["09556"].value == rows["09556"].figures.scored[3].rate and rows["09556"].ranked.rank == 1
    factor = rows_by_code(compare_units(root=hanoi.hanoi, period=march, measure=Measure(factor="officer")))
    assert factor["09886"].value == factor["09886"].figures.factor("officer") and factor["09886"].ranked.rank == 2


def test_the_number_of_queries_does_not_grow_with_the_number_of_units(hanoi):
    march = Period.month(2026, 3)
    with CaptureQueriesContext(connection) as few:
        compare_units(root=hanoi.hanoi, period=march)
    for number in range(30):
        unit = UnitFactory(code=f"{20000 + number}", name=f"Xã Thêm {number}", parent=hanoi.hanoi)
        ballots(unit, scored_ballots(3, 0.5, day=MARCH, seed=number))
    with CaptureQueriesContext(connection) as many:
        table = compare_units(root=hanoi.hanoi, period=march)
    assert len(table.rows) == 33
    assert len(many) == len(few) <= 20


def test_an_empty_period_has_rows_and_no_responses(hanoi):
    table = compare_units(root=hanoi.hanoi, period=Period.month(2026, 1))
    assert table.empty and {row.unit.code for row in table.rows} == {"09556", "09886", "10001"}
    assert not any(row.ranked for row in table.rows)


def sipas_compare(*args) -> dict:
    out = StringIO()
    call_command("sipas_compare", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_sipas_compare_prints_the_documented_json(hanoi):
    printed = sipas_compare("--unit", "01", "--month", "2026-03")
    assert printed["period"] == {
        "kind": "month",
        "key": "2026-03",
        "start": "2026-03-01",
        "end": "2026-03-31",
        "provisional": False,
    }
    first, second, small = printed["units"]
    assert set(first) == {
        "code", "name", "kind", "responses", "index", "ci95", "factors", "coverage", "enough", "rank", "rank_range",
        "change",
    }  # fmt: skip
    assert (first["code"], first["kind"], first["rank"], first["rank_range"]) == ("09556", "phuong", 1, [1, 1])
    assert first["responses"] == 60 and first["ci95"][0] < first["index"] < first["ci95"][1]
    assert first["factors"]["Công chức"] == round(first["factors"]["Công chức"], 2)
    assert (small["code"], small["enough"], small["rank"], small["rank_range"]) == ("10001", False, None, None)
    assert sipas_compare("--unit", "01", "--month", "2026-03", "--kind", "xa")["units"][0]["code"] == "10001"


def test_sipas_compare_ranks_the_provinces(hanoi):
    ballots(hanoi.commune_c, scored_ballots(40, 0.7, day=MARCH, seed=7))
    printed = sipas_compare("--national", "--quarter", "2026-Q1")
    found = {unit["code"]: unit for unit in printed["units"]}
    assert found["01"]["responses"] == 130 and found["42"]["responses"] == 40
    assert found["01"]["rank"] is not None and found["42"]["rank"] is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "99"], "Không có đơn vị mã “99”."),
        (["--unit", "01", "--month", "2026-13"], "không có thật"),
        (["--unit", "01", "--month", "2026-03", "--form", "khong-co"], "Không có mẫu phiếu mã “khong-co”."),
    ],
)
def test_sipas_compare_refuses_bad_input_with_a_message(hanoi, args, message):
    if "--month" not in args:
        args = [*args, "--month", "2026-03"]
    with pytest.raises(CommandError, match=message):
        call_command("sipas_compare", *args, stdout=StringIO())
