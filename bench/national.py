"""The whole country for one year on PostgreSQL: generate it, then time the engine against raw SQL.

Builds, in the database named by DATABASE_URL (dropped and created again), the 34 provinces and
3,321 communes of `load_units`, 15 departments per province, the built-in forms and procedures,
and --responses responses of 2025 (5,000,000 by default, about 39 million answers) written with
COPY: heavy-tailed unit sizes, provinces and units of different quality, 80 % paper, 15 % issued
(each with its dossier and issued survey), 5 % online, mostly sipas-5 with some Bình Phước and
short-5 units. Then `tallies_rebuild()` of the whole country and VACUUM ANALYZE.

Then it times, each step in a fresh child process (best of --runs after one warm-up):

  d. `tallies_rebuild()` of the country beside plain `INSERT INTO <tally> SELECT … GROUP BY`
     statements that compute the same rows, and COPY of the raw rows out and into bare tables;
  a. `figures()` of the largest province for the year from the raw answers, and sliced by its
     most common procedure;
  b. the province head's results page (`results_for`), and `indices_by(…, "officer")`,
     `comments_for(…, with_contacts=True)`, `officer_figures`, `monthly_trend` alone;
  c. `figures()` of the province-year from the tallies, and of its busiest commune in 06/2025
     (tallies and raw answers);
  e. raw references: `SELECT count(*) FROM surveys_answer` and hand-written GROUP BYs of the
     province-year's answers.

For every timed query it writes the EXPLAIN (ANALYZE, BUFFERS) of each SQL statement Django sent
(captured with CaptureQueriesContext, or a connection.execute_wrapper for the rebuild) to
artifacts/bench/<label>/<step>.txt, and the printed output to artifacts/bench/<label>/output.txt.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas_national .venv/bin/python bench/national.py --label before
    ... bench/national.py --responses 200000 --runs 1 --label trial       # a quick check (~4 min)
    ... bench/national.py --reuse --label after                          # time again, no generation
    ... bench/national.py --reuse --skip-rebuild --only a1,c1 --label x  # only some reads (a, b, c, e)
    ... bench/national.py --child rebuild '{"runs": 0, "warm": true, "explain": false, "out": "/tmp"}'

With --reuse (say after `manage.py migrate` to newer code), step d begins with an untimed
tallies_rebuild() so that the tallies the reads use are the ones this code writes; --skip-rebuild
leaves them as they are. --rebuild-runs sets the timed runs of step d (default: --runs).

Engine functions are looked up at run time (reports.index, reports.selectors, …); a function that
cannot be imported or called with these arguments is reported as "not available", so the script
runs against older and newer code alike. The database is never dropped with --reuse.
"""

