// Quiz keyboard shortcuts (progressive enhancement): number keys pick an option; Enter checks (native submit).
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const tag = event.target.tagName;
  if (tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && event.target.type === "text")) return;
  const digit = Number.parseInt(event.key, 10);
  if (!(digit >= 1 && digit <= 9)) return;
  const form = document.querySelector("[data-quiz-form]");
  const input = form?.querySelectorAll("input[type=radio], input[type=checkbox]")[digit - 1];
  if (!input) return;
  event.preventDefault();
  if (input.type === "checkbox") input.checked = !input.checked;
  else input.checked = true;
  input.focus();
});
// After every swap, focus goes where the learner needs it: the element the server marked autofocus
// (the first option of a new question, or "Next question" after feedback). htmx does this too; this
// makes sure of it when the swap ran while focus sat on a control that the request disabled.
document.addEventListener("htmx:afterSettle", (event) => {
  // The live card, by id: event.detail.elt is the link or form that asked, already swapped out.
  const target = document.getElementById("question-card");
  if (!target?.contains(event.target)) return;
  // A question answered with selects (a matrix, a sort) has no autofocus option: its first select takes focus.
  const wanted = target?.querySelector("[autofocus]") || target?.querySelector("[data-quiz-form] select");
  if (wanted && document.activeElement !== wanted) wanted.focus();
});
