/* Directory search page enhancements (the page works fully without them):
 * - suggestions for the commune field (fills a <datalist> from /lieux/communes.json);
 * - an optional map of every result of the search (the list pages, the map does not): Leaflet
 *   (vendored) is loaded only when asked, points come from /lieux/carte.json with the same search
 *   parameters — the points themselves, or counts per grid cell (clusters) when there are many. The
 *   list stays the primary content and the map's text alternative. Without MAP_TILE_URL the map shows
 *   markers without tiles;
 * - « Autour de moi »: the browser's position (asked only on click, rounded to ~100 m) fills the hidden
 *   « position » field and submits the search; typing a commune forgets it. Never required.
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

  function pointsUrl() {
    var count = document.querySelector("#resultats .result-count[data-points-url]");
    return count ? count.getAttribute("data-points-url") : null;
  }

  function clusterIcon(L, count) {
    var size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 44 : 52;
    return L.divIcon({
      html: "<span>" + count + "</span>",
      className: "map-cluster",
      iconSize: [size, size]
    });
  }

  var drawn = null;

  function drawMarkers() {
    if (!map) { return; }
    var L = window.L;
    var url = pointsUrl();
    if (!url || url === drawn) { return; }
    drawn = url;
    fetch(url, { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { points: [], clusters: [] }; })
      .then(function (data) {
        layer.clearLayers();
        var bounds = [];
        data.points.forEach(function (point) {
          var marker = L.circleMarker([point[0], point[1]], { radius: 8, color: "#07443e", weight: 2, fillColor: "#0b5e55", fillOpacity: 0.8 });
          var link = document.createElement("a");
          link.href = point[2];
          link.textContent = point[3];
          marker.bindPopup(link);
          marker.bindTooltip(point[3]);
          layer.addLayer(marker);
          bounds.push([point[0], point[1]]);
        });
        data.clusters.forEach(function (cluster) {
          var marker = L.marker([cluster[0], cluster[1]], { icon: clusterIcon(L, cluster[2]), keyboard: true, title: cluster[2] + " " + (document.getElementById("carte-zone").getAttribute("data-cluster-label") || "") });
          marker.on("click", function () { map.setView([cluster[0], cluster[1]], Math.min(map.getZoom() + 2, 14)); });
          layer.addLayer(marker);
          bounds.push([cluster[0], cluster[1]]);
        });
        if (bounds.length === 1) {
          map.setView(bounds[0], 13);
        } else if (bounds.length > 1) {
          map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
        } else {
          map.setView([46.6, 2.4], 5);
        }
      })
      .catch(function () { drawn = null; });
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

  // --- « autour de moi » ----------------------------------------------------------------------------
  function setupAroundMe() {
    var zone = document.getElementById("autour-de-moi");
    var field = document.getElementById("id_position");
    var form = document.getElementById("recherche");
    var commune = document.querySelector("[data-commune-autocomplete]");
    if (!zone || !field || !form || !navigator.geolocation) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary";
    button.textContent = zone.getAttribute("data-label");
    zone.parentNode.insertBefore(button, zone);
    button.addEventListener("click", function () {
      zone.textContent = zone.getAttribute("data-locating");
      navigator.geolocation.getCurrentPosition(function (position) {
        field.value = position.coords.latitude.toFixed(3) + "," + position.coords.longitude.toFixed(3);
        if (commune) { commune.value = ""; }
        zone.textContent = "";
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }, function () {
        zone.textContent = zone.getAttribute("data-denied");
      }, { maximumAge: 600000, timeout: 15000 });
    });
    if (commune) {
      commune.addEventListener("input", function () { field.value = ""; });
    }
  }

  function init() {
    setupAroundMe();
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
