"""Units of the administration, the people who work in them, and the audit trail."""

import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.text import fold

# Sorts after every character a path holds, so [path, path + PATH_END) is the subtree.
PATH_END = "~"
# Official codes are digits (2 for a province, 5 for a commune); ours hold a capital letter.
UNIT_CODE = re.compile(r"\A(?:[0-9]{2}|[0-9]{5}|[A-Z0-9-]*[A-Z][A-Z0-9-]*)\Z")
UNIT_CODE_RULE = _("2 chữ số (tỉnh), 5 chữ số (xã) hoặc chữ in hoa, số và dấu gạch ngang có ít nhất một chữ cái.")


class PathField(models.CharField):
    """A materialized path compared byte by byte on every database.

    PostgreSQL gets the "C" collation so that a range scan on the plain
    B-tree index finds exactly the subtree; SQLite compares bytes already.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class UnitQuerySet(models.QuerySet):
    def subtree_of(self, *units: "Unit") -> "UnitQuerySet":
        """The given units and everything below them, as one indexed range query."""
        return self.filter(subtree_q(*(unit.path for unit in units)))

    def current(self, on=None) -> "UnitQuerySet":
        """Units that exist on the given date (today by default)."""
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )

    def search(self, text: str) -> "UnitQuerySet":
        """Match names with or without diacritics ("thuong lo" finds "Thượng Lộ").

        Whole-word matches rank before partial ones (annotated as `match_rank`),
        so "thuong lo" puts Thượng Lộ above Thượng Long while both still show.
        """
        needle = fold(text)
        if not needle:
            return self.none()
        whole_words = Q(search_name=needle) | Q(search_name__endswith=f" {needle}")
        whole_words |= Q(search_name__startswith=f"{needle} ") | Q(search_name__contains=f" {needle} ")
        rank = models.Case(models.When(whole_words, then=0), default=1, output_field=models.IntegerField())
        return self.filter(search_name__contains=needle).annotate(match_rank=rank)


def province_path(path: str) -> str:
    """The path of the province (top-level unit) a path lies under: "/01/" for "/01/00004/"."""
    return "/" + path.split("/")[1] + "/"


def subtree_q(*paths: str) -> Q:
    """Q for the subtrees rooted at the given paths: one range per root."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__gte=path, path__lt=path + PATH_END)
    return q


class Unit(models.Model):
    """A unit that serves citizens or oversees those that do.

    Official units carry the statistics office code of vietnam-provinces
    (two digits for a province, five for a commune). Units without one
    (departments, centres, units abolished before 2025) get a code of our
    own that always holds a letter, so it can never clash with an official one.
    """

    class Kind(models.TextChoices):
        PROVINCE = "tinh", _("Tỉnh/thành phố")
        DEPARTMENT = "so", _("Sở/ban/ngành")
        SERVICE_CENTRE = "tthcc", _("Trung tâm Phục vụ hành chính công")
        DISTRICT = "huyen", _("Huyện/quận/thị xã (trước 01/7/2025)")
        COMMUNE = "xa", _("Xã/phường/đặc khu")

    code = models.CharField(
        _("mã"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(UNIT_CODE, UNIT_CODE_RULE)],
    )
    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = PathField(_("đường dẫn"), max_length=255, unique=True, editable=False)
    search_name = models.CharField(max_length=200, editable=False, db_index=True)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị kế thừa"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="unit_valid_from_before_valid_to",
            ),
            models.CheckConstraint(condition=~Q(successor=models.F("pk")), name="unit_not_own_successor"),
            models.CheckConstraint(condition=Q(path__startswith="/") & Q(path__endswith="/"), name="unit_path_slashed"),
            # A slash or a tilde in a code would break the subtree ranges of every path.
            models.CheckConstraint(
                condition=~Q(code__contains="/") & ~Q(code__contains=PATH_END) & ~Q(code=""),
                name="unit_code_path_safe",
            ),
        ]

    def __str__(self):
        return self.name

    def set_derived_fields(self) -> None:
        """Fill the path and the folded name from code, parent and name."""
        self.path = f"{self.parent.path if self.parent else '/'}{self.code}/"
        self.search_name = fold(self.name)

    @property
    def division(self) -> str:
        """The finer kind people filter by (Division): a commune-level unit is a xã, a phường or a đặc khu."""
        if self.kind == self.Kind.PROVINCE:
            return Division.CITY if self.name.startswith("Thành phố ") else Division.PROVINCE
        if self.kind == self.Kind.COMMUNE:
            for prefix, division in _COMMUNE_PREFIXES:
                if self.name.startswith(prefix):
                    return division
            return Division.COMMUNE
        return _DIVISION_OF_KIND[self.kind]

    @property
    def ancestor_codes(self) -> list[str]:
        return self.path.strip("/").split("/")[:-1]

    @property
    def is_historical(self) -> bool:
        return self.valid_to is not None


