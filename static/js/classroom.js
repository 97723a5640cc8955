// Live classroom, progressive enhancement only: every screen works without this file.
// 1. Countdown: an element with data-closes-at (epoch seconds) shows the seconds left.
// 2. Host keys: S start, C close, R reveal, N next, E end click the button marked data-shortcut.
function tick() {
  for (const el of document.querySelectorAll("[data-closes-at]")) {
    const left = Math.max(0, Math.ceil(Number(el.dataset.closesAt) - Date.now() / 1000));
    el.textContent = left > 0 ? `${left} seconds left` : "Time is up";
  }
}
setInterval(tick, 1000);
document.addEventListener("htmx:afterSettle", tick);
document.addEventListener("DOMContentLoaded", tick);

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
  const tag = event.target.tagName;
  if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
  const button = document.querySelector(`.host-controls [data-shortcut="${event.key.toLowerCase()}"]`);
  if (!button || button.disabled) return;
  event.preventDefault();
  button.click();
});
