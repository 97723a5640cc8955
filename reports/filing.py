"""Filing a problem report: one function, with a rate limit counted in the database (so every process agrees)."""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .items import Item
from .models import Report

PER_CLIENT_PER_HOUR = 5
PER_HOUR = 200  # across all clients: a flood from many addresses cannot bury the review queue


class TooManyReports(Exception):
    """The reporter (or everyone together) sent the most reports allowed in an hour."""


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client address: enough to count, not enough to recover the address."""
    address = request.META.get("REMOTE_ADDR", "")
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def file_report(*, item: Item, message: str, aws_link: str, client: str) -> Report:
    """Store a report about item; raise TooManyReports past the hourly limits."""
    hour_ago = timezone.now() - timedelta(hours=1)
    recent = Report.objects.since(hour_ago)
    if recent.from_client(client).count() >= PER_CLIENT_PER_HOUR or recent.count() >= PER_HOUR:
        raise TooManyReports
    return Report.objects.create(
        about=item.about, about_text=item.text, message=message, aws_link=aws_link, client=client
    )
