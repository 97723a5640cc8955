"""CPU per live-class request, in this process: a class of N seats, each request through the app's WSGI callable.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/classroom_cpu.py [--seats 300]

Without DATABASE_URL it prepares a fresh SQLite database with the content (as `make bench` does). Measures the
thread's CPU time (no server, no network) per request for what phones do around a change: the card fetch
after "next" (a phone's first request in this process reads its seat), the unchanged poll, an answer, a
double answer, and the card fetch after the reveal (the usual case: served by classroom/polling.py).
"""

import argparse
import io
import random
import statistics
import sys
import time

from _server import in_process


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seats", type=int, default=300)
    args = parser.parse_args()
    in_process("classroom-cpu", commands=("migrate", "load_content"))
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from classroom import engine, live, seats
    from classroom.models import ClassSession
    from quizzes.models import Question
    from srm_site import wsgi

    host = get_user_model().objects.create_user(f"cpu-bench-{time.time_ns()}")
    chosen = list(Question.objects.filter(kind__in=engine.CLASSROOM_KINDS, retired=False)[:10])
    session = live.create_session(host, title="CPU bench", topic="", chosen=chosen)
    secret = "a" * 32
    cookies = [
        f"{seats.COOKIE}={seats.cookie_value(session.pk, live.join(session, f'P{n:04d}').pk)}; csrftoken={secret}"
        for n in range(args.seats)
    ]
    play = f"/classroom/{session.pk}/play/"

    def call(method: str, path: str, query: str, cookie: str, body: bytes = b"") -> str:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_HX_REQUEST": "true",
            "HTTP_COOKIE": cookie,
            "HTTP_X_CSRFTOKEN": secret,
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_ACCEPT_ENCODING": "gzip",
        }
        seen = {}
        b"".join(wsgi.application(environ, lambda status, headers, exc=None: seen.update(status=status)))
        return seen["status"][:3]

    def measure(label: str, request) -> None:
        times, statuses = [], {}
        for cookie in cookies:
            began = time.thread_time()
            status = request(cookie)
            times.append(time.thread_time() - began)
            statuses[status] = statuses.get(status, 0) + 1
        print(
            f"{label}: mean {1000 * statistics.mean(times):.2f} ms, median"
            f" {1000 * statistics.median(times):.2f} ms of CPU ({statuses})"
        )

    def act(action: str) -> int:
        current = ClassSession.objects.get(pk=session.pk)
        return live.advance(current, action, version=current.version).version

    version = act("start")
    measure(
        "card fetch after next (first in this process)", lambda c: call("GET", play, f"v={version - 1}", c)
    )
    measure("unchanged poll", lambda c: call("GET", play, f"v={version}", c))
    choices = [value for value, _label in session.items.get(position=1).snapshot["choices"]]
    answer = play + "answer/"
    measure(
        "answer",
        lambda c: call("POST", answer, "", c, f"position=1&choice={random.choice(choices)}".encode()),
    )
    measure(
        "double answer", lambda c: call("POST", answer, "", c, f"position=1&choice={choices[0]}".encode())
    )
    if ClassSession.objects.get(pk=session.pk).phase == "open":
        act("close")
    version = act("reveal")
    measure("card fetch after the reveal", lambda c: call("GET", play, f"v={version - 1}", c))
    return 0


if __name__ == "__main__":
    sys.exit(main())
