"""How long what is recorded is kept: anonymous work while its browser comes back, counters briefly."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .current import merge_into_account
from .models import Counter, Learner

# A merged learner is kept this long for writes that were in flight during the log-in.
MERGED_GRACE = timedelta(hours=1)
# Longer than any rate-limit window (learners/throttle.py).
COUNTER_LIFETIME = timedelta(days=1)


def purge_expired(*, now=None) -> dict[str, int]:
    """Delete anonymous learners idle longer than a session lives, settled merges, and old counters."""
    now = now or timezone.now()
    merged = 0
    for leftover in Learner.objects.filter(merged_into__isnull=False, last_seen_at__lt=now - MERGED_GRACE):
        with transaction.atomic():
            merge_into_account(leftover, user=leftover.merged_into.user)
            leftover.delete()
        merged += 1
    idle = now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    anonymous, _ = Learner.objects.filter(
        user__isnull=True, merged_into__isnull=True, last_seen_at__lt=idle
    ).delete()
    counters, _ = Counter.objects.filter(window_started_at__lt=now - COUNTER_LIFETIME).delete()
    return {"merged learners": merged, "records of idle anonymous learners": anonymous, "counters": counters}