import argparse
import bisect
import datetime
import hashlib
import importlib
import inspect
import io
import json
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sipas_national"
YEAR = 2025
MONTH = 6
CHUNK = 50_000
SEED = 2025
DEPARTMENTS = [
    "Văn phòng Ủy ban nhân dân",
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Tài chính",
    "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường",
    "Sở Xây dựng",
    "Sở Khoa học và Công nghệ",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Dân tộc và Tôn giáo",
    "Sở Ngoại vụ",
    "Thanh tra",
    "Ban Quản lý các khu công nghiệp",
]
# Procedures departments handle that the built-in catalogue does not list: typed as words.
DEPARTMENT_PROCEDURE_TEXTS = [
    "Cấp đổi giấy phép lái xe",
    "Cấp giấy phép xây dựng công trình cấp II",
    "Cấp phiếu lý lịch tư pháp",
    "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh",
    "Đăng ký biến động đất đai",
    "Cấp giấy phép lao động cho người nước ngoài",
    "Thẩm định thiết kế cơ sở",
    "Công nhận văn bằng do cơ sở nước ngoài cấp",
]
COMMUNE_PROCEDURE_TEXTS = ["Hỏi thủ tục đất đai", "Xin xác nhận hộ nghèo", "Làm lại căn cước", "xác nhận độc thân"]
# The commune procedures citizens ask for most, most common first; the rest follow in catalogue order.
COMMON_FIRST = ["2.000815", "1.001193", "2.000884", "1.004222", "1.000894", "1.004194", "1.000656", "2.000635"]
COMMENTS = [
    "Cần thêm ghế chờ cho người cao tuổi",
    "Cán bộ nhiệt tình, hướng dẫn rõ ràng",
    "Nên nhắn tin khi có kết quả",
    "Thời gian chờ lâu vào buổi sáng",
    "Bãi gửi xe chật",
    "Máy lấy số thứ tự hay hỏng",
    "Đề nghị niêm yết phí, lệ phí rõ hơn",
    "Hồ sơ phải bổ sung nhiều lần",
    "Rất hài lòng",
    "Nên làm việc cả sáng thứ Bảy",
    "Cổng dịch vụ công khó dùng trên điện thoại",
    "Cán bộ trả lời điện thoại chậm",
    "=1+1 thử công thức",
]
OTHER_WAYS = ["Qua Zalo của xã", "Con cháu chỉ", "Xem trên Facebook của phường", "Hỏi tổ trưởng dân phố"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Quang", "Ngọc", "Đức", "Thu", "Hữu", "Hoài"]
GIVEN = [
    "An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khoa", "Lan", "Linh", "Long",
    "Mai", "Nam", "Nga", "Ngọc", "Phúc", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Tuấn", "Vinh",
    "Yến", "Hòa", "Khánh", "Lộc",
]  # fmt: skip
# Days off in 2025: New Year, Tết (25/01–02/02), Hùng Kings (07/04), 30/4–1/5, National Day (30/8–2/9).
HOLIDAYS = (
    [datetime.date(2025, 1, 1)]
    + [datetime.date(2025, 1, 25) + datetime.timedelta(days=n) for n in range(9)]
    + [datetime.date(2025, 4, 7), datetime.date(2025, 4, 30), datetime.date(2025, 5, 1)]
    + [datetime.date(2025, 8, 30) + datetime.timedelta(days=n) for n in range(4)]
)
PAPER, ISSUED, ONLINE = "paper", "issued", "online"
NULL = "\\N"  # NULL in COPY text
# Shares the generator aims at, over the whole country.
CHANNEL_SHARES = {PAPER: 0.80, ISSUED: 0.15, ONLINE: 0.05}
BLANK_SHARE = 0.04
COMMENT_SHARE = 0.08
CONTACT_SHARE = 0.05

TALLY_TABLES = ["surveys_responsetally", "surveys_answertally", "surveys_pairtally"]
# Plain SQL that computes, from the raw rows, the rows tallies_rebuild() writes: the same-run baseline.
# Each table's statements run after a DELETE of the table, in one transaction.
BASELINE_SQL = {
    "surveys_responsetally": [
        """
INSERT INTO surveys_responsetally (unit_id, month, channel, version_id, responses)
SELECT r.unit_id, date_trunc('month', r.answered_on)::date, r.channel, r.version_id, count(*)
FROM surveys_response r
GROUP BY 1, 2, 3, 4"""
    ],
    "surveys_answertally": [
        # answers per value …
        """
INSERT INTO surveys_answertally (unit_id, month, channel, question_id, value, answers)
SELECT a.unit_id, date_trunc('month', a.answered_on)::date, a.channel, a.question_id, a.value, count(*)
FROM surveys_answer a
WHERE a.value IS NOT NULL
GROUP BY 1, 2, 3, 4, 5""",
        # … and, as value 0 (ANSWERED), the responses that answered the question at all
        # (a multiple choice has one row per option ticked)
        """
INSERT INTO surveys_answertally (unit_id, month, channel, question_id, value, answers)
SELECT a.unit_id, date_trunc('month', a.answered_on)::date, a.channel, a.question_id, 0, count(DISTINCT a.response_id)
FROM surveys_answer a
GROUP BY 1, 2, 3, 4""",
    ],
    # Pairs of scale questions answered on one ballot (first = the smaller question id); run only when
    # tallies_rebuild() fills this table.
    "surveys_pairtally": [
        """
INSERT INTO surveys_pairtally (unit_id, month, channel, first_id, second_id,
                               both_answered, both_satisfied, first_satisfied, second_satisfied)
SELECT a.unit_id, date_trunc('month', a.answered_on)::date, a.channel, a.question_id, b.question_id,
       count(*), count(*) FILTER (WHERE a.value >= 4 AND b.value >= 4),
       count(*) FILTER (WHERE a.value >= 4), count(*) FILTER (WHERE b.value >= 4)
FROM surveys_answer a
JOIN surveys_answer b ON b.response_id = a.response_id AND b.question_id > a.question_id
JOIN surveys_question qa ON qa.id = a.question_id AND qa.kind = 'scale'
JOIN surveys_question qb ON qb.id = b.question_id AND qb.kind = 'scale'
WHERE a.value IS NOT NULL AND b.value IS NOT NULL
GROUP BY 1, 2, 3, 4, 5"""
    ],
}

# The read steps: (key, file name, what it is). Each runs in its own child process.
READS = [
    ("a1", "a1_figures_province_year_raw", "figures(province subtree, 2025, tallies=False)"),
    ("a2", "a2_figures_province_year_procedure", "figures(province subtree, 2025, Slice(procedure=most common))"),
    ("b1", "b1_results_for_head", "results_for(head of the province, province, 2025, subtree=True)"),
    ("b2", "b2_indices_by_officer", "indices_by(province subtree, 2025, 'officer')"),
    ("b3", "b3_comments_for_with_contacts", "comments_for(province subtree, 2025, with_contacts=True)"),
    ("b4", "b4_officer_figures", "officer_figures(province subtree, 2025)   [part of b1]"),
    ("b5", "b5_monthly_trend", "monthly_trend(province subtree, 12 months to 12/2025)   [part of b1]"),
    ("c1", "c1_figures_province_year_tallies", "figures(province subtree, 2025)   [tallies path]"),
    ("c2", "c2_figures_commune_month_tallies", "figures(busiest commune, 06/2025)   [tallies path]"),
    ("c3", "c3_figures_commune_month_raw", "figures(busiest commune, 06/2025, tallies=False)"),
    ("c4", "c4_figures_commune_month_procedure", "figures(busiest commune, 06/2025, Slice(procedure=its most common))"),
    ("c5", "c5_figures_commune_month_officer", "figures(busiest commune, 06/2025, Slice(officer=its busiest))"),
    ("f1", "f1_compare_province_year", "compare_units(root=province, 2025): its units ranked"),
    ("f2", "f2_compare_national_year", "compare_units(root=None, 2025): the provinces ranked"),
    ("f3", "f3_page_compare_province", "GET /so-sanh/<province>/2025/ as its official (page included)"),
    ("f4", "f4_page_compare_national", "GET /so-sanh/toan-quoc/2025/ as the national official (page included)"),
    ("f5", "f5_page_results_head", "GET /ket-qua/<province>/2025/?subtree=1 as its head"),
    ("f6", "f6_page_results_head_procedure", "the same page narrowed to the most common procedure"),
    ("f7", "f7_page_results_head_field", "the same page narrowed to that procedure's field"),
    ("f8", "f8_page_results_head_officer", "the same page narrowed to the province's busiest civil servant"),
    ("f9", "f9_page_question_head", "GET the province's question page (Câu 1 of sipas-5) as its head"),
    ("g1", "g1_units_10", "figures_of(10 communes, 2025)"),
    ("g2", "g2_units_100", "figures_of(100 communes, 2025)"),
    ("g3", "g3_units_1000", "figures_of(1,000 communes, 2025)"),
    ("g4", "g4_units_3321", "figures_of(3,321 communes, 2025)"),
    ("e1", "e1_sql_count_answers", "SQL: SELECT count(*) FROM surveys_answer"),
    ("e2", "e2_sql_groupby_province_year", "SQL: answers of the province-year GROUP BY question, value"),
    ("e3", "e3_sql_groupby_province_year_procedure", "SQL: the same, one procedure"),
    ("e4", "e4_sql_groupby_commune_month", "SQL: answers of the commune-month GROUP BY question, value"),
]


READ_TITLES = {key: what for key, _name, what in READS}


# --- the parent: what runs in which order -----------------------------------------------------


class Output:
    """print() to the terminal and to output.txt at once."""

    def __init__(self, path: Path):
        self.file = path.open("a", encoding="utf-8")

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        self.file.write(text + "\n")
        self.file.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs after one warm-up (best is reported)")
    parser.add_argument(
        "--rebuild-runs", type=int, default=None, help="timed runs of tallies_rebuild and its SQL baseline (--runs)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database and only time")
    parser.add_argument("--skip-rebuild", action="store_true", help="leave out step d (rebuild and baselines)")
    parser.add_argument("--skip-copy", action="store_true", help="leave out the COPY baseline of step d")
    parser.add_argument("--only", default="", help="comma-separated read steps to run (a1,b3,…); default all")
    parser.add_argument("--label", default="run", help="plans go to artifacts/bench/<label>/")
    parser.add_argument(
        "--out", default="", help="directory for plans and output.txt (default artifacts/bench/<label>)"
    )
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (it is dropped and created again)")
    out = Path(options.out) if options.out else ROOT / "artifacts" / "bench" / options.label
    out.mkdir(parents=True, exist_ok=True)
    (out / "output.txt").unlink(missing_ok=True)
    say = Output(out / "output.txt")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-secret",
        "ALLOWED_HOSTS": "testserver",
        # Production settings, but pages fetched over plain HTTP and linking files under their hashed
        # names from a static root of the bench's own.
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(out / "static"),
    }
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    rebuild_runs = options.rebuild_runs if options.rebuild_runs is not None else options.runs
    summary: list[tuple[str, str, str]] = []

    say(f"bench/national.py --label {options.label}: {datetime.datetime.now():%Y-%m-%d %H:%M}, code in {ROOT}")
    say(machine_line(url))
    say(f"database {urlparse(url).path.lstrip('/')}; plans in {out}")
    say("")
    if not options.reuse:
        database_check(url)
        recreate_database(url)
        started = time.perf_counter()
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        for command in ("load_units", "load_forms", "load_procedures"):
            done = subprocess.run(
                [PYTHON, "manage.py", command], env=env, cwd=ROOT, check=True, capture_output=True, text=True
            )
            say(f"  {done.stdout.strip()}")
        say(f"migrate + load_units + load_forms + load_procedures: {time.perf_counter() - started:.1f} s")
        generated, cpu, rss = run_child(env, "generate", {"responses": options.responses})
        say(
            f"generated {generated['responses']:,} responses, {generated['answers']:,} answers, "
            f"{generated['dossiers']:,} dossiers, {generated['surveys']:,} issued surveys, "
            f"{generated['contacts']:,} contacts, {generated['alerts']:,} alerts, "
            f"{generated['resolved_counts']:,} monthly resolved counts"
        )
        say(
            f"  in {generated['seconds']:.1f} s wall (Python writing COPY text {generated['python_s']:.1f} s, "
            f"COPY {generated['copy_s']:.1f} s: responses {generated['copy_by_table']['surveys_response']:.1f} s, "
            f"answers {generated['copy_by_table']['surveys_answer']:.1f} s = "
            f"{generated['answers'] / max(generated['copy_by_table']['surveys_answer'], 1e-9):,.0f} answer rows/s "
            f"into the indexed table; ANALYZE {generated['analyze_s']:.1f} s); child CPU {cpu:.0f} s, "
            f"peak RSS {rss:.0f} MB"
        )
        say(f"  units: {generated['units']}")
        say(f"  channels: {generated['channels']}; forms: {generated['forms']}")
        summary.append(("generate (COPY, indexes in place, FK triggers off)", f"{generated['seconds']:.0f} s", ""))
        first, _, rss = run_child(env, "rebuild", {"runs": 0, "warm": True, "explain": False, "out": str(out)})
        shown = f"{first['warm_s']:.1f} s" if "warm_s" in first else f"not available ({first.get('missing')})"
        say(f"first tallies_rebuild() of the country after the load: {shown} (peak RSS {rss:.0f} MB)")
        summary.append(("tallies_rebuild, first after the load", shown[:14], ""))
        vacuum, _, _ = run_child(env, "vacuum", {})
        say(f"VACUUM ANALYZE: {vacuum['seconds']:.1f} s")
        warm_rebuild = False
    else:
        warm_rebuild = True
    size, _, _ = run_child(env, "size", {})
    say(size_text(size))
    say("")

    if not options.skip_rebuild:
        step_d(env, out, say, summary, rebuild_runs, warm_rebuild, not options.skip_copy)
        vacuum, _, _ = run_child(env, "vacuum", {})
        say(f"VACUUM ANALYZE after step d: {vacuum['seconds']:.1f} s")
        say("")

    facts, _, _ = run_child(env, "facts", {})
    say(
        f"largest province {facts['province_code']} {facts['province_name']}: {facts['province_responses']:,} "
        f"responses in {YEAR} over {facts['province_units']} units; most common procedure there "
        f"{facts['procedure_code']} “{facts['procedure_name'][:60]}” ({facts['procedure_responses']:,}); "
        f"busiest commune in {MONTH:02d}/{YEAR} {facts['commune_code']} {facts['commune_name']} "
        f"({facts['commune_responses']:,}); head user {facts['head']}"
    )
    say("")
    only = {key.strip() for key in options.only.split(",") if key.strip()}
    for key, name, what in READS:
        if only and key not in only:
            continue
        answer, _, rss = run_child(
            env, "read", {"step": key, "name": name, "facts": facts, "runs": options.runs, "out": str(out)}
        )
        say(f"{key}. {what}")
        if answer.get("missing"):
            say(f"    not available ({answer['missing']})")
            summary.append((f"{key}. {what}", "not available", ""))
            continue
        runs = ", ".join(f"{seconds * 1000:.1f}" for seconds in answer["times"])
        say(
            f"    best {answer['best'] * 1000:,.1f} ms (median {answer['median'] * 1000:,.1f}; runs {runs} ms; "
            f"warm-up {answer['warm'] * 1000:,.1f} ms); {answer['queries']} SQL statements; peak RSS {rss:.0f} MB"
        )
        say(f"    counted: {answer['counted']}")
        for line in answer["slowest"]:
            say(f"    {line}")
        say(f"    plans: {answer['plan_file']}")
        summary.append((f"{key}. {what}", f"{answer['best'] * 1000:,.1f} ms", answer["plan_file"]))
    say("")
    say("summary")
    width = max(len(row[0]) for row in summary)
    for what, value, _plan in summary:
        say(f"  {what.ljust(width)}  {value:>14}")
    say(f"finished {datetime.datetime.now():%Y-%m-%d %H:%M}")


