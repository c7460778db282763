/* symbols maps: the page script of every map that `symbols map`, `symbols timeline` and
 * `symbols build` write (see docs/maps.md).
 *
 * It never decides a status. A dated map's data block carries each object's status code, which
 * Python computed with symbols.timeline; the timeline page's carries each object's status
 * intervals (History.intervals) as [start day, code, ...], looked up here by bisection. A code
 * is 2 * index in `statuses` + (1 if uncertain); a day counts days since 1970-01-01.
 *
 * Registry text only ever reaches the page through textContent, title properties and checked
 * http(s) hrefs: no string from the data is parsed as HTML.
 *
 * window.symbols (documented in docs/maps.md) exposes the map, the marker cluster group holding
 * the shown objects, every object's marker, and a few functions the browser tests use.
 */
(function () {
  "use strict";

  var DAY_MS = 86400000;
  // Okabe & Ito's palette, told apart by colour-blind readers; the shapes carry the same
  // distinction for greyscale prints.
  var COLOURS = {
    planned: "#F0E442",
    standing: "#0072B2",
    damaged: "#E69F00",
    toppled: "#CC79A7",
    removed: "#D55E00",
    relocated: "#56B4E9",
    renamed: "#009E73"
  };
  var SHAPES = {
    planned: '<path d="M10 1.6 12.3 7.4 18.6 7.8 13.7 11.8 15.3 17.9 10 14.5 4.7 17.9 6.3 11.8 1.4 7.8 7.7 7.4Z"/>',
    standing: '<circle cx="10" cy="10" r="7.2"/>',
    damaged: '<path d="M10 2 18.4 16.8H1.6Z"/>',
    toppled: '<path d="M1.6 3.2H18.4L10 18Z"/>',
    removed: '<path d="M5.1 1.8 10 6.7 14.9 1.8 18.2 5.1 13.3 10 18.2 14.9 14.9 18.2 10 13.3 5.1 18.2 1.8 14.9 6.7 10 1.8 5.1Z"/>',
    relocated: '<path d="M10 1.2 18.8 10 10 18.8 1.2 10Z"/>',
    renamed: '<rect x="3" y="3" width="14" height="14" rx="1.5"/>'
  };
  var MEANING = {
    planned: "proposed, not yet built",
    standing: "in place",
    damaged: "in place, damaged",
    toppled: "pulled down",
    removed: "dismantled or taken away",
    relocated: "moved elsewhere",
    renamed: "name taken away"
  };
  var EVENT_WORDS = {
    proposed: "proposed",
    erected: "erected",
    damaged: "damaged",
    toppled: "toppled",
    removed: "removed",
    relocated: "relocated",
    restored: "restored",
    renamed: "renamed",
    sighting: "seen"
  };
  var RAMP = ["#d9d9d9", "#b3b3b3", "#8c8c8c", "#666666", "#404040"];
  var PRECISE = { exact: true, site: true };
  var CLUSTER_ALL = 10000;
  var STREET_ZOOM = 15;

  function isoOf(day) {
    return new Date(day * DAY_MS).toISOString().slice(0, 10);
  }

  function dayOf(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    if (!m) {
      return null;
    }
    var day = Date.UTC(+m[1], +m[2] - 1, +m[3]) / DAY_MS;
    return isFinite(day) && isoOf(day) === text ? day : null;
  }

  function svg(status, uncertain, size) {
    var shape = SHAPES[status] || SHAPES.standing;
    var colour = COLOURS[status] || "#777777";
    var body = uncertain
      ? '<g fill="#ffffff" stroke="#1a1a1a" stroke-width="3.6">' + shape + "</g>" +
        '<g fill="none" stroke="' + colour + '" stroke-width="2.2" stroke-dasharray="2.6 1.8">' +
        shape + "</g>"
      : '<g fill="' + colour + '" stroke="#1a1a1a" stroke-width="1.3">' + shape + "</g>";
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 20" width="' + size +
      '" height="' + size + '" aria-hidden="true" focusable="false" stroke-linejoin="round">' +
      body + "</svg>";
  }

  function element(tag, className, parent, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    if (parent) {
      parent.appendChild(node);
    }
    return node;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }

  // Only http(s) URLs become links: javascript:, data: and anything unparseable stay text.
  function safeUrl(text) {
    if (typeof text !== "string") {
      return null;
    }
    try {
      var url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  // Links the build passes between its own pages: relative paths, or http(s).
  function safeLink(text) {
    if (typeof text !== "string") {
      return null;
    }
    if (/^[A-Za-z0-9_.\-\/]+(#[A-Za-z0-9=_.\-]*)?$/.test(text) && text.indexOf("//") < 0) {
      return text;
    }
    return safeUrl(text);
  }

  function words(text) {
    return String(text).replace(/-/g, " ");
  }

  function plural(count, one, many) {
    return count.toLocaleString("en") + " " + (count === 1 ? one : many);
  }

  function readData() {
    var node = document.getElementById("symbols-data");
    if (node.getAttribute("data-encoding") === "deflate-base64") {
      var raw = atob(node.textContent.trim());
      var bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) {
        bytes[i] = raw.charCodeAt(i);
      }
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
      return new Response(stream).text().then(JSON.parse);
    }
    return Promise.resolve(JSON.parse(node.textContent));
  }

  // Leaflet's layer control, with a heading above each group of overlays. Made when a page
  // starts, not when the script loads: without Leaflet (the CDN out of reach, which the page
  // says) the script only defines Symbols, and throws nothing.
  function groupedLayers(overlays, options) {
    var GroupedLayers = L.Control.Layers.extend({
      _update: function () {
        this._lastGroup = null;
        return L.Control.Layers.prototype._update.call(this);
      },
      _addItem: function (entry) {
        var group = entry.layer.options && entry.layer.options.symbolsGroup;
        if (group && group !== this._lastGroup) {
          var list = entry.overlay ? this._overlaysList : this._baseLayersList;
          element("div", "sym-layers-heading", list, group);
          this._lastGroup = group;
        }
        return L.Control.Layers.prototype._addItem.call(this, entry);
      }
    });
    return new GroupedLayers(null, overlays, options);
  }

  function Page(map, data, api) {
    this.map = map;
    this.data = data;
    this.api = api;
    this.n = data.n;
    this.timeline = data.mode === "timeline";
    this.statuses = data.statuses;
    this.kinds = data.kinds;
    this.details = data.d;
    this.kindOf = data.k;
    this.links = data.links || [];
    this.code = new Int16Array(this.n).fill(-1);
    this.shown = new Uint8Array(this.n);
    this.statusOn = this.statuses.map(function () { return true; });
    this.kindOn = this.kinds.map(function () { return true; });
    this.day = data.day;
    if (this.timeline) {
      this.range = data.range;
      this.indexIntervals(data.t);
    }
  }

  Page.prototype.indexIntervals = function (steps) {
    var total = 0;
    var i;
    for (i = 0; i < steps.length; i++) {
      total += steps[i].length / 2;
    }
    this.offsets = new Uint32Array(this.n + 1);
    this.stepDay = new Int32Array(total);
    this.stepCode = new Int16Array(total);
    var at = 0;
    for (i = 0; i < steps.length; i++) {
      this.offsets[i] = at;
      var row = steps[i];
      for (var j = 0; j < row.length; j += 2) {
        this.stepDay[at] = row[j];
        this.stepCode[at] = row[j + 1];
        at++;
      }
    }
    this.offsets[this.n] = at;
  };

  // The code of the interval holding `day` (the last one starting on or before it), or -1
  // before the object is first listed.
  Page.prototype.lookup = function (i, day) {
    var lo = this.offsets[i];
    var hi = this.offsets[i + 1] - 1;
    if (hi < lo || this.stepDay[lo] > day) {
      return -1;
    }
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (this.stepDay[mid] <= day) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return this.stepCode[lo];
  };

  Page.prototype.codes = function (day) {
    var i;
    if (!this.timeline) {
      for (i = 0; i < this.n; i++) {
        this.code[i] = this.data.s[i];
      }
      return;
    }
    for (i = 0; i < this.n; i++) {
      this.code[i] = this.lookup(i, day);
    }
  };

  Page.prototype.statusText = function (code) {
    var status = this.statuses[code >> 1];
    return (code & 1) ? status + ", uncertain" : status;
  };

  Page.prototype.markerTitle = function (i) {
    var name = this.details[i][1];
    return this.code[i] < 0 ? name : name + " (" + this.statusText(this.code[i]) + ")";
  };

  Page.prototype.load = function () {
    var self = this;
    var map = this.map;
    this.icons = [];
    for (var c = 0; c < 2 * this.statuses.length; c++) {
      this.icons.push(L.divIcon({
        className: "sym-icon",
        html: svg(this.statuses[c >> 1], c & 1, 20),
        iconSize: [20, 20],
        iconAnchor: [10, 10],
        popupAnchor: [0, -8],
        tooltipAnchor: [10, 0],
        symbolsCode: c
      }));
    }
    if (this.timeline) {
      var hashed = this.hashDay();
      if (hashed !== null) {
        this.day = this.clamp(hashed);
      }
    }
    this.codes(this.day);

    this.markers = new Array(this.n);
    var p = this.data.p;
    for (var i = 0; i < this.n; i++) {
      var code = Math.max(this.code[i], 0);
      this.markers[i] = L.marker([p[2 * i], p[2 * i + 1]], {
        icon: this.icons[code],
        title: this.markerTitle(i),
        keyboard: true,
        objectIndex: i
      });
    }

    this.objects = L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 50,
      spiderfyDistanceMultiplier: 1.4,
      // Clustering costs time per marker and zoom level, most of it at street zooms where few
      // markers meet: past CLUSTER_ALL objects, street zooms show every marker unclustered.
      disableClusteringAtZoom: this.n > CLUSTER_ALL ? STREET_ZOOM : null,
      iconCreateFunction: function (cluster) { return self.clusterIcon(cluster); }
    });
    // Popups are made when first opened, not bound to every marker up front. Once a marker has
    // its popup, Leaflet's own click and Enter handlers open and close it.
    this.objects.on("click keypress", function (e) {
      if (e.layer.getPopup() || (e.type === "keypress" && e.originalEvent.keyCode !== 13)) {
        return;
      }
      self.openPopup(e.layer);
    });
    // the object whose popup opened last: sync keeps that popup open while the object is shown
    this.objects.on("popupopen", function (e) {
      self.popupMarker = e.layer;
    });

    this.addTitle();
    L.control.zoom({ position: "topleft" }).addTo(map);
    this.addRegions();
    this.addLegend();
    if (this.timeline) {
      this.addTimebar();
    }
    this.addLayerControl();
    var bounds = this.data.bounds || (this.regions && this.regions.getBounds());
    if (bounds) {
      map.fitBounds(bounds, this.fitPadding());
    } else {
      map.setView([20, 0], 2, { animate: false }); // nothing to show yet: the world
    }
    this.objects.addTo(map);
    this.sync();
    this.refresh();
    this.expose();
    return this.api;
  };

  // Room for the boxes in the map's corners, so the first view shows every object uncovered:
  // a tall box (title with links, layer control, legend) takes room at its side, a wide one
  // (the time slider) at its edge.
  Page.prototype.fitPadding = function () {
    var size = this.map.getSize();
    var pad = { left: 20, right: 20, top: 20, bottom: 20 };
    var corners = this.map._controlCorners;
    Object.keys(corners).forEach(function (name) {
      var box = corners[name].getBoundingClientRect();
      if (!box.width || !box.height) {
        return;
      }
      var side = name.indexOf("left") >= 0 ? "left" : "right";
      var edge = name.indexOf("top") === 0 ? "top" : "bottom";
      if (box.height > size.y * 0.3) {
        pad[side] = Math.max(pad[side], box.width + 10);
      } else {
        pad[edge] = Math.max(pad[edge], box.height + 10);
      }
    });
    var across = (pad.left + pad.right) / (size.x * 0.7);
    var down = (pad.top + pad.bottom) / (size.y * 0.7);
    if (across > 1) {
      pad.left /= across;
      pad.right /= across;
    }
    if (down > 1) {
      pad.top /= down;
      pad.bottom /= down;
    }
    return {
      paddingTopLeft: [pad.left, pad.top],
      paddingBottomRight: [pad.right, pad.bottom],
      maxZoom: 12,
      animate: false // the page is ready when the view is, with no zoom animation to follow
    };
  };

  Page.prototype.expose = function () {
    var self = this;
    var api = this.api;
    api.mode = this.data.mode;
    api.objects = this.objects;
    api.markers = this.markers;
    api.regions = this.regions || null;
    api.ids = this.details.map(function (record) { return record[0]; });
    api.day = function () { return isoOf(self.day); };
    api.statusOf = function (i) {
      var code = self.code[i];
      return code < 0 ? null : { status: self.statuses[code >> 1], certain: !(code & 1) };
    };
    // the style a marker has now, read back from its icon
    api.styleOf = function (i) {
      var code = self.markers[i].options.icon.options.symbolsCode;
      return { status: self.statuses[code >> 1], uncertain: !!(code & 1) };
    };
    api.shown = function () {
      return self.objects.getLayers().map(function (m) { return api.ids[m.options.objectIndex]; });
    };
    api.regionCount = function (code) { return self.regionCount(code); };
    api.openPopup = function (id) {
      var marker = self.markers[api.ids.indexOf(id)];
      if (!marker || !self.objects.hasLayer(marker)) {
        return Promise.reject(new Error("not on the map on this date: " + id));
      }
      return self.reveal(marker).then(function () {
        self.openPopup(marker);
        return marker.getPopup().getElement();
      });
    };
    if (this.timeline) {
      api.setDate = function (text) {
        var day = dayOf(text);
        if (day === null) {
          throw new Error("not a date: " + text);
        }
        self.setDay(day);
        return isoOf(self.day);
      };
    }
  };

  // Bring a marker into view: zoom until it leaves its cluster, or, when it shares its spot
  // with other objects, spread its cluster out.
  Page.prototype.reveal = function (marker) {
    var map = this.map;
    var objects = this.objects;
    return new Promise(function (resolve) {
      var bottom = marker.__parent;
      // still clustered at the deepest clustering zoom (markercluster's _maxZoom): the marker
      // shares its spot, and zoomToShowLayer would never call back
      if (!bottom || bottom._zoom < objects._maxZoom) {
        objects.zoomToShowLayer(marker, resolve);
        return;
      }
      var shown = objects.getVisibleParent(marker);
      if (!shown) {
        map.panTo(marker.getLatLng(), { animate: false });
        shown = objects.getVisibleParent(marker);
      }
      if (!shown || shown === marker) {
        resolve();
        return;
      }
      objects.once("spiderfied", function () { resolve(); });
      shown.spiderfy();
    });
  };

  Page.prototype.openPopup = function (marker) {
    if (!marker || !marker.options || marker.options.objectIndex === undefined) {
      return;
    }
    var self = this;
    if (!marker.getPopup()) {
      marker.bindPopup(function (layer) { return self.popup(layer.options.objectIndex); }, {
        maxWidth: 340,
        minWidth: 220,
        maxHeight: 380
      });
    }
    marker.getPopup().options.autoPanPaddingTopLeft = this.popupPadding();
    marker.openPopup();
  };

  // Leaflet pans an opening popup into the map less these margins: at the top, clear of the
  // title box (as tall as its links make it, or folded), where the map leaves room for a
  // popup (380 px and its frame) below the box
  Page.prototype.popupPadding = function () {
    var box = this.map.getContainer().querySelector(".sym-title");
    var below = box ? box.offsetTop + box.offsetHeight + 10 : 20;
    return [20, Math.max(20, Math.min(below, this.map.getSize().y - 460))];
  };

  // Which objects the cluster group holds: listed on the date, and not filtered out. An open
  // popup stays with its object while the object is shown, and closes when it is not.
  Page.prototype.sync = function () {
    var add = [];
    var remove = [];
    var keep = [];
    for (var i = 0; i < this.n; i++) {
      var code = this.code[i];
      var wanted = code >= 0 && this.statusOn[code >> 1] && this.kindOn[this.kindOf[i]] ? 1 : 0;
      if (wanted !== this.shown[i]) {
        this.shown[i] = wanted;
        (wanted ? add : remove).push(this.markers[i]);
      } else if (wanted) {
        keep.push(this.markers[i]);
      }
    }
    var held = this.popupMarker && this.popupMarker.isPopupOpen() ? this.popupMarker : null;
    var popup = held && held.getPopup();
    if (held && (add.length || remove.length)) {
      // Changing the group's layers folds a spread-out cluster and takes markers off the map to
      // cluster them again, and Leaflet closes a marker's popup when the marker leaves the map
      // (markercluster closes it when it folds the marker back): the popup is unbound while the
      // layers change. The fold is done at once, as its animation would take the marker off the
      // map 200 ms later, after the popup is bound again.
      held.unbindPopup();
      this.objects._noanimationUnspiderfy();
    }
    if (remove.length > keep.length) {
      // removing most markers one by one costs more than clustering the rest again
      this.objects.clearLayers();
      this.objects.addLayers(keep.concat(add));
    } else {
      if (remove.length) {
        this.objects.removeLayers(remove);
      }
      if (add.length) {
        this.objects.addLayers(add);
      }
    }
    if (held) {
      held.bindPopup(popup);
      if (this.shown[held.options.objectIndex]) {
        if (!popup.getLatLng().equals(held.getLatLng())) {
          popup.setLatLng(held.getLatLng()); // back from a spread-out cluster
        }
        popup.update(); // the status on the date
      } else {
        held.closePopup();
      }
    }
  };

  Page.prototype.clusterIcon = function (cluster) {
    var markers = cluster.getAllChildMarkers();
    var counts = this.statuses.map(function () { return 0; });
    for (var i = 0; i < markers.length; i++) {
      counts[this.code[markers[i].options.objectIndex] >> 1]++;
    }
    var total = markers.length;
    var stops = [];
    var parts = [];
    var done = 0;
    for (var s = 0; s < counts.length; s++) {
      if (!counts[s]) {
        continue;
      }
      var from = (done / total) * 360;
      done += counts[s];
      var to = (done / total) * 360;
      stops.push(COLOURS[this.statuses[s]] + " " + from.toFixed(1) + "deg " + to.toFixed(1) + "deg");
      parts.push(counts[s] + " " + this.statuses[s]);
    }
    var size = total < 10 ? 30 : total < 100 ? 36 : total < 1000 ? 42 : total < 10000 ? 50 : 60;
    var html = '<div class="sym-cluster' + (total >= 1000 ? " sym-cluster-big" : "") + '" style="background:conic-gradient(' + stops.join(",") +
      ')" title="' + escapeHtml(plural(total, "object", "objects") + ": " + parts.join(", ")) +
      '"><span>' + total.toLocaleString("en") + "</span></div>";
    return L.divIcon({ html: html, className: "sym-cluster-icon", iconSize: L.point(size, size) });
  };

  Page.prototype.addTitle = function () {
    var self = this;
    var Title = L.Control.extend({
      onAdd: function () {
        var box = element("div", "sym-box sym-title");
        element("h1", null, box, self.data.title);
        var when = element("p", "sym-when", box);
        when.appendChild(document.createTextNode(self.timeline ? "Time slider · " : "As of "));
        self.titleDate = element("strong", null, when, isoOf(self.day));
        self.titleCount = element("span", null, when);
        if (self.links.length) {
          var nav = element("nav", "sym-nav", box);
          nav.setAttribute("aria-label", "Other maps and reports");
          var fold = element("details", null, nav);
          fold.open = !self.narrow();
          element("summary", null, fold, "Other maps and reports");
          var list = element("ul", null, fold);
          var item = null;
          var group = null;
          self.links.forEach(function (link) {
            var holder;
            if (!link.group || link.group !== group) {
              item = element("li", null, list);
              if (link.group) {
                item.appendChild(document.createTextNode(link.group + ": "));
              }
              holder = item;
            } else {
              // the separator stays on the line of the link it introduces
              item.appendChild(document.createTextNode(" "));
              holder = element("span", "sym-nav-next", item, "· ");
            }
            group = link.group || null;
            var href = safeLink(link.href);
            var target = element(href ? "a" : "span", null, holder, link.text);
            if (href) {
              target.href = href;
            }
          });
        }
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Title({ position: "topleft" }).addTo(this.map);
  };

  Page.prototype.narrow = function () {
    var size = this.map.getSize();
    return size.x < 700 || size.y < 560;
  };

  Page.prototype.addLegend = function () {
    var self = this;
    var Legend = L.Control.extend({
      onAdd: function () {
        var box = element("div", "sym-box sym-legend");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Legend");
        // folded on small screens, where it would cover the map
        var fold = element("details", null, box);
        fold.open = !self.narrow();
        self.legendHeading = element("h2", null, element("summary", null, fold));
        var list = element("ul", null, fold);
        self.legendCounts = self.statuses.map(function (status) {
          var item = element("li", null, list);
          item.title = MEANING[status] || status;
          element("span", "sym-swatch", item).innerHTML = svg(status, false, 18);
          element("span", null, item, status);
          return element("span", "sym-count", item, "0");
        });
        var doubt = element("li", null, list);
        element("span", "sym-swatch", doubt).innerHTML = svg("standing", true, 18);
        element("span", null, doubt, "hollow, dashed: uncertain on this date");
        doubt.title = "a dated change may or may not have happened yet";
        if (self.regionData && self.regionData.breaks.length) {
          element("h3", null, fold, "Regions: removals so far");
          var ramp = element("div", "sym-ramp", fold);
          var labels = self.regionLabels();
          labels.forEach(function (label, k) {
            var step = element("span", null, ramp);
            var swatch = element("i", null, step);
            swatch.style.background = self.regionFill(k - 1) || "#fff";
            element("span", null, step, label);
          });
        }
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Legend({ position: this.narrow() ? "bottomleft" : "bottomright" }).addTo(this.map);
  };

  Page.prototype.addLayerControl = function () {
    var self = this;
    var overlays = {};
    this.filters = [];
    if (this.regions) {
      overlays[escapeHtml("removals so far")] = this.regions;
    }
    this.statuses.forEach(function (status, i) {
      var proxy = L.layerGroup([], { symbolsGroup: "Status", symbolsFilter: ["status", i] });
      overlays['<span class="sym-swatch">' + svg(status, false, 16) + "</span>" + escapeHtml(status)] = proxy;
      self.filters.push(proxy);
    });
    this.kinds.forEach(function (kind, i) {
      var proxy = L.layerGroup([], { symbolsGroup: "Kind", symbolsFilter: ["kind", i] });
      overlays[escapeHtml(words(kind))] = proxy;
      self.filters.push(proxy);
    });
    this.filters.forEach(function (proxy) { proxy.addTo(self.map); });
    this.layerControl = groupedLayers(overlays, { collapsed: this.narrow(), position: "topright" });
    this.layerControl.addTo(this.map);
    this.map.on("overlayadd overlayremove", function (e) {
      var filter = e.layer.options && e.layer.options.symbolsFilter;
      if (!filter) {
        return;
      }
      (filter[0] === "status" ? self.statusOn : self.kindOn)[filter[1]] = e.type === "overlayadd";
      self.sync();
    });
  };

  Page.prototype.addRegions = function () {
    var self = this;
    var regions = this.data.regions;
    this.regionData = regions;
    if (!regions || !regions.features || !regions.features.length) {
      return;
    }
    var pane = this.map.createPane("symbols-regions");
    pane.style.zIndex = 350;
    this.regions = L.geoJSON({ type: "FeatureCollection", features: regions.features }, {
      pane: "symbols-regions",
      symbolsGroup: "Regions",
      style: function (feature) { return self.regionStyle(feature.properties.code); },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(function () { return self.regionTooltip(feature.properties.code); }, {
          sticky: true,
          direction: "top",
          offset: [0, -8]
        });
      }
    });
    this.regions.addTo(this.map);
  };

  Page.prototype.regionCount = function (code) {
    var days = (this.regionData && this.regionData.removals[code]) || [];
    var lo = 0;
    var hi = days.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (days[mid] <= this.day) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  };

  Page.prototype.regionClass = function (count) {
    var breaks = this.regionData.breaks;
    var k = -1;
    while (k + 1 < breaks.length && count >= breaks[k + 1]) {
      k++;
    }
    return k;
  };

  Page.prototype.regionFill = function (k) {
    var classes = this.regionData.breaks.length;
    if (k < 0 || !classes) {
      return null;
    }
    var at = classes === 1 ? 2 : Math.round((k * (RAMP.length - 1)) / (classes - 1));
    return RAMP[at];
  };

  Page.prototype.regionLabels = function () {
    var breaks = this.regionData.breaks;
    var most = this.regionData.max;
    var labels = ["0"];
    breaks.forEach(function (low, k) {
      var high = k + 1 < breaks.length ? breaks[k + 1] - 1 : most;
      labels.push(high === low ? String(low) : low + "–" + high);
    });
    return labels;
  };

  Page.prototype.regionStyle = function (code) {
    var fill = this.regionFill(this.regionClass(this.regionCount(code)));
    return {
      color: "#4d4d4d",
      weight: 1,
      opacity: 0.8,
      fillColor: fill || "#ffffff",
      fillOpacity: fill ? 0.5 : 0
    };
  };

  Page.prototype.regionTooltip = function (code) {
    var box = element("div", "sym-region-tip");
    var names = (this.regionData.names || {})[code];
    var title = element("strong", null, box, names ? names[0] : code);
    if (names) {
      var local = [names[1], names[2]].filter(function (name, k, all) {
        return name && name !== names[0] && all.indexOf(name) === k;
      });
      if (local.length) {
        box.appendChild(document.createTextNode(" (" + local.join(" / ") + ")"));
      }
    }
    title.setAttribute("data-code", code);
    element("br", null, box);
    box.appendChild(document.createTextNode(
      plural(this.regionCount(code), "removal", "removals") + " by " + isoOf(this.day)
    ));
    return box;
  };

  Page.prototype.popup = function (i) {
    var record = this.details[i];
    var box = element("div", "sym-popup");
    element("h2", null, box, record[1]);
    if (record[2] || record[3]) {
      var names = element("p", "sym-names", box);
      [[record[2], "kk"], [record[3], "ru"]].forEach(function (pair) {
        if (!pair[0]) {
          return;
        }
        if (names.childNodes.length) {
          names.appendChild(document.createTextNode(" · "));
        }
        element("span", null, names, pair[0]).lang = pair[1];
      });
    }
    var facts = element("dl", null, box);
    var code = this.code[i];
    var status = element("dd", null, null);
    if (code < 0) {
      status.textContent = "not yet recorded on " + isoOf(this.day);
    } else {
      element("strong", null, status, this.statuses[code >> 1]);
      status.appendChild(document.createTextNode(" on " + isoOf(this.day)));
      if (!this.timeline && this.data.e && this.data.e[i]) {
        status.appendChild(document.createTextNode(" (since " + this.data.e[i] + ")"));
      }
      if (code & 1) {
        element("br", null, status);
        element("span", "sym-uncertain", status,
          "uncertain: a dated change may or may not have happened yet");
      } else {
        status.appendChild(document.createTextNode(", certain"));
      }
    }
    this.fact(facts, "Status", status);
    this.fact(facts, "Kind", words(this.kinds[this.kindOf[i]]));
    this.fact(facts, "Subject", record[4]);
    var place = record[5] || "";
    if (record[7] && !PRECISE[record[7]]) {
      place += " (location approximate: " + record[7] + ")";
    }
    this.fact(facts, "Place", place);
    if (record[6]) {
      this.fact(facts, "Region", record[6]); // labelled in Python: "Jetisu Region (KZ-33)"
    }
    if (record[8]) {
      element("p", "sym-notes", box, record[8]);
    }
    var events = record[9] || [];
    if (events.length) {
      element("h3", null, box, "History");
      var list = element("ol", null, box);
      for (var e = 0; e < events.length; e++) {
        this.event(list, events[e]);
      }
    }
    element("p", "sym-id", box, "id: " + record[0]);
    return box;
  };

  Page.prototype.fact = function (list, term, value) {
    if (value === null || value === undefined || value === "") {
      return;
    }
    element("dt", null, list, term);
    if (typeof value === "string") {
      element("dd", null, list, value);
    } else {
      list.appendChild(value);
    }
  };

  Page.prototype.event = function (list, record) {
    var item = element("li", null, list);
    var when = element("time", null, item, record[0]);
    when.dateTime = record[0];
    var what = EVENT_WORDS[record[1]] || record[1];
    if (record[1] === "sighting" && record[2]) {
      what += " " + record[2];
    }
    item.appendChild(document.createTextNode(" " + what));
    if (record[3]) {
      item.appendChild(document.createTextNode(": " + record[3]));
    }
    if (record[4] > this.day) {
      item.className = "sym-after";
      item.appendChild(document.createTextNode(" (after " + isoOf(this.day) + ")"));
    }
    var sources = record[5] || [];
    if (sources.length) {
      var list2 = element("ul", "sym-sources", item);
      sources.forEach(function (source) {
        var entry = element("li", null, list2);
        var href = safeUrl(source[0]);
        var label = source[1] || source[2] || (href ? new URL(href).hostname : source[0]) || "source";
        var link = element(href ? "a" : "span", null, entry, label);
        if (href) {
          link.href = href;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
        }
        var about = [];
        if (source[1] && source[2]) {
          about.push(source[2]);
        }
        if (source[3]) {
          about.push(source[3]);
        }
        if (about.length) {
          entry.appendChild(document.createTextNode(" (" + about.join(", ") + ")"));
        }
        var archived = safeUrl(source[4]);
        if (archived) {
          entry.appendChild(document.createTextNode(" · "));
          var copy = element("a", null, entry, "archived");
          copy.href = archived;
          copy.target = "_blank";
          copy.rel = "noopener noreferrer";
        }
      });
    }
  };

  // Everything that depends on the date, after the object layer is in sync.
  Page.prototype.refresh = function () {
    var counts = this.statuses.map(function () { return 0; });
    var listed = 0;
    for (var i = 0; i < this.n; i++) {
      if (this.code[i] >= 0) {
        counts[this.code[i] >> 1]++;
        listed++;
      }
    }
    var iso = isoOf(this.day);
    this.titleDate.textContent = iso;
    this.titleCount.textContent = " · " + plural(listed, "object", "objects");
    this.legendHeading.textContent = "Status on " + iso;
    for (var s = 0; s < counts.length; s++) {
      this.legendCounts[s].textContent = counts[s].toLocaleString("en");
      this.legendCounts[s].parentNode.classList.toggle("sym-zero", !counts[s]);
    }
    if (this.regions) {
      var self = this;
      this.regions.eachLayer(function (layer) {
        layer.setStyle(self.regionStyle(layer.feature.properties.code));
      });
    }
    if (this.slider) {
      this.slider.value = String(this.day);
      this.slider.setAttribute("aria-valuetext", iso);
      this.output.textContent = iso;
    }
  };

  // ---- the time slider ------------------------------------------------------------------

  Page.prototype.clamp = function (day) {
    return Math.min(this.range[1], Math.max(this.range[0], day));
  };

  Page.prototype.hashDay = function () {
    var m = /(?:^#|&)date=([0-9-]+)/.exec(window.location.hash);
    return m ? dayOf(m[1]) : null;
  };

  Page.prototype.setDay = function (day) {
    day = this.clamp(day);
    var changed = [];
    for (var i = 0; i < this.n; i++) {
      var code = this.lookup(i, day);
      if (code !== this.code[i]) {
        this.code[i] = code;
        if (code >= 0) {
          var marker = this.markers[i];
          marker.options.title = this.markerTitle(i);
          marker.setIcon(this.icons[code]);
          changed.push(marker);
        }
      }
    }
    this.day = day;
    var before = this.shown.slice();
    this.sync();
    // clusters holding a restyled marker redraw their status ring; new clusters already do
    var kept = [];
    for (var c = 0; c < changed.length; c++) {
      var index = changed[c].options.objectIndex;
      if (this.shown[index] && before[index]) {
        kept.push(changed[c]);
      }
    }
    if (kept.length) {
      this.objects.refreshClusters(kept);
    }
    this.refresh();
    this.rememberDay();
  };

  Page.prototype.rememberDay = function () {
    var self = this;
    clearTimeout(this.hashTimer);
    // replaceState is rate-limited by browsers: write the URL once the slider rests
    this.hashTimer = setTimeout(function () {
      var hash = "#date=" + isoOf(self.day);
      if (window.location.hash !== hash) {
        history.replaceState(null, "", hash);
      }
    }, 250);
  };

  Page.prototype.changeDays = function () {
    if (!this.changes) {
      var days = Array.prototype.slice.call(this.stepDay);
      var removals = (this.regionData && this.regionData.removals) || {};
      Object.keys(removals).forEach(function (code) { days = days.concat(removals[code]); });
      days.sort(function (a, b) { return a - b; });
      this.changes = days.filter(function (day, k) { return k === 0 || day !== days[k - 1]; });
    }
    return this.changes;
  };

  Page.prototype.step = function (direction) {
    var days = this.changeDays();
    var target = null;
    var k;
    if (direction > 0) {
      for (k = 0; k < days.length; k++) {
        if (days[k] > this.day) {
          target = days[k];
          break;
        }
      }
      target = target === null ? this.range[1] : target;
    } else {
      for (k = days.length - 1; k >= 0; k--) {
        if (days[k] < this.day) {
          target = days[k];
          break;
        }
      }
      target = target === null ? this.range[0] : target;
    }
    this.stop();
    this.setDay(target);
  };

  Page.prototype.play = function () {
    var self = this;
    if (this.playing) {
      this.stop();
      return;
    }
    if (this.day >= this.range[1]) {
      this.setDay(this.range[0]);
    }
    this.playing = true;
    this.playButton.textContent = "Pause";
    this.playButton.setAttribute("aria-pressed", "true");
    var stride = Math.max(1, Math.round((this.range[1] - this.range[0]) / 160));
    var tick = function () {
      if (!self.playing) {
        return;
      }
      self.setDay(self.day + stride);
      if (self.day >= self.range[1]) {
        self.stop();
      } else {
        self.playTimer = setTimeout(tick, 120);
      }
    };
    this.playTimer = setTimeout(tick, 120);
  };

  Page.prototype.stop = function () {
    this.playing = false;
    clearTimeout(this.playTimer);
    if (this.playButton) {
      this.playButton.textContent = "Play";
      this.playButton.setAttribute("aria-pressed", "false");
    }
  };

  Page.prototype.addTimebar = function () {
    var self = this;
    var Timebar = L.Control.extend({
      onAdd: function () {
        var box = element("form", "sym-box sym-timebar");
        box.setAttribute("aria-label", "Time slider");
        box.addEventListener("submit", function (e) { e.preventDefault(); });
        var row = element("div", "sym-row", box);
        self.playButton = element("button", null, row, "Play");
        self.playButton.type = "button";
        self.playButton.setAttribute("aria-pressed", "false");
        self.playButton.title = "Play the changes from the first event to today";
        self.playButton.addEventListener("click", function () { self.play(); });
        var back = element("button", null, row, "◀ change");
        back.type = "button";
        back.title = "Go to the previous date on which something changed";
        back.setAttribute("aria-label", "Previous change");
        back.addEventListener("click", function () { self.step(-1); });
        var next = element("button", null, row, "change ▶");
        next.type = "button";
        next.title = "Go to the next date on which something changed";
        next.setAttribute("aria-label", "Next change");
        next.addEventListener("click", function () { self.step(1); });
        var label = element("label", null, row, "Date");
        label.htmlFor = "symbols-date";
        self.output = element("output", null, row, isoOf(self.day));
        self.output.htmlFor = "symbols-date";
        self.output.setAttribute("aria-live", "polite");
        var slider = element("input", null, box);
        slider.type = "range";
        slider.id = "symbols-date";
        slider.min = String(self.range[0]);
        slider.max = String(self.range[1]);
        slider.step = "1";
        slider.value = String(self.day);
        slider.style.width = "100%";
        slider.setAttribute("aria-valuetext", isoOf(self.day));
        self.slider = slider;
        var pending = null;
        slider.addEventListener("input", function () {
          self.stop();
          var wasPending = pending !== null;
          pending = +slider.value;
          self.output.textContent = isoOf(pending);
          if (!wasPending) {
            // one restyle per frame however fast the slider moves
            window.requestAnimationFrame(function () {
              var day = pending;
              pending = null;
              self.setDay(day);
            });
          }
        });
        var ends = element("p", "sym-hint", box,
          isoOf(self.range[0]) + " – " + isoOf(self.range[1]) +
          " · arrow keys: a day; Page Up/Down: larger steps");
        ends.id = "symbols-date-hint";
        slider.setAttribute("aria-describedby", "symbols-date-hint");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Timebar({ position: "bottomleft" }).addTo(this.map);
    window.addEventListener("hashchange", function () {
      var day = self.hashDay();
      if (day !== null && self.clamp(day) !== self.day) {
        self.setDay(day);
      }
    });
  };

  function showError(map, error) {
    var note = element("p", "sym-error", map.getContainer().parentNode,
      "The map could not be drawn: " + (error && error.message ? error.message : String(error)));
    note.setAttribute("role", "alert");
    console.error(error);
  }

  window.Symbols = {
    start: function (map, tiles) {
      var api = { version: 1, map: map, tiles: tiles };
      window.symbols = api;
      api.ready = readData().then(function (data) {
        return new Page(map, data, api).load();
      });
      api.ready.catch(function (error) { showError(map, error); });
      return api;
    }
  };
})();
