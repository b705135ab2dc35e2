"""One province-year at national proportions on PostgreSQL: generate it, then time the reports.

A province of 100 communes and 20 departments receives 500,000 responses in 2025
(mostly sipas-5, some Bình Phước), written with COPY in a few minutes. Then:

- `tallies_rebuild` of the province (the monthly tallies every index reads);
- the XLSX of every response of the province-year (`reports.exports.responses_write`),
  each run in a fresh child process whose peak resident memory is read with os.wait4;
- once the index engine exists: the province for the year, one commune for a month,
  and the Phụ lục 2 PDF (until then the script says "not yet available").

Each timing is the best of --runs after one warm-up.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas_bench .venv/bin/python bench/province_year.py
    ... bench/province_year.py --responses 20000 --runs 1     # a quick check
    ... bench/province_year.py --reuse                        # time again without generating

The database named in DATABASE_URL is dropped and created again (never name a real one);
the server must let that user create databases.
"""

import argparse
import bisect
import datetime
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sipas_bench"
YEAR = 2025
MONTH = 6
PROVINCE = "B1"
COMMUNES, DEPARTMENTS = 100, 20
CHUNK = 50_000
BINH_PHUOC_SHARE = 0.15
PROCEDURES = [
    ("1.001193", "Thủ tục đăng ký khai sinh"),
    ("1.000656", "Thủ tục đăng ký kết hôn"),
    ("2.000815", "Chứng thực bản sao từ bản chính"),
    ("1.001022", "Thủ tục đăng ký thường trú"),
    ("1.004227", "Cấp giấy phép kinh doanh bán lẻ sản phẩm rượu"),
]
COMMENTS = ["Cần thêm ghế chờ", "Cán bộ nhiệt tình", "Nên nhắn tin khi có kết quả", "=1+1 thử công thức"]
TARGETS = {"province_year_ms": 200, "commune_month_ms": 50, "annual_pdf_s": 3, "xlsx_rss_mb": 300}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs after one warm-up (best is reported)")
    parser.add_argument("--reuse", action="store_true", help="keep the generated database and only time")
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (it is dropped and created again)")
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": "bench-only-not-secret"}

    if not options.reuse:
        recreate_database(url)
        started = time.perf_counter()
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        subprocess.run([PYTHON, "manage.py", "load_forms"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        print(f"migrate + load_forms: {time.perf_counter() - started:.1f} s")
        generated, _, rss = run_child(env, "generate", str(options.responses))
        print(
            f"generated {generated['responses']:,} responses, {generated['answers']:,} answers "
            f"in {generated['seconds']:.1f} s (COPY; peak RSS {rss:.0f} MB); "
            f"first tallies_rebuild {generated['rebuild_s']:.1f} s"
        )
    size, _, _ = run_child(env, "size")
    print(f"database: {size['responses']:,} responses, {size['answers']:,} answers, {size['megabytes']:,.0f} MB")

    rebuild, _, _ = run_child(env, "rebuild", str(options.runs))
    print(f"tallies_rebuild(province subtree): best {rebuild['best_s']:.2f} s of {options.runs}")

    exports = [run_child(env, "xlsx") for _ in range(options.runs + 1)][1:]
    best = min(answer["seconds"] for answer, _, _ in exports)
    peak = max(rss for _, _, rss in exports)
    rows, megabytes = exports[0][0]["rows"], exports[0][0]["megabytes"]
    print(
        f"responses_write(province, {YEAR}, xlsx): {rows:,} rows, {megabytes:.0f} MB file, best {best:.1f} s, "
        f"peak RSS {peak:.0f} MB (target < {TARGETS['xlsx_rss_mb']} MB)"
    )

    engine, _, _ = run_child(env, "engine", str(options.runs))
    for name, target in [("province_year_ms", "ms"), ("commune_month_ms", "ms"), ("annual_pdf_s", "s")]:
        value = engine.get(name)
        shown = "not yet available" if value is None else f"{value:.3g} {target}"
        print(f"{name}: {shown} (target < {TARGETS[name]} {target})")
    print(f"  ({engine.get('missing') or engine['counted']})")


def recreate_database(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not name or name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"refusing to drop the database {name!r}")
    server = parts._replace(path="/postgres").geturl()
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(
            ["psql", server, "-q", "-c", sql],
            check=True,
            env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
        )


def run_child(env: dict, *args: str, script: str = __file__) -> tuple[dict, float, float]:
    """Run one step of `script` in a fresh process: its JSON answer, CPU seconds, peak RSS in MB.

    The RSS is os.wait4's, this child's only.
    """
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen([PYTHON, script, "--child", *args], env=env, stdout=out, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if code != 0:
        raise SystemExit(f"step {args[0]} failed (exit {code}):\n{text}")
    return json.loads(text.strip().splitlines()[-1]), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def best_of(runs: int, function) -> float:
    """Seconds of the fastest of `runs` calls after one warm-up."""
    function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


class Generator:
    """Deterministic responses of one province-year, written as COPY text.

    Units differ in size (a few busy departments and towns, many small communes) and in
    quality (each has its own score spread); answers thin out over the ballot, as on paper.
    """

    def __init__(self, *, units: list[int], forms: dict, procedures: list[int], seed: int = 2025):
        self.rng = random.Random(seed)
        self.units = units
        sizes = [1 / (rank + 3) ** 0.9 for rank in range(len(units))]
        self.rng.shuffle(sizes)
        self.unit_cumulative = _cumulative(sizes)
        # Per unit: cumulative weights of the scores 5..1, from very good to middling.
        self.quality = []
        for _ in units:
            good = self.rng.uniform(0.55, 0.92)
            self.quality.append(
                _cumulative([good * 0.55, good * 0.45, (1 - good) * 0.6, (1 - good) * 0.25, (1 - good) * 0.15])
            )
        self.forms = forms
        self.procedures = procedures
        self.days = [datetime.date(YEAR, 1, 1) + datetime.timedelta(days=n) for n in range(365)]

    def score(self, quality) -> int:
        return 5 - bisect.bisect(quality, self.rng.random())

    def chunk(self, first_id: int, count: int) -> tuple[io.StringIO, io.StringIO, int]:
        """COPY text for `count` responses from id `first_id`, and their answers."""
        responses, answers = io.StringIO(), io.StringIO()
        answer_count = 0
        rng = self.rng
        for pk in range(first_id, first_id + count):
            index = bisect.bisect(self.unit_cumulative, rng.random())
            unit, quality = self.units[index], self.quality[index]
            day = self.days[rng.randrange(365)]
            binh_phuoc = rng.random() < BINH_PHUOC_SHARE
            form = self.forms["binh-phuoc" if binh_phuoc else "sipas-5"]
            channel = "online" if rng.random() < 0.2 else "paper"
            roll = rng.random()
            procedure = str(rng.choice(self.procedures)) if roll < 0.6 else "\\N"
            procedure_text = "Hỏi thủ tục đất đai" if 0.6 <= roll < 0.7 else ""
            received = "Trung tâm Phục vụ hành chính công" if binh_phuoc and rng.random() < 0.5 else ""
            responses.write(
                f"{pk}\t{unit}\t{form['version']}\t{channel}\t{day}\t{procedure}\t{procedure_text}\t{received}"
                f"\t\t\t\t{day} 08:00:00+07\n"
            )
            # Each answer carries its response's unit, day, channel, procedure and (no) civil servant.
            carried = f"{unit}\t{day}\t{channel}\t{procedure}\t"
            rows = []
            for question in form["scales"]:
                if rng.random() >= 0.04:
                    rows.append(f"{pk}\t{question}\t{self.score(quality)}\t\t{carried}")
            if binh_phuoc:
                for option in sorted(rng.sample(range(1, 6), rng.choice((1, 1, 2)))):
                    rows.append(f"{pk}\t{form['3.1']}\t{option}\t\t{carried}")
                rows.append(f"{pk}\t{form['3.7']}\t{1 if rng.random() < 0.02 else 2}\t\t{carried}")
                rows.append(f"{pk}\t{form['3.8']}\t{1 if rng.random() < 0.01 else 2}\t\t{carried}")
                rows.append(f"{pk}\t{form['3.9']}\t{rng.choices((1, 2, 3), (20, 72, 8))[0]}\t\t{carried}")
                if rng.random() < 0.08:
                    rows.append(f"{pk}\t{form['4']}\t\\N\t{rng.choice(COMMENTS)}\t{carried}")
            answers.write("\n".join(rows) + "\n")
            answer_count += len(rows)
        responses.seek(0)
        answers.seek(0)
        return responses, answers, answer_count


def _cumulative(weights: list[float]) -> list[float]:
    total, running, out = sum(weights), 0.0, []
    for weight in weights[:-1]:
        running += weight
        out.append(running / total)
    return out


def child(step: str, args: list[str]) -> None:
    """One step inside Django; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sipas.settings")
    import django

    django.setup()
    from django.db import connection

    from surveys.models import Answer, Response, Unit

    if step == "generate":
        print(json.dumps(generate(int(args[0]))))
        return
    province = Unit.objects.get(code=PROVINCE)
    units = Unit.objects.subtree_of(province)
    if step == "size":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            (size,) = cursor.fetchone()
        answer = {"responses": Response.objects.count(), "answers": Answer.objects.count(), "megabytes": size / 2**20}
    elif step == "rebuild":
        from surveys.services.tallies import tallies_rebuild

        answer = {"best_s": best_of(int(args[0]), lambda: tallies_rebuild(units))}
    elif step == "xlsx":
        from reports.exports import responses_write

        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            start, end = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
            ids = list(units.values_list("pk", flat=True))
            rows = responses_write(unit_ids=ids, start=start, end=end, fmt="xlsx", out=out)
            answer = {"rows": rows, "seconds": time.perf_counter() - started, "megabytes": out.tell() / 2**20}
    elif step == "engine":
        answer = engine(province, int(args[0]))
    print(json.dumps(answer))


def generate(count: int) -> dict:
    """The province, its 120 units, five procedures and `count` responses; then the tallies."""
    from django.db import connection, transaction

    from surveys.models import FormTemplate, Procedure, ProcedureField, Unit
    from surveys.services.tallies import tallies_rebuild

    started = time.perf_counter()
    with transaction.atomic():
        province = _unit(PROVINCE, "Tỉnh Thử Nghiệm", Unit.Kind.PROVINCE, None)
        units = [_unit(f"{91001 + n}", f"Xã Thử Nghiệm {n + 1}", Unit.Kind.COMMUNE, province) for n in range(COMMUNES)]
        units += [
            _unit(f"{PROVINCE}-SO{n + 1:02d}", f"Sở Thử Nghiệm {n + 1}", Unit.Kind.DEPARTMENT, province)
            for n in range(DEPARTMENTS)
        ]
        field = ProcedureField.objects.create(name="Hộ tịch")
        procedures = []
        for code, name in PROCEDURES:
            procedure = Procedure(code=code, name=name, field=field, level=Procedure.Level.COMMUNE)
            procedure.set_derived_fields()
            procedure.save()
            procedures.append(procedure.pk)
    forms = {}
    for code in ("sipas-5", "binh-phuoc"):
        version = FormTemplate.objects.get(code=code).current_version()
        questions = list(version.questions.all())
        forms[code] = {
            "version": version.pk,
            "scales": [question.pk for question in questions if question.is_scale],
            **{question.code: question.pk for question in questions},
        }
    generator = Generator(units=[unit.pk for unit in units], forms=forms, procedures=procedures)
    answers = 0
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        # Skip the foreign-key triggers while loading rows made consistent here (superuser only).
        cursor.execute("SET session_replication_role = replica")
        for first in range(1, count + 1, CHUNK):
            responses, rows, written = generator.chunk(first, min(CHUNK, count + 1 - first))
            cursor.copy_expert(
                "COPY surveys_response (id, unit_id, version_id, channel, answered_on, procedure_id, "
                "procedure_text, received_unit_text, officer, origin, device, created) FROM STDIN",
                responses,
            )
            cursor.copy_expert(
                "COPY surveys_answer (response_id, question_id, value, text, unit_id, answered_on, channel, "
                "procedure_id, officer) FROM STDIN",
                rows,
            )
            answers += written
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SELECT setval(pg_get_serial_sequence('surveys_response', 'id'), %s)", [count])
        cursor.execute("ANALYZE surveys_response")
        cursor.execute("ANALYZE surveys_answer")
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    tallies_rebuild(Unit.objects.subtree_of(province))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE surveys_answertally")
        cursor.execute("ANALYZE surveys_responsetally")
    return {"responses": count, "answers": answers, "seconds": loaded, "rebuild_s": time.perf_counter() - started}


def _unit(code, name, kind, parent):
    from surveys.models import Unit

    unit = Unit(code=code, name=name, kind=kind, parent=parent)
    unit.set_derived_fields()
    unit.save()
    return unit


def engine(province, runs: int) -> dict:
    """Time the index engine and the annual report, when they exist."""
    from django.db.models import Count

    from surveys.models import Response

    try:
        from reports.builders import annual_report
        from reports.index import Scope, figures
        from reports.periods import Period
        from reports.writers import render
    except ImportError as error:
        return {"missing": str(error)}
    # The busiest commune: the slowest month a commune can ask for.
    busiest = (
        Response.objects.filter(
            unit__parent=province, unit__kind="xa", answered_on__year=YEAR, answered_on__month=MONTH
        )
        .values("unit")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    commune = type(province).objects.get(pk=busiest["unit"])
    whole = figures(scope=Scope.of(province, subtree=True), period=Period.year(YEAR))
    one = figures(scope=Scope.of(commune, subtree=False), period=Period.month(YEAR, MONTH))
    year = best_of(runs, lambda: figures(scope=Scope.of(province, subtree=True), period=Period.year(YEAR)))
    month = best_of(runs, lambda: figures(scope=Scope.of(commune, subtree=False), period=Period.month(YEAR, MONTH)))
    pdf = best_of(runs, lambda: render(annual_report(unit=province, year=YEAR), "pdf"))
    return {
        "province_year_ms": year * 1000,
        "commune_month_ms": month * 1000,
        "annual_pdf_s": pdf,
        # What was computed, so a fast time is not an empty answer.
        "counted": f"province {whole.responses:,} responses, index {whole.index:.2f} ({whole.source}); "
        f"{commune.name} {MONTH:02d}/{YEAR}: {one.responses:,} responses ({one.source}); "
        f"PDF {len(render(annual_report(unit=province, year=YEAR), 'pdf')[2]):,} bytes",
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
    else:
        main()
