/* Small behaviours of every page, without inline scripts (the Content-Security-Policy allows
   scripts from this site only). Each is opt-in through a data attribute. */
(function () {
  "use strict";

  // <form data-confirm="Question?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    // <button data-print>: print the page.
    if (target.closest && target.closest("[data-print]")) { window.print(); }
    // <input data-select-on-click>: select the whole value (a link to copy).
    if (target.hasAttribute && target.hasAttribute("data-select-on-click")) { target.select(); }
  });

  // <details open data-fold-below="720">: folded on screens narrower than that (the management
  // menu on phones); open without JavaScript.
  document.querySelectorAll("details[data-fold-below]").forEach(function (details) {
    if (window.innerWidth < parseInt(details.getAttribute("data-fold-below"), 10)) {
      details.open = false;
    }
  });

  // A table box that scrolls sideways can be scrolled with the keyboard too (WCAG 2.1.1).
  document.querySelectorAll(".table-wrap").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
    }
  });

  // <div id="job" data-status-url=… data-status=…>: follow a background job until it ends.
  var box = document.getElementById("job");
  if (box && box.dataset.statusUrl) {
    var FINAL = ["done", "failed", "reversed"];
    var show = function (state) {
      document.getElementById("job-status").textContent = state.status_display;
      document.getElementById("job-bar").value = state.progress;
      var err = document.getElementById("job-error");
      err.hidden = !state.error; err.textContent = state.error || "";
      if (state.url) {
        document.getElementById("job-download").href = state.url;
        document.getElementById("job-link").hidden = false;
      }
      if (state.status === "done" && !state.url && box.dataset.doneUrl) {
        document.getElementById("job-done").hidden = false;
      }
      return FINAL.indexOf(state.status) >= 0;
    };
    var poll = function () {
      fetch(box.dataset.statusUrl, {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (state) { if (!show(state)) { setTimeout(poll, 1000); } })
        .catch(function () { setTimeout(poll, 3000); });
    };
    if (FINAL.indexOf(box.dataset.status) < 0) { setTimeout(poll, 500); }
  }
})();
