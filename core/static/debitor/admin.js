// Behaviour of every admin page, as a file: the Content-Security-Policy allows no inline handlers.
"use strict";
(function () {
  var CONTROLS = "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=image]), select, textarea";

  function named(control) {
    if (control.getAttribute("aria-label") || control.getAttribute("aria-labelledby")) { return true; }
    if (control.labels && control.labels.length) {
      return Array.prototype.some.call(control.labels, function (label) { return label.textContent.trim(); });
    }
    return false;
  }

  // The header of the table column a control stands in (tabular inlines: one row per object).
  function columnHeader(control) {
    var cell = control.closest("td");
    var table = cell && cell.closest("table");
    if (!table) { return ""; }
    var index = Array.prototype.indexOf.call(cell.parentNode.children, cell);
    var header = table.querySelectorAll("thead tr:first-child > th")[index];
    return header ? (header.innerText || header.textContent).replace(/\s+/g, " ").trim() : "";
  }

  // The text just before a control ("Datum:" of a split date/time field).
  function leadingText(control) {
    var node = control.previousSibling;
    while (node && node.nodeType === Node.TEXT_NODE && !node.textContent.trim()) { node = node.previousSibling; }
    return node && node.nodeType === Node.TEXT_NODE ? node.textContent.replace(/[:\s]+$/, "").trim() : "";
  }

  // Form fields Django renders without a label of their own (inline rows, split date and time,
  // title-only fields) get an accessible name from what a sighted reader sees next to them.
  function labelControls(root) {
    root.querySelectorAll(CONTROLS).forEach(function (control) {
      if (named(control)) { return; }
      var name = columnHeader(control) || leadingText(control) || control.getAttribute("title") || "";
      if (control.type === "checkbox" && /-DELETE$/.test(control.name)) {
        name = name || (typeof gettext === "function" ? gettext("Delete") : "Delete");
      }
      var row = control.closest("tr[id]");
      var rowNumber = row && /-(\d+)$/.exec(row.id);
      if (name && rowNumber) { name += " (" + (parseInt(rowNumber[1], 10) + 1) + ")"; }
      if (name) { control.setAttribute("aria-label", name); }
    });
    // Select2 (autocomplete fields): the combobox and its text are named by the label of the
    // select they replace (select2 names its text "select2-<select id>-container").
    root.querySelectorAll(".select2-selection__rendered[id^='select2-']").forEach(function (text) {
      var selectId = text.id.replace(/^select2-/, "").replace(/-container$/, "");
      var label = document.querySelector("label[for='" + selectId + "']");
      var name = label ? label.textContent.replace(/[:\s]+$/, "").trim() : "";
      var box = text.closest(".select2-selection");
      [text, box].forEach(function (node) {
        if (name && node && !node.getAttribute("aria-label")) { node.setAttribute("aria-label", name); }
      });
    });
    // Django's filter boxes put aria-label on a plain span, which ARIA does not allow without a role.
    root.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (icon) { icon.setAttribute("role", "img"); });
  }

  // The change list's filter column can be hidden, so the columns that matter fit a small
  // screen: hidden by default below WIDE pixels, and the reader's choice is remembered in this
  // browser either way.
  var FILTERS_HIDDEN = "debitor-filters-hidden";
  var WIDE = 1600;

  function remember(hidden) {
    try { localStorage.setItem(FILTERS_HIDDEN, hidden ? "hidden" : "shown"); } catch (e) { /* storage off */ }
  }

  function remembered() {
    var choice = null;
    try { choice = localStorage.getItem(FILTERS_HIDDEN); } catch (e) { /* storage off: the default */ }
    if (choice === "hidden" || choice === "shown") { return choice === "hidden"; }
    return window.innerWidth < WIDE;
  }

  function filterToggle() {
    var toggle = document.querySelector(".debitor-filter-toggle");
    if (!toggle || !document.getElementById("changelist-filter")) { return; }
    function show(hidden) {
      document.body.classList.toggle(FILTERS_HIDDEN, hidden);
      toggle.setAttribute("aria-expanded", String(!hidden));
    }
    show(remembered());
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      var hidden = !document.body.classList.contains(FILTERS_HIDDEN);
      show(hidden);
      remember(hidden);
    });
  }

  // A filter that applies as soon as something is chosen (the customer autocomplete). Select2
  // announces a choice through jQuery, which native listeners do not hear.
  function submitOnChange() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-submit-on-change]"), function (control) {
      var submit = function () { control.form.submit(); };
      if (window.django && window.django.jQuery) {
        window.django.jQuery(control).on("change", submit);
      } else {
        control.addEventListener("change", submit);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // The language switch in the header submits as soon as a language is chosen.
    var language = document.getElementById("debitor-language");
    if (language) {
      language.addEventListener("change", function () { language.form.submit(); });
    }
    filterToggle();
    submitOnChange();
    labelControls(document);
    // Widgets built later (autocomplete, filter boxes, rows added with "Add another") are
    // labelled as soon as they appear.
    var pending = false;
    new MutationObserver(function () {
      if (pending) { return; }
      pending = true;
      setTimeout(function () { pending = false; labelControls(document); }, 0);
    }).observe(document.body, {childList: true, subtree: true});
  });
})();
