/* orbitcloud report: draws the plotly figures and the globe viewer from the inlined data.
   No network access: everything this page shows is in the page. Names are shown with
   textContent or canvas fillText, never as HTML. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("oc-data").textContent);
  var state = { ready: false, plots: 0, errors: [], startMs: performance.now(), plotMs: [] };
  window.ocReport = state;
  window.addEventListener("error", function (e) { state.errors.push(String(e.message)); });

  function bytes(b64) {
    var s = atob(b64), n = s.length, u = new Uint8Array(n);
    for (var i = 0; i < n; i++) u[i] = s.charCodeAt(i);
    return u;
  }
  function int16(b64) { var u = bytes(b64); return new Int16Array(u.buffer, 0, u.length >> 1); }
  function int32(b64) { var u = bytes(b64); return new Int32Array(u.buffer, 0, u.length >> 2); }

  /* ---- colour scales ---------------------------------------------------------------------- */
  function hex(c) { return [parseInt(c.substr(1, 2), 16), parseInt(c.substr(3, 2), 16), parseInt(c.substr(5, 2), 16)]; }
  var STOPS = {
    viridis: ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"].map(hex),
    sun: ["#3e4fd0", "#8a6bbf", "#ffc20e"].map(hex),
    flag: ["#2ca02c", "#2ca02c", "#d62728", "#d62728"].map(hex),
    group: null
  };
  var GROUP_COLOURS = ["#7fdbff", "#ffb347", "#9be564", "#ff6f91", "#c39bff", "#ffe066", "#4dd0e1", "#f4a261"];
  function ramp(name, t) {
    var st = STOPS[name] || STOPS.viridis, x = Math.max(0, Math.min(1, t)) * (st.length - 1);
    var i = Math.min(st.length - 2, Math.floor(x)), f = x - i, a = st[i], b = st[i + 1];
    if (name === "flag") { return t >= 0.5 ? "rgb(214,39,40)" : "rgb(44,160,44)"; }
    return "rgb(" + Math.round(a[0] + (b[0] - a[0]) * f) + "," + Math.round(a[1] + (b[1] - a[1]) * f) + "," +
      Math.round(a[2] + (b[2] - a[2]) * f) + ")";
  }
  function lut(name) {
    var out = [];
    for (var q = 0; q < 255; q++) out.push(ramp(name, q / 254));
    out.push("rgb(140,140,140)");
    return out;
  }
  function gradientCss(name) {
    var parts = [];
    for (var i = 0; i <= 10; i++) parts.push(ramp(name, i / 10) + " " + (i * 10) + "%");
    return "linear-gradient(to right, " + parts.join(", ") + ")";
  }

  /* ---- the globe ---------------------------------------------------------------------------- */
  function Globe(root, G) {
    var canvas = root.querySelector(".globe-canvas"), ctx = canvas.getContext("2d");
    var slider = root.querySelector(".globe-slider"), play = root.querySelector(".globe-play");
    var tlabel = root.querySelector(".globe-time"), sel = root.querySelector(".globe-color");
    var linksBox = root.querySelector(".globe-links"), info = root.querySelector(".globe-info");
    var legend = root.querySelector(".globe-legend");
    var S = G.n_sats, F = G.n_frames, pos = int16(G.pos), scale = G.scale_km, R = 6371.0;
    var MISSING = -32768, D = Math.PI / 180;
    var vars = G.vars.map(function (v) { return { v: v, d: bytes(v.data), lut: lut(v.scale) }; });
    var coast = int16(G.coast);
    var ground = G.ground, NG = ground ? ground.names.length : 0;
    var gx = new Float64Array(NG * 3);
    for (var g = 0; g < NG; g++) {
      var la = ground.lat[g] * D, lo = ground.lon[g] * D;
      gx[3 * g] = R * Math.cos(la) * Math.cos(lo); gx[3 * g + 1] = R * Math.cos(la) * Math.sin(lo); gx[3 * g + 2] = R * Math.sin(la);
    }
    var L = G.links ? { off: G.links.offsets, a: int32(G.links.a), b: int32(G.links.b), k: bytes(G.links.kind), kinds: G.links.kinds } : null;
    var groupIndex = {}, groupOf = new Uint8Array(S);
    G.groups.forEach(function (gname, i) {
      if (!(gname in groupIndex)) groupIndex[gname] = Object.keys(groupIndex).length;
      groupOf[i] = groupIndex[gname];
    });
    var rmax = R;
    for (var i = 0; i < S; i++) {
      if (pos[3 * i] === MISSING) continue;
      var r = Math.sqrt(pos[3 * i] * pos[3 * i] + pos[3 * i + 1] * pos[3 * i + 1] + pos[3 * i + 2] * pos[3 * i + 2]) * scale;
      if (r > rmax) rmax = r;
    }
    var view = { lon: 10, lat: 25, zoom: 1 };
    if (NG) {  // face the ground segment
      var sx = 0, sy = 0, sz = 0;
      for (g = 0; g < NG; g++) { sx += gx[3 * g]; sy += gx[3 * g + 1]; sz += gx[3 * g + 2]; }
      if (sx * sx + sy * sy > 1) { view.lon = Math.atan2(sy, sx) / D; view.lat = Math.max(-60, Math.min(60, Math.atan2(sz, Math.sqrt(sx * sx + sy * sy)) / D)); }
    }
    var frame = 0, timer = null, cvar = vars.length ? 0 : -1, W = 0, H = 0, dpr = 1;
    var proj = new Float32Array(S * 2), vis = new Uint8Array(S);

    function resize() {
      dpr = window.devicePixelRatio || 1;
      W = canvas.clientWidth; H = canvas.clientHeight;
      canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
      draw();
    }
    function basis() {
      var l = view.lon * D, p = view.lat * D;
      return { c: [Math.cos(p) * Math.cos(l), Math.cos(p) * Math.sin(l), Math.sin(p)],
               e: [-Math.sin(l), Math.cos(l), 0],
               n: [-Math.sin(p) * Math.cos(l), -Math.sin(p) * Math.sin(l), Math.cos(p)] };
    }
    function legendUpdate() {
      var mn = legend.querySelector(".lg-min"), mx = legend.querySelector(".lg-max");
      var bar = legend.querySelector(".lg-bar"), lab = legend.querySelector(".lg-label");
      if (cvar < 0) {
        bar.style.background = "linear-gradient(to right, " + GROUP_COLOURS.slice(0, Math.max(2, Object.keys(groupIndex).length)).join(", ") + ")";
        mn.textContent = ""; mx.textContent = ""; lab.textContent = "by constellation: " + Object.keys(groupIndex).join(", ");
        return;
      }
      var v = vars[cvar].v;
      bar.style.background = gradientCss(v.scale);
      if (v.scale === "sun") { mn.textContent = "eclipse"; mx.textContent = "sunlit"; }
      else if (v.scale === "flag") { mn.textContent = "no"; mx.textContent = "yes"; }
      else { mn.textContent = fmt(v.min); mx.textContent = fmt(v.max); }
      lab.textContent = v.label + (v.unit ? " [" + v.unit + "]" : "") + "; grey: no data";
    }
    function fmt(x) { return x === null ? "–" : (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-2 && x !== 0) ? x.toExponential(3) : +x.toPrecision(4)).toString(); }
    function value(vi, s) {
      var q = vars[vi].d[frame * S + s], v = vars[vi].v;
      if (q === 255) return null;
      return v.min + (v.max - v.min) * q / 254;
    }
    function draw() {
      if (!W) return;
      var B = basis(), cx = W / 2, cy = H / 2, k = view.zoom * Math.min(W, H) * 0.46 / rmax;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = "#0b1626"; ctx.fillRect(0, 0, W, H);
      var grad = ctx.createRadialGradient(cx - R * k * 0.3, cy - R * k * 0.3, R * k * 0.1, cx, cy, R * k);
      grad.addColorStop(0, "#2b6cb0"); grad.addColorStop(1, "#0f2f57");
      ctx.fillStyle = grad; ctx.beginPath(); ctx.arc(cx, cy, R * k, 0, 2 * Math.PI); ctx.fill();
      function P(x, y, z) {
        return [cx + k * (x * B.e[0] + y * B.e[1] + z * B.e[2]), cy - k * (x * B.n[0] + y * B.n[1] + z * B.n[2]),
                x * B.c[0] + y * B.c[1] + z * B.c[2]];
      }
      function hidden(x, y, z) {  // behind the Earth as seen from the viewer
        var d = x * B.c[0] + y * B.c[1] + z * B.c[2];
        if (d >= 0) return false;
        var r2 = x * x + y * y + z * z;
        return r2 - d * d < R * R;
      }
      // graticule and coastlines: only the near hemisphere
      ctx.lineWidth = 0.6; ctx.strokeStyle = "rgba(255,255,255,0.12)";
      function polyline(pts) {
        ctx.beginPath(); var pen = false;
        for (var j = 0; j < pts.length; j++) {
          var p = pts[j];
          if (p[2] > 0) { if (pen) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]); pen = true; } else pen = false;
        }
        ctx.stroke();
      }
      function ll(lat, lon) { var a = lat * D, b = lon * D; return P(R * Math.cos(a) * Math.cos(b), R * Math.cos(a) * Math.sin(b), R * Math.sin(a)); }
      for (var lat = -60; lat <= 60; lat += 30) { var pts = []; for (var lon = -180; lon <= 180; lon += 5) pts.push(ll(lat, lon)); polyline(pts); }
      for (lon = -180; lon < 180; lon += 30) { pts = []; for (lat = -90; lat <= 90; lat += 5) pts.push(ll(lat, lon)); polyline(pts); }
      ctx.strokeStyle = "rgba(215,232,255,0.75)"; ctx.lineWidth = 0.8;
      pts = [];
      for (var c = 0; c < coast.length; c += 2) {
        if (coast[c] === MISSING) { polyline(pts); pts = []; continue; }
        pts.push(ll(coast[c + 1] / 100, coast[c] / 100));
      }
      // satellites of this frame
      var base = frame * S * 3;
      for (var s = 0; s < S; s++) {
        var o = base + 3 * s;
        if (pos[o] === MISSING) { vis[s] = 0; continue; }
        var x = pos[o] * scale, y = pos[o + 1] * scale, z = pos[o + 2] * scale, p = P(x, y, z);
        proj[2 * s] = p[0]; proj[2 * s + 1] = p[1];
        vis[s] = hidden(x, y, z) ? 0 : 1;
      }
      // links
      if (L && (!linksBox || linksBox.checked)) {
        ctx.lineWidth = 0.8;
        var colours = ["rgba(127,219,255,0.55)", "rgba(255,140,90,0.7)", "rgba(190,160,255,0.6)", "rgba(160,255,160,0.6)"];
        for (var j = L.off[frame]; j < L.off[frame + 1]; j++) {
          var ends = [L.a[j], L.b[j]], xy = [], ok = true, mid = [0, 0, 0];
          for (var e = 0; e < 2; e++) {
            var nd = ends[e], X;
            if (nd < S) {
              var q = base + 3 * nd;
              if (pos[q] === MISSING) { ok = false; break; }
              X = [pos[q] * scale, pos[q + 1] * scale, pos[q + 2] * scale];
            } else { var gi = 3 * (nd - S); X = [gx[gi], gx[gi + 1], gx[gi + 2]]; }
            if (hidden(X[0], X[1], X[2]) || (nd >= S && X[0] * B.c[0] + X[1] * B.c[1] + X[2] * B.c[2] < 0)) { ok = false; break; }
            mid[0] += X[0] / 2; mid[1] += X[1] / 2; mid[2] += X[2] / 2;
            xy.push(P(X[0], X[1], X[2]));
          }
          if (!ok || hidden(mid[0], mid[1], mid[2])) continue;
          ctx.strokeStyle = colours[L.k[j] % colours.length];
          ctx.beginPath(); ctx.moveTo(xy[0][0], xy[0][1]); ctx.lineTo(xy[1][0], xy[1][1]); ctx.stroke();
        }
      }
      // ground endpoints
      if (NG) {
        ctx.font = "11px system-ui, sans-serif"; ctx.textBaseline = "middle";
        for (g = 0; g < NG; g++) {
          var pg = P(gx[3 * g], gx[3 * g + 1], gx[3 * g + 2]);
          if (pg[2] <= 0) continue;
          ctx.fillStyle = "#ff4d4d"; ctx.fillRect(pg[0] - 3, pg[1] - 3, 6, 6);
          if (NG <= 30) { ctx.fillStyle = "rgba(255,255,255,0.9)"; ctx.fillText(ground.names[g], pg[0] + 6, pg[1]); }
        }
      }
      // satellites, coloured by the chosen state
      var rad = S > 2000 ? 1.6 : 2.4, table = cvar >= 0 ? vars[cvar] : null, off = frame * S;
      for (s = 0; s < S; s++) {
        if (!vis[s]) continue;
        ctx.fillStyle = table ? table.lut[table.d[off + s]] : GROUP_COLOURS[groupOf[s] % GROUP_COLOURS.length];
        ctx.beginPath(); ctx.arc(proj[2 * s], proj[2 * s + 1], rad, 0, 2 * Math.PI); ctx.fill();
      }
      tlabel.textContent = G.times[frame].replace("T", " ").replace("Z", " UTC") + "  (step " + (frame + 1) + " of " + F + ")";
    }
    function setFrame(f) { frame = ((f % F) + F) % F; slider.value = String(frame); draw(); }
    slider.addEventListener("input", function () { setFrame(parseInt(slider.value, 10)); });
    play.addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; play.textContent = "\u25B6 play"; }
      else { timer = setInterval(function () { setFrame(frame + 1); }, 110); play.textContent = "\u275A\u275A pause"; }
    });
    sel.addEventListener("change", function () { cvar = parseInt(sel.value, 10); legendUpdate(); draw(); });
    if (linksBox) linksBox.addEventListener("change", draw);
    var drag = null;
    canvas.addEventListener("pointerdown", function (e) { drag = { x: e.clientX, y: e.clientY }; canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener("pointerup", function () { drag = null; });
    canvas.addEventListener("pointermove", function (e) {
      if (drag) {
        view.lon -= (e.clientX - drag.x) * 0.3 / view.zoom;
        view.lat = Math.max(-89, Math.min(89, view.lat + (e.clientY - drag.y) * 0.3 / view.zoom));
        drag = { x: e.clientX, y: e.clientY }; draw(); return;
      }
      var rect = canvas.getBoundingClientRect(), mx = e.clientX - rect.left, my = e.clientY - rect.top, best = -1, bd = 64;
      for (var s = 0; s < S; s++) {
        if (!vis[s]) continue;
        var dx = proj[2 * s] - mx, dy = proj[2 * s + 1] - my, d2 = dx * dx + dy * dy;
        if (d2 < bd) { bd = d2; best = s; }
      }
      if (best < 0) return;
      var parts = [G.names[best] + (G.groups[best] ? " (" + G.groups[best] + ")" : "")];
      for (var vi = 0; vi < vars.length; vi++) {
        var val = value(vi, best), v = vars[vi].v;
        var shown = val === null ? "–" : (v.scale === "flag" ? (val >= 0.5 ? "yes" : "no") : fmt(val) + (v.unit ? " " + v.unit : ""));
        parts.push(v.label + ": " + shown);
      }
      info.textContent = parts.join(" · ");
    });
    canvas.addEventListener("wheel", function (e) {
      e.preventDefault();
      view.zoom = Math.max(0.6, Math.min(12, view.zoom * Math.exp(-e.deltaY * 0.0015)));
      draw();
    }, { passive: false });
    window.addEventListener("resize", resize);
    legendUpdate();
    resize();
  }

  /* ---- the plots ---------------------------------------------------------------------------- */
  function renderPlots(done) {
    var figs = DATA.figures, i = 0;
    var config = { displaylogo: false, responsive: true };
    function next() {
      if (i >= figs.length) { done(); return; }
      var f = figs[i++], el = document.getElementById(f.id), t0 = performance.now();
      var layout = Object.assign({}, f.fig.layout, { template: DATA.template });
      Plotly.newPlot(el, f.fig.data, layout, config).then(
        function () { state.plots += 1; state.plotMs.push(Math.round(performance.now() - t0)); setTimeout(next, 0); },
        function (err) { console.error("plot " + f.id + ": " + err); setTimeout(next, 0); });
    }
    next();
  }

  var root = document.getElementById("globe");
  if (root && DATA.globe) {
    try { new Globe(root, DATA.globe); } catch (err) { console.error("globe: " + err); }
    state.globeMs = Math.round(performance.now() - state.startMs);
  }
  renderPlots(function () { state.readyMs = performance.now(); state.ready = true; document.body.setAttribute("data-ready", "1"); });
})();
