# Jobs of more than one kind (batch notices, the responses export, comparisons), their files on disk under
# SIPAS_JOB_DIR rather than in the table, and a heartbeat; their times by the database's clock.
# The ZIPs kept in the table move to files.

import os
from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q
from django.db.models.functions import Now


def archives_to_files(apps, schema_editor):
    ReportJob = apps.get_model("reports", "ReportJob")
    folder = Path(settings.SIPAS_JOB_DIR)
    for job in ReportJob.objects.select_related("unit").iterator():
        job.kind = "notices"
        job.params = {"period": f"{job.month:%Y-%m}"}
        job.heartbeat = job.created
        if job.status == "done" and job.archive is not None:
            folder.mkdir(parents=True, exist_ok=True)
            content = bytes(job.archive)
            (folder / f"{job.key}.part").write_bytes(content)
            os.replace(folder / f"{job.key}.part", folder / str(job.key))
            job.filename = f"thong-bao-{job.unit.code}-{job.month:%Y-%m}.zip"
            job.mimetype = "application/zip"
            job.size = len(content)
        elif job.status == "done":
            job.status = "failed"
        if job.status == "failed" and not job.error:
            job.error = "Không còn tệp của lần tạo này; hãy tạo lại."
        job.save()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_report_texts_jobs"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="reportjob",
            options={"ordering": ["-created"], "verbose_name": "việc chạy nền", "verbose_name_plural": "việc chạy nền"},
        ),
        migrations.AddField(
            model_name="reportjob",
            name="kind",
            field=models.CharField(
                choices=[
                    ("notices", "Thông báo kết quả tháng của các đơn vị trực thuộc"),
                    ("responses", "Tất cả phiếu trong kỳ"),
                    ("comparison", "Bảng so sánh các đơn vị"),
                ],
                default="notices",
                max_length=16,
                verbose_name="loại",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="reportjob",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="tham số"),
        ),
        migrations.AddField(
            model_name="reportjob",
            name="filename",
            field=models.CharField(blank=True, max_length=200, verbose_name="tên tệp"),
        ),
        migrations.AddField(
            model_name="reportjob",
            name="mimetype",
            field=models.CharField(blank=True, max_length=100, verbose_name="kiểu tệp"),
        ),
        migrations.AddField(
            model_name="reportjob",
            name="size",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="dung lượng (byte)"),
        ),
        migrations.AddField(
            model_name="reportjob",
            name="started",
            field=models.DateTimeField(blank=True, null=True, verbose_name="bắt đầu lúc"),
        ),
        migrations.AddField(
            model_name="reportjob",
            name="heartbeat",
            field=models.DateTimeField(blank=True, db_default=Now(), null=True, verbose_name="báo tiến độ lần cuối"),
        ),
        migrations.RunPython(archives_to_files, migrations.RunPython.noop),
        migrations.RemoveField(model_name="reportjob", name="archive"),
        migrations.AlterField(
            model_name="reportjob",
            name="created",
            field=models.DateTimeField(db_default=Now(), verbose_name="tạo lúc"),
        ),
        migrations.RemoveField(model_name="reportjob", name="month"),
        migrations.AlterField(
            model_name="reportjob",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="surveys.unit",
                verbose_name="đơn vị",
            ),
        ),
        migrations.AlterField(
            model_name="reportjob",
            name="done",
            field=models.PositiveIntegerField(default=0, verbose_name="đã làm"),
        ),
        migrations.AlterField(
            model_name="reportjob",
            name="total",
            field=models.PositiveIntegerField(default=0, verbose_name="tổng số"),
        ),
        migrations.AddIndex(
            model_name="reportjob",
            index=models.Index(fields=["status", "heartbeat"], name="report_job_status_heartbeat"),
        ),
        migrations.AddConstraint(
            model_name="reportjob",
            constraint=models.CheckConstraint(
                condition=Q(kind__in=["notices", "responses", "comparison"]), name="report_job_kind_known"
            ),
        ),
        migrations.AddConstraint(
            model_name="reportjob",
            constraint=models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(kind="comparison"), name="report_job_unit_unless_national"
            ),
        ),
        migrations.AddConstraint(
            model_name="reportjob",
            constraint=models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]), name="report_job_status_known"
            ),
        ),
        migrations.AddConstraint(
            model_name="reportjob",
            constraint=models.CheckConstraint(
                condition=~Q(status="done") | ~Q(filename=""), name="report_job_done_has_file"
            ),
        ),
        migrations.AddConstraint(
            model_name="reportjob",
            constraint=models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""), name="report_job_failure_explained"
            ),
        ),
    ]