def step_d(env, out: Path, say, summary, runs: int, warm: bool, copy: bool) -> None:
    """tallies_rebuild() of the country, the same rows in plain SQL, and COPY of the raw rows."""
    say(
        f"d. tallies_rebuild() of the whole country (best of {runs}{', after one warm-up' if warm else ''}; "
        "the tally tables are VACUUMed, untimed, before each run)"
    )
    rebuild, _, rss = run_child(env, "rebuild", {"runs": runs, "warm": warm, "explain": True, "out": str(out)})
    if rebuild.get("missing"):
        say(f"    not available ({rebuild['missing']})")
        return
    if warm:
        say(f"    warm-up {rebuild['warm_s']:.1f} s")
    if rebuild["times"]:
        say(
            f"    best {rebuild['best']:.1f} s (runs {', '.join(f'{t:.1f}' for t in rebuild['times'])} s); "
            f"peak RSS {rss:.0f} MB"
        )
        summary.append(("d. tallies_rebuild() of the country", f"{rebuild['best']:.1f} s", rebuild["plan_file"]))
    say(f"    statements of one run: {rebuild['statements']}")
    say(f"    tally rows: {', '.join(f'{table} {rows:,}' for table, rows in rebuild['rows'].items())}")
    for line in rebuild["slowest"]:
        say(f"    {line}")
    say(f"    plans: {rebuild['plan_file']}")
    tables = [table for table, rows in rebuild["rows"].items() if rows]
    baseline, _, _ = run_child(
        env, "baseline", {"runs": runs, "tables": tables, "checksums": rebuild["checksums"], "out": str(out)}
    )
    say(f"d. baseline: DELETE + INSERT INTO <tally> SELECT … GROUP BY in one transaction, best of {runs}")
    total = 0.0
    for table, found in baseline["tables"].items():
        if found.get("missing"):
            say(f"    {table}: {found['missing']}")
            continue
        total += found["best"]
        say(
            f"    {table}: best {found['best']:.1f} s (runs {', '.join(f'{t:.1f}' for t in found['times'])} s; "
            f"INSERT alone {found['insert_best']:.1f} s), {found['rows']:,} rows, "
            f"{'same rows as tallies_rebuild' if found['same'] else 'ROWS DIFFER from tallies_rebuild'}"
        )
        say(f"      plan: {found['plan_file']}")
        summary.append((f"d. baseline SQL {table}", f"{found['best']:.1f} s", found["plan_file"]))
    if total:
        say(f"    baseline total {total:.1f} s: tallies_rebuild() takes {rebuild.get('best', 0) / total:.1f}× it")
        summary.append(("d. baseline SQL, all tally tables", f"{total:.1f} s", ""))
    if not baseline["all_same"]:
        restored, _, _ = run_child(env, "rebuild", {"runs": 0, "warm": True, "explain": False, "out": str(out)})
        say(f"    tallies_rebuild() again so the tallies are the code's own: {restored.get('warm_s', 0):.1f} s")
    if copy:
        copied, _, rss = run_child(env, "copy", {})
        say("d. COPY baseline for the raw data (the whole country; one run each)")
        for line in copied["lines"]:
            say(f"    {line}")
        summary.append(("d. COPY answers out (client reads every row)", f"{copied['answers_out_s']:.1f} s", ""))
        summary.append(("d. COPY answers into a bare temporary table", f"{copied['answers_in_s']:.1f} s", ""))
    say("")


def machine_line(url: str) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    settings = psql(
        url,
        "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings "
        "WHERE name IN ('shared_buffers','work_mem','maintenance_work_mem','max_parallel_workers_per_gather','jit',"
        "'effective_cache_size','random_page_cost')",
        database="postgres",
    )
    version = psql(url, "SHOW server_version", database="postgres")
    return (
        f"machine: {os.cpu_count()} × {cpu}, {int(memory) / 2**20:.0f} GB, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; Python {platform.python_version()}; "
        f"PostgreSQL {version} ({settings})"
    )


def psql(url: str, sql: str, *, database: str | None = None) -> str:
    parts = urlparse(url)
    target = parts._replace(path=f"/{database}").geturl() if database else url
    return subprocess.run(["psql", target, "-Atqc", sql], check=True, capture_output=True, text=True).stdout.strip()


