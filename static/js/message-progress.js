// The detail page of a message being sent: its progress line follows the sending task (asks
// every 2 s), and the page shows the delivery once the task is done.
(function () {
  "use strict";
  var line = document.getElementById("sending-progress");
  if (!line) return;
  var strong = line.querySelector("strong");
  var label = line.getAttribute("data-label");
  function poll() {
    fetch(line.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.status !== "sending") {
          window.location.reload();
          return;
        }
        strong.textContent = label.replace("{done}", data.progress).replace("{total}", data.total);
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
