"""Authored Markdown to safe HTML: rendered, then sanitized with an allow-list (no raw HTML, no scripts)."""

from functools import lru_cache

import markdown as md
import nh3

ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "a", "table",
    "thead", "tbody", "tr", "th", "td", "hr", "br", "abbr", "dl", "dt", "dd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "td": set()}


@lru_cache(maxsize=128)  # lesson bodies are few and change only on load
def render_markdown(text: str) -> str:
    html = md.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