def database_check(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    if not name or name in {"postgres", "template0", "template1", "sipas", "test_sipas"}:
        raise SystemExit(f"refusing to drop the database {name!r}")


def recreate_database(url: str) -> None:
    database_check(url)
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(
            ["psql", server, "-q", "-c", sql],
            check=True,
            env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
        )


def run_child(env: dict, step: str, params: dict) -> tuple[dict, float, float]:
    """Run one step in a fresh process: its JSON answer, CPU seconds, peak RSS in MB (os.wait4, this child only)."""
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            [PYTHON, __file__, "--child", step, json.dumps(params)], env=env, stdout=out, cwd=ROOT
        )
        _, status, usage = os.wait4(process.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if code != 0:
        raise SystemExit(f"step {step} failed (exit {code}):\n{text}")
    return json.loads(text.strip().splitlines()[-1]), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def size_text(size: dict) -> str:
    tables = ", ".join(f"{table} {megabytes:,.0f} MB" for table, megabytes in size["tables"].items())
    tallies = ", ".join(f"{table} {rows:,}" for table, rows in size["tallies"].items())
    return (
        f"database: {size['responses']:,} responses, {size['answers']:,} answers, {size['dossiers']:,} dossiers, "
        f"{size['surveys']:,} issued surveys; tally rows: {tallies}; {size['megabytes']:,.0f} MB in all\n"
        f"  largest tables with their indexes: {tables}"
    )


# --- the children -------------------------------------------------------------------------------


def child(step: str, params: dict) -> None:
    """One step inside Django; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sipas.settings")
    import gc

    import django

    django.setup()
    gc.freeze()  # as sipas/wsgi.py does once the application is loaded
    steps = {
        "generate": generate,
        "vacuum": vacuum,
        "size": sizes,
        "facts": facts_find,
        "read": read_step,
        "rebuild": rebuild_step,
        "baseline": baseline_step,
        "copy": copy_step,
    }
    print(json.dumps(steps[step](params), default=str))


class Unavailable(Exception):
    """An engine function this code does not have, or not with these arguments."""


def find(name: str, modules: list[str]):
    """The first `name` found in `modules`, else Unavailable."""
    errors = []
    for module in modules:
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError as error:
            errors.append(f"{module}: {error}")
            continue
        if found is not None:
            return found
        errors.append(f"{module} has no {name}")
    raise Unavailable(f"{name}: " + "; ".join(errors))


def call(function, positional: list[tuple[str, object]], **keywords):
    """Call with positional arguments, or, if the signature now wants keywords, with them named."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return function(*[value for _, value in positional], **keywords)
    for args, kwargs in (
        ([value for _, value in positional], keywords),
        ([], {**dict(positional), **keywords}),
    ):
        try:
            signature.bind(*args, **kwargs)
        except TypeError:
            continue
        return function(*args, **kwargs)
    raise Unavailable(f"{function.__module__}.{function.__qualname__}{signature} does not take these arguments")


def best_of(runs: int, function) -> tuple[float, list[float], object]:
    """Warm-up seconds, the timed runs' seconds and the warm-up's result."""
    started = time.perf_counter()
    result = function()
    warm = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return warm, times, result


# --- generation ---------------------------------------------------------------------------------


class Generator:
    """Deterministic responses of the country's year, written month by month as COPY text.

    Provinces differ in size and quality; units differ in size (lognormal, heavy-tailed), quality
    (their province's share of 4–5 scores plus their own deviation), form, channel mix, procedures and
    civil servants. Responses get ids in the order they were stored: online and issued surveys on
    the day, paper ballots when the weekly box opening is typed in, so a unit's rows lie scattered
    over the table as in production.
    """

    def __init__(self, *, units: list[dict], forms: dict, procedures: dict, ids: dict, seed: int = SEED):
        self.rng = random.Random(seed)
        self.units = units
        self.forms = forms
        self.procedures = procedures
        self.ids = ids  # next free id per table
        self.unit_cumulative = _cumulative([unit["size"] for unit in units])
        days = [datetime.date(YEAR, 1, 1) + datetime.timedelta(days=n) for n in range(365)]
        first, last = datetime.date(YEAR - 1, 11, 1).toordinal(), datetime.date(YEAR + 1, 2, 28).toordinal()
        self.day_text = {n: datetime.date.fromordinal(n).isoformat() for n in range(first, last + 1)}
        self.months = {}
        for month in range(1, 13):
            month_days = [day for day in days if day.month == month]
            weights = [_day_weight(day) for day in month_days]
            self.months[month] = (month_days, _cumulative(weights), sum(weights))
        self.counts = {"answers": 0, "dossiers": 0, "surveys": 0, "contacts": 0, "alerts": 0}
        self.channels = {PAPER: 0, ISSUED: 0, ONLINE: 0}
        self.form_counts: dict[str, int] = {}
        self.successor = {index: unit["successor_index"] for index, unit in enumerate(units)}

    def month_counts(self, total: int) -> dict[int, int]:
        weight = {month: self.months[month][2] for month in self.months}
        whole = sum(weight.values())
        counts = {month: int(total * weight[month] / whole) for month in weight}
        counts[12] += total - sum(counts.values())
        return counts

    def month_plan(self, month: int, count: int) -> list[tuple[int, int, int, int]]:
        """(stored day, unit index, answered day, channel) of every response of the month, in storing order."""
        rng = self.rng
        month_days, day_cumulative, _ = self.months[month]
        units, cumulative = self.units, self.unit_cumulative
        plan = []
        for _ in range(count):
            index = bisect.bisect(cumulative, rng.random())
            # Units abolished on 30/06/2025 answer no more; their successors do.
            while month > 6 and units[index]["valid_to"] is not None:
                successor = self.successor[index]
                index = successor if successor is not None else bisect.bisect(cumulative, rng.random())
            unit = units[index]
            day = month_days[bisect.bisect(day_cumulative, rng.random())].toordinal()
            channel = bisect.bisect(unit["channels"], rng.random())
            # Paper is typed in after the weekly box opening (Friday; toordinal 1 is a Monday) plus the unit's lag.
            stored = day + (4 - (day - 1) % 7) % 7 + unit["typing_lag"] if channel == 0 else day
            plan.append((stored, index, day, channel))
        plan.sort()
        return plan

    def write(self, plan, first_id: int, buffers: dict) -> None:
        """COPY text for the planned responses, from id `first_id`, into `buffers` (one StringIO per table)."""
        rng = self.rng
        responses, answers = buffers["surveys_response"], buffers["surveys_answer"]
        dossiers, surveys = buffers["surveys_dossier"], buffers["surveys_issuedsurvey"]
        contacts, alerts = buffers["surveys_responsecontact"], buffers["surveys_integrityalert"]
        day_text, counts, channels = self.day_text, self.counts, self.channels
        pk = first_id
        for stored, index, day, channel_index in plan:
            unit = self.units[index]
            form = self.forms[unit["form"]]
            channel = (PAPER, ISSUED, ONLINE)[channel_index]
            channels[channel] += 1
            self.form_counts[unit["form"]] = self.form_counts.get(unit["form"], 0) + 1
            answered = day_text[day]
            # The procedure: from the catalogue (skewed), written in words, or left blank.
            procedures = self.procedures[unit["level"]]
            roll = rng.random()
            if roll < unit["catalogue_share"]:
                procedure_id = procedures["ids"][bisect.bisect(procedures["cumulative"], rng.random())]
                procedure, procedure_text = str(procedure_id), ""
            elif roll < unit["catalogue_share"] + unit["text_share"]:
                procedure_id, procedure, procedure_text = None, NULL, rng.choice(procedures["texts"])
            else:
                procedure_id, procedure, procedure_text = None, NULL, ""
            binh_phuoc = unit["form"] == "binh-phuoc"
            received = "Trung tâm Phục vụ hành chính công" if binh_phuoc and rng.random() < 0.5 else ""
            survey, officer = NULL, ""
            hour = 7 + int(rng.random() * 10)
            minute = int(rng.random() * 60)
            origin = device = ""
            if channel == ISSUED:
                issued = self._dossier(unit, day, procedure_id, procedure_text, dossiers, surveys, answered=True)
                survey, officer = str(issued[0]), issued[1]
                created = f"{answered} {hour:02d}:{minute:02d}:00+07"
            elif channel == ONLINE:
                origin, device = f"{rng.getrandbits(64):016x}", f"{rng.getrandbits(64):016x}"
                created = f"{answered} {hour:02d}:{minute:02d}:00+07"
            else:
                created = f"{day_text.get(stored, answered)} {hour:02d}:{minute:02d}:00+07"
            responses.write(
                f"{pk}\t{unit['pk']}\t{form['version']}\t{channel}\t{answered}\t{procedure}\t{procedure_text}"
                f"\t{received}\t{survey}\t{officer}\t{origin}\t{device}\t{created}\n"
            )
            # Each answer row carries its response's unit, day, channel, procedure and civil servant.
            carried = f"{unit['pk']}\t{answered}\t{channel}\t{procedure}\t{officer}"
            # Dossiers resolved here whose survey nobody answered, or that got no survey at all.
            if channel == ISSUED:
                if rng.random() < 0.6:
                    self._dossier(unit, day, procedure_id, procedure_text, dossiers, surveys, answered=False)
                if rng.random() < 0.7:
                    self._dossier(unit, day, procedure_id, procedure_text, dossiers, None, answered=False)
            # Answers: one latent mood per citizen, so the questions of a ballot move together.
            happy = unit["happy"]
            satisfied_if = 0.95 if rng.random() < happy else 0.25
            rows = []
            for question, lean in form["scales"]:
                if rng.random() < BLANK_SHARE:
                    continue
                if rng.random() < satisfied_if + lean:
                    score = 5 if rng.random() < 0.5 else 4
                else:
                    roll = rng.random()
                    score = 3 if roll < 0.62 else (2 if roll < 0.89 else 1)
                rows.append(f"{pk}\t{question}\t{score}\t\t{carried}")
            if binh_phuoc:
                for option in sorted(rng.sample(range(1, 6), rng.choice((1, 1, 1, 2)))):
                    other = rng.choice(OTHER_WAYS) if option == 5 and rng.random() < 0.5 else ""
                    rows.append(f"{pk}\t{form['3.1']}\t{option}\t{other}\t{carried}")
                for code, yes_share in (("3.7", 0.02), ("3.8", 0.01)):
                    if rng.random() < BLANK_SHARE:
                        continue
                    yes = rng.random() < yes_share * unit["integrity"]
                    rows.append(f"{pk}\t{form[code]}\t{1 if yes else 2}\t\t{carried}")
                    if yes:
                        # Heads have looked at the alerts of the months before November.
                        seen = (
                            NULL
                            if day >= datetime.date(YEAR, 11, 1).toordinal()
                            else f"{day_text[day + 3]} 09:00:00+07"
                        )
                        alerts.write(f"{unit['pk']}\t{pk}\t{form[code]}\t{created}\t{seen}\n")
                        counts["alerts"] += 1
                if rng.random() >= BLANK_SHARE:
                    roll = rng.random()
                    rows.append(f"{pk}\t{form['3.9']}\t{1 if roll < 0.2 else (2 if roll < 0.92 else 3)}\t\t{carried}")
                if rng.random() < COMMENT_SHARE:
                    rows.append(f"{pk}\t{form['4']}\t\\N\t{rng.choice(COMMENTS)}\t{carried}")
                if rng.random() < CONTACT_SHARE:
                    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                    contacts.write(f"{pk}\t{name}\t\t09{rng.randrange(10**8):08d}\n")
                    counts["contacts"] += 1
            if rows:
                answers.write("\n".join(rows) + "\n")
                counts["answers"] += len(rows)
            pk += 1

    def _dossier(self, unit, day, procedure_id, procedure_text, dossiers, surveys, *, answered: bool):
        """A resolved dossier of `unit` (and its issued survey, when `surveys` is given).

        Returns the survey id (0 without one) and the civil servant who resolved the dossier.
        """
        rng, ids = self.rng, self.ids
        dossier = ids["surveys_dossier"]
        ids["surveys_dossier"] += 1
        resolved = day - (0 if answered and rng.random() < 0.5 else int(rng.random() * 4))
        received = resolved - int(rng.random() * 15)
        officers = unit["officers"]
        officer = officers[bisect.bisect(unit["officer_cumulative"], rng.random())]
        resolved_text, received_text = self.day_text[resolved], self.day_text[received]
        dossiers.write(
            f"{dossier}\t{unit['pk']}\tH{unit['code']}-{resolved_text.replace('-', '')[2:]}-{dossier:07d}\t"
            f"{procedure_id if procedure_id is not None else NULL}\t{procedure_text}\t{received_text}\t"
            f"{resolved_text}\t{'t' if rng.random() < 0.92 else 'f'}\t{officer}\t"
            f"{'api' if rng.random() < 0.7 else 'manual'}\t{resolved_text} 16:00:00+07\n"
        )
        self.counts["dossiers"] += 1
        if surveys is None:
            return 0, officer
        survey = ids["surveys_issuedsurvey"]
        ids["surveys_issuedsurvey"] += 1
        key = uuid.UUID(int=rng.getrandbits(128))
        digest = hashlib.sha256(key.bytes).hexdigest()
        expires = self.day_text[resolved + 7]
        surveys.write(
            f"{survey}\t{dossier}\t{self.forms[unit['form']]['version']}\t{key}\t{digest}\t"
            f"{resolved_text} 16:30:00+07\t{expires} 16:30:00+07\n"
        )
        self.counts["surveys"] += 1
        return survey, officer


def _day_weight(day: datetime.date) -> float:
    """How busy the one-stop counters are: weekdays, a little on Saturday mornings, growing through the year."""
    if day in HOLIDAYS:
        return 0.03
    weight = (1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.03)[day.weekday()]
    growth = 1 + 0.15 * (day.month - 1) / 11
    reorganisation = 0.8 if day.month == 7 else 1.0  # the first month of the two-level government
    return weight * growth * reorganisation


def _cumulative(weights: list[float]) -> list[float]:
    total, running, out = sum(weights), 0.0, []
    for weight in weights[:-1]:
        running += weight
        out.append(running / total)
    return out


COPY_COLUMNS = {
    "surveys_dossier": "id, unit_id, code, procedure_id, procedure_text, received, resolved, on_time, officer, "
    "source, created",
    "surveys_issuedsurvey": "id, dossier_id, version_id, key, token_digest, issued, expires",
    "surveys_response": "id, unit_id, version_id, channel, answered_on, procedure_id, procedure_text, "
    "received_unit_text, survey_id, officer, origin, device, created",
    "surveys_answer": "response_id, question_id, value, text, unit_id, answered_on, channel, procedure_id, officer",
    "surveys_responsecontact": "response_id, name, address, phone",
    "surveys_integrityalert": "unit_id, response_id, question_id, created, seen",
}


def generate(params: dict) -> dict:
    """Departments, then `responses` responses of the year with their answers, dossiers and surveys (COPY)."""
    from django.db import connection, transaction

    from surveys.models import FormTemplate, Procedure, Unit

    count = int(params["responses"])
    started = time.perf_counter()
    rng = random.Random(SEED)
    with transaction.atomic():
        provinces = list(Unit.objects.filter(kind=Unit.Kind.PROVINCE, parent=None, valid_to=None).order_by("code"))
        departments = []
        for province in provinces:
            short = province.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
            for number, name in enumerate(DEPARTMENTS, start=1):
                unit = Unit(
                    code=f"{province.code}-SO{number:02d}",
                    name=f"{name} {short}",
                    kind=Unit.Kind.DEPARTMENT,
                    parent=province,
                )
                unit.set_derived_fields()
                departments.append(unit)
        Unit.objects.bulk_create(departments, batch_size=1000)

    # Forms: question ids, with a small lean per question (feedback is rated lower than access, …).
    leans = {"access": 0.02, "procedure": -0.01, "officer": 0.01, "result": 0.0, "feedback": -0.04, "": -0.02}
    forms = {}
    for code in ("sipas-5", "binh-phuoc", "short-5"):
        version = FormTemplate.objects.get(code=code).current_version()
        questions = list(version.questions.order_by("position"))
        forms[code] = {
            "version": version.pk,
            "scales": [(question.pk, leans[question.factor]) for question in questions if question.is_scale],
            **{question.code: question.pk for question in questions},
        }

    # Procedures: commune ones with the common ones first (Zipf-like), province ones for departments.
    catalogue = list(Procedure.objects.filter(province=None).order_by("pk"))
    commune = [procedure for procedure in catalogue if procedure.level == Procedure.Level.COMMUNE]
    commune.sort(key=lambda procedure: COMMON_FIRST.index(procedure.code) if procedure.code in COMMON_FIRST else 99)
    head, tail = commune[: len(COMMON_FIRST)], commune[len(COMMON_FIRST) :]
    rng.shuffle(tail)
    commune = head + tail
    province_level = [procedure for procedure in catalogue if procedure.level == Procedure.Level.PROVINCE]
    rng.shuffle(province_level)
    procedures = {
        "xa": {
            "ids": [procedure.pk for procedure in commune],
            "cumulative": _cumulative([1 / (rank + 1) ** 1.1 for rank in range(len(commune))]),
            "texts": COMMUNE_PROCEDURE_TEXTS,
        },
        "tinh": {
            "ids": [procedure.pk for procedure in province_level],
            "cumulative": _cumulative([1 / (rank + 1) ** 0.9 for rank in range(len(province_level))]),
            "texts": DEPARTMENT_PROCEDURE_TEXTS,
        },
    }

    # Units: who answers how much, how well, on which form and through which channel.
    all_units = list(Unit.objects.order_by("path"))
    top = {unit.pk: unit.path.strip("/").split("/")[0] for unit in all_units}
    province_size, province_quality = {}, {}
    for unit in all_units:
        if unit.parent_id is None:
            factor = math.exp(rng.gauss(0, 0.3))
            factor *= {"79": 2.2, "01": 2.0}.get(unit.code, 1.0)  # Hồ Chí Minh City and Hà Nội are the busiest
            province_size[unit.code] = factor
            province_quality[unit.code] = rng.uniform(0.72, 0.92)
    # The merged Bình Phước answers like Đồng Nai, which took it over.
    province_quality["H-BINHPHUOC"] = province_quality.get("75", 0.8)
    binh_phuoc_codes = {"75", "H-BINHPHUOC"}
    units = []
    for unit in all_units:
        if unit.kind in (Unit.Kind.PROVINCE,):
            continue  # a province receives nothing itself: its departments and communes do
        province = top[unit.pk]
        if unit.kind == Unit.Kind.COMMUNE:
            size = math.exp(rng.gauss(0, 1.1))
            if rng.random() < 0.06:
                size *= 0.08  # a remote commune: a handful of ballots a month
        elif unit.kind == Unit.Kind.DEPARTMENT:
            size = math.exp(rng.gauss(0.4, 1.0))
        elif unit.kind == Unit.Kind.SERVICE_CENTRE:
            size = math.exp(rng.gauss(1.5, 0.3))
        else:  # a district before July 2025
            size = math.exp(rng.gauss(1.0, 0.3))
        size *= province_size.get(province, 1.0)
        if unit.valid_to is not None:
            size *= 2  # only half a year: as busy per month as the others
        if province in binh_phuoc_codes and rng.random() < 0.6:
            form = "binh-phuoc"
        else:
            roll = rng.random()
            form = "binh-phuoc" if roll < 0.08 else ("short-5" if roll < 0.18 else "sipas-5")
        good = min(0.97, max(0.45, province_quality.get(province, 0.8) + rng.gauss(0, 0.06)))
        happy = min(1.0, max(0.0, (good - 0.25) / 0.7))
        issues = rng.random() < 0.65
        officers = sorted(
            {
                f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                for _ in range(rng.randint(2, 8 if unit.kind == Unit.Kind.COMMUNE else 10))
            }
        )
        level = "xa" if unit.kind in (Unit.Kind.COMMUNE, Unit.Kind.DISTRICT) else "tinh"
        units.append(
            {
                "pk": unit.pk,
                "code": unit.code,
                "kind": unit.kind,
                "size": size,
                "valid_to": unit.valid_to,
                "successor_pk": unit.successor_id,
                "form": form,
                "happy": happy,
                "integrity": math.exp(rng.gauss(0, 0.8)),
                "issued_weight": rng.uniform(0.1, 0.45) if issues else 0.0,
                "online_weight": rng.uniform(0.01, 0.10),
                "typing_lag": rng.randint(0, 4),
                "officers": officers,
                "officer_cumulative": _cumulative([1 / (rank + 1) for rank in range(len(officers))]),
                "level": level,
                "catalogue_share": 0.85 if level == "xa" else 0.30,
                "text_share": 0.05 if level == "xa" else 0.55,
            }
        )
    index_of = {unit["pk"]: index for index, unit in enumerate(units)}
    for unit in units:
        unit["successor_index"] = index_of.get(unit["successor_pk"])
    # Scale each unit's channel mix so that the country gets 80 % paper, 15 % issued, 5 % online.
    total_size = sum(unit["size"] for unit in units)
    issued_scale = CHANNEL_SHARES[ISSUED] * total_size / sum(unit["size"] * unit["issued_weight"] for unit in units)
    online_scale = CHANNEL_SHARES[ONLINE] * total_size / sum(unit["size"] * unit["online_weight"] for unit in units)
    for unit in units:
        issued = min(0.6, unit["issued_weight"] * issued_scale)
        online = min(0.3, unit["online_weight"] * online_scale)
        unit["channels"] = [1 - issued - online, 1 - online]  # paper | issued | online
    generator = Generator(
        units=units,
        forms=forms,
        procedures=procedures,
        ids={"surveys_dossier": 1, "surveys_issuedsurvey": 1},
    )
    tables = list(COPY_COLUMNS)
    copy_by_table = dict.fromkeys(tables, 0.0)
    python_s = 0.0
    written = 0
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        # Skip the foreign-key triggers while loading rows made consistent here (superuser only).
        cursor.execute("SET session_replication_role = replica")
        for month, month_count in generator.month_counts(count).items():
            mark = time.perf_counter()
            plan = generator.month_plan(month, month_count)
            python_s += time.perf_counter() - mark
            for start in range(0, len(plan), CHUNK):
                mark = time.perf_counter()
                buffers = {table: io.StringIO() for table in tables}
                generator.write(plan[start : start + CHUNK], written + 1, buffers)
                written += len(plan[start : start + CHUNK])
                python_s += time.perf_counter() - mark
                for table in tables:
                    buffer = buffers[table]
                    if not buffer.tell():
                        continue
                    buffer.seek(0)
                    mark = time.perf_counter()
                    cursor.copy_expert(f"COPY {table} ({COPY_COLUMNS[table]}) FROM STDIN", buffer)
                    copy_by_table[table] += time.perf_counter() - mark
            del plan
        cursor.execute("SET session_replication_role = DEFAULT")
        for table, last in (
            ("surveys_response", written),
            ("surveys_dossier", generator.ids["surveys_dossier"] - 1),
            ("surveys_issuedsurvey", generator.ids["surveys_issuedsurvey"] - 1),
        ):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [max(last, 1)])
        # Half the units type the one-stop software's monthly count of resolved dossiers (coverage divides by it).
        cursor.execute(
            """
            INSERT INTO surveys_resolvedcount (unit_id, month, count, updated)
            SELECT unit_id, month, ceil(n * (1.3 + (abs(hashtext(unit_id::text || month::text)) % 300) / 100.0)), now()
            FROM (
                SELECT unit_id, date_trunc('month', answered_on)::date AS month, count(*) AS n
                FROM surveys_response
                WHERE channel IN ('paper', 'issued') AND abs(hashtext(unit_id::text)) % 2 = 0
                GROUP BY 1, 2
            ) counted
            """
        )
        resolved_counts = cursor.rowcount
        mark = time.perf_counter()
        cursor.execute("ANALYZE")
        analyze_s = time.perf_counter() - mark
    kinds: dict[str, int] = {}
    for unit in units:
        kinds[unit["kind"]] = kinds.get(unit["kind"], 0) + 1
    return {
        "responses": written,
        **generator.counts,
        "resolved_counts": resolved_counts,
        "seconds": time.perf_counter() - started,
        "python_s": python_s,
        "copy_s": sum(copy_by_table.values()),
        "copy_by_table": copy_by_table,
        "analyze_s": analyze_s,
        "units": f"{len(units):,} answering ({', '.join(f'{kind} {n:,}' for kind, n in sorted(kinds.items()))}), "
        f"{len(departments)} departments added",
        "channels": {channel: f"{n / written:.1%}" for channel, n in generator.channels.items()},
        "forms": {form: f"{n / written:.1%}" for form, n in sorted(generator.form_counts.items())},
    }


