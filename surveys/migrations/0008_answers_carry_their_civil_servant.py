from django.db import migrations, models

# Answers carry the civil servant of their response too, and two partial indexes serve the counts
# that read a small part of a scope: one procedure's (or one field's procedures') answers, and the
# issued surveys' answers grouped by civil servant (reports/index/counting.py).

COVERED = {
    "answer_procedure_unit_day": (
        "(procedure_id, unit_id, answered_on) INCLUDE (question_id, value, channel, officer, response_id)",
        "procedure_id IS NOT NULL",
    ),
    "answer_issued_unit_day": (
        "(unit_id, answered_on) INCLUDE (officer, question_id, value, procedure_id, response_id)",
        "channel = 'issued'",
    ),
}


def copy_from_responses(apps, schema_editor):
    """Only the answers of issued surveys name a civil servant (UPDATE … FROM: PostgreSQL, SQLite since 3.33)."""
    schema_editor.execute(
        "UPDATE surveys_answer SET officer = r.officer FROM surveys_response r "
        "WHERE r.id = surveys_answer.response_id AND r.officer <> ''"
    )


def cover(apps, schema_editor, *, include: bool = True):
    """On PostgreSQL each index also carries what those counts group by, so they never visit the table."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (columns, condition) in COVERED.items():
        schema_editor.execute(f"DROP INDEX {name}")
        keys = columns if include else columns.split(" INCLUDE")[0]
        schema_editor.execute(f"CREATE INDEX {name} ON surveys_answer {keys} WHERE {condition}")


def uncover(apps, schema_editor):
    cover(apps, schema_editor, include=False)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0007_answers_carry_their_response"),
    ]

    operations = [
        migrations.AddField(
            model_name="answer",
            name="officer",
            field=models.CharField(blank=True, max_length=200, verbose_name="công chức giải quyết"),
        ),
        migrations.RunPython(copy_from_responses, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="answer",
            index=models.Index(
                condition=models.Q(("procedure__isnull", False)),
                fields=["procedure", "unit", "answered_on"],
                name="answer_procedure_unit_day",
            ),
        ),
        migrations.AddIndex(
            model_name="answer",
            index=models.Index(
                condition=models.Q(("channel", "issued")), fields=["unit", "answered_on"], name="answer_issued_unit_day"
            ),
        ),
        migrations.RunPython(cover, uncover),
    ]
