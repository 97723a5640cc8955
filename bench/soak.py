"""`make soak`: rerun the concurrency cases against gunicorn and count what was lost.

Cases (issue 14): 60 learners x 11 lessons (the first 11 of the path); 200 learners x 10 answers; 50 identical answers at once;
logging in while other tabs write; a content reload during live quizzes. Each runs against gunicorn
(-w 2) on SQLite, and on PostgreSQL + Redis when SOAK_POSTGRES_URL is set. What was recorded is read
back through each learner's own data download (/accounts/data.json), as the learner would see it.

`sent` counts the writes of the case (and the log-in posts of "login"); reads that only verify them
count when they fail (errors_5xx). "reload" answers half of each quiz, then the rest spread over the
time a `load_content` takes while it runs, then opens every attempt and every answered question.

Only 127.0.0.1 is contacted; every case sends a fixed number of requests through a bounded pool,
each request has a timeout, and each database's run stops after SOAK_TIME_LIMIT seconds
(SOAK_CASES=lessons,reload runs only those cases). One line per case
and database, for tools to read:

    soak: case=lessons db=sqlite sent=660 recorded=660 lost=0 doubled=0 errors_5xx=0
"""

import http.cookiejar
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from _server import PY, ROOT, free_port, gunicorn, prepare, stop, wait_until_up

WORKERS = os.environ.get("SOAK_WORKERS", "2")
POOL = int(os.environ.get("SOAK_CONCURRENCY", "24"))
TIMEOUT = 30
TIME_LIMIT = int(os.environ.get("SOAK_TIME_LIMIT", "2400"))
LESSONS = 11
LEARNERS_LESSONS = int(os.environ.get("SOAK_LESSON_LEARNERS", "60"))
LEARNERS_ANSWERS = int(os.environ.get("SOAK_ANSWER_LEARNERS", "200"))
ANSWERS_EACH = 10
IDENTICAL = 50
LOGIN_ROUNDS = int(os.environ.get("SOAK_LOGIN_ROUNDS", "8"))
RELOAD_LEARNERS = int(os.environ.get("SOAK_RELOAD_LEARNERS", "20"))
CASES = os.environ.get("SOAK_CASES", "lessons,answers,identical,login,reload").split(",")
deadline = time.monotonic() + TIME_LIMIT  # reset for each database


class OutOfTime(Exception):
    pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One learner's browser: its own cookies; every request bounded by a timeout."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: dict | None = None, *, htmx: bool = False) -> tuple[int, str, str]:
        """Status, body and Location; a transport failure is status 0."""
        if time.monotonic() > deadline:
            raise OutOfTime
        headers = {"HX-Request": "true"} if htmx else {}
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}, doseq=True).encode()
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=TIMEOUT) as response:
                return response.status, response.read().decode(), response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location", "")
        except OSError:
            return 0, "", ""

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def my_data(self) -> dict:
        status, body, _ = self.request("/accounts/data.json")
        return json.loads(body) if status == 200 else {"records": {}}


@dataclass
class Tally:
    """What one case sent, what came back and what the learners' own data shows."""

    sent: int = 0
    recorded: int = 0
    lost: int = 0
    doubled: int = 0
    errors_5xx: int = 0
    other_failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, status: int) -> None:
        """A read that verifies earlier writes: counted only if it fails."""
        with self.lock:
            if status >= 500:
                self.errors_5xx += 1
            elif status != 200:
                self.other_failures += 1

    def response(self, status: int) -> bool:
        with self.lock:
            self.sent += 1
            if status >= 500:
                self.errors_5xx += 1
            elif not 200 <= status < 400:
                self.other_failures += 1
        return 200 <= status < 400

    def line(self, case: str, db: str) -> str:
        return (
            f"soak: case={case} db={db} sent={self.sent} recorded={self.recorded} lost={self.lost} "
            f"doubled={self.doubled} errors_5xx={self.errors_5xx}"
        )


def pool_run(jobs) -> None:
    with ThreadPoolExecutor(max_workers=POOL) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