# --- small steps --------------------------------------------------------------------------------


def vacuum(params: dict) -> dict:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"seconds": time.perf_counter() - started}


def sizes(params: dict) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        (size,) = cursor.fetchone()
        found = {}
        for table in ("surveys_response", "surveys_answer", "surveys_dossier", "surveys_issuedsurvey"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            found[table] = cursor.fetchone()[0]
        tallies = {}
        for table in _tally_tables(cursor):
            cursor.execute(f"SELECT count(*) FROM {table}")
            tallies[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, pg_total_relation_size(oid) / 1048576.0 FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC LIMIT 8"
        )
        tables = {name: float(megabytes) for name, megabytes in cursor.fetchall()}
    return {
        "responses": found["surveys_response"],
        "answers": found["surveys_answer"],
        "dossiers": found["surveys_dossier"],
        "surveys": found["surveys_issuedsurvey"],
        "tallies": tallies,
        "tables": tables,
        "megabytes": size / 2**20,
    }


def _tally_tables(cursor) -> list[str]:
    """The tally tables this database has (the known ones, plus any other *tally table of the code)."""
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'surveys\\_%tally' ORDER BY 1"
    )
    present = [row[0] for row in cursor.fetchall()]
    return [table for table in TALLY_TABLES if table in present] + [t for t in present if t not in TALLY_TABLES]


