"""The index engine: the worked example of docs/index.md, the sources agreeing, and the edges."""

import datetime
import json
import re
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reports.index import Scope, Slice, figures, indices_by, monthly_trend, sample_size, wilson_interval
from reports.periods import Period, PeriodInvalid, parse_period
from surveys.models import ResolvedCount, Response, SurveyPlan
from surveys.services.answering import survey_answer
from surveys.services.tallies import tallies_rebuild
from tests.factories import dossier_with_survey
from tests.surveys.test_import_ballots import run_import

DOC = Path(__file__).resolve().parents[2] / "docs" / "index.md"
SIPAS = ["Ngày", *(f"Câu {n}" for n in range(1, 9))]


def doc_table(marker: str) -> list[list[str]]:
    """The rows of the markdown table that follows `<!-- marker -->` in docs/index.md."""
    text = DOC.read_text(encoding="utf-8").split(f"<!-- {marker} -->", 1)[1].strip()
    rows = []
    for line in text.splitlines():
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not re.fullmatch(r"-+", cells[0]):
            rows.append(cells)
    return rows[1:]


def lookup(data, dotted: str):
    """Follow `dotted` through nested dicts whose own keys may hold dots or spaces ("Câu 1")."""
    while dotted:
        key = max((k for k in data if dotted == k or dotted.startswith(k + ".")), key=len)
        data, dotted = data[key], dotted[len(key) + 1 :]
    return data