def lesson_slugs(base: str) -> list[str]:
    _, html, _ = Browser(base).request("/lessons/")
    return list(dict.fromkeys(re.findall(r'href="/lessons/([\w-]+)/"', html)))


def done_lessons(browser: Browser) -> list[int]:
    return [row["lesson"] for row in browser.my_data()["records"].get("lessons.lessonprogress", [])]


def count_lessons(tally: Tally, browser: Browser, succeeded: set[str], sent: list[str], ids: dict) -> None:
    """Recorded: lessons of `sent` in the learner's data; lost: any that succeeded but are missing."""
    recorded = done_lessons(browser)
    distinct = set(recorded)
    tally.recorded += len(distinct & {ids[s] for s in sent})
    tally.doubled += len(recorded) - len(distinct)
    tally.lost += len({ids[s] for s in succeeded} - distinct)


def lesson_ids(base: str, slugs: list[str]) -> dict[str, int]:
    """Lesson ids as the data download names them: mark each lesson done once in a scratch browser."""
    scratch = Browser(base)
    scratch.request(f"/lessons/{slugs[0]}/")  # a page with a form sets the CSRF cookie
    ids = {}
    for slug in slugs:
        before = set(done_lessons(scratch))
        scratch.request(f"/lessons/{slug}/done/", {}, htmx=True)
        (ids[slug],) = set(done_lessons(scratch)) - before
    return ids


def case_lessons(base: str, slugs: list[str], slug_ids: dict[str, int]) -> Tally:
    tally = Tally()
    browsers = [Browser(base) for _ in range(LEARNERS_LESSONS)]
    pool_run([lambda b=b: b.request(f"/lessons/{slugs[0]}/") for b in browsers])
    succeeded: dict[int, set[str]] = {i: set() for i in range(len(browsers))}
    posts = [(i, slug) for i in range(len(browsers)) for slug in slugs]
    random.shuffle(posts)  # a learner's first two writes may well arrive together

    def post(i: int, slug: str) -> None:
        status, _, _ = browsers[i].request(f"/lessons/{slug}/done/", {}, htmx=True)
        if tally.response(status):
            with tally.lock:
                succeeded[i].add(slug)

    pool_run([lambda i=i, s=s: post(i, s) for i, s in posts])
    for i, browser in enumerate(browsers):
        count_lessons(tally, browser, succeeded[i], slugs, slug_ids)
    return tally


def answer_fields(html: str) -> dict:
    """A valid answer to the question on the page: the first option of every field."""
    fields: dict = {}
    for name, value in re.findall(r'<input type="(?:radio|checkbox)" name="([\w-]+)" value="([^"]*)"', html):
        fields.setdefault(name, value)
    for name, options in re.findall(r'<select name="([\w-]+)"[^>]*>(.*?)</select>', html, flags=re.S):
        values = [v for v in re.findall(r'<option value="([^"]*)"', options) if v]
        if values:
            fields[name] = values[0]
    return fields


@dataclass
class Quiz:
    browser: Browser
    path: str = ""
    total: int = 0
    answered: set[int] = field(default_factory=set)


def start_quiz(browser: Browser, tally: Tally | None = None, length: int = ANSWERS_EACH) -> Quiz:
    browser.request("/quizzes/")
    status, _, location = browser.request("/quizzes/start/", {"topic": "everything", "length": length})
    if tally is not None:
        tally.response(status)
    match = re.search(r"(/quizzes/attempts/[0-9a-f-]+/)", location)
    quiz = Quiz(browser, match.group(1) if match else "", length)
    return quiz


def answer(quiz: Quiz, position: int, tally: Tally) -> None:
    if not quiz.path:
        return
    status, html, _ = quiz.browser.request(f"{quiz.path}{position}/")
    if status != 200:
        tally.response(status)
        return
    status, _, _ = quiz.browser.request(f"{quiz.path}{position}/answer/", answer_fields(html), htmx=True)
    if tally.response(status):
        with tally.lock:
            quiz.answered.add(position)


