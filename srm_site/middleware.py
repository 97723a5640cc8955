"""Site-wide request handling that belongs to no app."""

import logging

from django.conf import settings
from django.shortcuts import render

logger = logging.getLogger(__name__)


class RequestSizeLimitMiddleware:
    """Refuse a body larger than the site accepts with a clear 413 page, before anything reads it.

    Django would raise RequestDataTooBig on the first read: a 400 and a traceback in the log for
    every such request. The site takes no file uploads, so the whole body is held to the limit.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            logger.warning(
                "Refused a %d-byte %s to %s (limit %d bytes)", length, request.method, request.path, limit
            )
            return render(request, "413.html", {"limit_kb": limit // 1024}, status=413)
        return self.get_response(request)
