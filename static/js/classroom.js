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

// A key pressed while the previous action is still on its way (C then R in quick succession) is kept and
// pressed on the updated controls, instead of being dropped by htmx while a request is in flight.
let pendingKey = null;

function press(key) {
  const button = document.querySelector(`.host-controls [data-shortcut="${key}"]`);
  if (!button || button.disabled) return false;
  if (document.querySelector(".host-controls .htmx-request")) {
    pendingKey = key;
    return true;
  }
  button.click();
  return true;
}

document.addEventListener("htmx:afterSettle", () => {
  if (pendingKey && !document.querySelector(".host-controls .htmx-request")) {
    const key = pendingKey;
    pendingKey = null;
    press(key);
  }
});

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
  const tag = event.target.tagName;
  if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
  if (press(event.key.toLowerCase())) event.preventDefault();
});
