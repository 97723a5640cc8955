// Progressive enhancement only: every page works without this file.
// Escape dismisses a matrix cell's reason tooltip (WCAG 1.4.13: content on hover or focus is dismissible).
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && document.activeElement?.classList.contains("cell-owner")) {
    document.activeElement.closest(".cell")?.classList.add("tip-dismissed");
  }
});
document.addEventListener("focusin", (event) => {
  event.target.closest?.(".cell")?.classList.remove("tip-dismissed");
});
