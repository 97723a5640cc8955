"""Authored Markdown to safe HTML: rendered, then sanitized with an allow-list (no raw HTML, no scripts)."""

import html
import re
from functools import lru_cache

import markdown as md
import nh3

ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "a", "table",
    "thead", "tbody", "tr", "th", "td", "hr", "br", "abbr", "dl", "dt", "dd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "td": set()}


TABLE = re.compile(r"<table>.*?</table>", re.S)
HEADER_CELL = re.compile(r"<th[^>]*>(.*?)</th>", re.S)
TAG = re.compile(r"<[^>]+>")


def _scroll_box(match: re.Match) -> str:
    """A table in its own labelled scroll box, so a wide one never widens the page on a phone."""
    table = match.group(0)
    headers = ", ".join(html.unescape(TAG.sub("", h)).strip() for h in HEADER_CELL.findall(table)[:4])
    label = html.escape(f"Table: {headers}" if headers else "Table", quote=True)
    return f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">{table}</div>'


@lru_cache(maxsize=128)  # lesson bodies are few and change only on load
def render_markdown(text: str) -> str:
    rendered = md.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return TABLE.sub(_scroll_box, _clean(rendered))


def _clean(rendered: str) -> str:
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
