"""Import 10,000 typed-in sipas-5 ballots from one XLSX file on SQLite and PostgreSQL.

Measures the import's wall time and memory, and proves that the same file with one
bad row added writes nothing. Each step runs in its own child process, so the peak
resident memory read with os.wait4 belongs to that import alone.

    .venv/bin/python bench/import_ballots.py                 # both databases
    .venv/bin/python bench/import_ballots.py --skip-postgres # SQLite only
    .venv/bin/python bench/import_ballots.py --ballots 50000

PostgreSQL: the local server at 127.0.0.1:5432 with trust auth for user postgres;
the script creates the database sipas_bench and drops it at the end.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES = "postgres://postgres@127.0.0.1:5432/sipas_bench"
UNIT = "09556"
LABELS = ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"]
UNACCENTED = ["Rat hai long", "hai long", "binh thuong", "khong hai long", "rat khong hai long"]
# (code, name) of the catalogue procedures the setup step creates; rows name them either way.
PROCEDURES = [
    ("1.001193", "Thủ tục đăng ký khai sinh"),
    ("1.000656", "Thủ tục đăng ký kết hôn"),
    ("2.000815", "Chứng thực bản sao từ bản chính"),
    ("1.001022", "Thủ tục đăng ký thường trú"),
]
OTHER_PROCEDURES = ["Xin xác nhận tình trạng nhà ở", "Hỏi thủ tục đất đai", ""]


def ballot_rows(count: int, seed: int = 2025):
    """Ballots of one year: mostly good scores, some labels (with or without diacritics), some blanks."""
    rng = random.Random(seed)
    start = datetime.date(2025, 1, 1)
    for _ in range(count):
        day = start + datetime.timedelta(days=rng.randrange(365))
        date = day if rng.random() < 0.3 else day.strftime("%d/%m/%Y")  # some real date cells
        code, name = rng.choice(PROCEDURES)
        procedure = rng.choice([code, name, name.lower(), rng.choice(OTHER_PROCEDURES)])
        answers = []
        for _ in range(8):
            roll = rng.random()
            score = rng.choices([5, 4, 3, 2, 1], weights=[45, 35, 12, 5, 3])[0]
            if roll < 0.05:
                answers.append(None)
            elif roll < 0.20:
                answers.append(LABELS[5 - score])
            elif roll < 0.25:
                answers.append(UNACCENTED[5 - score])
            else:
                answers.append(score)
        yield [date, procedure, *answers]


def write_xlsx(path: Path, rows, extra=None) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Phiếu")
    sheet.append(["Ngày", "Thủ tục", *(f"Câu {n}" for n in range(1, 9))])
    for row in rows:
        sheet.append(row)
    if extra:
        sheet.append(extra)
    workbook.save(path)


def run_child(env: dict, *args: str) -> tuple[dict, float, float]:
    """Run one step of this script in a fresh process: its JSON answer, CPU seconds, peak RSS in MB."""
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen([PYTHON, __file__, "--child", *args], env=env, stdout=out, cwd=ROOT)
        # wait4 gives this child's own rusage; RUSAGE_CHILDREN would be the maximum over all children so far.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"step {args[0]} failed (exit {process.returncode}):\n{text}")
    return json.loads(text.strip().splitlines()[-1]), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c", sql],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
    )


def bench_database(name: str, url: str, good: Path, bad: Path, runs: int) -> dict:
    """Import the good file `runs` times (a new batch each time), then try the bad one."""
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": "bench-only-not-secret"}
    manage(env, "migrate", "-v0")
    manage(env, "load_forms")
    run_child(env, "setup")
    _, _, idle_rss = run_child(env, "count")
    imports = [run_child(env, "import", str(good)) for _ in range(runs)]
    refused, _, _ = run_child(env, "import", str(bad))
    last = imports[-1][0]
    seconds = sorted(answer["seconds"] for answer, _, _ in imports)
    return {
        "database": name,
        "ballots": last["count"],
        "answers": last["answers"] // runs,
        "best_s": seconds[0],
        "median_s": statistics.median(seconds),
        "cpu_s": min(cpu for _, cpu, _ in imports),
        "rss_mb": max(rss for _, _, rss in imports),
        "idle_rss_mb": idle_rss,
        "growth_mb": max(answer["growth_mb"] for answer, _, _ in imports),
        "bad_problems": refused["problems"],
        "bad_s": refused["seconds"],
        "after_good": last["responses"],
        "after_bad": refused["responses"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="imports of the good file per database (best and median)")
    parser.add_argument("--skip-postgres", action="store_true")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sipas-bench-") as folder:
        folder = Path(folder)
        good, bad = folder / "phieu.xlsx", folder / "phieu-mot-dong-sai.xlsx"
        started = time.perf_counter()
        write_xlsx(good, ballot_rows(options.ballots))
        # The bad row comes last, so every good row is parsed before the problem turns up.
        write_xlsx(bad, ballot_rows(options.ballots), extra=["31/12/2025", "", 5, 5, 6, 4, 4, 5, 5, 5])
        print(
            f"{options.ballots} ballots: {good.stat().st_size / 1024:.0f} KB XLSX "
            f"written in {time.perf_counter() - started:.1f} s (twice: good and with one bad row)"
        )
        results = [bench_database("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}", good, bad, options.runs)]
        if not options.skip_postgres:
            psql("DROP DATABASE IF EXISTS sipas_bench")
            psql("CREATE DATABASE sipas_bench")
            try:
                results.append(bench_database("PostgreSQL", POSTGRES, good, bad, options.runs))
            finally:
                psql("DROP DATABASE IF EXISTS sipas_bench")
    print_table(results)


def print_table(results: list[dict]) -> None:
    print()
    print(
        "| database | ballots | answers | import (best) | median | ballots/s (best) | process CPU (best) "
        "| peak RSS | idle RSS | RSS growth in import |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['database']} | {r['ballots']:,} | {r['answers']:,} | {r['best_s']:.2f} s | {r['median_s']:.2f} s "
            f"| {r['ballots'] / r['best_s']:,.0f} | {r['cpu_s']:.2f} s | {r['rss_mb']:.0f} MB "
            f"| {r['idle_rss_mb']:.0f} MB | {r['growth_mb']:.0f} MB |"
        )
    print()
    print("| database | one bad row added: problems | refused in | responses before → after |")
    print("| --- | ---: | ---: | --- |")
    for r in results:
        outcome = "unchanged" if r["after_good"] == r["after_bad"] else "WRITTEN"
        print(
            f"| {r['database']} | {r['bad_problems']} | {r['bad_s']:.2f} s "
            f"| {r['after_good']:,} → {r['after_bad']:,} ({outcome}) |"
        )
    if any(r["after_good"] != r["after_bad"] or r["bad_problems"] != 1 for r in results):
        raise SystemExit("the file with a bad row was not refused cleanly")


def child(step: str, args: list[str]) -> None:
    """One step inside Django; prints one JSON line."""
    import resource

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sipas.settings")
    import django

    django.setup()
    from surveys.models import Answer, FormTemplate, Procedure, ProcedureField, Response, Unit

    if step == "setup":
        province = Unit(code="01", name="Thành phố Hà Nội", kind=Unit.Kind.PROVINCE)
        province.set_derived_fields()
        province.save()
        commune = Unit(code=UNIT, name="Phường Hà Đông", kind=Unit.Kind.COMMUNE, parent=province)
        commune.set_derived_fields()
        commune.save()
        field = ProcedureField.objects.create(name="Hộ tịch")
        for code, name in PROCEDURES:
            procedure = Procedure(code=code, name=name, field=field, level=Procedure.Level.COMMUNE)
            procedure.set_derived_fields()
            procedure.save()
        print(json.dumps({"ok": True}))
        return
    unit = Unit.objects.get(code=UNIT)
    template = FormTemplate.objects.get(code="sipas-5")
    if step == "count":
        print(json.dumps({"responses": Response.objects.count()}))
        return

    from surveys.services.imports import BallotsImportError, ballots_import

    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    path = Path(args[0])
    started = time.perf_counter()
    problems = 0
    try:
        with path.open("rb") as file:
            result = ballots_import(actor=None, unit=unit, template=template, file=file, filename=path.name)
    except BallotsImportError as error:
        problems = len(error.problems)
        count = 0
    else:
        count = result.count
    seconds = time.perf_counter() - started
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before_mb
    print(
        json.dumps(
            {
                "count": count,
                "problems": problems,
                "seconds": seconds,
                "growth_mb": growth,
                "responses": Response.objects.count(),
                "answers": Answer.objects.count(),
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
    else:
        main()
