"""Unit heads adapt forms: copy, draft, reword, reorder, publish; a version with answers never changes."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import slug_re
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.audit import log_action
from surveys.models import Factor, FormTemplate, FormVersion, Question, Unit
from surveys.permissions import home_units_with, may, units_with
from surveys.scoping import units_for_user
from surveys.services.forms import require_editable, version_contents, version_fill

QUESTION_FIELDS = ("code", "heading", "text", "kind", "options", "allows_other", "factor", "flags_integrity")
# Kinds whose options the unit writes; yes/no and timeliness have fixed wording, the rest have none.
WRITTEN_OPTIONS = {Question.Kind.SCALE, Question.Kind.SINGLE, Question.Kind.MULTI}
OTHER_KINDS = {Question.Kind.SINGLE, Question.Kind.MULTI}


def form_templates_for_user(*, user) -> QuerySet[FormTemplate]:
    """Official forms, which everyone may read, and those of the units the user reaches."""
    if not (user.is_authenticated and user.is_active):
        return FormTemplate.objects.none()
    return FormTemplate.objects.filter(Q(unit__isnull=True) | Q(unit__in=units_for_user(user)))


def form_units_for_copy(*, user) -> QuerySet[Unit]:
    """Units a copy may go to: those whose forms the user edits themselves (a copy there serves every unit below)."""
    return home_units_with(user, "forms.edit").current()


def form_editable_by(user, template: FormTemplate) -> bool:
    """Heads of the owning unit or of a unit above it edit a unit's form; official forms stay as issued."""
    if template.is_official:
        return False
    return units_with(user, "forms.edit").filter(pk=template.unit_id).exists()


@transaction.atomic
def form_copy(*, actor, template: FormTemplate, unit: Unit, code: str, name: str) -> FormTemplate:
    """Start a unit's own form from the current wording of another, as draft version 1."""
    if not may(actor, "forms.edit", unit):
        raise PermissionDenied(_("Bạn không phải lãnh đạo của đơn vị này."))
    if not form_templates_for_user(user=actor).filter(pk=template.pk).exists():
        raise PermissionDenied(_("Bạn không xem được mẫu phiếu này."))
    source = template.current_version()
    if source is None:
        raise ValidationError(_("Mẫu phiếu này chưa có phiên bản ban hành để sao chép."))
    errors = {}
    if not slug_re.match(code) or len(code) > FormTemplate._meta.get_field("code").max_length:
        errors["code"] = _("Mã chỉ gồm chữ thường không dấu, số, gạch ngang; tối đa 40 ký tự.")
    elif FormTemplate.objects.filter(code=code).exists():
        errors["code"] = _("Mã mẫu phiếu này đã được dùng; hãy chọn mã khác.")
    if not name.strip():
        errors["name"] = _("Hãy nhập tên mẫu phiếu.")
    if errors:
        raise ValidationError(errors)
    copy = FormTemplate.objects.create(code=code, name=name.strip(), unit=unit, based_on=template)
    version_fill(FormVersion(template=copy, number=1, created_by=actor), version_contents(source))
    log_action(
        actor=actor,
        action="surveys.form.copied",
        unit=unit,
        target=copy,
        data={"from": template.code, "version": source.number, "code": code},
    )
    return copy


@transaction.atomic
def version_draft(*, actor, template: FormTemplate) -> FormVersion:
    """The draft to edit: the open one, or a new one worded like the newest version."""
    _require_editor(actor, template)
    # Lock the template so that two heads pressing "Sửa" at once make one draft.
    FormTemplate.objects.select_for_update().filter(pk=template.pk).order_by("pk").first()
    draft = template.versions.filter(status=FormVersion.Status.DRAFT).first()
    if draft is not None:
        require_editable(draft)
        return draft
    newest = template.versions.order_by("-number").first()
    draft = FormVersion(template=template, number=newest.number + 1 if newest else 1, created_by=actor)
    version_fill(draft, version_contents(newest) if newest else {"title": template.name, "questions": []})
    _log(actor, "surveys.form.draft_created", draft, {"from": newest.number if newest else None})
    return draft


@transaction.atomic
def version_update(
    *, actor, version: FormVersion, title: str, intro: str, instructions: str, closing: str, note: str
) -> FormVersion:
    """Change the texts printed around the questions."""
    _require_draft(actor, version)
    if not title.strip():
        raise ValidationError({"title": _("Hãy nhập tiêu đề in trên phiếu.")})
    texts = {"title": title.strip(), "intro": intro, "instructions": instructions, "closing": closing, "note": note}
    changed = [field for field, value in texts.items() if getattr(version, field) != value]
    for field, value in texts.items():
        setattr(version, field, value)
    version.save(update_fields=list(texts))
    _log(actor, "surveys.form.version_updated", version, {"fields": changed})
    return version


@transaction.atomic
def question_save(*, actor, version: FormVersion, question: Question | None = None, **fields) -> Question:
    """Add a question at the end of the draft, or change one of its questions."""
    _require_draft(actor, version)
    if question is not None and question.version_id != version.pk:
        raise ValidationError(_("Câu hỏi không thuộc phiên bản này."))
    fields = question_clean(version=version, question=question, **fields)
    if question is None:
        last = version.questions.aggregate(last=Max("position"))["last"] or 0
        question = Question.objects.create(version=version, position=last + 1, **fields)
        action = "surveys.form.question_added"
    else:
        for field, value in fields.items():
            setattr(question, field, value)
        question.save()
        action = "surveys.form.question_changed"
    _log(actor, action, version, {"question": question.code})
    return question