def sipas_index(*args) -> dict:
    out = StringIO()
    call_command("sipas_index", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def plan(unit, year, **fields):
    defaults = {
        "number": "15/KH-UBND",
        "signed_on": datetime.date(year, 1, 5),
        "target_kind": "percent",
        "target_percent": 50,
        "starts": datetime.date(year, 1, 1),
        "ends": datetime.date(year, 12, 31),
        "lead_unit": "Văn phòng UBND phường",
        "publication": "Niêm yết tại Bộ phận Một cửa",
    }
    return SurveyPlan.objects.create(unit=unit, year=year, **{**defaults, **fields})


@pytest.fixture
def worked_example(world, builtin_forms):
    rows = [
        ["15/03/2026", *(None if cell == "–" else int(cell) for cell in row[1:])]
        for row in doc_table("worked-example:ballots")
    ]
    run_import(world, builtin_forms, SIPAS, rows)
    ResolvedCount.objects.create(unit=world.commune_a, month=datetime.date(2026, 3, 1), count=10)
    plan(world.commune_a, 2026)
    return world


def test_the_worked_example_of_docs_index_md(worked_example):
    printed = sipas_index("--unit", "09556", "--month", "2026-03")
    expected = doc_table("worked-example:results")
    assert len(expected) >= 20
    for key, value in expected:
        assert lookup(printed, key) == json.loads(value), key


def test_the_tallies_and_the_raw_answers_give_the_same_figures(worked_example, builtin_forms):
    header = ["Ngày", "3.1", "3.2", "3.3", "3.7", "3.8", "3.9", "3.10"]
    rows = [
        ["02/03/2026", "1; 3", "Rất tốt", "Kém", "Có", "Không", "Trễ hẹn", "Hài lòng"],
        ["20/03/2026", "2", "Tốt", "", "Không", "", "Đúng hẹn", "Rất hài lòng"],
        ["21/04/2026", "", "Trung bình", "Tốt", "", "Có", "Trước hẹn", ""],
    ]
    run_import(worked_example, builtin_forms, header, rows, form="binh-phuoc")
    scope = Scope.of(worked_example.commune_a)
    for period in (Period.month(2026, 3), Period.quarter(2026, 1), Period.year(2026)):
        from_tallies = figures(scope=scope, period=period)
        from_answers = figures(scope=scope, period=period, tallies=False)
        assert (from_tallies.source, from_answers.source) == ("tallies", "answers")
        assert from_tallies.to_json() == from_answers.to_json()
    march = figures(scope=scope, period=Period.month(2026, 3)).to_json()
    # Two forms in one month: keys carry the form's code, and the index takes both forms' factors.
    assert march["questions"]["binh-phuoc:3.1"] == {
        "n": 2,
        "rate": None,
        "ci95": None,
        "mean": None,
        "distribution": {"1": 1, "2": 1, "3": 1, "4": 0, "5": 0},
    }
    assert march["integrity"]["binh-phuoc:3.7"] == {"yes": 1, "n": 2, "percent": 50.0}
    assert march["timeliness"] == {"early": 0.0, "on_time": 50.0, "late": 50.0}
    assert march["responses"] == 6 and march["coverage"]["responses"] == 6


def test_a_period_without_responses_says_so_and_divides_by_nothing(world, builtin_forms):
    result = figures(scope=Scope.of(world.commune_b), period=Period.month(2026, 2))
    assert result.empty and result.index is None and result.questions == [] and result.factors == []
    assert result.coverage.rate is None and result.previous.change is None
    out = StringIO()
    call_command("sipas_index", "--unit", "09886", "--month", "2026-02", stdout=out)
    assert "Không có phiếu nào trong kỳ này." in out.getvalue()


def test_the_previous_period_and_the_change_in_points(worked_example, builtin_forms):
    run_import(worked_example, builtin_forms, SIPAS, [["10/02/2026", 5, 5, 5, 5, 5, 5, 5, 1]])
    printed = sipas_index("--unit", "09556", "--month", "2026-03")
    # February: every factor 100 % but Tiếp nhận góp ý 0 %: index 80; March 73.33.
    assert printed["previous"] == {
        "start": "2026-02-01",
        "end": "2026-02-28",
        "responses": 1,
        "index": 80.0,
        "change": -6.67,
    }


def test_merged_wards_count_with_their_successor_and_subtrees_roll_up(worked_example, builtin_forms):
    old = Response.objects.first()
    Response.objects.filter(pk=old.pk).update(unit=worked_example.old_ward)
    tallies_rebuild()
    assert sipas_index("--unit", "09556", "--month", "2026-03")["responses"] == 4
    assert sipas_index("--unit", "H-VANPHUC", "--month", "2026-03")["responses"] == 1
    assert sipas_index("--unit", "01", "--month", "2026-03")["responses"] == 0
    assert sipas_index("--unit", "01", "--subtree", "--month", "2026-03")["responses"] == 4
    assert sipas_index("--unit", "01", "--subtree", "--quarter", "2026-Q1")["index"] == 73.33


def test_slices_by_channel_and_civil_servant_read_the_raw_answers(worked_example, frozen_clock):
    _dossier, _survey, token = dossier_with_survey(unit=worked_example.commune_a, officer="Trần Văn Bình")
    survey_answer(token=token, client_id=uuid.uuid4(), raw={"Câu 1": 1})
    month = f"{frozen_clock:%Y-%m}"
    issued = sipas_index("--unit", "09556", "--month", month, "--channel", "issued")
    assert issued["responses"] == 1 and issued["questions"]["Câu 1"]["rate"] == 0.0
    mine = sipas_index("--unit", "09556", "--month", month, "--officer", "Trần Văn Bình")
    assert mine["responses"] == 1 and mine["coverage"] is None
    assert sipas_index("--unit", "09556", "--month", month, "--officer", "Người Khác")["responses"] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--unit", "99999", "--month", "2026-03"], "Không có đơn vị mã “99999”"),
        (["--unit", "09556", "--month", "2026-13"], "không có thật"),
        (["--unit", "09556", "--month", "03/2026"], "Không đọc được kỳ"),
        (["--unit", "09556", "--month", "2026"], "--month cần dạng YYYY-MM"),
        (["--unit", "09556", "--quarter", "2026-Q5"], "Không đọc được kỳ"),
        (["--unit", "09556", "--year", "2026", "--month", "2026-03"], "Cần đúng một kỳ"),
        (["--unit", "09556"], "Cần đúng một kỳ"),
        (["--unit", "09556", "--from", "01/03/2026"], "--from và --to phải đi cùng nhau"),
        (["--unit", "09556", "--from", "31/03/2026", "--to", "01/03/2026"], "trước ngày bắt đầu"),
        (["--unit", "09556", "--from", "31/02/2026", "--to", "01/03/2026"], "không có thật"),
        (["--unit", "09556", "--year", "2026", "--form", "khong-co"], "Không có mẫu phiếu"),
    ],
)
def test_bad_command_lines_exit_with_a_clear_message(world, builtin_forms, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("sipas_index", *args, stdout=StringIO())


def test_periods_name_themselves_and_know_the_one_before():
    assert parse_period("2026-Q4").label == "quý IV năm 2026"
    assert parse_period("2026-9T").previous() == Period.nine_months(2025)
    assert parse_period("2026-01").previous() == Period.month(2025, 12)
    assert Period.quarter(2026, 1).previous() == Period.quarter(2025, 4)
    assert Period.between(datetime.date(2026, 3, 10), datetime.date(2026, 3, 19)).previous() == Period.between(
        datetime.date(2026, 2, 28), datetime.date(2026, 3, 9)
    )
    assert not Period.between(datetime.date(2026, 3, 2), datetime.date(2026, 3, 31)).whole_months
    with pytest.raises(PeriodInvalid):
        parse_period("2026-00")


def test_wilson_and_the_sample_size_formula():
    low, high = wilson_interval(0, 5)
    assert low == 0 and 0 < high < 50
    low, high = wilson_interval(5, 5)
    assert 50 < low < 100 and high == 100
    assert sample_size(10, 5) == 10 and sample_size(1000, 5) == 286


def test_part_of_a_month_has_no_coverage_rather_than_a_guess(worked_example):
    printed = sipas_index("--unit", "09556", "--from", "01/03/2026", "--to", "20/03/2026")
    assert printed["responses"] == 4 and printed["index"] == 73.33 and printed["coverage"] is None


def test_indices_by_month_and_officer_agree_with_figures(worked_example, builtin_forms, frozen_clock):
    run_import(worked_example, builtin_forms, SIPAS, [["10/02/2026", 5, 5, 5, 5, 5, 5, 5, 1]])
    scope = Scope.of(worked_example.commune_a)
    months = [Period.month(2026, month) for month in (1, 2, 3)]
    trend = monthly_trend(scope=scope, months=months)
    assert trend == [(month, figures(scope=scope, period=month, compare=False).index) for month in months]
    assert [index for _month, index in trend] == [None, 80.0, pytest.approx(73.3333, abs=1e-3)]
    # Part of a month reads the raw answers: the same arithmetic on the same counts.
    part = Period.between(datetime.date(2026, 2, 1), datetime.date(2026, 3, 30))
    raw = indices_by(scope=scope, period=part, by="month")
    assert raw[datetime.date(2026, 3, 1)].responses == 4
    assert (
        raw[datetime.date(2026, 3, 1)].index == figures(scope=scope, period=Period.month(2026, 3), compare=False).index
    )
    _dossier, _survey, token = dossier_with_survey(unit=worked_example.commune_a, officer="Trần Văn Bình")
    survey_answer(token=token, client_id=uuid.uuid4(), raw={"Câu 1": 5, "Câu 4": 2})
    this_month = Period.month(frozen_clock.year, frozen_clock.month)
    officers = indices_by(scope=scope, period=this_month, by="officer")
    assert officers["Trần Văn Bình"].responses == 1
    assert (
        officers["Trần Văn Bình"].index
        == figures(scope=scope, period=this_month, slice=Slice(officer="Trần Văn Bình")).index
        == 50.0
    )


def test_one_count_by_month_gives_the_figures_the_period_before_and_the_trend(worked_example, builtin_forms):
    """What the results page reads in one grouped pass equals figures() and monthly_trend() asked apart."""
    from reports.index.grouped import figures_and_trend

    run_import(worked_example, builtin_forms, SIPAS, [["10/12/2025", 5, 4, 5, 2, 5, 5, 5, 1]])
    scope = Scope.of(worked_example.commune_a)
    quarter = Period.quarter(2026, 1)
    months = [Period.month(2025, month) for month in (10, 11, 12)] + quarter.trailing_months(3)
    for narrowed in (Slice(), Slice(channel="paper"), Slice(field=None, procedure=None, officer="Không ai")):
        found, trend = figures_and_trend(scope=scope, period=quarter, months=months, slice=narrowed)
        assert found.to_json() == figures(scope=scope, period=quarter, slice=narrowed).to_json()
        assert trend == monthly_trend(scope=scope, months=months, slice=narrowed)
    found, _trend = figures_and_trend(scope=scope, period=quarter, months=months)
    assert found.previous.index == 70.0 and found.responses == 4  # Q4 2025: the one December ballot
