/* The public map of groups, fed by the GeoJSON endpoint; a list below works without the map. */
(function () {
  "use strict";
  var el = document.getElementById("groups-map");
  if (!el || typeof L === "undefined") { return; }
  // The zoom buttons' titles come from the page, in its language (Leaflet's are English).
  var map = L.map(el, { zoomControl: false }).setView([46.6, 2.4], 5);
  L.control.zoom({
    zoomInTitle: el.dataset.zoomIn || "Zoom in",
    zoomOutTitle: el.dataset.zoomOut || "Zoom out"
  }).addTo(map);
  L.tileLayer(el.dataset.tiles, { attribution: "© OpenStreetMap", maxZoom: 18 }).addTo(map);
  var list = document.getElementById("groups-list");
  fetch(el.dataset.source, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        onEachFeature: function (feature, lyr) {
          var p = feature.properties;
          var box = document.createElement("div");
          var a = document.createElement("a"); a.href = p.url; a.textContent = p.name;
          var s = document.createElement("div"); s.textContent = p.place + " — " + p.city;
          box.appendChild(a); box.appendChild(s);
          lyr.bindPopup(box);
        }
      }).addTo(map);
      if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 12, padding: [20, 20] }); }
      if (list) {
        list.innerHTML = "";
        data.features.forEach(function (f) {
          var li = document.createElement("li");
          var a = document.createElement("a"); a.href = f.properties.url; a.textContent = f.properties.name;
          li.appendChild(a);
          li.appendChild(document.createTextNode(" — " + f.properties.city));
          list.appendChild(li);
        });
        if (!data.features.length) { list.innerHTML = "<li>" + (el.dataset.empty || "") + "</li>"; }
      }
      el.dataset.loaded = String(data.features.length);
    });
})();
