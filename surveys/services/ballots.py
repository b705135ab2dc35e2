"""Record the opening of the sealed ballot box and open the batch its ballots are typed into."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from surveys.audit import log_action
from surveys.models import Batch, BoxOpening, FormTemplate, FormVersion, Unit, Witness
from surveys.permissions import may


def version_usable_by(version: FormVersion, unit: Unit) -> bool:
    """Whether ballots of `unit` may be typed against `version`: published, of a form the unit may use."""
    return (
        version.status == FormVersion.Status.PUBLISHED
        and FormTemplate.objects.available_to(unit).filter(pk=version.template_id).exists()
    )


@transaction.atomic
def box_opening_record(
    *,
    actor,
    unit: Unit,
    opened_at: datetime.datetime,
    place: str,
    seal_intact: bool,
    seal_note: str,
    ballot_count: int,
    key_keeper: str,
    witnesses: list[tuple[str, str]],
    version: FormVersion,
) -> BoxOpening:
    """Write the minutes of one opening, its witnesses, and the open batch for its ballots.

    The first witness is normally the head of the one-stop unit. A seal that
    is not intact needs a note: the database refuses the row without one.
    """
    if not may(actor, "ballots.record", unit):
        raise PermissionDenied(_("Bạn không được lập biên bản mở hòm phiếu cho đơn vị này."))
    if not version_usable_by(version, unit):
        raise ValidationError({"version": _("Mẫu phiếu này chưa ban hành hoặc không dùng được cho đơn vị này.")})
    if not witnesses:
        raise ValidationError(_("Biên bản cần ít nhất một người chứng kiến."))
    opening = BoxOpening.objects.create(
        unit=unit,
        opened_at=opened_at,
        place=place,
        seal_intact=seal_intact,
        seal_note=seal_note,
        ballot_count=ballot_count,
        key_keeper=key_keeper,
        recorded_by=actor,
    )
    Witness.objects.bulk_create(
        Witness(opening=opening, position=position, name=name, role=role)
        for position, (name, role) in enumerate(witnesses, start=1)
    )
    batch = Batch.objects.create(unit=unit, opening=opening, version=version, created_by=actor)
    # Witnesses' names stay out of the audit trail; the minutes hold them.
    log_action(
        actor=actor,
        action="surveys.box.opened",
        unit=unit,
        target=opening,
        data={
            "ballot_count": ballot_count,
            "seal_intact": seal_intact,
            "witnesses": len(witnesses),
            "batch": batch.pk,
            "version": version.pk,
        },
    )
    return opening
