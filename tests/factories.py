import factory
from django.contrib.auth import get_user_model

from surveys.models import Membership, Unit


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{n:05d}")
    name = factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}")
    kind = Unit.Kind.COMMUNE
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        unit = model_class(*args, **kwargs)
        unit.set_derived_fields()
        unit.save()
        return unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="vi_VN")
    password = factory.PostGenerationMethodCall("set_password", "mat-khau-thu-nghiem")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Membership.Role.COUNTER


def dossier_with_survey(*, unit, code="HS-0001", officer="Nguyễn Văn An", counter=None, **fields):
    """A resolved dossier of `unit` and the survey issued for it; returns (dossier, survey, token).

    Needs the built-in forms loaded (the `builtin_forms` fixture): the survey uses sipas-5 unless
    the unit chose another form.
    """
    import datetime

    from django.utils import timezone

    from surveys.models import Dossier
    from surveys.services.issuing import survey_issue
    from surveys.services.tallies import dossier_months_count
    from surveys.tokens import survey_token

    today = timezone.localdate()
    dossier = Dossier.objects.create(
        unit=unit,
        code=code,
        procedure_text=fields.pop("procedure_text", "Đăng ký khai sinh"),
        received=fields.pop("received", today - datetime.timedelta(days=3)),
        resolved=fields.pop("resolved", today),
        on_time=fields.pop("on_time", True),
        officer=officer,
        **fields,
    )
    dossier_months_count(unit_id=unit.pk, months=[dossier.resolved])  # as dossier_register keeps it
    survey, _created = survey_issue(dossier=dossier, counter=counter)
    return dossier, survey, survey_token(survey.key)


def ballots(unit, rows, *, form="sipas-5", channel="paper"):
    """Store paper ballots (or online ratings) of `unit` through the import service's writer, tallies and all.

    `rows` are (day, {question code: answer}) pairs; the built-in forms must be loaded (`builtin_forms`).
    """
    from surveys.models import FormTemplate
    from surveys.services.responses import BallotParser, responses_bulk_create

    version = FormTemplate.objects.get(code=form, unit__isnull=True).current_version()
    parser = BallotParser(version=version, unit=unit)
    parsed = [(day, parser.parse(raw)) for day, raw in rows]
    return responses_bulk_create(version=version, unit=unit, batch=None, rows=parsed, channel=channel)


def scored_ballots(count, satisfied, *, day, questions=8, seed=0):
    """`count` sipas-5 ballots on `day`, each question scored 5 on the first `satisfied` share of ballots, else 2."""
    import random

    rng = random.Random(seed)
    rows = []
    for number in range(count):
        happy = number < round(count * satisfied)
        rows.append(
            (
                day,
                {f"Câu {q}": (rng.choice([4, 5]) if happy else rng.choice([1, 2, 3])) for q in range(1, questions + 1)},
            )
        )
    return rows
