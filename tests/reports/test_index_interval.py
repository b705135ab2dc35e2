"""The SIPAS index's 95 % interval covers the true index 95 % of the time, on ballots whose answers go together.

Each simulated citizen has a mood (a normal draw) that lifts or lowers every answer on
their ballot, as real citizens do; a question's chance of a 4 or 5 is logistic(μ_q + mood).
The true index is computed exactly from those chances, each simulated sample's interval
by reports.index.arithmetic from the same counts the database would hold, and the share
of intervals that hold the truth is the coverage docs/index.md reports.
"""

import datetime
import math
import random
from collections import defaultdict
from itertools import combinations

import pytest

from reports.index import Scope, figures
from reports.index.arithmetic import Rated, index_interval
from reports.periods import Period
from tests.reports.test_index import worked_example  # noqa: F401  (a fixture)

# The eight questions of sipas-5 with their factors, and how easily each is satisfied (logit scale).
SIPAS_5 = [("access", 1.2), ("procedure", 1.6), ("procedure", 1.0), ("officer", 2.0)]
SIPAS_5 += [("officer", 1.4), ("result", 1.5), ("result", 2.2), ("feedback", 0.8)]
# short-5, asked by other units: the same factors but one, with questions of its own.
SHORT_5 = [("access", 0.9), ("officer", 1.7), ("officer", 1.1), ("result", 1.3), ("procedure", 0.6)]
REPLICATES = 1000
BLANK = 0.05


def logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def true_rate(mu: float, spread: float) -> float:
    """P(4 or 5) over all citizens: logistic(μ + mood) averaged over the mood's normal law (trapezoid rule)."""
    if spread == 0:
        return logistic(mu)
    steps, low, high = 2001, -8 * spread, 8 * spread
    width = (high - low) / (steps - 1)
    total = 0.0
    for k in range(steps):
        mood = low + k * width
        density = math.exp(-0.5 * (mood / spread) ** 2) / (spread * math.sqrt(2 * math.pi))
        total += (0.5 if k in (0, steps - 1) else 1) * density * logistic(mu + mood)
    return total * width


def true_index(forms: list[list[tuple[str, float]]], spread: float) -> float:
    """The index the whole population would give: the mean over factors of the mean of their questions' rates."""
    by_factor = defaultdict(list)
    for form in forms:
        for factor, mu in form:
            by_factor[factor].append(true_rate(mu, spread))
    return 100 * sum(sum(rates) / len(rates) for rates in by_factor.values()) / len(by_factor)


def sample_counts(forms, ballots: int, spread: float, rng: random.Random):
    """The counts one sample of ballots leaves in the tallies: per question, and per two questions of a ballot."""
    cells = defaultdict(lambda: [0, 0])  # question → answered, satisfied
    pairs = defaultdict(lambda: [0, 0, 0, 0])  # both answered, both satisfied, first satisfied, second satisfied
    for _ in range(ballots):
        form_number = rng.randrange(len(forms))
        mood = rng.gauss(0, spread)
        answered = []
        for position, (_factor, mu) in enumerate(forms[form_number]):
            if rng.random() < BLANK:
                continue
            satisfied = rng.random() < logistic(mu + mood)
            question = (form_number, position)
            answered.append((question, satisfied))
            cells[question][0] += 1
            cells[question][1] += satisfied
        for (first, first_ok), (second, second_ok) in combinations(answered, 2):
            counts = pairs[(first, second)]
            counts[0] += 1
            counts[1] += first_ok and second_ok
            counts[2] += first_ok
            counts[3] += second_ok
    rated = [
        Rated(key=str(question), factor=forms[question[0]][question[1]][0], n=n, satisfied=ok, question_ids=(question,))
        for question, (n, ok) in cells.items()
    ]
    return rated, pairs


def coverage(forms, ballots: int, spread: float, *, seed: int, with_pairs: bool = True) -> float:
    """The share of REPLICATES samples whose interval holds the true index."""
    rng = random.Random(seed)
    truth = true_index(forms, spread)
    held = 0
    for _ in range(REPLICATES):
        rated, pairs = sample_counts(forms, ballots, spread, rng)
        low, high = index_interval(rated=rated, pairs=pairs if with_pairs else {}, responses=ballots)
        held += low <= truth <= high
    return held / REPLICATES


def shifted(form, shift: float):
    return [(factor, mu + shift) for factor, mu in form]


