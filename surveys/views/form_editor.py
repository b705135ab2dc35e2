"""Survey forms: read them, copy one for a unit, edit its draft, and preview it as the citizen sees it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from surveys.forms.form_editor import FormCopyForm, QuestionForm, VersionTextsForm
from surveys.models import FormTemplate, FormVersion
from surveys.services import form_editor
from surveys.services.forms import FormFrozen, require_editable
from surveys.text import whole_number


def _get_template_for_user(user, code: str) -> FormTemplate:
    """The template if the user may read it; 404 outside their reach."""
    return get_object_or_404(form_editor.form_templates_for_user(user=user).select_related("unit"), code=code)


def _get_template_for_editor(user, code: str) -> FormTemplate:
    """The template if the user may edit it; official forms and other people's forms have no editor."""
    template = _get_template_for_user(user, code)
    if not form_editor.form_editable_by(user, template):
        raise Http404
    return template


def _shown_version(template: FormTemplate, number: str | None) -> FormVersion | None:
    """Version ?v=N, else the current one, else the newest (a copy before its first publication)."""
    versions = template.versions.all()
    if number:
        if (wanted := whole_number(number)) is None:
            raise Http404
        return get_object_or_404(versions, number=wanted)
    return template.current_version() or versions.order_by("-number").first()


@login_required
def form_list(request):
    templates = (
        form_editor.form_templates_for_user(user=request.user)
        .select_related("unit")
        .annotate(
            current_number=Max("versions__number", filter=Q(versions__status=FormVersion.Status.PUBLISHED)),
            draft_number=Max("versions__number", filter=Q(versions__status=FormVersion.Status.DRAFT)),
        )
    )
    return render(
        request,
        "surveys/form_list.html",
        {
            "official": [template for template in templates if template.is_official],
            "own": [template for template in templates if not template.is_official],
            "can_copy": form_editor.form_units_for_copy(user=request.user).exists(),
        },
    )


@login_required
def form_detail(request, code):
    template = _get_template_for_user(request.user, code)
    version = _shown_version(template, request.GET.get("v"))
    return render(
        request,
        "surveys/form_detail.html",
        {
            "template": template,
            "version": version,
            "questions": version.questions.all() if version else [],
            "versions": template.versions.select_related("created_by").order_by("-number"),
            "draft": template.versions.filter(status=FormVersion.Status.DRAFT).first(),
            "can_edit": form_editor.form_editable_by(request.user, template),
            "can_copy": form_editor.form_units_for_copy(user=request.user).exists(),
        },
    )


@login_required
def form_copy(request, code):
    template = _get_template_for_user(request.user, code)
    if not form_editor.form_units_for_copy(user=request.user).exists():
        raise Http404
    form = FormCopyForm(request.POST or None, actor=request.user, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            copy = form_editor.form_copy(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã tạo mẫu phiếu %(name)s, bản nháp phiên bản 1.") % {"name": copy.name})
            return redirect("form_edit", copy.code)
    return render(request, "surveys/form_copy.html", {"template": template, "form": form})


@login_required
def form_edit(request, code):
    """The draft editor; every change is a POST that redirects back here (or shows the errors)."""
    template = _get_template_for_editor(request.user, code)
    if request.method == "POST":
        return _edit_post(request, template)
    draft = template.versions.filter(status=FormVersion.Status.DRAFT).first()
    if draft is None:
        return redirect("form_detail", template.code)
    editing = _draft_question(draft, request.GET.get("q"))
    return _editor(request, template, draft, question_form=QuestionForm(question=editing), editing=editing)


def _edit_post(request, template: FormTemplate):
    action = request.POST.get("action")
    try:
        if action == "draft":
            form_editor.version_draft(actor=request.user, template=template)
            return redirect("form_edit", template.code)
        draft = template.versions.filter(status=FormVersion.Status.DRAFT).first()
        if draft is None:
            messages.info(request, _("Mẫu phiếu này không có bản nháp; bấm “Sửa” để tạo."))
            return redirect("form_detail", template.code)
        if action == "texts":
            return _save_texts(request, template, draft)
        if action == "question":
            return _save_question(request, template, draft)
        if action == "publish":
            form_editor.version_publish(actor=request.user, version=draft)
            messages.success(request, _("Đã ban hành phiên bản %(number)s.") % {"number": draft.number})
            return redirect("form_detail", template.code)
        question = _draft_question(draft, request.POST.get("question"))
        if question is None:
            raise Http404
        if action == "delete":
            form_editor.question_delete(actor=request.user, question=question)
            messages.success(request, _("Đã xóa câu %(code)s.") % {"code": question.code})
        elif action in ("up", "down"):
            form_editor.question_move(actor=request.user, question=question, direction=action)
        else:
            raise Http404
    except (FormFrozen, ValidationError) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    return redirect("form_edit", template.code)


def _save_texts(request, template, draft):
    form = VersionTextsForm(request.POST)
    if form.is_valid():
        try:
            form_editor.version_update(actor=request.user, version=draft, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã lưu lời văn của phiếu."))
            return redirect("form_edit", template.code)
    return _editor(request, template, draft, texts_form=form)


def _save_question(request, template, draft):
    editing = _draft_question(draft, request.POST.get("question"))
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            saved = form_editor.question_save(actor=request.user, version=draft, question=editing, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Đã lưu câu %(code)s.") % {"code": saved.code})
            return redirect("form_edit", template.code)
    return _editor(request, template, draft, question_form=form, editing=editing)


def _draft_question(draft: FormVersion, pk: str | None):
    if not pk:
        return None
    if (wanted := whole_number(pk)) is None:
        raise Http404
    return get_object_or_404(draft.questions.all(), pk=wanted)


def _editor(request, template, draft, *, texts_form=None, question_form=None, editing=None):
    if texts_form is None:
        texts_form = VersionTextsForm(initial={field: getattr(draft, field) for field in VersionTextsForm.base_fields})
    return render(
        request,
        "surveys/form_edit.html",
        {
            "template": template,
            "version": draft,
            "questions": draft.questions.all(),
            "texts_form": texts_form,
            "question_form": question_form or QuestionForm(),
            "editing": editing,
            "frozen": _frozen_message(draft),
        },
    )


def _frozen_message(draft: FormVersion) -> str:
    try:
        require_editable(draft)
    except FormFrozen as error:
        return str(error)
    return ""


@login_required
def form_preview(request, code):
    template = _get_template_for_user(request.user, code)
    version = _shown_version(template, request.GET.get("v"))
    if version is None:
        raise Http404
    return render(
        request,
        "surveys/form_preview.html",
        {
            "template": template,
            "version": version,
            "questions": version.questions.all(),
            "typist": request.GET.get("man-hinh") == "nhap-phieu",
        },
    )
