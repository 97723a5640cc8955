"""The test settings themselves: what the browser tests rely on."""

from django.templatetags.static import static

from srm_site.wsgi import application  # noqa: F401  (built at collection, as test_pagecache.py does)


def test_pages_name_static_files_the_live_server_serves_even_after_collectstatic():
    """Once `make run` has collected static files, the manifest storage built at import named hashed files
    that the browser tests' live server (finders) does not serve: every page lost its stylesheet."""
    assert static("css/site.css") == "/static/css/site.css"
