import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from reports.comparison import compare_units
from reports.index import Scope, figures
from reports.models import ReportText
from reports.periods import Period
from surveys.demo import DEMO_UNITS, SLOW_OFFICER
from surveys.models import Answer, Batch, Counter, Dossier, IntegrityAlert, IssuedSurvey, Kiosk, Response, Unit
from surveys.selectors.integrity import alerts_unseen, bursts, officer_answer_rates


@pytest.mark.django_db
def test_seed_demo_fills_every_screen_once(frozen_clock):
    for command in ["load_units", "load_forms", "load_procedures"]:
        call_command(command, stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    ballots, surveys, compared, ballots_again, surveys_again, compared_again = out.getvalue().splitlines()

    typed = Response.objects.filter(channel="paper", batch__isnull=False)
    assert ballots.endswith(f"{typed.count()} demo ballots created")
    assert ballots_again.endswith("0 demo ballots created")
    assert surveys == (
        f"seed_demo: {Counter.objects.count()} counters, {Dossier.objects.count()} resolved dossiers, "
        f"{IssuedSurvey.objects.count()} surveys issued, {Response.objects.filter(channel='issued').count()} answered, "
        f"{Response.objects.filter(channel='online').count()} online ratings, "
        f"{2 * len(DEMO_UNITS)} survey plans created"
    )
    assert surveys_again.endswith(
        "0 counters, 0 resolved dossiers, 0 surveys issued, 0 answered, 0 online ratings, 0 survey plans created"
    )
    assert compared.startswith(f"seed_demo: {Response.objects.filter(batch__isnull=True, channel='paper').count()} ")
    assert compared_again.startswith("seed_demo: 0 ballots in the units compared")
    check_paper_ballots()
    check_issued_surveys()
    check_reports()
    check_comparisons()


def check_paper_ballots():
    paper = Response.objects.filter(channel="paper", unit__code__in=[demo.code for demo in DEMO_UNITS])
    per_unit = dict(paper.values_list("unit__code").annotate(months=Count("answered_on__month", distinct=True)))
    assert per_unit == {demo.code: 12 for demo in DEMO_UNITS}
    rates = (
        Answer.objects.filter(question__kind="scale", response__in=paper)
        .values("response__unit__code")
        .annotate(n=Count("id"), satisfied=Count("id", filter=Q(value__gte=4)), low=Count("id", filter=Q(value__lte=2)))
    )
    shares = {row["response__unit__code"]: row["satisfied"] / row["n"] for row in rates}
    assert max(shares.values()) - min(shares.values()) > 0.1  # units differ
    assert all(row["low"] > 0 for row in rates)  # some low scores everywhere
    assert Batch.objects.filter(status="open").count() == len(DEMO_UNITS)  # this month's box is still being typed
    assert Batch.objects.filter(status="closed").count() == 11 * len(DEMO_UNITS)
    assert Answer.objects.filter(question__flags_integrity=True, value=1).exists()  # a "Có" for the head to see


def check_issued_surveys():
    codes = sorted(demo.code for demo in DEMO_UNITS)
    counters = sorted(Counter.objects.values_list("unit__code", "name"))
    assert counters == sorted([(code, "Quầy 1") for code in codes] + [("09556", "Quầy 2")])
    assert Kiosk.objects.filter(paired__isnull=False, counter__unit__code="09556").count() == 1

    # Three months of dossiers per unit, mostly on time; about 60% issued, about half of those answered.
    months = dict(Dossier.objects.values_list("unit__code").annotate(n=Count("resolved__month", distinct=True)))
    assert months == dict.fromkeys(codes, 3)
    dossiers = Dossier.objects.count()
    assert 0.85 < Dossier.objects.filter(on_time=True).count() / dossiers < 0.95
    issued = IssuedSurvey.objects.count()
    answered = Response.objects.filter(channel="issued").count()
    assert 0.5 < issued / dossiers < 0.7 and 0.45 < answered / issued < 0.65
    # Backdated to when the story says: answers over the months, none before its survey, none after it expired.
    assert Response.objects.filter(channel="issued").aggregate(n=Count("answered_on__month", distinct=True))["n"] >= 2
    late_or_early = Response.objects.filter(channel="issued").filter(
        Q(created__lt=F("survey__issued")) | Q(created__gt=F("survey__expires"))
    )
    assert not late_or_early.exists()
    assert not IssuedSurvey.objects.filter(issued__gt=timezone.now()).exists()
    assert not IssuedSurvey.objects.filter(counter__isnull=True).exists()
    assert IssuedSurvey.objects.open().exists()  # some recent links still wait for an answer
    assert Response.objects.filter(channel="online").values("unit").distinct().count() == len(DEMO_UNITS)

    users = get_user_model().objects
    # Sở Công Thương's head has a few fresh "Có" to extra papers or fees; older alerts are read.
    fresh = alerts_unseen(user=users.get(username="lanhdao.sct.dongnai"))
    assert 3 <= fresh.count() <= 8
    assert {alert.question.code for alert in fresh} == {"3.7", "3.8"}
    assert IntegrityAlert.objects.filter(seen__isnull=False).exists()

    # Hà Đông's head sees one civil servant's citizens answer far less, a busy tablet and a burst from one address.
    head = users.get(username="lanhdao.hadong")
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    rates = {
        row["dossier__officer"]: row["unanswered_rate"] for row in officer_answer_rates(user=head, month=last_month)
    }
    slow = rates.pop(SLOW_OFFICER[1])
    assert slow > max(rates.values()) + 20
    found = {(burst.kind, burst.from_kiosk, burst.count) for burst in bursts(user=head)}
    assert found == {("device", True, 11), ("origin", False, 12)}


def check_reports():
    """Every demo unit's plan and tallies give a report with content: an index, coverage against its target."""
    today = timezone.localdate()
    last_month = Period.month(today.year, today.month).previous()
    for demo in DEMO_UNITS:
        unit = Unit.objects.get(code=demo.code)
        result = figures(scope=Scope.of(unit), period=last_month)
        assert result.responses > 0 and result.index is not None, demo.code
        assert result.plan is not None and result.coverage.resolved, demo.code
        assert result.coverage.unmatched == 0, demo.code
    assert (
        figures(scope=Scope.of(Unit.objects.get(code="09556")), period=last_month).to_json()
        == figures(scope=Scope.of(Unit.objects.get(code="09556")), period=last_month, tallies=False).to_json()
    )
    assert ReportText.objects.filter(unit__code="09556").exclude(strengths="").exists()


def check_comparisons():
    """Hà Nội and Hà Tĩnh have dozens of units to rank (some too small), and the provinces differ."""
    last_year = Period.year(timezone.localdate().year - 1)
    this_year = Period.year(timezone.localdate().year)
    for code in ("01", "42"):
        table = compare_units(root=Unit.objects.get(code=code), period=this_year)
        ranked = [row for row in table.rows if row.ranked]
        assert len(ranked) >= 20, code
        assert any(row.figures.responses and not row.enough for row in table.rows), code  # small units
        assert table.groups >= 2, code  # some units do stand apart
    national = compare_units(root=None, period=this_year)
    indices = [row.figures.index for row in national.rows if row.ranked]
    assert len(indices) == 34 and max(indices) - min(indices) > 15
    assert compare_units(root=None, period=last_year).rows  # the months of last year the demo covers
    national_official = get_user_model().objects.get(username="theodoi.quocgia")
    assert national_official.memberships.get().unit is None
