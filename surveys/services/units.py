"""Load the unit tree: the official list plus the units outside it."""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from surveys.models import UNIT_CODE, UNIT_CODE_RULE, Unit, subtree_q

REORGANISATION_DAY = datetime.date(2025, 7, 1)
OUTSIDE_OFFICIAL_LIST = Path(settings.BASE_DIR) / "fixtures" / "units_outside_official_list.json"
_FIELDS = ["name", "kind", "parent", "path", "search_name", "valid_from", "valid_to"]


class UnitsLoadError(ValueError):
    """The unit list is wrong; nothing was written."""


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    parent: str | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    successor: str | None = None
    keeps_history: bool = False


@dataclass
class UnitsLoaded:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def official_unit_rows() -> list[UnitRow]:
    """The 34 provinces and 3,321 communes of vietnam-provinces, provinces first."""
    from vietnam_provinces import Province, VietNamDivisionType, Ward

    rows = []
    for province in Province.iter_all():
        name = province.name
        if province.division_type == VietNamDivisionType.TINH:
            name = f"Tỉnh {name}"
        rows.append(
            UnitRow(
                f"{province.code.value:02d}",
                name,
                Unit.Kind.PROVINCE,
                valid_from=REORGANISATION_DAY,
                keeps_history=True,
            )
        )
    for ward in Ward.iter_all():
        rows.append(
            UnitRow(
                f"{ward.code.value:05d}",
                ward.name,
                Unit.Kind.COMMUNE,
                parent=f"{ward.province_code.value:02d}",
                valid_from=REORGANISATION_DAY,
                keeps_history=True,
            )
        )
    return rows


def fixture_unit_rows(path: Path | None = None) -> list[UnitRow]:
    """Departments, centres and abolished units, parents before children."""
    path = path or OUTSIDE_OFFICIAL_LIST
    rows = []
    try:
        for item in json.loads(path.read_text(encoding="utf-8"))["units"]:
            rows.append(
                UnitRow(
                    code=item["code"],
                    name=item["name"],
                    kind=item["kind"],
                    parent=item.get("parent"),
                    valid_from=_date(item.get("valid_from")),
                    valid_to=_date(item.get("valid_to")),
                    successor=item.get("successor"),
                )
            )
    except (ValueError, KeyError, TypeError) as error:
        raise UnitsLoadError(f"Tệp {path.name} sai cấu trúc ({len(rows) + 1}. đơn vị): {error!r}") from error
    return rows


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@transaction.atomic
def units_load(*, rows: list[UnitRow]) -> UnitsLoaded:
    """Create or update units so the table matches `rows`; running it twice changes nothing.

    Rows must list parents before children. Successors are linked in a
    second pass because a successor may come later in the list. Rows that
    say nothing of history (`keeps_history`) leave an existing unit's
    end date and successor as an administrator set them.
    """
    _check_rows(rows)
    result = UnitsLoaded()
    wanted = {row.code for row in rows}
    wanted |= {row.parent for row in rows if row.parent} | {row.successor for row in rows if row.successor}
    by_code = {unit.code: unit for unit in Unit.objects.filter(code__in=wanted)}
    unknown = sorted((wanted - {row.code for row in rows}) - by_code.keys())
    if unknown:
        raise UnitsLoadError(f"Không có đơn vị mã {', '.join(unknown)} để làm đơn vị cấp trên hoặc kế thừa.")
    existing = set(by_code)
    pending: list[Unit] = []
    changed: list[Unit] = []
    moved: list[tuple[str, str]] = []

    def create_pending():
        Unit.objects.bulk_create(pending, batch_size=1000)
        result.created += len(pending)
        pending.clear()

    for row in rows:
        parent = by_code[row.parent] if row.parent else None
        if parent is not None and parent.pk is None:
            create_pending()  # children need their parent's primary key
        unit = by_code.setdefault(row.code, Unit(code=row.code))
        before = _snapshot(unit)
        unit.name, unit.kind, unit.parent, unit.valid_from = row.name, row.kind, parent, row.valid_from
        if not (row.keeps_history and unit.pk):
            unit.valid_to = row.valid_to
        unit.set_derived_fields()
        if unit.pk is None:
            pending.append(unit)
        elif _snapshot(unit) != before:
            changed.append(unit)
            if before["path"] != unit.path:
                moved.append((before["path"], unit.path))
    create_pending()
    # Deepest first: a unit moves its own subtree before an ancestor's move could carry it off.
    for old_path, new_path in sorted(moved, key=lambda move: len(move[0]), reverse=True):
        _move_subtree(old_path, new_path)
    Unit.objects.bulk_update(changed, _FIELDS, batch_size=1000)

    relinked = []
    for row in rows:
        unit = by_code[row.code]
        if row.keeps_history and row.code in existing:
            continue
        successor_id = by_code[row.successor].pk if row.successor else None
        if unit.successor_id != successor_id:
            unit.successor_id = successor_id
            relinked.append(unit)
    Unit.objects.bulk_update(relinked, ["successor"], batch_size=1000)
    result.updated = len({unit.code for unit in changed + relinked} & existing)
    result.unchanged = len({row.code for row in rows} & existing) - result.updated
    return result


def _check_rows(rows: list[UnitRow]) -> None:
    seen: set[str] = set()
    for row in rows:
        if not UNIT_CODE.match(row.code):
            raise UnitsLoadError(f"Mã đơn vị “{row.code}” không hợp lệ: {UNIT_CODE_RULE}")
        if row.code in seen:
            raise UnitsLoadError(f"Mã đơn vị {row.code} xuất hiện hai lần.")
        if row.kind not in Unit.Kind.values:
            raise UnitsLoadError(f"Đơn vị {row.code}: loại “{row.kind}” không có.")
        seen.add(row.code)


def _snapshot(unit: Unit) -> dict:
    return {field: getattr(unit, f"{field}_id" if field == "parent" else field) for field in _FIELDS}


def _move_subtree(old_path: str, new_path: str) -> None:
    """Rewrite the paths below a unit whose parent changed, in one UPDATE."""
    Unit.objects.filter(subtree_q(old_path)).exclude(path=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )
