"""Load the built-in forms and keep the rule that a version with answers never changes."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.models import Answer, FormTemplate, FormVersion, Question

BUILT_IN_FORMS = Path(settings.BASE_DIR) / "fixtures" / "forms.json"
_VERSION_TEXTS = ["title", "intro", "instructions", "closing", "note"]
_QUESTION_FIELDS = ["code", "heading", "text", "kind", "options", "allows_other", "factor", "flags_integrity"]


class FormFrozen(ValueError):
    """The version already has answers; change a new version instead."""


@dataclass(frozen=True)
class FormsLoaded:
    created: int
    updated: int
    unchanged: int


def version_has_answers(version: FormVersion) -> bool:
    return Answer.objects.filter(question__version=version).exists()


def require_editable(version: FormVersion) -> None:
    """Refuse to change a version that some ballot already answered."""
    if version_has_answers(version):
        raise FormFrozen(_("Phiên bản này đã có phiếu trả lời nên không sửa được; hãy tạo phiên bản mới."))


def version_contents(version: FormVersion) -> dict:
    """The wording of a version as plain data, to compare with the fixture or copy."""
    return {
        **{field: getattr(version, field) for field in _VERSION_TEXTS},
        "questions": [
            {field: getattr(question, field) for field in _QUESTION_FIELDS} for question in version.questions.all()
        ],
    }


def version_fill(version: FormVersion, contents: dict) -> None:
    """Write the wording into an editable version, replacing its questions."""
    for field in _VERSION_TEXTS:
        setattr(version, field, contents.get(field, ""))
    version.save()
    version.questions.all().delete()
    Question.objects.bulk_create(
        Question(version=version, position=position, **{field: row[field] for field in _QUESTION_FIELDS})
        for position, row in enumerate(contents["questions"], start=1)
    )


@transaction.atomic
def forms_load(*, path: Path = BUILT_IN_FORMS) -> FormsLoaded:
    """Create or update the official forms from the fixture, idempotently.

    A changed wording updates the current version while nobody has answered it;
    once it has answers, the change becomes a new published version.
    """
    created = updated = unchanged = 0
    now = timezone.now()
    for row in json.loads(path.read_text(encoding="utf-8"))["forms"]:
        contents = {field: row.get(field, "") for field in _VERSION_TEXTS}
        contents["questions"] = [
            {field: q.get(field, _default(field)) for field in _QUESTION_FIELDS} for q in row["questions"]
        ]
        template, is_new = FormTemplate.objects.update_or_create(
            code=row["code"], unit=None, defaults={"name": row["name"]}
        )
        current = template.current_version()
        if is_new or current is None:
            version_fill(FormVersion(template=template, number=1, status="published", published=now), contents)
            created += 1
        elif version_contents(current) == contents:
            unchanged += 1
        elif version_has_answers(current):
            version_fill(
                FormVersion(template=template, number=current.number + 1, status="published", published=now),
                contents,
            )
            updated += 1
        else:
            version_fill(current, contents)
            updated += 1
    return FormsLoaded(created=created, updated=updated, unchanged=unchanged)


def _default(field: str):
    return {"options": [], "allows_other": False, "flags_integrity": False}.get(field, "")
