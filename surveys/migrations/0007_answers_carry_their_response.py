import django.db.models.deletion
from django.db import migrations, models

# Answers carry their response's unit, day, channel and procedure, and responses the civil servant
# of their dossier, so that counts read one table along one index (reports/index/counting.py).


def copy_from_responses(apps, schema_editor):
    """Fill the new columns of the rows already stored (UPDATE … FROM: PostgreSQL, and SQLite since 3.33)."""
    schema_editor.execute(
        "UPDATE surveys_answer SET unit_id = r.unit_id, answered_on = r.answered_on, channel = r.channel, "
        "procedure_id = r.procedure_id FROM surveys_response r WHERE r.id = surveys_answer.response_id"
    )
    schema_editor.execute(
        "UPDATE surveys_response SET officer = d.officer FROM surveys_issuedsurvey s, surveys_dossier d "
        "WHERE s.id = surveys_response.survey_id AND d.id = s.dossier_id"
    )


def cover(apps, schema_editor):
    """On PostgreSQL the index also carries what counts group by, so they never visit the table."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX answer_unit_day")
    schema_editor.execute(
        "CREATE INDEX answer_unit_day ON surveys_answer (unit_id, answered_on) "
        "INCLUDE (question_id, value, channel, procedure_id, response_id)"
    )


def uncover(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX answer_unit_day")
    schema_editor.execute("CREATE INDEX answer_unit_day ON surveys_answer (unit_id, answered_on)")


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0006_tallies_per_province_and_of_dossiers_covering_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="officer",
            field=models.CharField(blank=True, max_length=200, verbose_name="công chức giải quyết"),
        ),
        migrations.AddField(
            model_name="answer",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="surveys.unit",
            ),
        ),
        migrations.AddField(
            model_name="answer",
            name="answered_on",
            field=models.DateField(null=True, verbose_name="ngày đánh giá"),
        ),
        migrations.AddField(
            model_name="answer",
            name="channel",
            field=models.CharField(default="", max_length=8, verbose_name="kênh"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="answer",
            name="procedure",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="surveys.procedure",
            ),
        ),
        migrations.RunPython(copy_from_responses, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="answer",
            name="unit",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="surveys.unit"
            ),
        ),
        migrations.AlterField(
            model_name="answer",
            name="answered_on",
            field=models.DateField(verbose_name="ngày đánh giá"),
        ),
        migrations.AddIndex(
            model_name="answer",
            index=models.Index(fields=["unit", "answered_on"], name="answer_unit_day"),
        ),
        migrations.RunPython(cover, uncover),
    ]
