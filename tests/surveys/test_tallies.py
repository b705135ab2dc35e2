"""The monthly tallies always equal the raw answers, whatever path wrote them."""

import datetime
import json
import uuid

from django.db.models import F

from reports.index import Scope, figures
from reports.periods import Period
from surveys.models import (
    Answer,
    AnswerTally,
    PairTally,
    ProvinceAnswerTally,
    ProvincePairTally,
    ProvinceResponseTally,
    Response,
    ResponseTally,
)
from surveys.services.answering import rating_submit, survey_answer
from surveys.services.survey_settings import survey_settings_save
from surveys.services.tallies import tallies_rebuild
from tests.factories import dossier_with_survey
from tests.surveys.test_batches import FULL, batch, login, post_ballot  # noqa: F401  (batch is a fixture)
from tests.surveys.test_import_ballots import run_import


def snapshot() -> tuple[set, ...]:
    """Every non-zero tally row, the units' and the provinces', as comparable tuples."""
    responses = {
        (row.unit_id, row.month, row.channel, row.version_id, row.responses)
        for row in ResponseTally.objects.exclude(responses=0)
    }
    answers = {
        (row.unit_id, row.month, row.channel, row.question_id, row.value, row.answers)
        for row in AnswerTally.objects.exclude(answers=0)
    }
    pairs = {
        (row.unit_id, row.month, row.channel, row.first_id, row.second_id, row.both_answered, row.both_satisfied)
        + (row.first_satisfied, row.second_satisfied)
        for row in PairTally.objects.exclude(both_answered=0)
    }
    provinces = {
        (row.unit_id, row.month, row.channel, row.version_id, row.responses)
        for row in ProvinceResponseTally.objects.exclude(responses=0)
    }
    province_answers = {
        (row.unit_id, row.month, row.channel, row.question_id, row.value, row.answers)
        for row in ProvinceAnswerTally.objects.exclude(answers=0)
    }
    province_pairs = {
        (row.unit_id, row.month, row.channel, row.first_id, row.second_id, row.both_answered, row.both_satisfied)
        for row in ProvincePairTally.objects.exclude(both_answered=0)
    }
    return responses, answers, pairs, provinces, province_answers, province_pairs


def copies_differing() -> int:
    """Answers whose copy of their response's unit, day, channel, procedure or civil servant is not the response's."""
    return (
        Answer.objects.exclude(unit_id=F("response__unit_id"))
        .union(Answer.objects.exclude(answered_on=F("response__answered_on")))
        .union(Answer.objects.exclude(channel=F("response__channel")))
        .union(Answer.objects.exclude(officer=F("response__officer")))
        .union(Answer.objects.filter(procedure__isnull=False).exclude(procedure_id=F("response__procedure_id")))
        .union(Answer.objects.filter(procedure__isnull=True, response__procedure__isnull=False))
        .count()
    )


