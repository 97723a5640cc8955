"""`make bench`: app pages under gunicorn against a bare Django view, alternating, on 127.0.0.1 only.

Each page runs in pairs with the reference (reference, page; three pairs by default), so a noisy
machine slows both alike; the ratio of each pair is page req/s over reference req/s, and the table
shows the median of the pairs and their spread. Absolute numbers depend on this machine (wrk shares
it with the server): compare ratios. `cpu ms` is the gunicorn workers' CPU time per request.
The queries column counts the page's SQL queries once its cached fragments are warm. Every request says
`Accept-Encoding: gzip`, as every browser does, so pages are measured as browsers receive them (compressed);
the reference's five bytes are not compressed either way.

    python bench/run.py [--pairs 3] [--seconds 3] [--port 8110] [--scale 5] [--only matrix]

`--scale N` then grows the services, duties and misconceptions N-fold (bench/grow.py) and measures
every page again once, printing how the CPU per request grows. Results go to bench/results.json.
"""

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from _server import PY, ROOT, free_port, gunicorn, prepare, stop, tree_cpu, wait_until_up

RESULTS = ROOT / "bench" / "results.json"
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")

# (label, path, target ratio). Later issues add their pages here; the quiz pages are added in main().
PAGES = [
    ("home", "/", 0.7),
    ("matrix", "/matrix/", 0.5),
    ("matrix presenter", "/matrix/present/", 0.5),
    ("service list", "/services/", 0.5),
    ("service page", "/services/ec2/", 0.5),
    ("service presenter", "/services/ec2/present/", 0.5),
    ("compare", "/compare/?services=ec2&services=rds&services=lambda", 0.5),
    ("duty explorer", "/duties/", 0.5),
    ("duty filter (htmx)", "/duties/?owner=Customer&layer=guest-os", 0.5),
    ("misconceptions", "/misconceptions/", 0.5),
    ("learning path", "/lessons/", 0.5),
    ("lesson: the core split", "/lessons/core-split/", 0.5),
    ("lesson: cheat sheet", "/lessons/cheat-sheet/", 0.5),
    ("quiz set-up", "/quizzes/", 0.5),
    # Pages later issues added (no target of their own yet).
    ("review", "/review/", None),
    ("report a problem", "/report/?about=service:ec2", None),
    ("join a class", "/join/", None),
    ("privacy", "/privacy/", None),
]


# What a browser sends with every request and the response depends on.
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br"}


def wrk_script(headers: dict | None, body: str | None) -> str:
    script = (ROOT / "bench" / "report.lua").read_text()
    if body is not None:
        script = f"wrk.method = 'POST'\nwrk.body = {json.dumps(body)}\n" + script
    for name, value in (BROWSER_HEADERS | (headers or {})).items():
        script = f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}\n" + script
    return script


def load(url: str, seconds: int, server: subprocess.Popen, *, headers=None, body=None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(wrk_script(headers, body))
    try:
        before = tree_cpu(server.pid, parent=False)
        result = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", handle.name, url],
            check=True,
            capture_output=True,
            text=True,
        )
        used = tree_cpu(server.pid, parent=False) - before
    finally:
        os.unlink(handle.name)
    row = json.loads(result.stdout.strip().splitlines()[-1])
    row["cpu_ms"] = 1000 * used / max(row["requests"], 1)
    return row


def warm(url: str, seconds: int = 1, **kwargs) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(wrk_script(kwargs.get("headers"), kwargs.get("body")))
    try:
        subprocess.run(
            ["wrk", "-t1", "-c4", f"-d{seconds}s", "-s", handle.name, url], check=True, capture_output=True
        )
    finally:
        os.unlink(handle.name)


def check(url: str, *, headers=None, body=None) -> None:
    request = urllib.request.Request(url, data=body.encode() if body else None, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}: fix the page before measuring it")


