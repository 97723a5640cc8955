"""WSGI entry point for gunicorn: `gunicorn srm_site.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "srm_site.settings")

django_application = get_wsgi_application()

# Live-class phones poll every second; an unchanged poll is answered before Django's middleware (measured: see
# classroom/polling.py and docs/decisions.md).
from classroom.polling import fast_polls  # noqa: E402 (needs the settings above)

# A learner's quiz question, answered card and results, when nothing in them is new (quizzes/fast.py).
from quizzes.fast import fast_quiz  # noqa: E402

# Pages every visitor without a session gets alike are answered from the page cache (srm_site/pagecache.py).
from srm_site.pagecache import serve_pages  # noqa: E402

application = fast_polls(fast_quiz(serve_pages(django_application)))