def facts_find(params: dict) -> dict:
    """The largest province, its most common procedure, its busiest commune in June, and a head of it."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from surveys.models import Membership, Procedure, Unit

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT split_part(u.path, '/', 2), count(*)
            FROM surveys_response r JOIN surveys_unit u ON u.id = r.unit_id
            WHERE r.answered_on BETWEEN %s AND %s
            GROUP BY 1 ORDER BY 2 DESC
            """,
            [datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)],
        )
        counts = cursor.fetchall()
    official = [(code, n) for code, n in counts if re.fullmatch(r"[0-9]{2}", code)]
    code, _ = official[0]
    province = Unit.objects.get(code=code)
    scope_units = list(_scope_unit_ids(province))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM surveys_response WHERE unit_id = ANY(%s) AND answered_on BETWEEN %s AND %s",
            [scope_units, datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)],
        )
        (province_responses,) = cursor.fetchone()
        cursor.execute(
            """
            SELECT procedure_id, count(*) FROM surveys_response
            WHERE unit_id = ANY(%s) AND answered_on BETWEEN %s AND %s AND procedure_id IS NOT NULL
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
            """,
            [scope_units, datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)],
        )
        procedure_id, procedure_responses = cursor.fetchone()
        cursor.execute(
            """
            SELECT r.unit_id, count(*) FROM surveys_response r JOIN surveys_unit u ON u.id = r.unit_id
            WHERE r.unit_id = ANY(%s) AND u.kind = 'xa' AND r.answered_on BETWEEN %s AND %s
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
            """,
            [scope_units, datetime.date(YEAR, MONTH, 1), datetime.date(YEAR, MONTH, 30)],
        )
        commune_id, commune_responses = cursor.fetchone()
    commune = Unit.objects.get(pk=commune_id)
    procedure = Procedure.objects.get(pk=procedure_id)
    user, _ = get_user_model().objects.get_or_create(username=f"bench-head-{code}", defaults={"is_active": True})
    Membership.objects.get_or_create(user=user, unit=province, role=Membership.Role.HEAD)
    official, _ = get_user_model().objects.get_or_create(username=f"bench-official-{code}")
    Membership.objects.get_or_create(user=official, unit=province, role=Membership.Role.OFFICIAL)
    national, _ = get_user_model().objects.get_or_create(username="bench-national")
    if "national" in Membership.Role.values:
        Membership.objects.get_or_create(user=national, unit=None, role="national")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.officer, count(*) FROM surveys_response r
            WHERE r.officer <> '' AND r.unit_id = ANY(%s) AND r.answered_on BETWEEN %s AND %s
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
            """,
            [scope_units, datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)],
        )
        (officer, _count) = cursor.fetchone()
        cursor.execute(
            """
            SELECT r.procedure_id, count(*) FROM surveys_response r
            WHERE r.unit_id = %s AND r.answered_on BETWEEN %s AND %s AND r.procedure_id IS NOT NULL
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
            """,
            [commune.pk, datetime.date(YEAR, MONTH, 1), datetime.date(YEAR, MONTH, 30)],
        )
        (commune_procedure, _count) = cursor.fetchone() or (None, 0)
        cursor.execute(
            """
            SELECT r.officer, count(*) FROM surveys_response r
            WHERE r.officer <> '' AND r.unit_id = %s AND r.answered_on BETWEEN %s AND %s
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
            """,
            [commune.pk, datetime.date(YEAR, MONTH, 1), datetime.date(YEAR, MONTH, 30)],
        )
        (commune_officer, _count) = cursor.fetchone() or ("", 0)  # a small --responses run may have none
    return {
        "official": official.username,
        "national": national.username,
        "officer": officer,
        "field_id": procedure.field_id,
        "commune_procedure_id": commune_procedure,
        "commune_officer": commune_officer,
        "province_code": code,
        "province_name": province.name,
        "province_units": len(scope_units),
        "province_responses": province_responses,
        "procedure_id": procedure_id,
        "procedure_code": procedure.code,
        "procedure_name": procedure.name,
        "procedure_responses": procedure_responses,
        "commune_code": commune.code,
        "commune_name": commune.name,
        "commune_responses": commune_responses,
        "head": user.username,
    }


def _scope_unit_ids(province) -> list[int]:
    """The subtree and the units merged into it, as reports.index.Scope.of(…, subtree=True) finds them."""
    from surveys.models import Unit, subtree_q
    from surveys.scoping import paths_merged_into

    paths = [province.path, *paths_merged_into([province.path])]
    return sorted(Unit.objects.filter(subtree_q(*paths)).values_list("pk", flat=True))


# --- the reads ----------------------------------------------------------------------------------


def read_step(params: dict) -> dict:
    """Time one read (best of runs after a warm-up), then EXPLAIN (ANALYZE, BUFFERS) every SQL statement it sends."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    key, facts, runs = params["step"], params["facts"], int(params["runs"])
    try:
        function, describe = _read_function(key, facts)
    except Unavailable as error:
        return {"missing": str(error)}
    except Exception as error:  # noqa: BLE001 - newer code may fail in new ways; report it, time the rest
        traceback.print_exc(file=sys.stderr)
        return {"missing": f"{type(error).__name__}: {error}"}
    try:
        warm, times, result = best_of(runs, function)
    except Unavailable as error:
        return {"missing": str(error)}
    except Exception as error:  # noqa: BLE001
        traceback.print_exc(file=sys.stderr)
        return {"missing": f"failed: {type(error).__name__}: {error}"}
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        function()
        captured_s = time.perf_counter() - started
    plan_file = Path(params["out"]) / f"{params['name']}.txt"
    slowest = explain_to_file(
        plan_file,
        title=f"{key}. {READ_TITLES[key]}",
        timing=f"best {min(times or [warm]) * 1000:.1f} ms of {len(times)} runs after a warm-up of "
        f"{warm * 1000:.1f} ms; the captured run took {captured_s * 1000:.1f} ms",
        counted=describe(result),
        statements=[(query["sql"], float(query["time"])) for query in captured.captured_queries],
    )
    best = min(times or [warm])
    return {
        "best": best,
        "median": statistics.median(times or [warm]),
        "times": times,
        "warm": warm,
        "queries": len(captured.captured_queries),
        "counted": describe(result),
        "slowest": slowest,
        "plan_file": str(plan_file),
    }


