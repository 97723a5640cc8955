// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

// Escape dismisses a matrix cell's reason tooltip (WCAG 1.4.13: content on hover or focus is dismissible).
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && document.activeElement?.classList.contains("cell-owner")) {
    document.activeElement.closest(".cell")?.classList.add("tip-dismissed");
  }
});
document.addEventListener("focusin", (event) => {
  event.target.closest?.(".cell")?.classList.remove("tip-dismissed");
});

// After htmx swaps in new results, show them: a heading the server marked autofocus (a new page of
// duties) moves to the top of the screen and takes focus; new comparison results below the fold are
// scrolled into view, leaving focus on the checkbox the learner just changed.
document.addEventListener("htmx:afterSettle", (event) => {
  // The event fires on each newly settled element (event.detail.elt is the link or form that asked).
  const results = event.target.closest?.("#duty-results, #compare-results");
  if (!results) return;
  const wanted = results.querySelector("[autofocus]");
  if (wanted) {
    results.scrollIntoView({ block: "start" });
    wanted.focus({ preventScroll: true });
    return;
  }
  const top = results.getBoundingClientRect().top;
  if (results.id === "compare-results" && results.querySelector("table") && top > window.innerHeight * 0.6) {
    results.scrollIntoView({ block: "start", behavior: "smooth" });
  }
});

// Presenter views: arrow keys step through the layers of a stack or the rows of a matrix.
document.addEventListener("keydown", (event) => {
  if (!document.body.classList.contains("present") || event.altKey || event.ctrlKey || event.metaKey) return;
  const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[event.key];
  if (!step) return;
  const items = [...document.querySelectorAll("[data-step]")];
  if (!items.length) return;
  const current = items.indexOf(document.activeElement?.closest("[data-step]"));
  const next = items[Math.min(items.length - 1, Math.max(0, current + step))];
  event.preventDefault();
  next.focus();
});
