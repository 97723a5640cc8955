"""Run axe-core inside the page and fail on any serious or critical violation."""

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"axe-core is not installed at {AXE_JS}: run `make test` (it runs `npm ci`).")
    return AXE_JS.read_text(encoding="utf-8")


def blocking_violations(page) -> str:
    """Every serious or critical violation on the page, one line each ("" when there is none)."""
    # Judged as a reader sees it: once its stylesheets have loaded (unstyled links fail target-size). A test
    # that has just clicked a link must first wait for the new page (its heading), as this only waits for the
    # document the browser is on.
    page.wait_for_load_state("load")
    # Evaluated through the DevTools protocol, so the page's CSP (no inline script) stays strict.
    page.evaluate(_axe_source())
    results = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'],"
        " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in blocking
    )


def assert_accessible(page) -> None:
    report = blocking_violations(page)
    assert not report, f"axe-core found serious or critical violations on {page.url}:\n{report}"
