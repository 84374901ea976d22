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

// Forms that undo work ask first (data-confirm); print buttons print (data-print).
// Capturing at the document runs before htmx's own listener on the form, so a "no" stops both.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
    event.stopPropagation();
  }
}, true);

// The dispatch board: "select all shown" ticks every order's box; a line counts the ticked.
document.addEventListener("change", (event) => {
  const board = event.target.closest("#board");
  if (!board) return;
  const boxes = [...board.querySelectorAll("input[data-pick]")];
  const all = board.querySelector("input[data-select-all]");
  if (event.target.matches("input[data-select-all]")) {
    boxes.forEach((box) => { box.checked = event.target.checked; });
  } else if (event.target.matches("input[data-pick]") && all) {
    all.checked = boxes.every((box) => box.checked);
  }
  const count = board.querySelector("[data-selected-count]");
  if (count) count.textContent = `${boxes.filter((box) => box.checked).length} / ${boxes.length}`;
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// The declare form's area picker: a community ticks all its grids, a ticked grid offers
// people fields, a search box narrows the list and a line counts what is chosen.
// Without JavaScript the server expands ticked communities itself.
document.addEventListener("DOMContentLoaded", () => {
  const picker = document.querySelector("[data-picker]");
  if (!picker) return;
  const find = picker.querySelector("[data-picker-find]");
  const count = picker.querySelector("[data-picker-count]");
  const template = document.getElementById("override-template");
  const gridsOf = (code) => picker.querySelectorAll(`input[name=pick][data-parent="${code}"]`);

  const showOverride = (box) => {
    const row = box.closest(".pick-row");
    let extra = row.querySelector(".override");
    if (box.checked && !extra && template) {
      extra = template.content.firstElementChild.cloneNode(true);
      extra.querySelectorAll("input").forEach((input) => {
        input.name = `${input.dataset.name}-${box.value}`;
      });
      extra.querySelector("[data-name=affected]").placeholder = box.dataset.people;
      row.appendChild(extra);
    }
    if (extra) extra.hidden = !box.checked;
  };

  const syncCommunity = (code) => {
    const community = document.getElementById(`c-${code}`);
    const grids = [...gridsOf(code)];
    if (!community || !grids.length) return;
    const ticked = grids.filter((g) => g.checked).length;
    community.checked = ticked === grids.length;
    community.indeterminate = ticked > 0 && ticked < grids.length;
  };

  const refresh = () => {
    let areas = 0;
    let people = 0;
    picker.querySelectorAll("input[name=pick]:checked, input[data-community][data-grids='0']:checked")
      .forEach((box) => { areas += 1; people += parseInt(box.dataset.people, 10) || 0; });
    count.textContent = areas ? count.dataset.template.replace("{areas}", areas)
      .replace("{people}", people.toLocaleString()) : "";
  };

  picker.addEventListener("change", (event) => {
    const box = event.target;
    if (box.matches("[data-community]")) {
      gridsOf(box.value).forEach((grid) => { grid.checked = box.checked; showOverride(grid); });
    } else if (box.name === "pick") {
      showOverride(box);
      syncCommunity(box.dataset.parent);
    }
    refresh();
  });

  find.hidden = false;
  find.addEventListener("input", () => {
    const query = find.value.trim().toLowerCase();
    picker.querySelectorAll("details.street").forEach((street) => {
      let any = false;
      street.querySelectorAll(".community").forEach((community) => {
        const hit = !query || community.dataset.find.toLowerCase().includes(query);
        community.hidden = !hit;
        any = any || hit;
      });
      street.hidden = !any;
      if (query) street.open = any;
    });
  });

  picker.querySelectorAll("[data-community]:checked").forEach((community) => {
    gridsOf(community.value).forEach((grid) => { grid.checked = true; showOverride(grid); });
  });
  picker.querySelectorAll("[data-community]").forEach((c) => syncCommunity(c.value));
  refresh();
});

// A receipt form asks why only when a count differs from what was sent (data-sent); without
// JavaScript the reason field is always there. Cards swapped in by htmx are synced too.
const syncReceipt = (form) => {
  const reason = form.querySelector("[data-reason]");
  if (!reason) return;
  const differs = [...form.querySelectorAll("input[data-sent]")]
    .some((input) => input.value.trim() !== input.dataset.sent);
  reason.hidden = !differs && !reason.querySelector("textarea").value.trim();
};
document.addEventListener("input", (event) => {
  const form = event.target.closest("[data-receipt]");
  if (form) syncReceipt(form);
});
const syncAllReceipts = () => document.querySelectorAll("[data-receipt]").forEach(syncReceipt);
document.addEventListener("DOMContentLoaded", syncAllReceipts);
document.addEventListener("htmx:afterSettle", syncAllReceipts);
