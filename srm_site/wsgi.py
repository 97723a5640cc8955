"""WSGI entry point for gunicorn: `gunicorn srm_site.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "srm_site.settings")

django_application = get_wsgi_application()

# Live-class phones poll every second; an unchanged poll is answered before Django's middleware (measured: see
# classroom/polling.py and docs/decisions.md).
from classroom.polling import fast_polls  # noqa: E402 (needs the settings above)

application = fast_polls(django_application)
