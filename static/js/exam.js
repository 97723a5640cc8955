// Exam timer (progressive enhancement): counts down from the server's seconds left, can be hidden, and
// tells screen readers when 10, 5 and 1 minutes are left. At zero it reloads, and the server finishes the exam.
(() => {
  const clock = document.querySelector("[data-exam-clock]");
  if (!clock) return;
  const end = Date.now() + Number(clock.dataset.secondsLeft) * 1000;
  const wrap = clock.querySelector("[data-timer-wrap]");
  const text = clock.querySelector("[data-timer-text]");
  const timer = clock.querySelector("[data-timer]");
  const toggle = clock.querySelector("[data-timer-toggle]");
  const announce = clock.querySelector("[data-timer-announce]");
  const marks = [10, 5, 1];
  const said = new Set(marks.filter((m) => (end - Date.now()) / 60000 <= m));
  let hidden = localStorage.getItem("exam-timer-hidden") === "1";

  const show = () => {
    text.hidden = hidden;
    toggle.textContent = hidden ? "Show timer" : "Hide timer";
  };
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    timer.textContent = `${minutes}:${String(left % 60).padStart(2, "0")}`;
    for (const mark of marks) {
      if (!said.has(mark) && left <= mark * 60) {
        said.add(mark);
        announce.textContent = `${mark} minute${mark === 1 ? "" : "s"} left in the exam.`;
      }
    }
    if (left === 0) {
      announce.textContent = "Time is up. Your exam is being graded.";
      window.location.assign(clock.dataset.expiredUrl);
      return;
    }
    window.setTimeout(tick, 1000 - (Date.now() % 1000));
  };
  toggle.addEventListener("click", () => {
    hidden = !hidden;
    localStorage.setItem("exam-timer-hidden", hidden ? "1" : "0");
    show();
  });
  wrap.hidden = false;
  show();
  tick();
})();

// htmx swaps one question for the next and pushes its URL; the clock above stays and keeps counting.
// Back and forward: this site keeps no history cache, and htmx would put the fetched page's body in place
// without this script, so the timer would stop. Load the page afresh instead.
document.body.addEventListener("htmx:historyCacheMiss", (event) => {
  event.preventDefault();
  window.location.reload();
});
// After a swap, focus goes to the first option of the new question (marked autofocus by the server), also
// when focus sat on a button the request disabled.
document.body.addEventListener("htmx:afterSettle", () => {
  const card = document.getElementById("exam-card");
  const wanted = card?.querySelector("[autofocus]");
  if (wanted && !card.contains(document.activeElement)) wanted.focus();
});
