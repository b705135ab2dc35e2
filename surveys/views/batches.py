"""Batches of paper ballots: the keyboard typing screen, its JSON endpoints, corrections and closing."""

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surveys import selectors
from surveys.dates import parse_day
from surveys.forms.batches import BallotEntryForm, BatchCloseForm
from surveys.models import Batch, Question, Response
from surveys.services import batches
from surveys.services.responses import BallotInvalid, BallotParser
from surveys.text import whole_number


@login_required
def batch_list(request):
    return render(request, "surveys/batch_list.html", {"batches": selectors.batches_for_user(user=request.user)[:200]})


@login_required
def batch_detail(request, pk):
    batch = selectors.get_batch_for_user(user=request.user, pk=pk)
    return render(request, "surveys/batch_detail.html", _detail_context(request, batch, BatchCloseForm()))


def _detail_context(request, batch: Batch, close_form: BatchCloseForm) -> dict:
    return {
        "batch": batch,
        "ballots": selectors.batch_ballots(batch=batch),
        "may_type": batches.may_type_into(request.user, batch),
        "may_close": batch.is_open and batches.may_close(request.user, batch),
        "may_correct": batches.may_correct(request.user, batch),
        "close_form": close_form,
    }


@login_required
@require_POST
def batch_close(request, pk):
    batch = selectors.get_batch_for_user(user=request.user, pk=pk)
    form = BatchCloseForm(request.POST)
    if form.is_valid():
        try:
            batches.batch_close(actor=request.user, batch=batch, note=form.cleaned_data["note"])
        except PermissionDenied:
            raise Http404 from None
        except batches.BatchClosed as closed:  # closed a moment ago, from this screen or another
            messages.info(request, str(closed))
            return redirect("batch_detail", pk=batch.pk)
        except ValueError as error:
            form.add_error("note", str(error))
        else:
            messages.success(request, _("Đã khóa sổ lô phiếu."))
            return redirect("batch_detail", pk=batch.pk)
    return render(request, "surveys/batch_detail.html", _detail_context(request, batch, form), status=400)