@pytest.mark.parametrize(
    ("name", "forms", "ballots", "spread"),
    [
        ("small commune, 30 ballots, strong mood", [SIPAS_5], 30, 1.5),
        ("30 ballots, very satisfied (index about 97 %)", [shifted(SIPAS_5, 3)], 30, 1.5),
        ("120 ballots, weak mood", [SIPAS_5], 120, 0.5),
        ("400 ballots, unhappy unit (index about 55 %)", [shifted(SIPAS_5, -1)], 400, 2.0),
        ("two forms in one scope, 200 ballots", [SIPAS_5, SHORT_5], 200, 1.2),
    ],
)
def test_the_index_interval_covers_the_true_index_about_95_percent_of_the_time(name, forms, ballots, spread):
    found = coverage(forms, ballots, spread, seed=2026)
    print(f"{name}: coverage {found:.1%} over {REPLICATES} samples")
    assert 0.925 <= found <= 0.975, name


def test_ignoring_that_answers_go_together_would_cover_far_less():
    """The pair counts matter: without them the interval is too narrow for ballots with a mood."""
    assert coverage([SIPAS_5], 120, 1.0, seed=2026, with_pairs=False) < 0.9


def test_the_engine_gives_the_interval_of_the_linearised_ballots(worked_example):  # noqa: F811
    """From the database (tallies or raw answers) the interval is the one computed ballot by ballot by hand."""
    scope, march = Scope.of(worked_example.commune_a), Period.month(2026, 3)
    from_tallies = figures(scope=scope, period=march)
    from_answers = figures(scope=scope, period=march, tallies=False)
    assert (from_tallies.index_low, from_tallies.index_high) == (from_answers.index_low, from_answers.index_high)

    # The worked example of docs/index.md ("–" is None): z_i = Σ_q w_q / N_q · (s_iq − r_q · a_iq).
    ballots = [
        [5, 5, 4, 5, 5, 4, 5, 4],
        [4, 3, 5, 4, 4, 5, 4, 5],
        [3, 4, 4, 5, 2, 4, 4, None],
        [2, 5, 3, 4, 4, 3, 5, 3],
    ]
    factors = ["access", "procedure", "procedure", "officer", "officer", "result", "result", "feedback"]
    answered = [sum(ballot[q] is not None for ballot in ballots) for q in range(8)]
    rates = [sum((ballot[q] or 0) >= 4 for ballot in ballots) / answered[q] for q in range(8)]
    weights = [1 / (5 * factors.count(factor)) for factor in factors]
    index = sum(weight * rate for weight, rate in zip(weights, rates, strict=True))
    z = [
        sum(weights[q] / answered[q] * ((ballot[q] >= 4) - rates[q]) for q in range(8) if ballot[q] is not None)
        for ballot in ballots
    ]
    variance = len(z) / (len(z) - 1) * sum(value * value for value in z)
    by_hand = wilson(index, index * (1 - index) / variance)
    assert (from_tallies.index_low, from_tallies.index_high) == pytest.approx(by_hand, abs=1e-9)
    assert round(from_tallies.index, 2) == 73.33


def wilson(p: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


def test_grouped_by_unit_the_raw_answers_give_the_tallies_intervals(world, builtin_forms):
    """Each unit's interval from its ballots' answer patterns equals the one summed from its pair tallies."""
    from reports.index import figures_of
    from tests.factories import ballots, scored_ballots

    ballots(world.commune_a, scored_ballots(40, 0.7, day=datetime.date(2026, 3, 3), seed=1))
    ballots(world.commune_b, scored_ballots(25, 0.5, day=datetime.date(2026, 3, 4), seed=2))
    ballots(world.commune_b, [(datetime.date(2026, 3, 5), {"1": 5, "2": 2, "4": 4})], form="short-5")
    scopes = {unit.pk: Scope.of(unit) for unit in (world.commune_a, world.commune_b)}
    march = Period.month(2026, 3)
    summed = figures_of(scopes=scopes, period=march, compare=False)
    counted = figures_of(scopes=scopes, period=march, compare=False, tallies=False)
    for pk in scopes:
        assert summed[pk].source == "tallies" and counted[pk].source == "answers"
        assert (summed[pk].index_low, summed[pk].index_high) == pytest.approx(
            (counted[pk].index_low, counted[pk].index_high), abs=1e-9
        )