class Division(models.TextChoices):
    """The kinds of unit a comparison filters by; names say which (vietnam-provinces writes "Phường Hà Đông")."""

    CITY = "thanh-pho", _("Thành phố trực thuộc trung ương")
    PROVINCE = "tinh", _("Tỉnh")
    WARD = "phuong", _("Phường")
    COMMUNE = "xa", _("Xã")
    SPECIAL = "dac-khu", _("Đặc khu")
    TOWNSHIP = "thi-tran", _("Thị trấn (trước 01/7/2025)")
    DEPARTMENT = "so", _("Sở, ban, ngành")
    CENTRE = "tthcc", _("Trung tâm Phục vụ hành chính công")
    DISTRICT = "huyen", _("Huyện, quận, thị xã (trước 01/7/2025)")


_COMMUNE_PREFIXES = [("Phường ", Division.WARD), ("Đặc khu ", Division.SPECIAL), ("Thị trấn ", Division.TOWNSHIP)]
_DIVISION_OF_KIND = {
    Unit.Kind.DEPARTMENT: Division.DEPARTMENT,
    Unit.Kind.SERVICE_CENTRE: Division.CENTRE,
    Unit.Kind.DISTRICT: Division.DISTRICT,
}


class Membership(models.Model):
    """A person's role in one unit, or in the whole country for the national official; roles decide what they reach."""

    class Role(models.TextChoices):
        COUNTER = "counter", _("Công chức một cửa")
        HEAD = "head", _("Lãnh đạo đơn vị")
        OFFICIAL = "official", _("Cán bộ theo dõi")
        ADMIN = "admin", _("Quản trị viên")
        # Reads every province's figures and changes nothing; only system administrators grant it.
        NATIONAL = "national", _("Cán bộ theo dõi toàn quốc")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    # Empty for the national official alone: their unit is the whole country.
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)
    created = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("phân công")
        verbose_name_plural = _("phân công")
        ordering = ["unit__path", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role_per_unit"),
            models.CheckConstraint(
                condition=Q(role__in=["counter", "head", "official", "admin", "national"]),
                name="membership_role_known",
            ),
            models.CheckConstraint(
                condition=Q(role="national", unit__isnull=True) | (~Q(role="national") & Q(unit__isnull=False)),
                name="membership_unit_unless_national",
            ),
            models.UniqueConstraint(fields=["user"], condition=Q(role="national"), name="membership_national_once"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.unit or _('toàn quốc')}"


class AuditEntry(models.Model):
    """Who changed what and when; written by surveys.audit.log_action only."""

    created = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"), on_delete=models.SET_NULL, null=True
    )
    action = models.CharField(_("hành động"), max_length=64)
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, null=True, blank=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(_("dữ liệu"), default=dict, blank=True)

    class Meta:
        verbose_name = _("nhật ký")
        verbose_name_plural = _("nhật ký")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.created:%d/%m/%Y %H:%M} {self.action}"