@login_required
def batch_entry(request, pk):
    """The typing screen. With JavaScript it saves through batch_ballots; without, through this POST."""
    batch = selectors.get_batch_for_user(user=request.user, pk=pk)
    correcting = _ballot_to_correct(request, batch)
    if not (batches.may_type_into(request.user, batch) or correcting):
        raise Http404
    form = BallotEntryForm(request.POST or None, version=batch.version, unit=batch.unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if correcting:
            batches.batch_ballot_correct(
                actor=request.user, response=correcting, ballot=data["ballot"], answered_on=data["answered_on"]
            )
            messages.success(request, _("Đã sửa phiếu."))
            return redirect("batch_detail", pk=batch.pk)
        batches.batch_ballot_save(
            actor=request.user,
            batch=batch,
            ballot=data["ballot"],
            answered_on=data["answered_on"],
            client_id=data["client_id"],
        )
        messages.success(request, _("Đã lưu phiếu."))
        return redirect("batch_entry", pk=batch.pk)
    questions = list(form.parser.questions.values())
    default_day = batch.opening.opened_at if batch.opening_id else timezone.now()
    return render(
        request,
        "surveys/batch_entry.html",
        {
            "batch": batch,
            "form": form,
            "version": batch.version,
            "questions": questions,
            "correcting": correcting,
            "default_day": f"{timezone.localtime(default_day):%d/%m/%Y}",
            "client_id": uuid.uuid4(),
            "config": {
                "batch": batch.pk,
                "saveUrl": reverse("batch_ballots", args=[batch.pk]),
                "questions": [_question_config(question) for question in questions],
                "correcting": correcting.pk if correcting else None,
                "suggestUrl": reverse("procedure_suggest"),
                "unit": batch.unit.code,
                "texts": _entry_texts(),
            },
        },
    )


def _entry_texts() -> dict[str, str]:
    return {
        "pending": _("đang gửi"),
        "rejected": _("bị từ chối"),
        "edit": _("Sửa"),
        "retype": _("Nhập lại"),
        "offline": _("Mất kết nối: %(n)s phiếu đang chờ gửi, vẫn giữ trên máy này và sẽ tự gửi lại."),
        "loggedOut": _("Phiên đăng nhập đã hết: hãy đăng nhập lại trong thẻ khác; các phiếu chờ gửi vẫn được giữ."),
        "closed": _("Lô phiếu đã khóa sổ; không nhập thêm được."),
        "onlyValues": _("Chỉ nhận"),
        "badDate": _("Ngày phải theo dạng dd/mm/yyyy."),
        "correcting": _("Đang sửa phiếu #%(n)s — Esc để hủy"),
    }


def _ballot_to_correct(request, batch: Batch) -> Response | None:
    number = request.GET.get("sua")
    if not number:
        return None
    if not batches.may_correct(request.user, batch) or (pk := whole_number(number)) is None:
        raise Http404
    return get_object_or_404(batch.responses, pk=pk)


def _question_config(question: Question) -> dict:
    return {
        "id": question.pk,
        "code": question.code,
        "kind": question.kind,
        "options": question.scored_options(),
        "other": question.allows_other,
    }


@login_required
def batch_ballots(request, pk):
    """GET: the ballots typed so far. POST: store one, exactly once per client_id."""
    batch = selectors.get_batch_for_user(user=request.user, pk=pk)
    if request.method == "GET":
        ballots = selectors.batch_ballots(batch=batch)
        return JsonResponse({"ballots": [ballot_json(response, number) for number, response in enumerate(ballots, 1)]})
    if request.method != "POST":
        return JsonResponse({"error": _("Chỉ nhận GET hoặc POST.")}, status=405)
    if not batch.is_open:
        return JsonResponse({"error": _("Lô phiếu đã khóa sổ; không nhập thêm được.")}, status=409)
    if not batches.may_type_into(request.user, batch):
        return JsonResponse({"error": _("Bạn chỉ được xem lô phiếu này.")}, status=403)
    try:
        payload, answered_on, ballot = _read_ballot(request, batch)
        client_id = uuid.UUID(str(payload.get("client_id")))
    except BallotInvalid as invalid:
        return JsonResponse({"errors": invalid.errors}, status=400)
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    response, created = batches.batch_ballot_save(
        actor=request.user, batch=batch, ballot=ballot, answered_on=answered_on, client_id=client_id
    )
    if response.batch_id != batch.pk:
        return JsonResponse({"error": _("Mã gửi này đã dùng cho phiếu khác.")}, status=409)
    number = batch.responses.filter(id__lte=response.pk).count()
    return JsonResponse({"ballot": ballot_json(response, number)}, status=201 if created else 200)


@login_required
@require_POST
def batch_ballot(request, pk, response_id):
    """Correct one typed ballot (JSON)."""
    batch = selectors.get_batch_for_user(user=request.user, pk=pk)
    response = get_object_or_404(batch.responses, pk=response_id)
    if not batches.may_correct(request.user, batch):
        return JsonResponse({"error": _("Lô phiếu đã khóa sổ: chỉ lãnh đạo đơn vị được sửa phiếu.")}, status=403)
    try:
        _payload, answered_on, ballot = _read_ballot(request, batch)
    except BallotInvalid as invalid:
        return JsonResponse({"errors": invalid.errors}, status=400)
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    batches.batch_ballot_correct(actor=request.user, response=response, ballot=ballot, answered_on=answered_on)
    number = batch.responses.filter(id__lte=response.pk).count()
    return JsonResponse({"ballot": ballot_json(response, number)})


def _read_ballot(request, batch: Batch):
    try:
        payload = json.loads(request.body)
    except (ValueError, RecursionError) as error:  # malformed, not UTF-8, a number too long, nested too deep
        raise ValueError(_("Dữ liệu gửi lên không phải JSON.")) from error
    if not isinstance(payload, dict) or not isinstance(payload.get("answers"), dict):
        raise ValueError(_("Thiếu “answers”."))
    answered_on = parse_day(str(payload.get("answered_on", "")))
    ballot = BallotParser(version=batch.version, unit=batch.unit).parse(payload["answers"])
    return payload, answered_on, ballot


def ballot_json(response: Response, number: int) -> dict:
    """A typed ballot as the typing screen shows and reloads it, keyed by question code.

    Contact details never leave the server: the typing screen does not show them back.
    """
    answers: dict = {}
    for answer in response.answers.all():
        question = answer.question
        value = answer.text if answer.text and (answer.value is None or question.allows_other) else answer.value
        if question.kind == Question.Kind.MULTI:
            answers.setdefault(question.code, []).append(value)
        else:
            answers[question.code] = value
    written = {
        Question.Kind.PROCEDURE: response.procedure.name if response.procedure_id else response.procedure_text,
        Question.Kind.UNIT: response.received_unit_text,
    }
    for question in response.version.questions.all():
        if written.get(question.kind):
            answers[question.code] = written[question.kind]
    return {"id": response.pk, "number": number, "answered_on": f"{response.answered_on:%d/%m/%Y}", "answers": answers}
