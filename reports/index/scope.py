"""What a figure counts: whose responses (a Scope) and which of them (a Slice)."""

import posixpath
from collections import defaultdict
from dataclasses import dataclass

from surveys.models import FormTemplate, Procedure, ProcedureField, Unit, province_path, subtree_q
from surveys.scoping import paths_merged_into


@dataclass(frozen=True)
class Scope:
    """Whose responses count: a unit (and its subtree, if asked) plus every unit merged into them.

    Callers build it from a unit that the access-scoping function (surveys.scoping) let them reach.
    """

    unit_ids: tuple[int, ...]
    root: Unit | None
    subtree: bool
    # Provinces whose whole subtree is in the scope: their tallies are read from the province tallies…
    provinces: tuple[int, ...] = ()
    # …and these units, outside those provinces, from their own (all of unit_ids when no province is whole).
    others: tuple[int, ...] | None = None

    def __post_init__(self):
        if self.others is None:
            object.__setattr__(self, "others", self.unit_ids)

    @classmethod
    def of(cls, unit: Unit, *, subtree: bool = False) -> "Scope":
        return cls.of_many([unit], subtree=subtree)[unit.pk]

    @classmethod
    def of_many(cls, units: list[Unit], *, subtree: bool = True) -> dict[int, "Scope"]:
        """The scope of each unit (by id), with a few queries however many units there are.

        Units that existed before the 2025 merger count with their successor: a scope takes
        in every unit merged into it, following chains (A into B into C), with the merged
        unit's own subtree when the scope is a subtree (an old district and its wards).
        """
        if not units:
            return {}
        if subtree:
            # One range around all of them (their parent's, for the rows of a comparison), not one per unit.
            around = [_common_ancestor([unit.path for unit in units])]
            known = Unit.objects.filter(subtree_q(*around, *paths_merged_into(around)))
        else:
            known = Unit.objects.filter(pk__in=[unit.pk for unit in units])
        rows = dict(known.values_list("pk", "path"))
        successors = {}
        frontier = set(rows)
        while frontier:  # the units merged into the ones found so far, chain after chain
            merged = dict(Unit.objects.filter(successor_id__in=frontier).values_list("pk", "successor"))
            successors.update(merged)
            frontier = set(merged) - set(rows)
            rows.update(Unit.objects.filter(pk__in=frontier).values_list("pk", "path"))
        predecessors = defaultdict(set)
        for pk, successor in successors.items():
            predecessors[successor].add(pk)

        def with_subtrees(pks: set[int]) -> set[int]:
            if not subtree or not pks:
                return pks
            prefixes = tuple(rows[pk] for pk in pks)
            return pks | {pk for pk, path in rows.items() if path.startswith(prefixes)}

        scopes = {}
        for unit in units:
            members = with_subtrees({unit.pk})
            added = members
            while added:
                added = with_subtrees(set().union(*(predecessors[pk] for pk in added)) - members) - members
                members |= added
            # A province (a top-level unit) in a subtree scope comes with its whole subtree.
            whole = {pk: rows[pk] for pk in members if province_path(rows[pk]) == rows[pk]} if subtree else {}
            others = [pk for pk in members if province_path(rows[pk]) not in whole.values()]
            scopes[unit.pk] = cls(
                unit_ids=tuple(sorted(members)),
                root=unit,
                subtree=subtree,
                provinces=tuple(sorted(whole)),
                others=tuple(sorted(others)),
            )
        return scopes

    @classmethod
    def of_units(cls, units) -> "Scope":
        return cls(unit_ids=tuple(sorted({unit.pk for unit in units})), root=None, subtree=False)


def _common_ancestor(paths: list[str]) -> str:
    """The longest path above (or at) every one of `paths`: "/01/" for the communes of Hà Nội, "/" for provinces."""
    return posixpath.commonpath(paths).rstrip("/") + "/"


@dataclass(frozen=True)
class Slice:
    """Optional filters: one form, procedure, field, channel or civil servant; `questions` keeps only their answers."""

    form: FormTemplate | None = None
    procedure: Procedure | None = None
    field: ProcedureField | None = None
    channel: str | None = None
    officer: str | None = None
    questions: tuple[int, ...] = ()  # question ids (the versions of one question, say) whose answers are counted

    @property
    def needs_raw_answers(self) -> bool:
        """The tallies are kept per unit, month, channel and question only."""
        return bool(self.procedure or self.field or self.officer)