def _read_function(key: str, facts: dict):
    """The callable a read step times and how to describe what it returned."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from surveys.models import Membership, Procedure, Unit

    province = Unit.objects.get(code=facts["province_code"])
    commune = Unit.objects.get(code=facts["commune_code"])
    year_start, year_end = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
    engine = ["reports.index", "reports.index.engine", "reports.engine", "reports.index.figures"]

    if key.startswith("e"):
        ids = _scope_unit_ids(province) if key != "e4" else _scope_unit_ids_single(commune)
        sql, args = {
            "e1": ("SELECT count(*) FROM surveys_answer", []),
            "e2": (
                "SELECT a.question_id, a.value, count(*) FROM surveys_answer a "
                "WHERE a.unit_id = ANY(%s) AND a.answered_on BETWEEN %s AND %s GROUP BY 1, 2",
                [ids, year_start, year_end],
            ),
            "e3": (
                "SELECT a.question_id, a.value, count(*) FROM surveys_answer a "
                "WHERE a.unit_id = ANY(%s) AND a.answered_on BETWEEN %s AND %s AND a.procedure_id = %s GROUP BY 1, 2",
                [ids, year_start, year_end, facts["procedure_id"]],
            ),
            "e4": (
                "SELECT a.question_id, a.value, count(*) FROM surveys_answer a "
                "WHERE a.unit_id = ANY(%s) AND a.answered_on BETWEEN %s AND %s GROUP BY 1, 2",
                [ids, datetime.date(YEAR, MONTH, 1), datetime.date(YEAR, MONTH, 30)],
            ),
        }[key]

        def run_sql():
            with connection.cursor() as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall()

        def describe_rows(rows):
            if key == "e1":
                return f"{rows[0][0]:,} answers"
            valued = sum(row[2] for row in rows if row[1] is not None)
            return f"{len(rows)} (question, value) cells, {valued:,} valued answers"

        return run_sql, describe_rows

    Scope = find("Scope", engine)
    Period = find("Period", ["reports.periods", *engine])
    year = Period.year(YEAR)

    def scope_of(unit, subtree):
        return call(Scope.of, [("unit", unit)], subtree=subtree)

    def describe_figures(result):
        responses = getattr(result, "responses", None)
        index = getattr(result, "index", None)
        source = getattr(result, "source", "?")
        shown = f"{index:.2f}" if isinstance(index, float) else str(index)
        return (
            f"{responses:,} responses, index {shown}, source {source}"
            if isinstance(responses, int)
            else repr(result)[:200]
        )

    if key in ("a1", "a2", "c1", "c2", "c3", "c4", "c5"):
        figures = find("figures", engine)
        keywords = {}
        if key in ("a1", "c3"):
            keywords["tallies"] = False
        if key in ("a2", "c4", "c5"):
            Slice = find("Slice", engine)
            keywords["slice"] = {
                "a2": lambda: Slice(procedure=Procedure.objects.get(pk=facts["procedure_id"])),
                "c4": lambda: Slice(procedure=Procedure.objects.get(pk=facts["commune_procedure_id"])),
                "c5": lambda: Slice(officer=facts["commune_officer"]),
            }[key]()
        unit, subtree, period = (
            (province, True, year) if key in ("a1", "a2", "c1") else (commune, False, Period.month(YEAR, MONTH))
        )
        return (
            lambda: call(figures, [("scope", scope_of(unit, subtree)), ("period", period)], **keywords)
        ), describe_figures

    if key == "b1":
        results_for = find("results_for", ["reports.selectors", "reports.selectors.results"])
        user = get_user_model().objects.get(username=facts["head"])

        def describe_results(result):
            parts = [describe_figures(getattr(result, "figures", None))]
            for name in ("trend", "comments", "officers", "alerts", "children"):
                value = getattr(result, name, None)
                if value is not None:
                    parts.append(f"{len(value)} {name}")
            return "; ".join(parts)

        keywords = {"user": user, "unit": province, "period": year, "subtree": True}
        # Older code names the roles the reader reaches the unit through; newer code asks surveys.permissions.
        if "roles" in inspect.signature(results_for).parameters:
            keywords["roles"] = [Membership.Role.HEAD]
        return (lambda: call(results_for, [], **keywords)), describe_results

    if key == "b2":
        indices_by = find("indices_by", engine)

        def describe_groups(result):
            # Older code also counted the responses naming no civil servant (paper, online), under an empty key.
            named = {name: group for name, group in result.items() if name}
            counted = sum(getattr(group, "responses", 0) for group in named.values())
            others = sum(getattr(group, "responses", 0) for name, group in result.items() if not name)
            return f"{len(named)} civil servants, {counted:,} responses naming one, {others:,} without"

        return (
            lambda: call(indices_by, [("scope", scope_of(province, True)), ("period", year), ("by", "officer")])
        ), describe_groups

    if key == "b3":
        comments_for = find("comments_for", ["reports.selectors", "reports.selectors.results"])

        def describe_comments(result):
            contacts = sum(1 for comment in result if getattr(comment, "contact", None))
            return f"{len(result)} comments shown, {contacts} with contact details"

        return (
            lambda: comments_for(scope=scope_of(province, True), period=year, with_contacts=True)
        ), describe_comments

    if key == "b4":
        officer_figures = find("officer_figures", ["reports.selectors", "reports.selectors.results"])
        return (lambda: officer_figures(scope=scope_of(province, True), period=year)), (
            lambda result: (
                f"{len(result)} civil servants, {sum(getattr(row, 'responses', 0) for row in result):,} responses"
            )
        )

    if key == "b5":
        monthly_trend = find("monthly_trend", engine)
        months = year.trailing_months(12)
        return (lambda: call(monthly_trend, [("scope", scope_of(province, True)), ("months", months)])), (
            lambda result: f"{len(result)} months, {sum(1 for _, index in result if index is not None)} with an index"
        )
    if key in ("f1", "f2"):
        compare_units = find("compare_units", ["reports.comparison"])
        root = province if key == "f1" else None

        def describe_table(table):
            ranked = sum(1 for row in table.rows if row.ranked)
            return f"{len(table.rows)} rows, {ranked} ranked, {table.groups} groups"

        return (lambda: compare_units(root=root, period=year)), describe_table

    if key.startswith("f"):
        from django.test import Client

        reader = {"f3": facts.get("official"), "f4": facts.get("national")}.get(key, facts["head"])
        client = Client()
        client.force_login(get_user_model().objects.get(username=reader))
        path = {
            "f3": f"/so-sanh/{province.code}/{YEAR}/",
            "f4": f"/so-sanh/toan-quoc/{YEAR}/",
            "f5": f"/ket-qua/{province.code}/{YEAR}/?subtree=1",
            "f6": f"/ket-qua/{province.code}/{YEAR}/?subtree=1&procedure={facts['procedure_id']}",
            "f7": f"/ket-qua/{province.code}/{YEAR}/?subtree=1&field={facts.get('field_id')}",
            "f8": f"/ket-qua/{province.code}/{YEAR}/?subtree=1&officer={facts.get('officer')}",
            "f9": f"/ket-qua/{province.code}/{YEAR}/cau/sipas-5/Câu 1/?subtree=1",
        }[key]

        def get_page():
            response = client.get(path)
            if response.status_code != 200:
                raise Unavailable(f"GET {path} answered {response.status_code}")
            return response

        return get_page, lambda response: f"{path}: {len(response.content):,} bytes of HTML"

    if key.startswith("g"):
        figures_of = find("figures_of", engine)
        count = {"g1": 10, "g2": 100, "g3": 1000, "g4": 3321}[key]
        communes = list(Unit.objects.filter(kind=Unit.Kind.COMMUNE, parent__parent__isnull=True).order_by("code"))
        chosen = communes[:count]
        scopes = Scope.of_many(chosen, subtree=True)
        return (lambda: figures_of(scopes=scopes, period=year)), (
            lambda found: f"{len(found)} units, {sum(result.responses for result in found.values()):,} responses"
        )
    raise Unavailable(f"unknown step {key}")


def _scope_unit_ids_single(unit) -> list[int]:
    """The unit and the units merged into it (Scope.of(unit) without its subtree)."""
    from surveys.models import Unit

    ids, frontier = {unit.pk}, {unit.pk}
    while frontier:
        frontier = set(Unit.objects.filter(successor_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return sorted(ids)


# bulk_create's statements (INSERT … VALUES, or on PostgreSQL INSERT … SELECT * FROM UNNEST(arrays)): not replayed.
INSERT_VALUES = re.compile(r"\A\s*INSERT\s+INTO\s+\S+\s*\([^)]*\)\s*(?:VALUES|SELECT\s+\*\s+FROM\s+UNNEST\s*\()", re.I)
DECLARE = re.compile(r"\A\s*DECLARE\s+\"?[^\s\"]+\"?\s.*?\bCURSOR\s+WITH(?:OUT)?\s+HOLD\s+FOR\s+", re.S | re.I)


def explain_to_file(
    path: Path, *, title: str, timing: str, counted: str, statements: list[tuple[str, float]], writes: bool = False
) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of every read statement, slowest first in the header; returns the header lines.

    With `writes`, DELETE, INSERT … SELECT and UPDATE are explained too, in their order, inside one
    transaction that is rolled back (so the database keeps its rows).
    """
    from django.db import connection

    explained = []
    explainable = ("SELECT", "WITH", "DELETE", "INSERT", "UPDATE") if writes else ("SELECT", "WITH")
    if writes:
        connection.set_autocommit(False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings "
            "WHERE name IN ('shared_buffers','work_mem','max_parallel_workers_per_gather','jit','random_page_cost')"
        )
        settings = cursor.fetchone()[0]
        for number, (sql, seconds) in enumerate(statements, start=1):
            text = DECLARE.sub("", sql)
            verb = text.lstrip().split(None, 1)[0].upper() if text.strip() else ""
            if verb not in explainable:
                explained.append((number, seconds, sql, None, None))
                continue
            try:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + text)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            except Exception as error:  # noqa: BLE001 - a plan we cannot get should not lose the others
                plan = f"EXPLAIN failed: {error}"
                if writes:
                    explained.append((number, seconds, text, plan, None))
                    break  # the transaction is aborted: the rest cannot run
            match = re.search(r"Execution Time: ([0-9.]+) ms", plan)
            explained.append((number, seconds, text, plan, float(match[1]) if match else None))
    if writes:
        connection.rollback()
        connection.set_autocommit(True)
    ranked = sorted((e for e in explained if e[4] is not None), key=lambda e: -e[4])
    header = [
        f"SQL {number} of {len(statements)}: {executed:,.1f} ms under EXPLAIN ANALYZE "
        f"({seconds * 1000:,.1f} ms as run); " + _plan_gist(plan)
        for number, seconds, _sql, plan, executed in ranked[:3]
    ]
    lines = [
        title,
        timing,
        f"counted: {counted}",
        f"PostgreSQL settings: {settings}",
        f"{len(statements)} SQL statements; the slowest under EXPLAIN ANALYZE:",
        *[f"  {line}" for line in header],
        "",
    ]
    for number, seconds, sql, plan, _executed in explained:
        lines.append("=" * 100)
        lines.append(f"SQL {number} of {len(statements)} — {seconds * 1000:,.1f} ms as run by Django")
        lines.append(sql if len(sql) < 20_000 else sql[:20_000] + f" … ({len(sql):,} characters)")
        lines.append("-" * 100)
        lines.append(plan if plan is not None else "(not a SELECT: not explained)")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return header


