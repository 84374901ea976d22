// Quick occupancy buttons: adjust the number, the person then taps Save (works without JS too).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-step]");
  if (!button) return;
  const input = document.getElementById(button.dataset.target);
  if (!input) return;
  event.preventDefault();
  const next = Math.max(0, (parseInt(input.value, 10) || 0) + parseInt(button.dataset.step, 10));
  input.value = String(next);
});
