/* The dashboard's charts and live figures (analytics/dashboard). No library: a styled tooltip for
   every chart mark on hover and keyboard focus (the native <title> stays for everything else),
   and the overview's headline figures refreshed from /analytics/live/ without reload. */
(function () {
  "use strict";

  var tip = null;
  function tooltip() {
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "chart-tooltip";
      tip.setAttribute("role", "status");
      tip.hidden = true;
      document.body.appendChild(tip);
    }
    return tip;
  }
  function show(mark) {
    var box = mark.getBoundingClientRect();
    var t = tooltip();
    t.textContent = mark.dataset.label;
    t.hidden = false;
    t.style.left = Math.round(window.scrollX + box.left + box.width / 2) + "px";
    t.style.top = Math.round(window.scrollY + box.top - 8) + "px";
    mark.classList.add("active");
  }
  function hide(mark) {
    if (tip) { tip.hidden = true; }
    mark.classList.remove("active");
  }
  function wire(root) {
    root.querySelectorAll(".chart .mark").forEach(function (mark) {
      // The <title> would show a second, native tooltip over ours; the mark keeps its aria-label.
      var title = mark.querySelector("title");
      if (title) { title.remove(); }
      mark.addEventListener("mouseenter", function () { show(mark); });
      mark.addEventListener("mouseleave", function () { hide(mark); });
      mark.addEventListener("focus", function () { show(mark); });
      mark.addEventListener("blur", function () { hide(mark); });
    });
  }

  function live(headline) {
    var seconds = parseInt(headline.dataset.poll, 10) || 15;
    function poll() {
      var url = headline.dataset.live + "&since=" + encodeURIComponent(headline.dataset.since || "0");
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (!answer) { return; }
          if (answer.since !== null && answer.since !== undefined) { headline.dataset.since = answer.since; }
          if (!answer.figures) { return; }
          Object.keys(answer.figures).forEach(function (key) {
            var box = headline.querySelector('[data-kpi="' + key + '"]');
            if (!box) { return; }
            var figure = answer.figures[key];
            var value = box.querySelector(".kpi-value");
            if (value.textContent !== figure.value) {
              value.textContent = figure.value;
              box.classList.add("updated");
              window.setTimeout(function () { box.classList.remove("updated"); }, 3000);
            }
            if (figure.change) {
              var change = box.querySelector(".kpi-change");
              change.textContent = figure.change;
              change.className = "kpi-change " + figure.direction;
            }
          });
        })
        .catch(function () {});
    }
    window.setInterval(poll, 1000 * seconds);
  }

  document.addEventListener("DOMContentLoaded", function () {
    wire(document);
    var headline = document.getElementById("headline");
    if (headline && headline.dataset.live) { live(headline); }
  });
})();
