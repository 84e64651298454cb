/* The shop's further products, fetched as the member scrolls (progressive enhancement: the
   "More products" link is a plain page of the shop that works without JavaScript). Each chunk
   comes from the same address with ?chunk=1 and is added inside the shop's form, so that its
   "Add" buttons post like the others; a section continuing the previous one is merged into it. */
(function () {
  "use strict";
  // The current category's link, scrolled into view in its row (phones show a few at a time).
  var current = document.querySelector(".shop-cats [aria-current]");
  if (current && current.parentNode.previousElementSibling) {
    var row = current.closest("ul");
    row.scrollLeft = current.offsetLeft - row.offsetLeft - 16;
  }

  var form = document.getElementById("shop-form");
  if (!form || !window.fetch || !window.IntersectionObserver) { return; }
  var loading = false;

  function chunkUrl(href) {
    return href + (href.indexOf("?") < 0 ? "?" : "&") + "chunk=1";
  }

  function merge(chunk) {
    // The chunk's first section may continue the last one shown (same category, same producer).
    var sections = form.querySelectorAll(".shop-section");
    var last = sections[sections.length - 1];
    var first = chunk.querySelector(".shop-section");
    if (!last || !first) { return; }
    var title = function (el, sel) { var h = el.querySelector(sel); return h ? h.textContent : null; };
    if (title(last, "h2") !== title(first, "h2")) { return; }
    var producers = last.querySelectorAll("h3.producer");
    var lastProducer = producers[producers.length - 1];
    var firstProducer = first.querySelector("h3.producer");
    if (lastProducer && firstProducer && lastProducer.textContent === firstProducer.textContent) {
      var target = lastProducer.nextElementSibling;
      var cards = firstProducer.nextElementSibling;
      while (cards && cards.firstChild) { target.appendChild(cards.firstChild); }
      first.removeChild(firstProducer);
      if (cards) { first.removeChild(cards); }
    }
    first.querySelector("h2").remove();
    while (first.firstChild) { last.appendChild(first.firstChild); }
    first.remove();
  }

  function load(link) {
    if (loading) { return; }
    loading = true;
    link.setAttribute("aria-busy", "true");
    fetch(chunkUrl(link.getAttribute("href")), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html;
        var chunk = holder.content.querySelector(".shop-chunk");
        var nav = holder.content.querySelector(".shop-pages");
        var oldNav = link.closest(".shop-pages");
        var url = chunk.getAttribute("data-url");
        chunk.querySelectorAll("article.product").forEach(function (card) {
          card.setAttribute("data-url", url); // its page, even once merged into a section above
        });
        merge(chunk);
        oldNav.parentNode.insertBefore(chunk, oldNav);
        oldNav.remove();
        if (nav) {
          var prev = nav.querySelector("a[rel=prev]");
          if (prev) { prev.remove(); }
          chunk.parentNode.insertBefore(nav, chunk.nextSibling);
          watch();
        }
        loading = false;
      })
      .catch(function () {
        loading = false;
        link.removeAttribute("aria-busy");
        link.removeAttribute("data-chunk"); // a plain link again: the next page of the shop
        observer.disconnect();
      });
  }

  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { load(entry.target); }
    });
  }, { rootMargin: "600px 0px" });

  function watch() {
    observer.disconnect();
    var link = form.querySelector(".shop-pages a[data-chunk]");
    if (link) { observer.observe(link); }
  }

  form.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".shop-pages a[data-chunk]");
    if (link) { event.preventDefault(); load(link); }
  });

  // After "Add", come back to the page of the product pressed, not to the first one.
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    var page = button && button.closest("[data-url]");
    var next = form.querySelector("input[name=next]");
    if (page && next) { next.value = page.getAttribute("data-url"); }
  });

  watch();
})();
