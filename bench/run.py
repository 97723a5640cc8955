"""`make bench`: load app pages under gunicorn and compare them with a bare Django view.

Only 127.0.0.1 is loaded, for a bounded time. Absolute numbers depend on this 2-core machine (wrk
shares it with the server), so the ratio to the bare Django reference is the number to compare.
"""

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")

# (label, path): later issues add their pages here.
PAGES = [
    ("home page", "/"),
    ("category matrix", "/matrix/"),
    ("service page", "/services/ec2/"),
    ("compare page", "/compare/?services=ec2&services=rds&services=lambda"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not answer 200 within {timeout} s")


def gunicorn(app: str, port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            app,
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            WORKERS,
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )


def load(url: str, *, headers: dict | None = None, body: str | None = None) -> dict:
    script = (ROOT / "bench" / "report.lua").read_text()
    if body is not None:
        script = f"wrk.method = 'POST'\nwrk.body = {json.dumps(body)}\n" + script
    for name, value in (headers or {}).items():
        script = f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}\n" + script
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        subprocess.run(["wrk", "-t1", "-c4", "-d2s", "-s", handle.name, url], check=True, capture_output=True)
        result = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s", handle.name, url],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        os.unlink(handle.name)
    return json.loads(result.stdout.strip().splitlines()[-1])


def quiz_session(base: str) -> tuple[dict, str, str]:
    """Start a quiz as a browser would and answer question 1; return headers, answer body, question URL."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/quizzes/?topic=everything&length=20").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"topic": "everything", "length": 20, "csrfmiddlewaretoken": token}
    ).encode()
    page = opener.open(urllib.request.Request(f"{base}/quizzes/start/", data=form))
    question_url = page.geturl()
    html = page.read().decode()
    fields = dict(re.findall(r'name="(choice)" value="([^"]+)"', html)[:1])
    fields |= dict.fromkeys(re.findall(r'<select name="([\w-]+)"', html), "Customer")
    if not fields:
        fields = {"choices": re.findall(r'name="choices" value="([^"]+)"', html)[0]}
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token})
    opener.open(urllib.request.Request(question_url + "answer/", data=body.encode())).read()
    headers = {
        "Cookie": "; ".join(f"{c.name}={c.value}" for c in jar),
        "X-CSRFToken": token,
        "Content-Type": "application/x-www-form-urlencoded",
        "HX-Request": "true",
    }
    return headers, body, question_url


def main() -> int:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (make bench installs it with apt-get where it can)")
    workdir = Path(tempfile.mkdtemp(prefix="srm-bench-"))
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789abcdef0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"], ["load_content"]):
        if command == ["load_content"] and not (ROOT / "content").is_dir():
            continue
        subprocess.run([PY, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True)

    app_port, ref_port = free_port(), free_port()
    servers = [gunicorn("srm_site.wsgi", app_port, env), gunicorn("bench.hello", ref_port, env)]
    try:
        wait_until_up(f"http://127.0.0.1:{app_port}/")
        wait_until_up(f"http://127.0.0.1:{ref_port}/")
        reference = load(f"http://127.0.0.1:{ref_port}/")
        rows = [("bare Django view", "/", reference)]
        base = f"http://127.0.0.1:{app_port}"
        for label, path in PAGES:
            rows.append((label, path, load(base + path)))
        headers, body, question_url = quiz_session(base)
        attempt_path = question_url.removeprefix(base).rsplit("/", 2)[0] + "/"
        # The answer POST hits an answered question: it loads, checks and re-renders the graded card
        # (the double-submit path) without writing, so every request does the same work.
        rows.append(
            (
                "answer a question (POST)",
                attempt_path + "1/answer/",
                load(question_url + "answer/", headers=headers, body=body),
            )
        )
        rows.append(
            (
                "quiz results",
                attempt_path + "results/",
                load(base + attempt_path + "results/", headers=headers),
            )
        )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\n{SECONDS} s per page, {CONNECTIONS} connections, {WORKERS} gunicorn workers, 127.0.0.1 only")
    print(f"{'page':<28} {'path':<28} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'ratio':>6}")
    for label, path, r in rows:
        ratio = r["rps"] / reference["rps"] if reference["rps"] else 0
        print(
            f"{label:<28} {path[:28]:<28} {r['rps']:>9.0f} {r['p50'] / 1000:>8.1f} {r['p95'] / 1000:>8.1f}"
            f" {r['p99'] / 1000:>8.1f} {ratio:>6.2f}" + (f"  ({r['errors']} errors)" if r["errors"] else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
