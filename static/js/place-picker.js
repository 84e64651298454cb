/* Pick a place's latitude/longitude on a Leaflet map: click (or drag the marker) to set it. */
(function () {
  "use strict";
  document.querySelectorAll("[data-place-picker]").forEach(function (el) {
    var lat = document.getElementById(el.dataset.lat);
    var lng = document.getElementById(el.dataset.lng);
    if (!lat || !lng || typeof L === "undefined") { return; }
    // The zoom buttons' titles come from the page, in its language (Leaflet's are English).
    var map = L.map(el, { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({
      zoomInTitle: el.dataset.zoomIn || "Zoom in",
      zoomOutTitle: el.dataset.zoomOut || "Zoom out"
    }).addTo(map);
    L.tileLayer(el.dataset.tiles, { attribution: "© OpenStreetMap", maxZoom: 18 }).addTo(map);
    var marker = null;
    function place(latlng, pan) {
      if (marker) { marker.setLatLng(latlng); } else {
        marker = L.marker(latlng, { draggable: true, keyboard: true, title: el.dataset.markerTitle || "" }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng(), false); });
      }
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
      if (pan) { map.panTo(latlng); }
    }
    if (lat.value && lng.value) {
      var start = L.latLng(parseFloat(lat.value.replace(",", ".")), parseFloat(lng.value.replace(",", ".")));
      map.setView(start, 14);
      place(start, false);
    } else {
      map.setView([46.6, 2.4], 5);
    }
    map.on("click", function (e) { place(e.latlng, true); });
    function fromInputs() {
      var a = parseFloat(lat.value.replace(",", ".")), b = parseFloat(lng.value.replace(",", "."));
      if (!isNaN(a) && !isNaN(b)) { place(L.latLng(a, b), true); }
    }
    lat.addEventListener("change", fromInputs);
    lng.addEventListener("change", fromInputs);
  });
})();