def count_answers(tally: Tally, quizzes: list[Quiz]) -> None:
    """Recorded: responses in the learner's data; lost: answered positions with no response."""
    for quiz in quizzes:
        records = quiz.browser.my_data()["records"]
        attempt = quiz.path.rstrip("/").rsplit("/", 1)[-1]
        slots = {
            r["position"]: r["question"]
            for r in records.get("quizzes.attemptquestion", [])
            if r["attempt"] == attempt
        }
        responses = Counter(
            r["question"] for r in records.get("quizzes.response", []) if r["attempt"] == attempt
        )
        tally.recorded += len(responses)
        tally.doubled += sum(n - 1 for n in responses.values())
        tally.lost += sum(1 for position in quiz.answered if not responses.get(slots.get(position)))


def case_answers(base: str) -> Tally:
    tally = Tally()
    quizzes: list[Quiz] = []
    lock = threading.Lock()

    def start() -> None:
        quiz = start_quiz(Browser(base))
        with lock:
            quizzes.append(quiz)

    pool_run([start] * LEARNERS_ANSWERS)
    jobs = [(q, p) for q in quizzes for p in range(1, ANSWERS_EACH + 1)]
    random.shuffle(jobs)
    pool_run([lambda q=q, p=p: answer(q, p, tally) for q, p in jobs])
    count_answers(tally, quizzes)
    return tally


def case_identical(base: str) -> Tally:
    tally = Tally()
    quiz = start_quiz(Browser(base), length=5)
    _, html, _ = quiz.browser.request(f"{quiz.path}1/")
    fields = answer_fields(html)
    barrier = threading.Barrier(IDENTICAL, timeout=TIMEOUT)

    def post() -> None:
        barrier.wait()
        status, _, _ = quiz.browser.request(f"{quiz.path}1/answer/", fields, htmx=True)
        if tally.response(status):
            quiz.answered.add(1)

    with ThreadPoolExecutor(max_workers=IDENTICAL) as pool:
        for future in [pool.submit(post) for _ in range(IDENTICAL)]:
            future.result()
    count_answers(tally, [quiz])
    return tally


def case_login(base: str, slugs: list[str], slug_ids: dict[str, int]) -> Tally:
    """Each round: an account with progress; then, anonymously, lesson writes and a log-in at once."""
    tally = Tally()
    password = "soak-only-password-7f3a9c2e1d"
    tag = f"{os.getpid()}{int(time.time())}"
    for n in range(LOGIN_ROUNDS):
        username = f"soak{tag}r{n}"
        owner = Browser(base)
        owner.request("/accounts/signup/")
        owner.request(
            "/accounts/signup/", {"username": username, "password1": password, "password2": password}
        )
        owner.request(f"/lessons/{slugs[0]}/done/", {}, htmx=True)

        browser = Browser(base)
        browser.request(f"/lessons/{slugs[1]}/")
        browser.request(f"/lessons/{slugs[1]}/done/", {}, htmx=True)  # anonymous work exists
        succeeded = {slugs[0], slugs[1]}
        writes = slugs[2:]
        barrier = threading.Barrier(len(writes) + 1, timeout=TIMEOUT)

        def write(slug: str, browser=browser, barrier=barrier, succeeded=succeeded) -> None:
            barrier.wait()
            status, _, _ = browser.request(f"/lessons/{slug}/done/", {}, htmx=True)
            if tally.response(status):
                with tally.lock:
                    succeeded.add(slug)

        def log_in(browser=browser, barrier=barrier, username=username) -> None:
            barrier.wait()
            status, _, _ = browser.request("/accounts/login/", {"username": username, "password": password})
            tally.response(status)

        with ThreadPoolExecutor(max_workers=len(writes) + 1) as pool:
            futures = [pool.submit(write, slug) for slug in writes] + [pool.submit(log_in)]
            for future in futures:
                future.result()
        browser.request("/lessons/")  # the next request after logging in
        time.sleep(0.2)
        count_lessons(tally, browser, succeeded, writes, slug_ids)
    return tally


