"""Ten years in one answers table: do the reads of this year cost more than with one year? (docs/scaling.md)

The question behind it: must the answers be partitioned by year before a national installation
has ten years of them? A page reads one scope and period through the covering indexes and the
monthly tallies, so its cost should follow the rows it reads, not the rows the table holds. This
script measures that instead of assuming it:

1. one province-year of --responses responses in 2025, made by bench/province_year.py's generator
   (100 communes and 20 departments, heavy-tailed sizes, COPY), then its tallies;
2. the reads, each the best of --runs after a warm-up, with the 8 KB pages each one touches (the
   sum over its SQL statements of EXPLAIN (ANALYZE, BUFFERS), hit + read: what a server whose
   cache cannot hold the table pays in disk reads);
3. the year copied into the year before (same units, days and ids shifted, its monthly tallies
   likewise: what tallies_rebuild would write for the copies), so that a page's comparison with
   the year before has rows to read; VACUUM ANALYZE; the reads (the two-year baseline);
4. the year copied into the years before those, up to --years years in all; the same reads again,
   and the first year's commune-month beside them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas_years .venv/bin/python bench/years.py
    ... bench/years.py --responses 20000 --runs 1      # a quick check (~1 min)

The database named in DATABASE_URL is dropped and created again (never name a real one); the
copy skips foreign-key triggers (session_replication_role), so it needs a PostgreSQL superuser.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import province_year  # noqa: E402  (its generator and helpers, from the same folder)

PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sipas_years"
YEAR, MONTH = province_year.YEAR, province_year.MONTH
RESPONSE_COLUMNS = (
    "unit_id, version_id, channel, procedure_id, procedure_text, received_unit_text, officer, origin, device"
)
ANSWER_COLUMNS = "question_id, value, text, unit_id, channel, procedure_id, officer"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=100_000, help="responses in the one generated year")
    parser.add_argument("--years", type=int, default=10, help="years in the table after the copy")
    parser.add_argument("--runs", type=int, default=3, help="timed runs after one warm-up (best is reported)")
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (it is dropped and created again)")
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": "bench-only-not-secret"}

    province_year.recreate_database(url)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run([PYTHON, "manage.py", "load_forms"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    made = step(env, "generate", options.responses)
    print(
        f"generated {made['responses']:,} responses, {made['answers']:,} answers of {YEAR} in {made['seconds']:.1f} s"
    )
    for first, last in [(1, 1), (2, options.years - 1)]:
        copied = step(env, "copy", first, last)
        print(
            f"\ncopied into {YEAR - last}–{YEAR - first} with its tallies in {copied['copy_s']:.1f} s, "
            f"VACUUM ANALYZE {copied['vacuum_s']:.1f} s"
        )
        show(f"{last + 1} years in the table ({YEAR - last}–{YEAR})", step(env, "measure", options.runs, last + 1))


def step(env: dict, name: str, *args) -> dict:
    done = subprocess.run(
        [PYTHON, __file__, "--child", name, *map(str, args)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"step {name} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(title: str, measured: dict) -> None:
    size = measured["size"]
    print(f"{title}: {size['responses']:,} responses, {size['answers']:,} answers")
    print(
        f"  answers table {size['answers_mb']:,.0f} MB, its indexes {size['indexes_mb']:,.0f} MB; "
        f"answer_unit_day {size['unit_day_mb']:,.0f} MB, B-tree levels {size['levels']}"
    )
    for read in measured["reads"]:
        print(
            f"  {read['name']:<48} {read['ms']:8.1f} ms  {read['pages']:6,} pages  "
            f"({read['statements']} SQL; {read['counted']})"
        )
        print(f"  {'':<48} the SQL touching most: {read['largest']:,} pages, {read['scans']}")


def child(name: str, args: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sipas.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if name == "generate":
        answer = province_year.generate(int(args[0]))
    elif name == "copy":
        answer = copy_years(first=int(args[0]), last=int(args[1]))
    else:
        answer = measure(int(args[0]), years=int(args[1]))
    print(json.dumps(answer))


def copy_years(*, first: int, last: int) -> dict:
    """Copy the generated year and its monthly tallies into the years `first` to `last` before it, as busy."""
    from django.apps import apps
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM surveys_response WHERE answered_on >= %s", [f"{YEAR}-01-01"])
        (top,) = cursor.fetchone()
        offset = 10 ** len(str(top))  # new ids never meet the old ones
        cursor.execute("SET session_replication_role = replica")  # the copied rows are consistent already
        for back in range(first, last + 1):
            shift = f"make_interval(years => {back})"
            cursor.execute(
                f"INSERT INTO surveys_response (id, answered_on, created, {RESPONSE_COLUMNS}) "
                f"SELECT id + {back * offset}, (answered_on - {shift})::date, created - {shift}, {RESPONSE_COLUMNS} "
                "FROM surveys_response WHERE id <= %s",
                [top],
            )
            cursor.execute(
                f"INSERT INTO surveys_answer (response_id, answered_on, {ANSWER_COLUMNS}) "
                f"SELECT response_id + {back * offset}, (answered_on - {shift})::date, {ANSWER_COLUMNS} "
                "FROM surveys_answer WHERE response_id <= %s",
                [top],
            )
            for model in apps.get_app_config("surveys").get_models():  # tallies and counts: one row a month
                columns = [field.column for field in model._meta.concrete_fields if not field.primary_key]
                if "month" not in columns:
                    continue
                shifted = ", ".join(f"(month - {shift})::date" if name == "month" else name for name in columns)
                cursor.execute(
                    f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {shifted} "
                    f"FROM {model._meta.db_table} WHERE month BETWEEN '{YEAR}-01-01' AND '{YEAR}-12-31'"
                )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SELECT setval(pg_get_serial_sequence('surveys_response', 'id'), max(id)) FROM surveys_response")
    copied = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Index-only scans need the visibility map that VACUUM writes, as on a table that has aged.
        cursor.execute("VACUUM ANALYZE")
    return {"copy_s": copied, "vacuum_s": time.perf_counter() - started}


def measure(runs: int, *, years: int) -> dict:
    """Time the reads of a page, and count the pages each touches."""
    from django.db import connection
    from django.db.models import Count

    from reports.index import Scope, figures
    from reports.periods import Period
    from surveys.models import Response, Unit

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # both measurements on tables as settled as an old one's
    province = Unit.objects.get(code=province_year.PROVINCE)
    # The busiest commune of the generated month: the same one before and after the copy.
    busiest = (
        Response.objects.filter(
            unit__parent=province, unit__kind="xa", answered_on__year=YEAR, answered_on__month=MONTH
        )
        .values("unit")
        .annotate(n=Count("id"))
        .order_by("-n", "unit")
        .first()
    )
    commune = Unit.objects.get(pk=busiest["unit"])
    whole, one = Scope.of(province, subtree=True), Scope.of(commune)
    month = Period.month(YEAR, MONTH)
    reads = [
        (f"province, year {YEAR} (tallies)", lambda: figures(scope=whole, period=Period.year(YEAR))),
        (f"province, year {YEAR} (raw answers)", lambda: figures(scope=whole, period=Period.year(YEAR), tallies=False)),
        (f"busiest commune, {MONTH:02d}/{YEAR} (tallies)", lambda: figures(scope=one, period=month)),
        (f"busiest commune, {MONTH:02d}/{YEAR} (raw answers)", lambda: figures(scope=one, period=month, tallies=False)),
    ]
    if years > 1:
        first = Period.month(YEAR - years + 1, MONTH)
        reads.append(
            (
                f"busiest commune, {MONTH:02d}/{YEAR - years + 1} (raw answers)",
                lambda: figures(scope=one, period=first, tallies=False),
            )
        )
    measured = []
    for name, read in reads:
        result = read()
        pages, statements, largest, scans = pages_touched(read)
        measured.append(
            {
                "name": name,
                "ms": province_year.best_of(runs, read) * 1000,
                "pages": pages,
                "statements": statements,
                "largest": largest,
                "scans": scans,
                "counted": f"{result.responses:,} responses, index {result.index:.2f}, {result.source}",
            }
        )
    return {"size": sizes(), "reads": measured}


def pages_touched(read) -> tuple[int, int, int, str]:
    """Pages (hit + read) of every SELECT `read` sends, from EXPLAIN (ANALYZE, BUFFERS); the number of SQL;
    the pages of the SQL touching most, and what its plan scans."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as sent:
        read()
    pages, largest, scans = 0, 0, ""
    with connection.cursor() as cursor:
        for query in sent.captured_queries:
            if not query["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            top = re.search(r"Buffers: shared((?: \w+=\d+)+)", plan)  # the first is the whole plan's
            if top:
                counts = dict(re.findall(r"(\w+)=(\d+)", top[1]))
                touched = int(counts.get("hit", 0)) + int(counts.get("read", 0))
                pages += touched
                if touched > largest:
                    found = re.findall(r"((?:Index Only |Bitmap Heap |Bitmap Index |Index |Seq )Scan[^(]*)", plan)
                    largest, scans = touched, "; ".join(dict.fromkeys(scan.strip() for scan in found))
    return pages, len(sent.captured_queries), largest, scans


def sizes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM surveys_response), (SELECT count(*) FROM surveys_answer), "
            "pg_relation_size('surveys_answer'), pg_indexes_size('surveys_answer'), "
            "pg_relation_size('answer_unit_day')"
        )
        responses, answers, table, indexes, unit_day = cursor.fetchone()
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
            cursor.execute("SELECT level + 1 FROM bt_metap('answer_unit_day')")
            (levels,) = cursor.fetchone()
        except Exception:  # noqa: BLE001 - the depth is a detail; without pageinspect it is left out
            levels = "?"
    megabyte = 2**20
    return {
        "responses": responses,
        "answers": answers,
        "answers_mb": table / megabyte,
        "indexes_mb": indexes / megabyte,
        "unit_day_mb": unit_day / megabyte,
        "levels": levels,
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
    else:
        main()