def _plan_gist(plan: str) -> str:
    """A few words on a plan: its scans, sort spills and the top node's estimated vs actual rows."""
    scans = []
    for match in re.finditer(
        r"((?:Parallel )?(?:Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|Bitmap Index Scan))"
        r" (?:using (\S+) )?on (\S+)",
        plan,
    ):
        scan = f"{match[1]} on {match[3]}" + (f" ({match[2]})" if match[2] else "")
        if scan not in scans:
            scans.append(scan)
    spills = re.findall(
        r"(external merge\s+Disk: \d+kB|Disk Usage: \d+kB|Batches: \d+\s+Memory Usage: \d+kB\s+Disk Usage: \d+kB)", plan
    )
    # The first node that returns rows (under an Insert/Delete/Update node, which returns none).
    nodes = [
        line for line in plan.splitlines() if "(actual" in line and not re.match(r"\s*(Insert|Delete|Update) on", line)
    ]
    top = re.search(r"\(cost=[^)]*rows=(\d+)[^)]*\) \(actual time=[^)]*rows=(\d+)", nodes[0]) if nodes else None
    parts = ["; ".join(scans[:4]) or "no table scan"]
    if spills:
        parts.append(f"spills to disk ({spills[0]})")
    if top:
        parts.append(f"top node estimated {int(top[1]):,} rows, actual {int(top[2]):,}")
    return "; ".join(parts)


# --- step d: the rebuild, its SQL baseline, COPY -------------------------------------------------


class Recorder:
    """connection.execute_wrapper that counts statements and time by verb and keeps the SQL of all but INSERTs."""

    def __init__(self, connection):
        self.connection = connection
        self.by_verb: dict[str, list] = {}
        self.kept: list[tuple[str, str, float]] = []  # (verb, SQL with its parameters, seconds)

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - started
            text = DECLARE.sub("", sql)
            verb = text.lstrip().split(None, 1)[0].upper() if text.strip() else "?"
            count = self.by_verb.setdefault(verb, [0, 0.0])
            count[0] += 1
            count[1] += seconds
            if not (verb == "INSERT" and INSERT_VALUES.match(text)) and len(sql) < 100_000:
                try:
                    real = self.connection.ops.last_executed_query(context["cursor"].cursor, sql, params)
                except Exception:  # noqa: BLE001
                    real = sql
                self.kept.append((verb, real, seconds))

    def summary(self) -> str:
        return ", ".join(f"{verb} ×{n:,} {seconds:.1f} s" for verb, (n, seconds) in sorted(self.by_verb.items()))


def _checksums(cursor, tables: list[str]) -> tuple[dict, dict]:
    """Row count and an order-free checksum of every tally table's content (all columns but id)."""
    rows, sums = {}, {}
    for table in tables:
        cursor.execute(
            "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY column_name) FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s AND column_name <> 'id'",
            [table],
        )
        (columns,) = cursor.fetchone()
        cursor.execute(
            f"SELECT count(*), coalesce(sum(hashtextextended(concat_ws('|', {columns}), 0)), 0)::text FROM {table}"
        )
        rows[table], sums[table] = cursor.fetchone()
    return rows, sums


def _vacuum_tallies(connection) -> None:
    """VACUUM the tally tables (not timed), so each run starts alike: the previous run's rows, no dead ones."""
    with connection.cursor() as cursor:
        for table in _tally_tables(cursor):
            cursor.execute(f"VACUUM {table}")


def rebuild_step(params: dict) -> dict:
    """tallies_rebuild() of the whole country: a warm-up if asked, timed runs, the rows it left, its plans."""
    from django.db import connection

    try:
        tallies_rebuild = find("tallies_rebuild", ["surveys.services.tallies", "surveys.services"])
    except Unavailable as error:
        return {"missing": str(error)}
    answer: dict = {}
    recorder = Recorder(connection)
    times = []
    for run in range(int(params["runs"]) + (1 if params["warm"] else 0)):
        _vacuum_tallies(connection)
        started = time.perf_counter()
        try:
            if run == 0:  # the warm-up, or the first timed run: record its statements
                with connection.execute_wrapper(recorder):
                    tallies_rebuild()
            else:
                tallies_rebuild()
        except Exception as error:  # noqa: BLE001 - report it and let the reads run
            traceback.print_exc(file=sys.stderr)
            return {"missing": f"failed: {type(error).__name__}: {error}"}
        seconds = time.perf_counter() - started
        if run == 0 and params["warm"]:
            answer["warm_s"] = seconds
        else:
            times.append(seconds)
    answer["times"] = times
    if times:
        answer["best"] = min(times)
    answer["statements"] = recorder.summary()
    with connection.cursor() as cursor:
        tables = _tally_tables(cursor)
        answer["rows"], answer["checksums"] = _checksums(cursor, tables)
    answer["slowest"], answer["plan_file"] = [], ""
    if params.get("explain"):
        plan_file = Path(params["out"]) / "d1_tallies_rebuild_country.txt"
        answer["slowest"] = explain_to_file(
            plan_file,
            title="d1. tallies_rebuild() of the whole country",
            timing=f"runs {', '.join(f'{t:.1f}' for t in times)} s; warm-up {answer.get('warm_s', 0):.1f} s\n"
            f"statements of the recorded run: {recorder.summary()}\n(execute time only: the rows a server-side "
            "cursor reads are fetched outside execute(), so a SELECT's cost shows in its EXPLAIN below)\n"
            "Below: every statement of the recorded run but bulk_create's INSERTs, replayed in order under "
            "EXPLAIN (ANALYZE, BUFFERS) in one transaction that is then rolled back",
            counted=", ".join(f"{table} {rows:,} rows" for table, rows in answer["rows"].items()),
            statements=[(sql, seconds) for _verb, sql, seconds in recorder.kept],
            writes=True,
        )
        answer["plan_file"] = str(plan_file)
    return answer


def baseline_step(params: dict) -> dict:
    """Each tally table rebuilt by plain SQL in one transaction; same rows as tallies_rebuild()? Plus its plan."""
    from django.db import connection, transaction

    runs, out = int(params["runs"]), Path(params["out"])
    found: dict = {}
    all_same = True
    with connection.cursor() as cursor:
        for table in params["tables"]:
            statements = BASELINE_SQL.get(table)
            if statements is None:
                found[table] = {"missing": "no baseline SQL written for this table"}
                all_same = False
                continue
            times, inserts = [], []
            try:
                for _ in range(max(runs, 1)):
                    _vacuum_tallies(connection)
                    started = time.perf_counter()
                    with transaction.atomic():
                        cursor.execute(f"DELETE FROM {table}")
                        mark = time.perf_counter()
                        rows = 0
                        for sql in statements:
                            cursor.execute(sql)
                            rows += cursor.rowcount
                        inserts.append(time.perf_counter() - mark)
                    times.append(time.perf_counter() - started)
            except Exception as error:  # noqa: BLE001 - newer tables may have other columns
                found[table] = {"missing": f"baseline SQL failed: {str(error).strip()}"}
                all_same = False
                continue
            _rows, sums = _checksums(cursor, [table])
            same = sums[table] == params["checksums"].get(table)
            all_same &= same
            cursor.execute(f"ANALYZE {table}")
            plan_file = out / f"d2_baseline_sql_{table}.txt"
            _explain_write(cursor, plan_file, table, statements, times, inserts, rows, same)
            found[table] = {
                "best": min(times),
                "times": times,
                "insert_best": min(inserts),
                "rows": rows,
                "same": same,
                "plan_file": str(plan_file),
            }
    return {"tables": found, "all_same": all_same}


def _explain_write(cursor, path: Path, table: str, statements: list[str], times, inserts, rows, same) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the DELETE and the INSERTs, inside a transaction rolled back."""
    from django.db import connection

    lines = [
        f"d2. baseline SQL for {table}: DELETE FROM {table}; then the INSERT(s) below, in one transaction",
        f"runs {', '.join(f'{t:.1f}' for t in times)} s (INSERTs alone {', '.join(f'{t:.1f}' for t in inserts)} s); "
        f"{rows:,} rows; {'the same rows as tallies_rebuild()' if same else 'ROWS DIFFER from tallies_rebuild()'}",
        "",
    ]
    connection.set_autocommit(False)
    try:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) DELETE FROM {table}")
        lines += ["=" * 100, f"DELETE FROM {table}", "-" * 100, *[row[0] for row in cursor.fetchall()], ""]
        for sql in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines += ["=" * 100, sql.strip(), "-" * 100, *[row[0] for row in cursor.fetchall()], ""]
    finally:
        connection.rollback()
        connection.set_autocommit(True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def copy_step(params: dict) -> dict:
    """COPY every response and answer out to a file, and back into bare temporary tables (no index, no key)."""
    from django.db import connection

    lines = []
    answer = {}
    with tempfile.TemporaryDirectory() as folder, connection.cursor() as wrapper:
        cursor = wrapper.cursor
        for table in ("surveys_response", "surveys_answer"):
            path = Path(folder) / f"{table}.copy"
            started = time.perf_counter()
            with path.open("wb") as out:
                cursor.copy_expert(f"COPY {table} TO STDOUT", out)
            out_s = time.perf_counter() - started
            megabytes = path.stat().st_size / 2**20
            cursor.execute(f"CREATE TEMPORARY TABLE bench_copy_{table} (LIKE {table})")
            started = time.perf_counter()
            with path.open("rb") as source:
                cursor.copy_expert(f"COPY bench_copy_{table} FROM STDIN", source)
            in_s = time.perf_counter() - started
            cursor.execute(f"SELECT count(*) FROM bench_copy_{table}")
            (rows,) = cursor.fetchone()
            cursor.execute(f"DROP TABLE bench_copy_{table}")
            path.unlink()
            lines.append(
                f"{table}: COPY TO STDOUT into a file {out_s:.1f} s ({megabytes:,.0f} MB of text, "
                f"{rows / out_s:,.0f} rows/s); COPY FROM STDIN into a bare temporary table {in_s:.1f} s "
                f"({rows / in_s:,.0f} rows/s)"
            )
            short = table.removeprefix("surveys_")
            answer[f"{short}s_out_s"] = out_s
            answer[f"{short}s_in_s"] = in_s
    answer["lines"] = lines
    return answer


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else {})
    else:
        main()
