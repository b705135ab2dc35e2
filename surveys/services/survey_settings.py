"""Change how a unit surveys: the form it issues, how long links live, its public rating page."""

from django.db import transaction
from django.utils.translation import gettext as _

from surveys.audit import log_action
from surveys.models import FormTemplate, FormVersion, SurveySettings, Unit


def survey_forms_for(unit: Unit):
    """Forms the unit may issue: available to it and with a published version."""
    return (
        FormTemplate.objects.available_to(unit)
        .filter(versions__status=FormVersion.Status.PUBLISHED)
        .distinct()
        .order_by("unit__path", "code")
    )


def survey_settings_save(
    *, actor, unit: Unit, form: FormTemplate | None, expiry_days: int, public_rating: bool
) -> SurveySettings:
    """Store the unit's settings (None: its own newest form, else sipas-5) and log the change."""
    if form is not None and not survey_forms_for(unit).filter(pk=form.pk).exists():
        raise ValueError(_("Đơn vị %(unit)s không dùng được mẫu phiếu này.") % {"unit": unit.name})
    with transaction.atomic():
        stored, _created = SurveySettings.objects.update_or_create(
            unit=unit, defaults={"form": form, "expiry_days": expiry_days, "public_rating": public_rating}
        )
        log_action(
            actor=actor,
            action="surveys.survey_settings.changed",
            unit=unit,
            target=stored,
            data={"form": form.code if form else "", "expiry_days": expiry_days, "public_rating": public_rating},
        )
    return stored
