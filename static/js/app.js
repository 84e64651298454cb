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

  // The tour of a page (<section id="tour" data-tour-key=…>, steps <li data-target=NAME> pointing
  // at elements [data-tour=NAME]): shown once per browser, on the first visit; Escape or "Skip"
  // ends it; [data-tour-start] buttons show it again. Steps whose target is absent are left out.
  var tour = document.getElementById("tour");
  if (tour) {
    var key = tour.getAttribute("data-tour-key");
    var steps = Array.prototype.filter.call(tour.querySelectorAll("li[data-target]"), function (li) {
      return document.querySelector('[data-tour="' + li.getAttribute("data-target") + '"]');
    });
    var next = tour.querySelector("[data-tour-next]");
    var nextLabel = next.textContent;
    var current = 0;
    var lit = null;
    var seen = function () {
      try { return window.localStorage.getItem(key) === "done"; } catch (e) { return true; }
    };
    var remember = function () {
      try { window.localStorage.setItem(key, "done"); } catch (e) { /* private mode */ }
    };
    tour.querySelectorAll("li[data-target]").forEach(function (li) { li.hidden = true; });
    var show = function (index) {
      current = index;
      steps.forEach(function (li, i) { li.hidden = i !== index; });
      if (lit) { lit.classList.remove("tour-target"); }
      lit = document.querySelector('[data-tour="' + steps[index].getAttribute("data-target") + '"]');
      lit.classList.add("tour-target");
      lit.scrollIntoView({block: "start"});
      tour.querySelector(".tour-count").textContent = (index + 1) + " / " + steps.length;
      tour.querySelector("[data-tour-prev]").disabled = index === 0;
      next.textContent = index === steps.length - 1 ? next.getAttribute("data-last-label") : nextLabel;
    };
    var end = function () {
      tour.hidden = true;
      if (lit) { lit.classList.remove("tour-target"); }
      remember();
      var again = document.querySelector("[data-tour-start]");
      if (again) { again.focus(); }
    };
    var start = function () {
      if (!steps.length) { return; }
      tour.hidden = false;
      show(0);
      tour.setAttribute("tabindex", "-1");
      tour.focus();
    };
    next.addEventListener("click", function () {
      if (current < steps.length - 1) { show(current + 1); } else { end(); }
    });
    tour.querySelector("[data-tour-prev]").addEventListener("click", function () {
      if (current > 0) { show(current - 1); }
    });
    tour.querySelector("[data-tour-skip]").addEventListener("click", end);
    tour.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { end(); }
    });
    document.querySelectorAll("[data-tour-start]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", start);
    });
    if (!seen()) { start(); }
  }

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
