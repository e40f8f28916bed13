/* Directory search page enhancements (the page works fully without them):
 * - suggestions for the commune field (fills a <datalist> from /lieux/communes.json);
 * - an optional map of the current page of results: Leaflet (vendored) is loaded only when asked,
 *   markers come from the data-lat/data-lon attributes of the result list, which stays the primary
 *   content and the map's text alternative. Without MAP_TILE_URL the map shows markers without tiles.
 */
(function () {
  "use strict";

  function debounce(fn, delay) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, delay);
    };
  }

  // --- commune suggestions -------------------------------------------------------------------------
  function setupCommuneSuggestions() {
    var input = document.querySelector("[data-commune-autocomplete]");
    if (!input || !window.fetch) { return; }
    var list = document.getElementById(input.getAttribute("list"));
    var endpoint = input.getAttribute("data-commune-autocomplete");
    var last = "";
    input.addEventListener("input", debounce(function () {
      var text = input.value.trim();
      if (text.length < 2 || text === last || /\(\d[0-9AB]\d{3}\)$/.test(text)) { return; }
      last = text;
      fetch(endpoint + "?q=" + encodeURIComponent(text), { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          while (list.firstChild) { list.removeChild(list.firstChild); }
          data.results.forEach(function (commune) {
            var option = document.createElement("option");
            option.value = commune.label;
            if (commune.postcodes && commune.postcodes.length) { option.label = commune.label + " – " + commune.postcodes.join(", "); }
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    }, 200));
  }

  // --- map -----------------------------------------------------------------------------------------
  var map = null;
  var layer = null;
  var loading = null;

  function loadLeaflet(zone) {
    if (window.L) { return Promise.resolve(window.L); }
    if (loading) { return loading; }
    loading = new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = zone.getAttribute("data-leaflet-css");
      document.head.appendChild(css);
      var script = document.createElement("script");
      script.src = zone.getAttribute("data-leaflet-js");
      script.onload = function () { resolve(window.L); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
    return loading;
  }

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll("#resultats .place-card[data-lat]"));
  }

  function drawMarkers() {
    if (!map) { return; }
    var L = window.L;
    layer.clearLayers();
    var points = [];
    cards().forEach(function (card, index) {
      var lat = parseFloat(card.getAttribute("data-lat"));
      var lon = parseFloat(card.getAttribute("data-lon"));
      if (isNaN(lat) || isNaN(lon)) { return; }
      points.push([lat, lon]);
      var marker = L.circleMarker([lat, lon], { radius: 8, color: "#07443e", weight: 2, fillColor: "#0b5e55", fillOpacity: 0.8 });
      var link = document.createElement("a");
      link.href = card.getAttribute("data-url");
      link.textContent = card.getAttribute("data-name");
      marker.bindPopup(link);
      marker.bindTooltip(String(index + 1) + ". " + card.getAttribute("data-name"));
      layer.addLayer(marker);
    });
    if (points.length === 1) {
      map.setView(points[0], 13);
    } else if (points.length > 1) {
      map.fitBounds(points, { padding: [24, 24], maxZoom: 14 });
    } else {
      map.setView([46.6, 2.4], 5);
    }
  }

  function showMap(zone, container) {
    return loadLeaflet(zone).then(function (L) {
      container.hidden = false;
      if (!map) {
        map = L.map(container, { scrollWheelZoom: false, keyboard: true });
        var tiles = zone.getAttribute("data-tiles");
        if (tiles) {
          L.tileLayer(tiles, { maxZoom: 18, attribution: zone.getAttribute("data-attribution") || "" }).addTo(map);
        }
        layer = L.layerGroup().addTo(map);
      }
      map.invalidateSize();
      drawMarkers();
    });
  }

  function setupMap() {
    var zone = document.getElementById("carte-zone");
    var container = document.getElementById("carte");
    if (!zone || !container) { return; }
    zone.hidden = false;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary map-toggle";
    button.setAttribute("aria-controls", "carte");
    button.setAttribute("aria-expanded", "false");
    button.textContent = zone.getAttribute("data-show-label");
    zone.insertBefore(button, container);
    button.addEventListener("click", function () {
      var opening = container.hidden;
      if (opening) {
        showMap(zone, container).then(function () {
          button.setAttribute("aria-expanded", "true");
          button.textContent = zone.getAttribute("data-hide-label");
        });
      } else {
        container.hidden = true;
        button.setAttribute("aria-expanded", "false");
        button.textContent = zone.getAttribute("data-show-label");
      }
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.target && event.target.id === "resultats" && map && !container.hidden) { drawMarkers(); }
    });
  }

  // Announce the new count after an htmx update (a live region that stays in the page).
  function setupAnnouncements() {
    var live = document.getElementById("resultats-annonce");
    if (!live) { return; }
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (!event.target || event.target.id !== "resultats") { return; }
      var count = event.target.querySelector(".result-count");
      live.textContent = count ? count.textContent.replace(/\s+/g, " ").trim() : "";
    });
  }

  function init() {
    setupCommuneSuggestions();
    setupMap();
    setupAnnouncements();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
