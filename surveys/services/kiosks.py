"""Pair a counter's tablet and tell it which survey to show."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.audit import log_action
from surveys.models import Counter, IssuedSurvey, Kiosk, Unit
from surveys.tokens import digest, kiosk_key_new, pairing_code_new

PAIRING_MINUTES = 15
# A survey sent to the tablet longer ago than this is left for the slip's QR code.
SHOW_FOR = datetime.timedelta(minutes=15)


class PairingInvalid(ValueError):
    """The code is wrong or has expired."""


def counter_create(*, actor, unit: Unit, name: str) -> Counter:
    with transaction.atomic():
        counter = Counter.objects.create(unit=unit, name=name.strip())
        log_action(actor=actor, action="surveys.counter.created", unit=unit, target=counter, data={"name": name})
    return counter


def kiosk_pairing_start(*, actor, counter: Counter) -> tuple[Kiosk, str]:
    """Start pairing a tablet to `counter`; returns the kiosk and the code to type on the tablet (shown once)."""
    code = pairing_code_new()
    with transaction.atomic():
        kiosk = Kiosk.objects.create(
            counter=counter,
            pairing_digest=digest(code),
            pairing_expires=timezone.now() + datetime.timedelta(minutes=PAIRING_MINUTES),
            created_by=actor,
        )
        log_action(actor=actor, action="surveys.kiosk.pairing_started", unit=counter.unit, target=kiosk)
    return kiosk, code


def kiosk_pair(*, code: str) -> tuple[Kiosk, str]:
    """Finish pairing with the code the head typed; returns the kiosk and the secret the tablet keeps."""
    code = "".join(code.split())
    with transaction.atomic():
        kiosk = (
            Kiosk.objects.select_for_update()
            .filter(pairing_digest=digest(code), pairing_expires__gt=timezone.now(), revoked__isnull=True)
            .first()
        )
        if kiosk is None:
            raise PairingInvalid(_("Mã ghép nối không đúng hoặc đã hết hạn. Hãy tạo mã mới ở trang Quầy."))
        key = kiosk_key_new()
        kiosk.key_digest = digest(key)
        kiosk.pairing_digest = None
        kiosk.pairing_expires = None
        kiosk.paired = kiosk.last_seen = timezone.now()
        kiosk.save()
        log_action(actor=None, action="surveys.kiosk.paired", unit=kiosk.counter.unit, target=kiosk)
    return kiosk, key


def kiosk_for_key(key: str) -> Kiosk | None:
    """The paired, unrevoked tablet holding `key`, marked as seen now."""
    if not key:
        return None
    kiosk = (
        Kiosk.objects.select_related("counter__unit")
        .filter(key_digest=digest(key), revoked__isnull=True, paired__isnull=False)
        .first()
    )
    if kiosk is not None:
        # The tablet asks every few seconds; a minute's precision is enough and spares the writes.
        now = timezone.now()
        if kiosk.last_seen is None or kiosk.last_seen < now - datetime.timedelta(minutes=1):
            Kiosk.objects.filter(pk=kiosk.pk).update(last_seen=now)
    return kiosk


def kiosk_revoke(*, actor, kiosk: Kiosk) -> None:
    with transaction.atomic():
        kiosk.revoked = timezone.now()
        kiosk.pairing_digest = None
        kiosk.save(update_fields=["revoked", "pairing_digest"])
        log_action(actor=actor, action="surveys.kiosk.revoked", unit=kiosk.counter.unit, target=kiosk)


def kiosk_next_survey(*, kiosk: Kiosk) -> IssuedSurvey | None:
    """The survey the tablet should show now: the one its counter sent last, still open and not walked away from."""
    return (
        IssuedSurvey.objects.open()
        .filter(counter=kiosk.counter, kiosk_closed__isnull=True, counter_sent__gte=timezone.now() - SHOW_FOR)
        .order_by("-counter_sent")
        .first()
    )


def kiosk_close_survey(*, kiosk: Kiosk, survey: IssuedSurvey) -> None:
    """The tablet went back to its welcome screen: do not show this survey to the next person."""
    if survey.counter_id == kiosk.counter_id:
        IssuedSurvey.objects.filter(pk=survey.pk).update(kiosk_closed=timezone.now())
