"""Typing in a batch of paper ballots, correcting them, and closing the batch against its minutes."""

import datetime
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.audit import log_action
from surveys.models import Batch, Response
from surveys.permissions import units_with
from surveys.services.responses import Ballot, ballot_write, response_submit
from surveys.services.tallies import answer_keys, tally_response, tally_stored


class BatchClosed(PermissionError):
    """The batch is closed: only the unit head may still correct a ballot."""


def may_type_into(user, batch: Batch) -> bool:
    """Counter staff and heads of the batch's unit type ballots while it is open."""
    return batch.is_open and units_with(user, "ballots.enter").filter(pk=batch.unit_id).exists()


def may_close(user, batch: Batch) -> bool:
    """Only a head reaching the unit closes a batch, and corrects it afterwards."""
    return units_with(user, "batches.close").filter(pk=batch.unit_id).exists()


def may_correct(user, batch: Batch) -> bool:
    return may_type_into(user, batch) or (not batch.is_open and may_close(user, batch))


def batch_ballot_save(
    *,
    actor,
    batch: Batch,
    ballot: Ballot,
    answered_on: datetime.date,
    client_id: uuid.UUID | None,
) -> tuple[Response, bool]:
    """Store one typed ballot (checked by BallotParser); the same client_id again returns the first copy."""
    if not may_type_into(actor, batch):
        raise BatchClosed(_("Lô phiếu đã khóa sổ hoặc bạn không được nhập phiếu cho đơn vị này."))
    return response_submit(
        version=batch.version,
        unit=batch.unit,
        channel=Response.Channel.PAPER,
        answered_on=answered_on,
        ballot=ballot,
        client_id=client_id,
        batch=batch,
        entered_by=actor,
    )


@transaction.atomic
def batch_ballot_correct(*, actor, response: Response, ballot: Ballot, answered_on: datetime.date) -> Response:
    """Replace a typed ballot's answers; after closing only the head may, and the change is audited."""
    batch = Batch.objects.select_for_update().get(pk=response.batch_id)
    if not may_correct(actor, batch):
        raise BatchClosed(_("Lô phiếu đã khóa sổ: chỉ lãnh đạo đơn vị được sửa phiếu."))
    before = _shown(response)
    tally_stored(response, sign=-1)
    response.answered_on = answered_on
    response.procedure = ballot.procedure
    response.procedure_text = ballot.procedure_text
    response.received_unit_text = ballot.received_unit_text
    response.save(update_fields=["answered_on", "procedure", "procedure_text", "received_unit_text"])
    ballot_write(response, ballot)
    tally_response(response, answer_keys(ballot.answers))
    after = _shown(response, ballot)
    if before != after:
        log_action(
            actor=actor,
            action="surveys.ballot.corrected" if batch.is_open else "surveys.ballot.corrected_after_close",
            unit=response.unit,
            target=response,
            data={"batch": batch.pk, "before": before, "after": after},
        )
    return response


def _shown(response: Response, ballot: Ballot | None = None) -> dict[str, Any]:
    """A ballot's answers as the audit log keeps them; contact details stay out of the log."""
    if ballot is None:
        ballot = Ballot(
            answers=[(answer.question, answer.value, answer.text) for answer in response.answers.all()],
            procedure=response.procedure,
            procedure_text=response.procedure_text,
            received_unit_text=response.received_unit_text,
        )
    return {"Ngày": f"{response.answered_on:%d/%m/%Y}", **ballot.values()}


@transaction.atomic
def batch_close(*, actor, batch: Batch, note: str = "") -> Batch:
    """Close a batch when the typed count equals the minutes' count, or record why it differs."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if not may_close(actor, batch):
        raise PermissionDenied(_("Chỉ lãnh đạo đơn vị được khóa sổ lô phiếu."))
    if not batch.is_open:
        raise BatchClosed(_("Lô phiếu đã khóa sổ."))
    typed = batch.responses.count()
    counted = batch.opening.ballot_count if batch.opening_id else typed
    note = note.strip()
    if typed != counted and not note:
        raise ValueError(
            _(
                "Đã nhập %(typed)s phiếu nhưng biên bản ghi %(counted)s phiếu: "
                "hãy ghi lý do chênh lệch trước khi khóa sổ."
            )
            % {"typed": typed, "counted": counted}
        )
    batch.status = Batch.Status.CLOSED
    batch.closed = timezone.now()
    batch.closed_by = actor
    batch.discrepancy_note = note
    batch.save(update_fields=["status", "closed", "closed_by", "discrepancy_note"])
    log_action(
        actor=actor,
        action="surveys.batch.closed",
        unit=batch.unit,
        target=batch,
        data={"typed": typed, "counted": counted, "note": note},
    )
    return batch