def case_reload(base: str, env: dict, spread: float) -> Tally:
    """Learners answer while the content pack is loaded again; then every attempt must open."""
    tally = Tally()
    quizzes = [start_quiz(Browser(base), length=ANSWERS_EACH) for _ in range(RELOAD_LEARNERS)]
    half = ANSWERS_EACH // 2
    pool_run([lambda q=q, p=p: answer(q, p, tally) for q in quizzes for p in range(1, half + 1)])
    reload = subprocess.Popen(
        [PY, "manage.py", "load_content", "-v", "0"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )

    def answer_later(quiz: Quiz, position: int) -> None:
        time.sleep(random.uniform(0, spread))  # spread over the time a load takes
        answer(quiz, position, tally)

    pool_run(
        [lambda q=q, p=p: answer_later(q, p) for q in quizzes for p in range(half + 1, ANSWERS_EACH + 1)]
    )
    reload.wait(timeout=TIME_LIMIT)
    for quiz in quizzes:  # after the reload every attempt and every answered question still opens
        if quiz.path:
            tally.check(quiz.browser.request(f"{quiz.path}results/")[0])
            for position in sorted(quiz.answered):
                tally.check(quiz.browser.request(f"{quiz.path}{position}/")[0])
    count_answers(tally, quizzes)
    return tally


def serve(db: str, env: dict) -> list[str]:
    global deadline
    deadline = time.monotonic() + TIME_LIMIT
    load_seconds = prepare(env)
    port = free_port()
    server = gunicorn("srm_site.wsgi", port, env, WORKERS, "--timeout", str(TIMEOUT))
    base = f"http://127.0.0.1:{port}"
    lines = []
    try:
        wait_until_up(base + "/")
        slugs = lesson_slugs(base)[:LESSONS]
        slug_ids = lesson_ids(base, slugs)
        cases = [
            ("lessons", lambda: case_lessons(base, slugs, slug_ids)),
            ("answers", lambda: case_answers(base)),
            ("identical", lambda: case_identical(base)),
            ("login", lambda: case_login(base, slugs, slug_ids)),
            ("reload", lambda: case_reload(base, env, load_seconds)),
        ]
        for case, run in [(case, run) for case, run in cases if case in CASES]:
            try:
                tally = run()
            except OutOfTime:
                lines.append(f"soak: case={case} db={db} stopped: SOAK_TIME_LIMIT={TIME_LIMIT} s reached")
                print(lines[-1], flush=True)  # not proven, so the run fails
                break
            line = tally.line(case, db)
            lines.append(line)
            print(line, flush=True)
            if tally.other_failures:
                print(
                    f"  ({tally.other_failures} requests failed without a 5xx: 4xx or no answer)", flush=True
                )
    finally:
        stop(server)
    return lines


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="srm-soak-"))
    base_env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "soak-only-secret-key-0123456789abcdef0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Every soak browser comes from 127.0.0.1: the per-address sign-up limit would stop round 6.
        "DJANGO_SIGNUP_LIMIT": "100000",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL"):
        base_env.pop(name, None)
    targets = [("sqlite", {"DATABASE_URL": f"sqlite:///{workdir / 'soak.sqlite3'}"})]
    if os.environ.get("SOAK_POSTGRES_URL"):
        pg = {"DATABASE_URL": os.environ["SOAK_POSTGRES_URL"]}
        if os.environ.get("SOAK_REDIS_URL"):
            pg["REDIS_URL"] = os.environ["SOAK_REDIS_URL"]
        targets.append(("postgresql", pg))
    else:
        print("PostgreSQL skipped: set SOAK_POSTGRES_URL (and SOAK_REDIS_URL for the cache)", flush=True)
    lines = []
    for db, extra in targets:
        lines += serve(db, {**base_env, **extra})
    failed = [line for line in lines if not re.search(r"lost=0 doubled=0 errors_5xx=0$", line)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