def test_tallies_kept_on_every_write_equal_a_rebuild_from_the_raw_answers(world, builtin_forms, batch, client):  # noqa: F811
    # Typed paper ballots, one of them corrected into another month with other scores and a blank.
    login(client, world.staff_a)
    post_ballot(client, batch, FULL)
    ballot_id = post_ballot(client, batch, {**FULL, "Câu 8": 1}).json()["ballot"]["id"]
    correction = {"answered_on": "15/01/2025", "answers": {**FULL, "Câu 2": None, "Câu 8": 5}}
    reply = client.post(
        f"/lo-phieu/{batch.pk}/phieu/{ballot_id}/", json.dumps(correction), content_type="application/json"
    )
    assert reply.status_code == 200
    # An import of the Bình Phước form: a multiple choice with two ticks, yes/no, timeliness, a comment.
    header = ["Ngày", "3.1", "3.2", "3.7", "3.9", "4"]
    rows = [
        ["10/04/2025", "1; 2", "Rất tốt", "Có", "Trễ hẹn", "Cần thêm ghế"],
        ["11/04/2025", "2", 4, "Không", "Đúng hẹn", ""],
        ["02/05/2025", "", "", "", "", "Chỉ có ý kiến"],
    ]
    assert run_import(world, builtin_forms, header, rows, form="binh-phuoc").count == 3
    # An issued survey answered by the citizen and a rating on the public page.
    _dossier, _survey, token = dossier_with_survey(unit=world.commune_a)
    survey_answer(token=token, client_id=uuid.uuid4(), raw={"Câu 1": 4, "Câu 4": 5})
    survey_settings_save(actor=world.head_a, unit=world.commune_a, form=None, expiry_days=7, public_rating=True)
    rating_submit(unit=world.commune_a, client_id=uuid.uuid4(), raw={"Câu 1": 2})
    # The same submission resent changes nothing.
    client_id = uuid.uuid4()
    survey_answer_again = dossier_with_survey(unit=world.commune_b, code="HS-B")[2]
    for _ in range(2):
        survey_answer(token=survey_answer_again, client_id=client_id, raw={"Câu 3": 3})

    kept = snapshot()
    assert all(kept)
    assert copies_differing() == 0
    assert Response.objects.get(survey__dossier__code="HS-0001").officer == "Nguyễn Văn An"
    tallies_rebuild()
    assert snapshot() == kept
    # A province sums its whole subtree, the old ward merged into commune A included.
    province = {row[:4]: row[4] for row in kept[3] if row[0] == world.hanoi.pk}
    units = {row[1:4]: 0 for row in kept[0]}
    for row in kept[0]:
        units[row[1:4]] += row[4] if row[0] in (world.commune_a.pk, world.commune_b.pk) else 0
    assert {key[1:]: count for key, count in province.items()} == {key: n for key, n in units.items() if n}
    # Read from the province tallies or from the raw answers, the province's figures are the same.
    whole = Scope.of(world.hanoi, subtree=True)
    assert whole.provinces == (world.hanoi.pk,) and whole.others == ()
    for period in (Period.month(2025, 4), Period.year(2025), Period.year(datetime.date.today().year)):
        assert (
            figures(scope=whole, period=period).to_json()
            == figures(scope=whole, period=period, tallies=False).to_json()
        )
    # The correction moved the ballot out of this month: January 2025 holds it with its new answers.
    january = datetime.date(2025, 1, 1)
    assert ResponseTally.objects.get(unit=world.commune_a, month=january).responses == 1
    eights = AnswerTally.objects.filter(unit=world.commune_a, month=january, question__code="Câu 8")
    assert {(row.value, row.answers) for row in eights} == {(0, 1), (5, 1)}
    assert not AnswerTally.objects.filter(month=january, question__code="Câu 2").exists()
    # The multiple choice counts two ticks but one respondent.
    info = AnswerTally.objects.filter(month=datetime.date(2025, 4, 1), question__code="3.1")
    assert {(row.value, row.answers) for row in info} == {(0, 2), (1, 1), (2, 2)}


def test_pair_tallies_count_two_scale_answers_of_one_ballot(world, builtin_forms):
    """Both answered, both satisfied, and satisfied on one of the two: what the index's interval needs."""
    rows = [["10/04/2025", 5, 4, 2], ["11/04/2025", 3, 5, None], ["12/04/2025", 4, 1, 5]]
    run_import(world, builtin_forms, ["Ngày", "Câu 1", "Câu 2", "Câu 3"], rows)
    kept = snapshot()
    tallies_rebuild()
    assert snapshot() == kept
    found = {
        (row.first.code, row.second.code): (
            row.both_answered,
            row.both_satisfied,
            row.first_satisfied,
            row.second_satisfied,
        )
        for row in PairTally.objects.select_related("first", "second")
    }
    assert found == {
        ("Câu 1", "Câu 2"): (3, 1, 2, 2),
        ("Câu 1", "Câu 3"): (2, 1, 2, 1),
        ("Câu 2", "Câu 3"): (2, 0, 1, 1),
    }


def test_a_rebuild_first_sets_right_the_answers_copies_of_a_response_changed_behind_the_services(world, builtin_forms):
    rows = [["10/04/2025", 5, 4, 2], ["11/04/2025", 3, 5, None]]
    run_import(world, builtin_forms, ["Ngày", "Câu 1", "Câu 2", "Câu 3"], rows)
    moved = Response.objects.get(answered_on=datetime.date(2025, 4, 11))
    _dossier, survey, token = dossier_with_survey(unit=world.commune_b, officer="Trần Thị Bình")
    survey_answer(token=token, client_id=uuid.uuid4(), raw={"Câu 1": 4})
    # Changed straight in the database: a ballot moved to another unit and month, a civil servant lost.
    Response.objects.filter(pk=moved.pk).update(unit=world.commune_b, answered_on=datetime.date(2025, 3, 2))
    Response.objects.filter(survey=survey).update(officer="")
    assert copies_differing() == 3
    tallies_rebuild([world.commune_b])
    assert copies_differing() == 0
    assert Response.objects.get(survey=survey).officer == "Trần Thị Bình"
    assert Answer.objects.get(response__survey=survey).officer == "Trần Thị Bình"
    assert set(Answer.objects.filter(response=moved).values_list("unit_id", "answered_on")) == {
        (world.commune_b.pk, datetime.date(2025, 3, 2))
    }
    assert ResponseTally.objects.get(unit=world.commune_b, month=datetime.date(2025, 3, 1)).responses == 1
