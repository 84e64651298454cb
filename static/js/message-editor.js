// The message editor's buttons: wrap the selection of the textarea in the allowed HTML tags.
(function () {
  "use strict";
  document.querySelectorAll(".editor-tools[data-editor]").forEach(function (tools) {
    var area = document.getElementById(tools.dataset.editor);
    if (!area) return;
    tools.hidden = false;
    function replace(before, after, fallback) {
      var start = area.selectionStart, end = area.selectionEnd;
      var chosen = area.value.slice(start, end) || fallback || "";
      area.setRangeText(before + chosen + after, start, end, "end");
      // The caret (or the selection) stays inside the tags: typing goes in bold, in the link…
      area.setSelectionRange(start + before.length, start + before.length + chosen.length);
      area.focus();
    }
    function escapeAttr(value) {
      return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
    }
    tools.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      if (button.dataset.wrap) {
        replace("<" + button.dataset.wrap + ">", "</" + button.dataset.wrap + ">");
      } else if (button.dataset.list) {
        var lines = (area.value.slice(area.selectionStart, area.selectionEnd) || "").split("\n");
        var items = lines.map(function (l) { return "<li>" + l + "</li>"; }).join("\n");
        area.setRangeText("<ul>\n" + items + "\n</ul>", area.selectionStart, area.selectionEnd, "end");
        area.focus();
      } else if (button.dataset.link) {
        var address = window.prompt(button.dataset.prompt, "https://");
        if (!address) return;
        if (button.dataset.link === "img") {
          replace('<img src="' + escapeAttr(address) + '" alt="', '">');
        } else {
          replace('<a href="' + escapeAttr(address) + '">', "</a>", address);
        }
      }
    });
  });
})();
