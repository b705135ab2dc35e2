"""Where the file of a job lives: SIPAS_JOB_DIR, named by the job's key, which every web server and worker sees.

A file is written under a ".part" name and renamed when whole, so a download never reads half a file.
"""

import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings

from reports.models import ReportJob


def job_path(job: ReportJob) -> Path:
    return Path(settings.SIPAS_JOB_DIR) / str(job.key)


@contextmanager
def file_writing(job: ReportJob):
    """Yield the open ".part" file of `job`; on success rename it to the job's file, on an error delete it."""
    path = job_path(job)
    part = path.with_name(f"{path.name}.part")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(part, "wb") as out:
            yield out
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def file_open(job: ReportJob) -> IO[bytes] | None:
    """The finished file of `job` for reading, or None when it is gone (deleted, or on another machine's disk)."""
    try:
        return open(job_path(job), "rb")  # noqa: SIM115 (the download's response closes it)
    except FileNotFoundError:
        return None


def file_remove(job: ReportJob) -> None:
    path = job_path(job)
    path.unlink(missing_ok=True)
    path.with_name(f"{path.name}.part").unlink(missing_ok=True)