def quiz_pages(base: str) -> list[dict]:
    """Start a quiz as a browser would and answer question 1; the quiz pages to measure."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/quizzes/?topic=everything&length=20").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode({"topic": "everything", "length": 20, "csrfmiddlewaretoken": token})
    page = opener.open(urllib.request.Request(f"{base}/quizzes/start/", data=form.encode()))
    question_url = page.geturl()
    html = page.read().decode()
    fields = dict(re.findall(r'name="(choice)" value="([^"]+)"', html)[:1])
    fields |= dict.fromkeys(re.findall(r'<select name="([\w-]+)"', html), "Customer")
    if not fields:
        fields = {"choices": re.findall(r'name="choices" value="([^"]+)"', html)[0]}
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token})
    opener.open(urllib.request.Request(question_url + "answer/", data=body.encode())).read()
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    attempt = question_url.removeprefix(base).rsplit("/", 2)[0] + "/"
    post = {"Cookie": cookies, "X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded"}
    return [
        # A returning learner: the page cache does not apply, only the nav differs (srm_site/pagecache.py).
        {
            "label": "matrix (with a session)",
            "path": "/matrix/",
            "target": None,
            "headers": {"Cookie": cookies},
        },
        {"label": "quiz question", "path": attempt + "2/", "target": 0.4, "headers": {"Cookie": cookies}},
        # An answered question: the double-submit path loads, checks and re-renders the graded card
        # without writing, so every request does the same work (docs/decisions.md).
        {
            "label": "answer (POST, htmx)",
            "path": attempt + "1/answer/",
            "target": 0.3,
            "headers": {**post, "HX-Request": "true"},
            "body": body,
        },
        {
            "label": "quiz results",
            "path": attempt + "results/",
            "target": 0.3,
            "headers": {"Cookie": cookies},
        },
        {
            "label": "quiz history",
            "path": "/quizzes/history/",
            "target": None,
            "headers": {"Cookie": cookies},
        },
    ]


# Gives the newest learner (the exam's) 1,000 more responses: 10 sittings of 100 questions.
THOUSAND_RESPONSES = """
from learners.models import Learner
from quizzes.models import Attempt, AttemptQuestion, Question, Response
learner = Learner.objects.latest("pk")
questions = list(Question.objects.live()[:100])
for r in range(10):
    a = Attempt.objects.create(learner=learner, topic="everything", title=f"Bench {r}", total=len(questions))
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(attempt=a, question=q, position=i + 1) for i, q in enumerate(questions)
    )
    Response.objects.bulk_create(
        Response(attempt=a, question=q, answer={}, correct=i % 3 > 0, score=float(i % 3 > 0))
        for i, q in enumerate(questions)
    )
"""


def exam_pages(base: str, env: dict) -> list[dict]:
    """Start a section exam and save question 1; the exam answer POST, and My progress with 1,000 answers."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/exam/").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode({"length": 20, "csrfmiddlewaretoken": token})
    page = opener.open(urllib.request.Request(f"{base}/exam/start/", data=form.encode()))
    question_url = page.geturl()
    html = page.read().decode()
    fields = dict(re.findall(r'name="(choice)" value="([^"]+)"', html)[:1]) or {
        "choices": re.findall(r'name="choices" value="([^"]+)"', html)[0]
    }
    # go=1 saves and comes back to question 1: every request does the same work (an answer changed).
    body = urllib.parse.urlencode({**fields, "go": "1", "csrfmiddlewaretoken": token})
    opener.open(urllib.request.Request(question_url + "answer/", data=body.encode())).read()
    subprocess.run([PY, "manage.py", "shell", "-c", THOUSAND_RESPONSES], cwd=ROOT, env=env, check=True)
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    post = {"Cookie": cookies, "X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded"}
    return [
        {
            "label": "exam answer (POST)",
            "path": question_url.removeprefix(base) + "answer/",
            "target": 0.3,
            "headers": post,
            "body": body,
        },
        {
            "label": "my progress (1,000 answers)",
            "path": "/progress/",
            "target": 0.2,
            "headers": {"Cookie": cookies},
        },
    ]


