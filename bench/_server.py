"""What every bench script needs to run the app: a free port, the database prepared, gunicorn, its CPU.

No Django import here: the scripts run outside the app's process and only start it.
"""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 60) -> None:
    """Return once `url` answers 200; stop the script if it has not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not answer 200 within {timeout} s")


def prepare(env: dict, commands=("migrate", "collectstatic", "load_content")) -> float:
    """Run each `manage.py` command quietly; returns the seconds the last one took."""
    took = 0.0
    for command in commands:
        started = time.monotonic()
        extra = [] if command == "load_content" else ["--no-input"]
        subprocess.run([PY, "manage.py", command, *extra, "-v", "0"], cwd=ROOT, env=env, check=True)
        took = time.monotonic() - started
    return took


def in_process(prefix: str, commands=("migrate", "collectstatic", "load_content")) -> None:
    """Settings for a bench tool that runs the app in its own process (bench/cpu.py, bench/classroom_cpu.py):
    production settings on a fresh SQLite database with the content, unless DATABASE_URL names one."""
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789abcdef0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DJANGO_SETTINGS_MODULE": "srm_site.settings",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if not os.environ.get("DATABASE_URL"):
        workdir = Path(tempfile.mkdtemp(prefix=f"srm-{prefix}-"))
        env["DATABASE_URL"] = f"sqlite:///{workdir / f'{prefix}.sqlite3'}"
        prepare({**os.environ, **env}, commands=commands)
    os.environ.update(
        {name: value for name, value in env.items() if name == "DJANGO_DEBUG" or name not in os.environ}
    )
    sys.path.insert(0, str(ROOT))


def gunicorn(app: str, port: int, env: dict, workers: str | int = 2, *options: str) -> subprocess.Popen:
    command = [PY, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}", "-w", str(workers)]
    command += ["--no-control-socket", "--log-level", "warning", *options]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def tree_cpu(pid: int, *, parent: bool = True) -> float:
    """User + system CPU seconds of a process's live children (gunicorn workers), and its own if `parent`."""
    pids = [str(pid)] if parent else []
    with contextlib.suppress(FileNotFoundError):
        pids += Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def stop(server: subprocess.Popen, timeout: float = 30) -> None:
    server.terminate()
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
