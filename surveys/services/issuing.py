"""Issue a survey for a resolved dossier and find it again by its link."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.audit import log_action
from surveys.links import absolute_url
from surveys.models import Counter, Dossier, FormTemplate, FormVersion, IssuedSurvey, SurveySettings, Unit
from surveys.tokens import digest, survey_token

# The form a unit issues when it has chosen none and has no published form of its own.
DEFAULT_FORM = "sipas-5"


class NoSurveyForm(LookupError):
    """The unit has no published form to issue."""


def survey_settings_of(unit: Unit) -> SurveySettings:
    """The unit's settings, or the defaults (not saved) when it has never changed them."""
    found = SurveySettings.objects.filter(unit=unit).select_related("form").first()
    return found or SurveySettings(unit=unit, expiry_days=settings.SIPAS_SURVEY_EXPIRY_DAYS)


def survey_form_for(unit: Unit) -> FormVersion:
    """The published version citizens of `unit` answer: the form it chose, else its own, else sipas-5."""
    chosen = survey_settings_of(unit).form
    candidates = [chosen] if chosen is not None else []
    candidates += list(FormTemplate.objects.filter(unit=unit).order_by("-created"))
    candidates += list(FormTemplate.objects.filter(code=DEFAULT_FORM, unit__isnull=True))
    for template in candidates:
        version = template.current_version()
        if version is not None:
            return version
    raise NoSurveyForm(_("Đơn vị %(unit)s chưa có mẫu phiếu nào đã ban hành.") % {"unit": unit.name})


def survey_issue(*, dossier: Dossier, actor=None, counter: Counter | None = None) -> tuple[IssuedSurvey, bool]:
    """Issue the dossier's survey once; issuing again returns the same survey (and link)."""
    existing = IssuedSurvey.objects.filter(dossier=dossier).first()
    if existing is not None:
        return existing, False
    version = survey_form_for(dossier.unit)
    now = timezone.now()
    survey = IssuedSurvey(
        dossier=dossier,
        version=version,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
        issued=now,
        expires=now + datetime.timedelta(days=survey_settings_of(dossier.unit).expiry_days),
        counter=counter,
        counter_sent=now if counter is not None else None,
    )
    survey.token_digest = digest(survey_token(survey.key))
    try:
        with transaction.atomic():
            survey.save()
            log_action(
                actor=actor,
                action="surveys.survey.issued",
                unit=dossier.unit,
                target=survey,
                data={"dossier": dossier.code, "form": version.template.code, "version": version.number},
            )
    except IntegrityError:
        # Two clicks (or two API calls) for one dossier raced; the first survey stands.
        existing = IssuedSurvey.objects.filter(dossier=dossier).first()
        if existing is None:
            raise
        return existing, False
    return survey, True


def survey_send_to_counter(*, survey: IssuedSurvey, counter: Counter) -> IssuedSurvey:
    """Put the survey on the counter's tablet (again), as the newest one there."""
    survey.counter = counter
    survey.counter_sent = timezone.now()
    survey.kiosk_closed = None
    survey.save(update_fields=["counter", "counter_sent", "kiosk_closed"])
    return survey


def survey_for_token(token: str) -> IssuedSurvey | None:
    """The survey a link points to, or None: the token itself is never stored, only its digest."""
    if not token or len(token) > 64:
        return None
    return (
        IssuedSurvey.objects.select_related("dossier__unit", "dossier__procedure", "version__template")
        .filter(token_digest=digest(token))
        .first()
    )


def survey_link(survey: IssuedSurvey, request=None) -> str:
    """The survey's short link, absolute: SITE_URL when set, else the host the request came to."""
    return absolute_url(reverse("survey_answer", kwargs={"token": survey_token(survey.key)}), request)