def count_queries(env: dict, pages: list[dict]) -> dict[str, int]:
    """Queries per page with warm caches, counted in a separate process through Django's test client."""
    spec = json.dumps([{k: p.get(k) for k in ("path", "headers", "body")} for p in pages])
    result = subprocess.run(
        [PY, "-m", "bench.queries"],
        cwd=ROOT,
        env=env,
        input=spec,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        print(result.stderr, file=sys.stderr)
        return {}
    return json.loads(result.stdout)


def measure(
    pages: list[dict], base: str, ref: str, servers: tuple, *, pairs: int, seconds: int
) -> list[dict]:
    app, reference = servers
    rows = []
    for page in pages:
        url, kw = base + page["path"], {"headers": page.get("headers"), "body": page.get("body")}
        check(url, **kw)
        warm(url, **kw)
        runs = []
        for _ in range(pairs):
            ref_run = load(ref, seconds, reference)
            page_run = load(url, seconds, app, **kw)
            runs.append({"reference": ref_run, "page": page_run, "ratio": page_run["rps"] / ref_run["rps"]})
        ratios = [r["ratio"] for r in runs]
        row = {
            "label": page["label"],
            "path": page["path"],
            "target": page.get("target"),
            "ratio": statistics.median(ratios),
            "spread": [min(ratios), max(ratios)],
            "rps": statistics.median(r["page"]["rps"] for r in runs),
            "reference_rps": statistics.median(r["reference"]["rps"] for r in runs),
            "p50_ms": statistics.median(r["page"]["p50"] for r in runs) / 1000,
            "p99_ms": statistics.median(r["page"]["p99"] for r in runs) / 1000,
            "cpu_ms": statistics.median(r["page"]["cpu_ms"] for r in runs),
            "errors": sum(r["page"]["errors"] for r in runs),
            "runs": runs,
        }
        rows.append(row)
        print(f"  {row['label']}: ratio {row['ratio']:.2f}", file=sys.stderr, flush=True)
    return rows


def print_table(rows: list[dict], queries: dict[str, int], title: str) -> None:
    print(f"\n{title}")
    header = (
        f"{'page':<24} {'req/s':>7} {'ratio':>6} {'spread':>11} {'target':>6} {'p50 ms':>7} {'p99 ms':>7}"
    )
    print(header + f" {'cpu ms':>6} {'queries':>7}")
    for r in rows:
        target = f"{r['target']:.1f}" if r["target"] else "-"
        met = "" if not r["target"] else ("  ok" if r["ratio"] >= r["target"] else "  BELOW")
        print(
            f"{r['label']:<24} {r['rps']:>7.0f} {r['ratio']:>6.2f} {r['spread'][0]:>5.2f}-{r['spread'][1]:<5.2f}"
            f" {target:>6} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} {r['cpu_ms']:>6.2f}"
            f" {queries.get(r['path'], '?'):>7}{met}" + (f"  ({r['errors']} errors)" if r["errors"] else "")
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=3, help="reference/page pairs per page (default 3)")
    parser.add_argument("--seconds", type=int, default=3, help="seconds per run (default 3)")
    parser.add_argument("--port", type=int, default=0, help="app port; the reference uses the next one")
    parser.add_argument("--scale", type=int, default=1, help="then grow the content N-fold and measure again")
    parser.add_argument("--only", default="", help="measure only pages whose label contains this text")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (make bench installs it with apt-get where it can)")

    workdir = Path(tempfile.mkdtemp(prefix="srm-bench-"))
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789abcdef0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "srm_site.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    prepare(env)

    app_port = args.port or free_port()
    ref_port = args.port + 1 if args.port else free_port()
    base, ref = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{ref_port}/"
    servers = (
        gunicorn("srm_site.wsgi", app_port, env, WORKERS),
        gunicorn("bench.hello", ref_port, env, WORKERS),
    )
    report = {"pairs": args.pairs, "seconds": args.seconds, "connections": CONNECTIONS, "workers": WORKERS}
    try:
        wait_until_up(base + "/")
        wait_until_up(ref)
        pages = [{"label": label, "path": path, "target": target} for label, path, target in PAGES]
        pages += quiz_pages(base)
        pages += exam_pages(base, env)
        pages = [p for p in pages if args.only.lower() in p["label"].lower()]
        queries = count_queries(env, pages)
        rows = measure(pages, base, ref, servers, pairs=args.pairs, seconds=args.seconds)
        report |= {"scale": 1, "queries": queries, "rows": rows}
        title = (
            f"{args.pairs} pairs x {args.seconds} s, {CONNECTIONS} connections, {WORKERS} gunicorn workers"
        )
        print_table(rows, queries, title + " (ratio = median of pairs; spread = min-max)")
        RESULTS.write_text(json.dumps(report, indent=1))
        if args.scale > 1:
            subprocess.run([PY, "-m", "bench.grow", str(args.scale)], cwd=ROOT, env=env, check=True)
            scaled_queries = count_queries(env, pages)
            scaled = measure(pages, base, ref, servers, pairs=1, seconds=args.seconds)
            report["scaled"] = {"scale": args.scale, "queries": scaled_queries, "rows": scaled}
            print(f"\nAt {args.scale}x the services, duties and misconceptions (one pair each):")
            print(
                f"{'page':<24} {'cpu ms x1':>9} {'cpu ms':>7} {'growth':>7} {'queries x1':>10} {'queries':>7}"
            )
            for small, large in zip(rows, scaled, strict=True):
                print(
                    f"{small['label']:<24} {small['cpu_ms']:>9.2f} {large['cpu_ms']:>7.2f}"
                    f" {large['cpu_ms'] / max(small['cpu_ms'], 1e-9):>7.2f}"
                    f" {queries.get(small['path'], '?'):>10} {scaled_queries.get(small['path'], '?'):>7}"
                )
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(workdir, ignore_errors=True)
    RESULTS.write_text(json.dumps(report, indent=1))
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
