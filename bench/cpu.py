"""Where a page's CPU goes: N requests through the app's WSGI callable in this process, under cProfile.

    DATABASE_URL=sqlite:///path/to/loaded.sqlite3 python bench/cpu.py /matrix/ [-n 300] [--cookie ...]
        [--post 'a=1&b=2'] [--header 'HX-Request: true'] [--top 25] [--django]

Without DATABASE_URL it prepares a fresh SQLite database with the content (as `make bench` does).
`--django` skips the page cache's WSGI wrapper (what a visitor with a session gets). Prints the CPU per
request (process time, no profiler) and the profile's top functions by cumulative time.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time

from _server import in_process


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path")
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--cookie", default="")
    parser.add_argument("--post", default=None, help="form body: POST instead of GET")
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--django", action="store_true", help="bypass the page cache's WSGI wrapper")
    args = parser.parse_args()

    in_process("profile")
    from srm_site import wsgi

    app = wsgi.django_application if args.django else wsgi.application
    path, _, query = args.path.partition("?")
    base = {
        "REQUEST_METHOD": "POST" if args.post is not None else "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if args.cookie:
        base["HTTP_COOKIE"] = args.cookie
    for header in args.header:
        name, _, value = header.partition(":")
        base["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip()
    body = (args.post or "").encode()
    if args.post is not None:
        base |= {"CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body))}
    statuses = set()

    def once():
        environ = {**base, "wsgi.input": io.BytesIO(body)}
        chunks = app(environ, lambda status, headers, exc_info=None: statuses.add(status))
        b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()

    for _ in range(20):  # warm caches and imports
        once()
    started = time.process_time()
    for _ in range(args.n):
        once()
    per_request = (time.process_time() - started) / args.n * 1000
    profile = cProfile.Profile(time.process_time)  # CPU, not wall time: the machine may be shared
    profile.runcall(lambda: [once() for _ in range(args.n)])
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(args.top)
    print(out.getvalue())
    print(f"{args.path}: {per_request:.3f} ms CPU per request (statuses {sorted(statuses)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