def question_clean(*, version: FormVersion, question: Question | None = None, **fields) -> dict:
    """Check one question against the rules of its kind; raise ValidationError keyed by field."""
    unknown = set(fields) - set(QUESTION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown question fields: {', '.join(sorted(unknown))}")
    cleaned = {
        "code": str(fields.get("code", "")).strip(),
        "heading": str(fields.get("heading", "")).strip(),
        "text": str(fields.get("text", "")).strip(),
        "kind": fields.get("kind", ""),
        "options": [str(option).strip() for option in fields.get("options") or [] if str(option).strip()],
        "allows_other": bool(fields.get("allows_other")),
        "factor": fields.get("factor") or "",
        "flags_integrity": bool(fields.get("flags_integrity")),
    }
    code, kind, options = cleaned["code"], cleaned["kind"], cleaned["options"]
    same_code = version.questions.filter(code=code)
    if question is not None:
        same_code = same_code.exclude(pk=question.pk)
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = _("Hãy nhập số câu (ví dụ “Câu 1”, “3.4”).")
    elif len(code) > Question._meta.get_field("code").max_length:
        errors["code"] = _("Số câu dài tối đa 20 ký tự.")
    elif same_code.exists():
        errors["code"] = _("Phiên bản này đã có câu số “%(code)s”.") % {"code": code}
    if not cleaned["text"]:
        errors["text"] = _("Hãy nhập nội dung câu hỏi.")
    if kind not in Question.Kind.values:
        errors["kind"] = _("Hãy chọn loại câu hỏi.")
    elif kind not in WRITTEN_OPTIONS and options:
        errors["options"] = _("Loại câu hỏi này không có phương án để nhập; hãy để trống.")
    elif problem := _options_problem(kind, options):
        errors["options"] = problem
    if cleaned["allows_other"] and kind not in OTHER_KINDS:
        errors["allows_other"] = _("Chỉ câu chọn một hoặc chọn nhiều mới có phương án ghi thêm.")
    if cleaned["factor"] and kind != Question.Kind.SCALE:
        errors["factor"] = _("Chỉ câu thang 5 mức mới tính vào một yếu tố SIPAS.")
    elif cleaned["factor"] not in ["", *Factor.values]:
        errors["factor"] = _("Yếu tố SIPAS không hợp lệ.")
    if cleaned["flags_integrity"] and kind != Question.Kind.YES_NO:
        errors["flags_integrity"] = _("Chỉ câu Có / Không mới đánh dấu được “Có” là dấu hiệu tiêu cực.")
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def question_delete(*, actor, question: Question) -> None:
    """Remove a question from the draft and close the gap it leaves in the order."""
    version = question.version
    _require_draft(actor, version)
    version.questions.filter(position__gt=question.position).update(position=F("position") - 1)
    question.delete()
    _log(actor, "surveys.form.question_deleted", version, {"question": question.code})


@transaction.atomic
def question_move(*, actor, question: Question, direction: str) -> None:
    """Swap a question with its neighbour above or below; at either end nothing moves."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    version = question.version
    _require_draft(actor, version)
    questions = list(version.questions.order_by("position", "id"))
    index = next(i for i, other in enumerate(questions) if other.pk == question.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    # Renumber 1…n, which also mends any gap or tie left by older data.
    for position, each in enumerate(questions, start=1):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])
    _log(actor, "surveys.form.question_moved", version, {"question": question.code, "direction": direction})


@transaction.atomic
def version_publish(*, actor, version: FormVersion) -> FormVersion:
    """Make the draft the wording new ballots answer, once every question is complete."""
    _require_editor(actor, version.template)
    if not version.is_draft:
        raise ValidationError(_("Phiên bản này đã được ban hành."))
    questions = list(version.questions.all())
    if not questions:
        raise ValidationError(_("Phiếu chưa có câu hỏi nào."))
    problems = []
    codes = [question.code for question in questions]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        problems.append(_("Số câu bị trùng: %(codes)s.") % {"codes": ", ".join(duplicates)})
    for question in questions:
        if problem := _options_problem(question.kind, question.options):
            problems.append(f"{question.code}: {problem}")
    if problems:
        raise ValidationError(problems)
    version.status = FormVersion.Status.PUBLISHED
    version.published = timezone.now()
    version.save(update_fields=["status", "published"])
    _log(actor, "surveys.form.published", version, {"questions": len(questions)})
    return version


def _options_problem(kind: str, options: list[str]) -> str:
    if kind == Question.Kind.SCALE and len(options) != 5:
        return _("Thang 5 mức cần đúng 5 mức, từ tốt nhất đến kém nhất (đang có %(count)s).") % {"count": len(options)}
    if kind in OTHER_KINDS and len(options) < 2:
        return _("Câu hỏi lựa chọn cần ít nhất 2 phương án, mỗi dòng một phương án.")
    if len(set(options)) != len(options):
        return _("Có phương án bị trùng.")
    return ""


def _require_editor(actor, template: FormTemplate) -> None:
    if template.is_official:
        raise PermissionDenied(_("Mẫu phiếu chính thức không sửa được; hãy sao chép thành mẫu của đơn vị."))
    if not form_editable_by(actor, template):
        raise PermissionDenied(_("Chỉ lãnh đạo đơn vị sở hữu mẫu phiếu mới được sửa."))


def _require_draft(actor, version: FormVersion) -> None:
    _require_editor(actor, version.template)
    if not version.is_draft:
        raise ValidationError(_("Phiên bản đã ban hành không sửa được; hãy tạo bản nháp mới."))
    require_editable(version)


def _log(actor, action: str, version: FormVersion, data: dict) -> None:
    template = version.template
    log_action(
        actor=actor,
        action=action,
        unit=template.unit,
        target=version,
        data={"code": template.code, "number": version.number, **data},
    )
