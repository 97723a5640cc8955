from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from . import documents


def _matrix_etag(request: HttpRequest) -> str:
    return f"matrix-v{documents.content_version()}"


@require_safe
@cache_control(public=True, max_age=300)
@condition(etag_func=_matrix_etag)
def matrix_json(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(documents.matrix_json(), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"  # public, read-only data
    return response
