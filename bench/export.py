"""The responses export against PostgreSQL's own COPY of the same rows, in one run.

Generates a province-year (the province, communes and data of `bench/province_year.py`) in its own
database, then times, each in a fresh child process, interleaved run by run so that a busy machine
weighs on all alike:

- `csv`:  reports.exports.responses_write(fmt="csv") of the province-year into a file;
- `xlsx`: the same, fmt="xlsx";
- `copy wide`: `COPY (SELECT …) TO STDOUT CSV` of the same rows computed by PostgreSQL alone,
  one row per response with one column per question (the same cells, joined by string_agg
  and FILTER): the export's rows as the database itself would write them;
- `copy narrow`: `COPY … TO STDOUT CSV` of every value the export reads, one row per answer
  with its response's fields: the least any export must move out of the database.

Before timing it checks that the CSV and the wide COPY hold the same rows, cell for cell. Prints
the best and median of each, the ratios of the best times, and each child's peak RSS.

    .venv/bin/python bench/export.py                          # 100,000 responses, 3 runs
    .venv/bin/python bench/export.py --responses 20000 --runs 1
    .venv/bin/python bench/export.py --reuse                  # time again without generating

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/sipas_bench_export) is dropped and
created again unless --reuse: never name a real database.
"""

import argparse
import csv
import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import province_year  # noqa: E402 (the generator of the province-year, beside this file)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sipas_bench_export"
YEAR = province_year.YEAR
METHODS = ["copy_narrow", "copy_wide", "csv", "xlsx"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each method after one warm-up")
    parser.add_argument("--reuse", action="store_true", help="keep the generated database and only time")
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (it is dropped and created again)")
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": "bench-only-not-secret"}
    env.pop("DATABASE_REPLICA_URL", None)

    if not options.reuse:
        province_year.recreate_database(url)
        started = time.perf_counter()
        python = province_year.PYTHON
        subprocess.run([python, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        subprocess.run([python, "manage.py", "load_forms"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        generated, _, _ = run_child(env, "generate", str(options.responses))
        print(
            f"generated {generated['responses']:,} responses, {generated['answers']:,} answers "
            f"in {time.perf_counter() - started:.1f} s (migrate, load_forms, COPY, tallies)"
        )
    same, _, _ = run_child(env, "check")
    print(f"check: the CSV export and the wide COPY hold the same {same['rows']:,} rows, cell for cell")

    times: dict[str, list[float]] = {method: [] for method in METHODS}
    sizes, memory = {}, dict.fromkeys(METHODS, 0.0)
    for run in range(options.runs + 1):
        for method in METHODS:
            answer, _, rss = run_child(env, method)
            if run:  # the first round warms the caches
                times[method].append(answer["seconds"])
            sizes[method] = (answer["rows"], answer["megabytes"])
            memory[method] = max(memory[method], rss)
    best = {method: min(values) for method, values in times.items()}
    print(f"{'method':<12} {'rows':>9} {'MB':>6} {'best s':>7} {'median s':>8} {'peak RSS':>9}")
    for method in METHODS:
        rows, megabytes = sizes[method]
        print(
            f"{method:<12} {rows:>9,} {megabytes:>6.1f} {best[method]:>7.2f} "
            f"{statistics.median(times[method]):>8.2f} {memory[method]:>7.0f} MB"
        )
    for method in ("csv", "xlsx"):
        print(
            f"{method}: {best[method] / best['copy_wide']:.2f} × the wide COPY, "
            f"{best[method] / best['copy_narrow']:.2f} × the narrow COPY (best of {options.runs})"
        )


def run_child(env: dict, *args: str):
    return province_year.run_child(env, *args, script=__file__)


def child(step: str, args: list[str]) -> None:
    """One step inside Django; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sipas.settings")
    import django

    django.setup()
    if step == "generate":
        print(json.dumps(generate(int(args[0]))))
        return
    from surveys.models import Unit

    unit_ids = list(Unit.objects.subtree_of(Unit.objects.get(code=province_year.PROVINCE)).values_list("pk", flat=True))
    if step == "check":
        print(json.dumps({"rows": check(unit_ids)}))
        return
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        rows = write(step, unit_ids, out)
        seconds = time.perf_counter() - started
        print(json.dumps({"rows": rows, "seconds": seconds, "megabytes": out.tell() / 2**20}))


def write(method: str, unit_ids: list[int], out) -> int:
    from reports.exports import responses_write

    start, end = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
    if method in ("csv", "xlsx"):
        return responses_write(unit_ids=unit_ids, start=start, end=end, fmt=method, out=out)
    sql = wide_sql(unit_ids) if method == "copy_wide" else narrow_sql(unit_ids)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", out)
        return cursor.cursor.rowcount


def narrow_sql(unit_ids: list[int]) -> str:
    """Every value the export reads: one row per answer, with its response's fields."""
    from django.db import connection

    with connection.cursor() as cursor:
        return cursor.mogrify(
            "SELECT r.id, r.unit_id, r.answered_on, r.channel, r.version_id, p.name, r.procedure_text, "
            "r.received_unit_text, a.question_id, a.value, a.text FROM surveys_response r "
            "LEFT JOIN surveys_procedure p ON p.id = r.procedure_id LEFT JOIN surveys_answer a ON a.response_id = r.id "
            "WHERE r.unit_id = ANY(%s) AND r.answered_on BETWEEN %s AND %s ORDER BY r.id",
            [unit_ids, datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)],
        ).decode()


def wide_sql(unit_ids: list[int]) -> str:
    """The export's rows computed by PostgreSQL: one per response, one column per question, the same cells."""
    from django.db import connection

    from reports.exports import ResponsesExport
    from surveys.models import Response

    start, end = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
    export = ResponsesExport(unit_ids=unit_ids, start=start, end=end, using="default")
    columns = export.columns
    questions: dict[int, list[int]] = {}
    for question, column in columns.index.items():
        questions.setdefault(column, []).append(question)
    cell = (
        "CASE WHEN a.text = '' THEN a.value::text WHEN a.value IS NULL THEN a.text "
        "ELSE a.value || ' (' || a.text || ')' END"
    )
    cells = []
    for column, multi in enumerate(columns.multi):
        ids = ",".join(map(str, questions[column]))
        aggregate = f"string_agg({cell}, '; ' ORDER BY a.value)" if multi else f"max({cell})"
        cells.append(f"{aggregate} FILTER (WHERE a.question_id IN ({ids}))")
    channels = " ".join("WHEN %s THEN %s" for _ in Response.Channel.choices)
    forms = " ".join(f"WHEN {pk} THEN %s" for pk in export.versions)
    params = [value for pair in Response.Channel.choices for value in (pair[0], str(pair[1]))]
    params += [f"{version.template.name} v{version.number}" for version in export.versions.values()]
    params += [unit_ids, datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)]
    with connection.cursor() as cursor:
        return cursor.mogrify(
            f"SELECT r.id, u.name, u.code, to_char(r.answered_on, 'YYYY-MM-DD'), CASE r.channel {channels} END, "
            f"CASE r.version_id {forms} END, coalesce(p.name, nullif(r.procedure_text, '')), "
            f"nullif(r.received_unit_text, ''), {', '.join(cells)} "
            "FROM surveys_response r JOIN surveys_unit u ON u.id = r.unit_id "
            "LEFT JOIN surveys_procedure p ON p.id = r.procedure_id LEFT JOIN surveys_answer a ON a.response_id = r.id "
            "WHERE r.unit_id = ANY(%s) AND r.answered_on BETWEEN %s AND %s GROUP BY r.id, u.name, u.code, p.name "
            "ORDER BY r.id",
            params,
        ).decode()


def check(unit_ids: list[int]) -> int:
    """The rows of the CSV export equal those of the wide COPY (less the header and the formula apostrophes)."""
    with tempfile.TemporaryFile() as exported, tempfile.TemporaryFile() as copied:
        write("csv", unit_ids, exported)
        write("copy_wide", unit_ids, copied)
        exported.seek(0)
        copied.seek(0)
        ours = list(csv.reader(io.TextIOWrapper(exported, encoding="utf-8-sig", newline="")))[1:]
        theirs = list(csv.reader(io.TextIOWrapper(copied, encoding="utf-8", newline="")))
    ours = [[cell[1:] if cell.startswith("'=") else cell for cell in row] for row in ours]
    if ours != theirs:
        wrong = next(n for n, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b)
        raise SystemExit(f"the CSV and the COPY differ at row {wrong}:\n{ours[wrong]}\n{theirs[wrong]}")
    return len(ours)


def generate(count: int) -> dict:
    """The province-year of bench/province_year.py, its tables vacuumed so every run reads them alike."""
    from django.db import connection

    generated = province_year.generate(count)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE surveys_response")
        cursor.execute("VACUUM ANALYZE surveys_answer")
    return generated


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
    else:
        main()
