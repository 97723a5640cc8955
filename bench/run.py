"""`make bench`: load app pages under gunicorn and compare them with a bare Django view.

Only 127.0.0.1 is loaded, for a bounded time. Absolute numbers depend on this 2-core machine (wrk
shares it with the server), so the ratio to the bare Django reference is the number to compare.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
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


def load(url: str) -> dict:
    subprocess.run(["wrk", "-t1", "-c4", "-d2s", url], check=True, capture_output=True)  # warm-up
    result = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s", str(ROOT / "bench" / "report.lua"), url],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


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
        for label, path in PAGES:
            rows.append((label, path, load(f"http://127.0.0.1:{app_port}{path}")))
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
            f"{label:<28} {path:<28} {r['rps']:>9.0f} {r['p50'] / 1000:>8.1f} {r['p95'] / 1000:>8.1f}"
            f" {r['p99'] / 1000:>8.1f} {ratio:>6.2f}" + (f"  ({r['errors']} errors)" if r["errors"] else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
