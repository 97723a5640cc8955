"""Sessions that stay alive while used, and responses that are never cached for someone else."""

import time

from django.utils import timezone
from django.utils.cache import patch_cache_control

from .current import SESSION_KEY
from .models import Learner

# Session key holding when the session's expiry was last pushed forward.
RENEWED_KEY = "renewed_at"
# Renewing costs a write, so it happens at most this often; expiry moves by SESSION_COOKIE_AGE.
RENEW_EVERY = 60 * 60


class LearnerSessionMiddleware:
    """Renew a session in use, and mark per-learner responses `Cache-Control: private`.

    Django's sessions expire SESSION_COOKIE_AGE after they were last *saved*; a learner who only
    reads and answers would otherwise lose their anonymous work that long after the first record.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = request.session
        if not session.accessed:
            return response  # the page is the same for everyone
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True)
        if session.session_key and time.time() - session.get(RENEWED_KEY, 0) > RENEW_EVERY:
            session[RENEWED_KEY] = int(time.time())
            if learner_id := session.get(SESSION_KEY):
                Learner.objects.filter(pk=learner_id, user__isnull=True).update(last_seen_at=timezone.now())
        return response
