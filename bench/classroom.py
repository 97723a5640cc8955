"""`make bench-classroom`: a simulated live class on this machine, 127.0.0.1 only, bounded in count and time.

A host logs in, creates a ten-question class and paces it like a person at the projector: start, wait until
the projector (polled every second, as the real one) shows every learner answered (the last answer closes the
question: auto-close, the default; the host closes it only if one is missing), reveal, next. Each
simulated learner joins with the code and a nickname, polls its phone fragment every second with the version it
shows (htmx's behaviour: 204 while nothing changed) and answers each question once after a short think.

    python bench/classroom.py [--learners 200] [--questions 10] [--workers 2] [--threads 8]

The database and cache are whatever DATABASE_URL and REDIS_URL say (SQLite and the local-memory cache when
unset, as `make run`), served by gunicorn (gthread workers), or by `manage.py runserver` with --runserver. It prints
joins accepted, answers sent vs recorded, answer latency, the time from a question's last answer to the
distribution on the projector, the learners' view of the reveal, CPU used, and a last line for tools:

    classroom: learners=1000 answers_sent=10000 recorded=10000 lost=0 doubled=0 answer_p95_ms=180 reveal_s=1.2 phone_p95_s=1.4

reveal_s is the worst question's gap from its last answer to the distribution on the projector; phone_p95_s is
the 95th percentile, over every phone and question, of the time from the host's "next" or "reveal" to the
phone showing that question or verdict (issue 12: each screen shows a change within 2 s).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from _server import PY, ROOT, free_port, tree_cpu, wait_until_up

POLL = 1.0  # phones (htmx every 1s in play.html)
PROJECTOR_POLL = 1.0  # the host's screen: one client, so it can afford to be quicker
HOST_PASSWORD = "bench-host-password-0123456789"
DEADLINE = 15 * 60  # the whole run stops after this many seconds, whatever happens
ANSWER_WINDOW = 60  # the host closes a question after this long even if some answers are missing
READ_REVEAL = (
    3.0  # seconds the room reads a reveal before the host moves on (phones that miss it are counted)
)


class Http:
    """One browser: a kept-alive connection to 127.0.0.1 and its cookies. Just enough HTTP/1.1."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.reader = self.writer = None

    async def _connect(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=2**20)

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, *, form: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Connection: keep-alive"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for attempt in range(2):
            fresh = self.writer is None
            if fresh:
                await self._connect()
            try:
                self.writer.write(raw)
                await self.writer.drain()
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed")
            except (ConnectionError, OSError):
                self.close()
                if fresh or attempt:  # a new connection failed: give up; a kept-alive one closed: retry once
                    raise
                continue
            status = int(status_line.split()[1])
            reply: dict[str, str] = {}
            while (line := await self.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, val = pair.partition("=")
                    self.cookies[key] = val
                else:
                    reply[name] = value
            length = int(reply.get("content-length", "0"))
            content = await self.reader.readexactly(length) if length else b""
            if reply.get("connection", "").lower() == "close":
                self.close()
            return status, reply, content
        raise ConnectionError("unreachable")


@dataclass
class Room:
    learners: int
    questions: int
    port: int
    code: str = ""
    session_id: str = ""
    ended: bool = False
    joined: int = 0
    join_failures: int = 0
    sent: int = 0
    accepted: int = 0
    refused: int = 0
    errors: int = 0
    server_errors: int = 0
    timed_out: bool = False
    latencies: list[float] = field(default_factory=list)
    last_answer: dict[int, float] = field(default_factory=dict)
    revealed_at: dict[int, float] = field(default_factory=dict)
    opened_at: dict[int, float] = field(default_factory=dict)
    polls_unchanged: int = 0  # answered 204 (the WSGI shortcut)
    polls_changed: int = 0  # a card fetched after a change
    open_views: list[float] = field(default_factory=list)
    reveal_gaps: list[float] = field(default_factory=list)
    learner_views: list[float] = field(default_factory=list)


def csrf(http: Http) -> dict:
    return {"X-CSRFToken": http.cookies.get("csrftoken", "")}


def next_poll(card: bytes, current: str) -> str:
    """The URL the card polls next (htmx's hx-get: the version shown, and the question answered if any)."""
    found = re.search(rb'hx-get="([^"]+)"', card)
    return html.unescape(found.group(1).decode()) if found else current


async def learner(room: Room, n: int, start_delay: float) -> None:
    await asyncio.sleep(start_delay)
    http = Http(room.port)
    try:
        status, _, _ = await http.request("GET", f"/join/?code={room.code}")
        status, reply, _ = await http.request(
            "POST", "/join/", form={"code": room.code, "nickname": f"L{n:04d}"}, headers=csrf(http)
        )
        if status != 302 or "classroom_seat" not in http.cookies:
            room.join_failures += 1
            return
        room.joined += 1
        play = f"/classroom/{room.session_id}/play/"
        poll, answered, seen_reveal = f"{play}?v=0", set(), set()
        await asyncio.sleep(random.uniform(0, POLL))
        while not room.ended:
            try:
                status, _, body = await http.request("GET", poll, headers={"HX-Request": "true"})
            except (ConnectionError, OSError, asyncio.IncompleteReadError, ValueError):
                room.errors += 1  # a dropped connection: the phone polls again
                http.close()
                await asyncio.sleep(POLL)
                continue
            if status == 204:
                room.polls_unchanged += 1
            if status == 200:
                room.polls_changed += 1
                poll = next_poll(body, poll)
                position = re.search(rb'name="position" value="(\d+)"', body)
                if b'class="verdict' in body:
                    current = int(re.search(rb"Question (\d+) of", body).group(1))
                    if current not in seen_reveal and current in room.revealed_at:
                        seen_reveal.add(current)
                        room.learner_views.append(time.monotonic() - room.revealed_at[current])
                if position and int(position.group(1)) not in answered:
                    number = int(position.group(1))
                    if number in room.opened_at:
                        room.open_views.append(time.monotonic() - room.opened_at[number])
                    answered.add(number)
                    choices = re.findall(rb'name="choice" value="([^"]+)"', body)
                    await asyncio.sleep(random.uniform(0.3, 3.0))  # reading the question
                    room.sent += 1
                    form = {"position": number, "choice": random.choice(choices).decode()}
                    began = time.monotonic()
                    for _tap in range(3):  # a server error shows nothing on the phone: the learner taps again
                        status, _, body = await http.request(
                            "POST", f"{play}answer/", form=form, headers={"HX-Request": "true", **csrf(http)}
                        )
                        if status < 500:
                            break
                        room.server_errors += 1
                        await asyncio.sleep(1)
                    done = time.monotonic()
                    room.latencies.append(done - began)
                    if status == 200 and b"Answer received" in body:
                        room.accepted += 1
                        room.last_answer[number] = max(room.last_answer.get(number, 0), done)
                    else:
                        room.refused += 1
                    poll = next_poll(body, poll)
                if b"Class over" in body:
                    return
            elif status >= 500:
                room.server_errors += 1
            elif status != 204:
                room.errors += 1
            await asyncio.sleep(POLL)
    except (ConnectionError, OSError, asyncio.IncompleteReadError):
        room.errors += 1
    finally:
        http.close()


async def host(room: Room, username: str) -> None:
    http = Http(room.port)
    await http.request("GET", "/accounts/login/")
    await http.request(
        "POST", "/accounts/login/", form={"username": username, "password": HOST_PASSWORD}, headers=csrf(http)
    )
    await http.request("GET", "/classroom/")
    status, reply, _body = await http.request(
        "POST",
        "/classroom/new/",
        form={
            "source": "everything",
            "length": room.questions,
            "seconds_per_question": 0,
            "scoring": "accuracy",
            "leaderboard": "top5",
            "auto_close": "on",  # the default: the last answer closes the question
        },
        headers=csrf(http),
    )
    if status != 302:
        errors = re.findall(rb"<li>([^<]+)</li>", _body)
        raise SystemExit(f"could not create the class (HTTP {status}): {errors[:3]}")
    host_url = reply["location"]
    room.session_id = host_url.split("/")[2]
    _, _, page = await http.request("GET", host_url)
    room.code = re.search(rb'class="big-code">(\d{6})', page).group(1).decode()

    async def projector() -> bytes:
        await asyncio.sleep(PROJECTOR_POLL)
        return (await http.request("GET", host_url, headers={"HX-Request": "true"}))[2]

    async def act(action: str, card: bytes) -> bytes:
        version = re.search(rb'name="version" value="(\d+)"', card).group(1).decode()
        return (
            await http.request(
                "POST",
                f"{host_url}actions/",
                form={"action": action, "version": version},
                headers={"HX-Request": "true", **csrf(http)},
            )
        )[2]

    card = page
    join_deadline = time.monotonic() + max(30, room.learners / 15)
    while time.monotonic() < join_deadline:
        card = await projector()
        joined = re.search(rb"<h2>(\d+) joined</h2>", card)
        if joined and int(joined.group(1)) >= room.learners:
            break
    for number in range(1, room.questions + 1):
        room.opened_at[number] = time.monotonic()
        card = await act("start" if number == 1 else "next", card)
        if b"host-prompt" not in card:
            raise SystemExit(f"question {number} did not open")
        total = room.joined
        answer_deadline = time.monotonic() + ANSWER_WINDOW
        while time.monotonic() < answer_deadline:
            card = await projector()
            counted = re.search(rb"Answered (\d+) of (\d+)", card)
            if counted and int(counted.group(1)) >= total:
                break
        if b'value="close"' in card:  # not auto-closed (an answer went missing): the host closes
            card = await act("close", card)
        room.revealed_at[number] = time.monotonic()
        card = await act("reveal", card)
        counted = re.search(rb"(\d+) of (\d+) answered", card)
        print(f"question {number}: {counted and counted.group(0).decode()}", file=sys.stderr, flush=True)
        shown = time.monotonic()
        if b'class="bars"' in card and number in room.last_answer:
            room.reveal_gaps.append(shown - room.last_answer[number])
        await asyncio.sleep(READ_REVEAL)
    await act("end", card)
    room.ended = True
    http.close()


async def simulate(room: Room, username: str) -> None:
    host_task = asyncio.create_task(host(room, username))
    while not room.code:
        await asyncio.sleep(0.1)
        if host_task.done():
            host_task.result()
    spread = max(10.0, room.learners / 40)  # joins arrive over some seconds, as a room does
    learners = [
        asyncio.create_task(learner(room, n, random.uniform(0, spread))) for n in range(room.learners)
    ]
    _done, pending = await asyncio.wait([host_task, *learners], timeout=DEADLINE)
    if pending:
        room.timed_out = True
        room.ended = True
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    elif host_task.exception():
        raise host_task.exception()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--questions", type=int, default=10, choices=(5, 10, 15, 20))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=8, help="threads per gunicorn worker (gthread); 0: the sync worker"
    )
    parser.add_argument(
        "--runserver", action="store_true", help="serve with `manage.py runserver` as `make run` does"
    )
    args = parser.parse_args()
    if not 1 <= args.learners <= 1000:
        raise SystemExit("bounded: 1 to 1000 learners")

    workdir = Path(tempfile.mkdtemp(prefix="srm-classroom-bench-"))
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    sqlite = database.startswith("sqlite")
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1" if args.runserver else "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789abcdef0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "srm_site.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    commands = [["migrate", "--no-input"], ["load_content"]]
    commands += [] if args.runserver else [["collectstatic", "--no-input"]]
    for command in commands:
        subprocess.run([PY, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from classroom.models import Answer

    username = f"bench-host-{int(time.time())}"
    get_user_model().objects.create_user(username, password=HOST_PASSWORD)

    port = int(os.environ.get("BENCH_PORT", "0")) or free_port()
    if args.runserver:
        # `make run`'s server: runserver, threaded, debug on.
        command = [PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
        layout = f"runserver + {'SQLite' if sqlite else 'PostgreSQL'}"
    else:
        command = [PY, "-m", "gunicorn", "srm_site.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(args.workers)]
        if args.threads:  # the layout README.md recommends (see docs/decisions.md)
            command += ["-k", "gthread", "--threads", str(args.threads), "--keep-alive", "5"]
            layout = f"gunicorn {args.workers} workers x {args.threads} threads"
        else:  # gunicorn's default: one request at a time per process, no keep-alive
            layout = f"gunicorn {args.workers} sync workers"
        command += ["--graceful-timeout", "5", "--no-control-socket", "--log-level", "warning"]
        layout += f" + {'SQLite' if sqlite else 'PostgreSQL'}"
    layout += " + Redis" if os.environ.get("REDIS_URL") else ", no Redis"
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    room = Room(args.learners, args.questions, port)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/join/")
        cpu_before, began, load_before = tree_cpu(server.pid), time.monotonic(), os.getloadavg()[0]
        client_before = time.process_time()
        asyncio.run(simulate(room, username))
        wall, cpu = time.monotonic() - began, tree_cpu(server.pid) - cpu_before
        client_cpu = time.process_time() - client_before
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    rows = Answer.objects.filter(item__session_id=room.session_id)
    recorded = rows.count()
    doubled = sum(
        n - 1 for n in rows.values("seat", "item").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    shutil.rmtree(workdir, ignore_errors=True)

    lat = [x * 1000 for x in room.latencies]
    reveal = max(room.reveal_gaps) if room.reveal_gaps else float("nan")
    print(f"layout: {layout}; {args.learners} learners, {args.questions} questions, polls every {POLL:.0f} s")
    print(f"joins accepted: {room.joined} of {args.learners} (refused {room.join_failures})")
    print(
        f"answers sent: {room.sent}, accepted: {room.accepted}, refused: {room.refused}, recorded: {recorded}"
    )
    print(
        f"answer latency ms: p50 {statistics.median(lat) if lat else 0:.0f}, p95 {percentile(lat, 0.95):.0f}"
    )
    gaps = room.reveal_gaps
    print(
        f"last answer -> distribution on the projector, s: median {statistics.median(gaps) if gaps else 0:.2f},"
        f" max {reveal:.2f}"
    )
    views, opens = room.learner_views, room.open_views
    phone_p95 = percentile(views + opens, 0.95)
    print(
        f"reveal -> learner's phone shows it, s: p50 {percentile(views, 0.5):.2f}, p95 {percentile(views, 0.95):.2f}"
        f" (seen by {len(views)} of {room.joined * args.questions}: a phone that polled only after the host"
        f" moved on never sees it)"
    )
    print(
        f"next question -> phone shows it, s: p50 {percentile(opens, 0.5):.2f}, p95 {percentile(opens, 0.95):.2f}"
        f" (of {len(opens)}); both together p95 {phone_p95:.2f} (target 2 s)"
    )
    print(
        f"server CPU: {cpu:.1f} s over {wall:.0f} s wall ({cpu / wall:.2f} cores);"
        f" this simulator's own CPU: {client_cpu:.1f} s ({client_cpu / wall:.2f} cores, on the same machine)"
    )
    print(
        f"machine load average (2 shared cores): {load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end"
    )
    if room.timed_out:
        print(f"STOPPED at the {DEADLINE} s deadline before the class ended")
    print(
        f"phone requests: {room.polls_unchanged} polls answered 204, {room.polls_changed} cards fetched after a"
        f" change, {room.sent} answers, {room.joined} joins ({cpu * 1000 / max(1, room.polls_unchanged + room.polls_changed + room.sent):.1f} ms of server CPU per phone request on average)"
    )
    print(f"server errors (5xx, retried by the phone): {room.server_errors}; other failures: {room.errors}")
    expected = room.joined * args.questions
    print(
        f"classroom: learners={room.joined} answers_sent={room.sent} recorded={recorded}"
        f" lost={max(0, room.sent - recorded)} doubled={doubled} answer_p95_ms={percentile(lat, 0.95):.0f}"
        f" reveal_s={reveal:.1f} phone_p95_s={phone_p95:.2f}"
    )
    return 0 if recorded == room.sent == expected and doubled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
