import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from surveys.demo import DEMO_UNITS
from surveys.models import Answer, Batch, Response


@pytest.mark.django_db
def test_seed_demo_adds_a_year_of_varied_ballots_once():
    for command in ["load_units", "load_forms", "load_procedures"]:
        call_command(command, stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    first, second = out.getvalue().splitlines()
    assert first.endswith(f"{Response.objects.count()} demo ballots created")
    assert second.endswith("0 demo ballots created")

    per_unit = dict(
        Response.objects.values_list("unit__code").annotate(months=Count("answered_on__month", distinct=True))
    )
    assert per_unit == {demo.code: 12 for demo in DEMO_UNITS}
    rates = (
        Answer.objects.filter(question__kind="scale")
        .values("response__unit__code")
        .annotate(n=Count("id"), satisfied=Count("id", filter=Q(value__gte=4)), low=Count("id", filter=Q(value__lte=2)))
    )
    shares = {row["response__unit__code"]: row["satisfied"] / row["n"] for row in rates}
    assert max(shares.values()) - min(shares.values()) > 0.1  # units differ
    assert all(row["low"] > 0 for row in rates)  # some low scores everywhere
    assert Batch.objects.filter(status="open").count() == len(DEMO_UNITS)  # this month's box is still being typed
    assert Batch.objects.filter(status="closed").count() == 11 * len(DEMO_UNITS)
    assert Answer.objects.filter(question__flags_integrity=True, value=1).exists()  # a "Có" for the head to see
