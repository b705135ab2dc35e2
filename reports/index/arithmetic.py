"""Arithmetic on counts: rates and their intervals, factor indices, the SIPAS index and its interval, ranks.

Nothing here reads the database: every function takes counts (reports.index.counting)
and returns numbers. docs/index.md writes down each method and why it was chosen.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

Z_95 = 1.959964
# The margin the Ministry's guidance sizes a sample with when a plan does not say: n = N / (1 + N·e²).
DEFAULT_MARGIN = 5


@dataclass(frozen=True)
class Rated:
    """One scale question as the index reads it: its factor and its counts (versions of a form merged)."""

    key: str
    factor: str
    n: int  # responses that answered it
    satisfied: int  # answers scoring 4 or 5
    question_ids: tuple[int, ...]  # the versions' questions, to find its pair counts

    @property
    def rate(self) -> float:
        return self.satisfied / self.n


def percent(part: int, whole: int | None) -> float | None:
    return 100 * part / whole if whole else None


def wilson_interval(successes: float, n: float, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion, in percent: honest for small n and for 0 % or 100 %.

    `n` may be an effective sample size (not a whole number), as for the index.
    """
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / denominator
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def sample_size(population: int, margin_percent: float) -> int:
    """n = N / (1 + N·e²), rounded up: the responses a period of N resolved dossiers needs."""
    e = margin_percent / 100
    return math.ceil(population / (1 + population * e * e))


def round2(value: float | None) -> float | None:
    return None if value is None else round(value + 0.0, 2)


def factor_indices(rated: list[Rated]) -> dict[str, tuple[float, int]]:
    """factor → (index in percent, number of questions): the mean of its questions' rates."""
    rates: dict[str, list[float]] = defaultdict(list)
    for question in rated:
        if question.factor and question.n:
            rates[question.factor].append(question.rate)
    return {factor: (100 * sum(values) / len(values), len(values)) for factor, values in rates.items()}


def sipas_index(factors: dict[str, tuple[float, int]]) -> float | None:
    """The SIPAS index: the mean of the factor indices the forms ask."""
    return sum(index for index, _count in factors.values()) / len(factors) if factors else None


def index_interval(*, rated: list[Rated], pairs: dict, responses: int) -> tuple[float, float] | None:
    """The 95 % interval of the SIPAS index, in percent, from the counts of one group of ballots.

    The index is a weighted sum of question rates, I = Σ w_q · S_q / N_q, whose answers come
    from the same ballots and move together. Its variance is estimated by linearisation
    with the ballot as the unit sampled: each ballot i contributes
    z_i = Σ_q (w_q / N_q) · (s_iq − r_q · a_iq), and Var(I) ≈ n/(n−1) · Σ_i z_i². The sum of
    squares needs, for every two questions, how many ballots answered both and were satisfied
    on either (`pairs`, keyed by question ids as counting returns them). The interval is then
    Wilson's, with the effective number of ballots n_eff = I(1 − I) / Var(I). The simulation in
    tests/reports/test_index_interval.py checks that it covers the true index 95 % of the time.
    """
    scored = [question for question in rated if question.factor and question.n]
    factors = defaultdict(int)
    for question in scored:
        factors[question.factor] += 1
    if not scored or responses < 2:
        return None
    weight = {question.key: 1 / (len(factors) * factors[question.factor]) for question in scored}
    by_id = {question_id: question for question in scored for question_id in question.question_ids}
    index = sum(weight[question.key] * question.rate for question in scored)
    # Each question with itself: Σ_i (s_iq − r_q·a_iq)² = N_q · r_q · (1 − r_q).
    variance = sum((weight[q.key] / q.n) ** 2 * q.n * q.rate * (1 - q.rate) for q in scored)
    for (first_id, second_id), (both_answered, both_satisfied, first_satisfied, second_satisfied) in pairs.items():
        first, second = by_id.get(first_id), by_id.get(second_id)
        if first is None or second is None:
            continue
        products = (
            both_satisfied
            - second.rate * first_satisfied
            - first.rate * second_satisfied
            + first.rate * second.rate * both_answered
        )
        variance += 2 * (weight[first.key] / first.n) * (weight[second.key] / second.n) * products
    variance *= responses / (responses - 1)
    effective = index * (1 - index) / variance if variance > 0 and 0 < index < 1 else responses
    # An effective sample can grow past the ballots when questions pull apart, never past the answers.
    effective = min(max(effective, 1.0), sum(question.n for question in scored))
    return wilson_interval(index * effective, effective)


@dataclass(frozen=True)
class Ranked:
    """Where one item stands: its rank, the best and worst rank its interval allows, its group."""

    rank: int
    best: int
    worst: int
    group: int  # items of one group have overlapping intervals (or are chained by them): not told apart


def rank_items(items: dict) -> dict:
    """Rank items given as key → (value, low, high), highest value first.

    - rank: 1 + the items with a strictly higher value (equal values share a rank);
    - best: 1 + the items whose whole interval lies above this one's;
    - worst: the items whose interval is not wholly below this one's (itself included);
    - group: items chained by overlapping intervals share a group, numbered from the top.
      Two items in different groups never overlap, so only they may be told apart.
    """
    groups = _overlap_groups(items)
    ranked = {}
    for key, (value, low, high) in items.items():
        ranked[key] = Ranked(
            rank=1 + sum(other[0] > value for other in items.values()),
            best=1 + sum(other[1] > high for other in items.values()),
            worst=sum(other[2] >= low for other in items.values()),
            group=groups[key],
        )
    return ranked


def _overlap_groups(items: dict) -> dict:
    """Connected runs of overlapping intervals, numbered 1, 2, … from the highest."""
    order = sorted(items, key=lambda key: items[key][2], reverse=True)
    groups, number, floor = {}, 0, math.inf
    for key in order:
        _value, low, high = items[key]
        if high < floor:  # no overlap with anything above: a new group starts
            number += 1
            floor = low
        else:
            floor = min(floor, low)
        groups[key] = number
    return groups
