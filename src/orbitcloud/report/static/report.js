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

  function uint16(b64) { var u = bytes(b64); return new Uint16Array(u.buffer, 0, u.length >> 1); }

  /* ---- numbers and colour scales ------------------------------------------------------------ */
  var SUP = { "-": "\u207B", "0": "\u2070", "1": "\u00B9", "2": "\u00B2", "3": "\u00B3", "4": "\u2074",
              "5": "\u2075", "6": "\u2076", "7": "\u2077", "8": "\u2078", "9": "\u2079" };
  /* A number for a legend or a hover text: scientific notation (1.5×10⁻¹³) outside 0.01..10⁴,
     never an SI prefix (plotly's "100f kg/m³" reads as a unit). */
  function fmt(x) {
    if (x === null || x === undefined || !isFinite(x)) return "\u2013";
    if (x === 0) return "0";
    var ax = Math.abs(x);
    if (ax >= 1e4 || ax < 1e-2) {
      var e = Math.floor(Math.log10(ax)), m = x / Math.pow(10, e);
      if (Math.abs(m) < 1) { m *= 10; e -= 1; }  // log10 rounding
      if (Math.abs(m) >= 9.995) { m /= 10; e += 1; }  // 9.996 shows as 1.00, one power up
      var ms = m.toFixed(2).replace(/\.?0+$/, "");
      return ms + "\u00D710" + String(e).split("").map(function (c) { return SUP[c]; }).join("");
    }
    return String(+x.toPrecision(4));
  }
  state.fmt = fmt;
  function hex(c) { return [parseInt(c.substr(1, 2), 16), parseInt(c.substr(3, 2), 16), parseInt(c.substr(5, 2), 16)]; }
  function makeRamp(PAL) {
    var stops = {};
    Object.keys(PAL.scales).forEach(function (k) { stops[k] = PAL.scales[k].map(hex); });
    return function (name, t) {
      var st = stops[name] || stops.viridis;
      if (name === "flag") { var c = t >= 0.5 ? st[st.length - 1] : st[0]; return "rgb(" + c.join(",") + ")"; }
      var x = Math.max(0, Math.min(1, t)) * (st.length - 1);
      var i = Math.min(st.length - 2, Math.floor(x)), f = x - i, a = st[i], b = st[i + 1];
      return "rgb(" + Math.round(a[0] + (b[0] - a[0]) * f) + "," + Math.round(a[1] + (b[1] - a[1]) * f) + "," +
        Math.round(a[2] + (b[2] - a[2]) * f) + ")";
    };
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /* ---- the globe ---------------------------------------------------------------------------- */
  function Globe(root, G) {
    var canvas = root.querySelector(".globe-canvas"), ctx = canvas.getContext("2d");
    var slider = root.querySelector(".globe-slider"), play = root.querySelector(".globe-play");
    var tlabel = root.querySelector(".globe-time"), sel = root.querySelector(".globe-color");
    var linksBox = root.querySelector(".globe-links"), info = root.querySelector(".globe-info");
    var legend = root.querySelector(".globe-legend"), controls = root.querySelector(".globe-controls");
    var PAL = G.palette, ramp = makeRamp(PAL), GROUP_COLOURS = PAL.groups;
    var S = G.n_sats, F = G.n_frames, pos = int16(G.pos), R = 6371.0, NGR = G.group_names.length;
    var MISSING = -32768, D = Math.PI / 180;
    function lut(name) {
      var out = [];
      for (var q = 0; q < 255; q++) out.push(ramp(name, q / 254));
      out.push(PAL.missing);
      return out;
    }
    function gradientCss(name) {
      var parts = [];
      for (var i = 0; i <= 10; i++) parts.push(ramp(name, i / 10) + " " + (i * 10) + "%");
      return "linear-gradient(to right, " + parts.join(", ") + ")";
    }
    var vars = G.vars.map(function (v) { return { v: v, d: bytes(v.data), lut: lut(v.scale) }; });
    var coast = int16(G.coast);
    var ground = G.ground, NG = ground ? ground.names.length : 0;
    var gx = new Float64Array(NG * 3);
    for (var g = 0; g < NG; g++) {
      var la = ground.lat[g] * D, lo = ground.lon[g] * D;
      gx[3 * g] = R * Math.cos(la) * Math.cos(lo); gx[3 * g + 1] = R * Math.cos(la) * Math.sin(lo); gx[3 * g + 2] = R * Math.sin(la);
    }
    var L = null;
    if (G.links) {
      L = { off: G.links.offsets, a: G.links.wide ? int32(G.links.a) : uint16(G.links.a),
            b: G.links.wide ? int32(G.links.b) : uint16(G.links.b), k: bytes(G.links.kind), colours: G.links.colours };
    }
    var RT = G.routes ? { pts: int16(G.routes.pts), off: G.routes.offsets, K: G.routes.pairs.length } : null;
    var groupOf = G.group_of;
    // positions of a frame [km, Earth-fixed]: centroid of the constellation + int16 offset x its step
    var xyz = new Float64Array(S * 3), xyzFrame = -1;
    function framePos(f) {
      if (xyzFrame === f) return xyz;
      var base = f * S * 3, ob = f * NGR * 3;
      for (var s = 0; s < S; s++) {
        var o = base + 3 * s, gi = groupOf[s], sc = G.scale[gi], og = ob + 3 * gi;
        if (pos[o] === MISSING) { xyz[3 * s] = NaN; continue; }
        xyz[3 * s] = G.origin[og] + pos[o] * sc; xyz[3 * s + 1] = G.origin[og + 1] + pos[o + 1] * sc;
        xyz[3 * s + 2] = G.origin[og + 2] + pos[o + 2] * sc;
      }
      xyzFrame = f;
      return xyz;
    }
    var rmax = Math.max(R, G.r_max_km || R);
    var view = { lon: 10, lat: 25, zoom: 1, pan: [0, 0, 0], track: -2, dlon: 0, dlat: 0 };
    if (NG) {  // face the ground segment
      var sx = 0, sy = 0, sz = 0;
      for (g = 0; g < NG; g++) { sx += gx[3 * g]; sy += gx[3 * g + 1]; sz += gx[3 * g + 2]; }
      if (sx * sx + sy * sy > 1) { view.lon = Math.atan2(sy, sx) / D; view.lat = Math.max(-60, Math.min(60, Math.atan2(sz, Math.sqrt(sx * sx + sy * sy)) / D)); }
    }
    var frame = 0, timer = null, cvar = vars.length ? 0 : -1, W = 0, H = 0, dpr = 1;
    var proj = new Float32Array(S * 2), vis = new Uint8Array(S);
    var shade = document.createElement("canvas"), sctx = shade.getContext("2d");
    var night = hex(PAL.night), day = hex(PAL.day);

    /* the view control: Earth, or follow a compact constellation (or all satellites) */
    var viewSel = null, fitOptions = [];
    G.group_names.forEach(function (name, gi) {
      if (G.extent_km[gi] <= G.cluster_km) fitOptions.push({ v: gi, t: (name || "satellites") + " (" + G.group_counts[gi] + ")" });
    });
    if (G.extent_all_km <= G.cluster_km && NGR > 1) fitOptions.unshift({ v: -1, t: "all satellites" });
    if (fitOptions.length) {
      var lab = el("label", null, "view ");
      viewSel = el("select", "globe-view");
      viewSel.setAttribute("aria-label", "view");
      viewSel.appendChild(el("option", null, "Earth")).value = "-2";
      fitOptions.forEach(function (o) { viewSel.appendChild(el("option", null, "zoom to " + o.t)).value = String(o.v); });
      lab.appendChild(viewSel); controls.appendChild(lab);
    }
    var routesBox = null, routeLegend = null;
    if (RT) {
      var rl = el("label");
      routesBox = el("input", "globe-routes"); routesBox.type = "checkbox"; routesBox.checked = true;
      rl.appendChild(routesBox); rl.appendChild(document.createTextNode(" routes")); controls.appendChild(rl);
      routeLegend = el("div", "globe-route-legend");
      routeLegend.style.cssText = "display:flex;flex-wrap:wrap;gap:4px 16px;margin-top:4px;font-size:12.5px;color:#5b6675";
      root.appendChild(routeLegend);
    }

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
    function centroid(gi) {  // of the tracked satellites at this frame: [x, y, z, max distance]
      var X = framePos(frame), c = [0, 0, 0], n = 0, s, dm = 0;
      for (s = 0; s < S; s++) {
        if ((gi >= 0 && groupOf[s] !== gi) || isNaN(X[3 * s])) continue;
        c[0] += X[3 * s]; c[1] += X[3 * s + 1]; c[2] += X[3 * s + 2]; n++;
      }
      if (!n) return null;
      c[0] /= n; c[1] /= n; c[2] /= n;
      for (s = 0; s < S; s++) {
        if ((gi >= 0 && groupOf[s] !== gi) || isNaN(X[3 * s])) continue;
        var dx = X[3 * s] - c[0], dy = X[3 * s + 1] - c[1], dz = X[3 * s + 2] - c[2];
        dm = Math.max(dm, Math.sqrt(dx * dx + dy * dy + dz * dz));
      }
      c.push(dm);
      return c;
    }
    function follow() {  // keep the tracked satellites in the middle, seen from above
      if (view.track === -2) return;
      var c = centroid(view.track);
      if (!c) return;
      view.pan = [c[0], c[1], c[2]];
      view.lon = Math.atan2(c[1], c[0]) / D + view.dlon;
      view.lat = Math.max(-89, Math.min(89, Math.atan2(c[2], Math.sqrt(c[0] * c[0] + c[1] * c[1])) / D + view.dlat));
    }
    function setView(v) {
      view.track = v; view.dlon = 0; view.dlat = 0;
      if (v === -2) { view.pan = [0, 0, 0]; view.zoom = 1; if (viewSel) viewSel.value = "-2"; draw(); return; }
      var c = centroid(v);
      if (!c) return;
      view.zoom = 0.4 * rmax / (0.46 * Math.max(c[3], 0.005));
      if (viewSel) viewSel.value = String(v);
      draw();
    }
    function legendUpdate() {
      var mn = legend.querySelector(".lg-min"), mx = legend.querySelector(".lg-max");
      var bar = legend.querySelector(".lg-bar"), lab = legend.querySelector(".lg-label");
      if (cvar < 0) {
        bar.style.background = "linear-gradient(to right, " + GROUP_COLOURS.slice(0, Math.max(2, NGR)).join(", ") + ")";
        mn.textContent = ""; mx.textContent = ""; lab.textContent = "by constellation: " + G.group_names.join(", ");
        return;
      }
      var v = vars[cvar].v;
      bar.style.background = gradientCss(v.scale);
      if (v.scale === "sun") { mn.textContent = "eclipse"; mx.textContent = "sunlit"; }
      else if (v.scale === "flag") { mn.textContent = "no"; mx.textContent = "yes"; }
      else { mn.textContent = fmt(v.min); mx.textContent = fmt(v.max); }
      lab.textContent = v.label + (v.unit ? " [" + v.unit + "]" : "") + (v.log ? ", log scale" : "") + "; grey: no data";
    }
    function value(vi, s) {
      var q = vars[vi].d[frame * S + s], v = vars[vi].v;
      if (q === 255) return null;
      if (v.log) { var a = Math.log10(v.min), b = Math.log10(v.max); return Math.pow(10, a + (b - a) * q / 254); }
      return v.min + (v.max - v.min) * q / 254;
    }
    function kscale() { return view.zoom * Math.min(W, H) * 0.46 / rmax; }
    function sunAt(f) { return G.sun.length >= 3 * f + 3 ? [G.sun[3 * f], G.sun[3 * f + 1], G.sun[3 * f + 2]] : null; }
    function drawEarth(B, k, ox, oy) {  // day and night, shaded per pixel (at half resolution)
      var ss = 0.5 * dpr, w = Math.max(1, Math.ceil(W * ss)), h = Math.max(1, Math.ceil(H * ss));
      if (shade.width !== w || shade.height !== h) { shade.width = w; shade.height = h; }
      var img = sctx.createImageData(w, h), d = img.data, sun = sunAt(frame), R2 = R * R;
      var x0 = Math.max(0, Math.floor((ox - R * k) * ss)), x1 = Math.min(w, Math.ceil((ox + R * k) * ss) + 1);
      var y0 = Math.max(0, Math.floor((oy - R * k) * ss)), y1 = Math.min(h, Math.ceil((oy + R * k) * ss) + 1);
      for (var j = y0; j < y1; j++) {
        var v = -((j + 0.5) / ss - oy) / k;
        for (var i = x0; i < x1; i++) {
          var u = ((i + 0.5) / ss - ox) / k, r2 = u * u + v * v;
          if (r2 >= R2) continue;
          var wz = Math.sqrt(R2 - r2);
          var px = u * B.e[0] + v * B.n[0] + wz * B.c[0], py = u * B.e[1] + v * B.n[1] + wz * B.c[1], pz = u * B.e[2] + v * B.n[2] + wz * B.c[2];
          var cz = sun ? (px * sun[0] + py * sun[1] + pz * sun[2]) / R : 1;   // cosine of the Sun's zenith angle (no sun table: all lit)
          var t = Math.max(0, Math.min(1, (cz + 0.05) / 0.1)), limb = 0.8 + 0.2 * wz / R, o = 4 * (j * w + i);
          d[o] = (night[0] + (day[0] - night[0]) * t) * limb; d[o + 1] = (night[1] + (day[1] - night[1]) * t) * limb;
          d[o + 2] = (night[2] + (day[2] - night[2]) * t) * limb; d[o + 3] = 255;
        }
      }
      sctx.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(shade, 0, 0, w, h, 0, 0, w / ss, h / ss);
    }
    function draw() {
      if (!W) return;
      follow();
      var B = basis(), cx = W / 2, cy = H / 2, k = kscale(), pan = view.pan, X = framePos(frame);
      var pe = pan[0] * B.e[0] + pan[1] * B.e[1] + pan[2] * B.e[2], pn = pan[0] * B.n[0] + pan[1] * B.n[1] + pan[2] * B.n[2];
      var ox = cx - k * pe, oy = cy + k * pn;  // where the Earth's centre is drawn
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = PAL.space; ctx.fillRect(0, 0, W, H);
      drawEarth(B, k, ox, oy);
      function P(x, y, z) {
        return [ox + k * (x * B.e[0] + y * B.e[1] + z * B.e[2]), oy - k * (x * B.n[0] + y * B.n[1] + z * B.n[2]),
                x * B.c[0] + y * B.c[1] + z * B.c[2]];
      }
      function hidden(x, y, z) {  // behind the Earth as seen from the viewer
        var d = x * B.c[0] + y * B.c[1] + z * B.c[2];
        if (d >= 0) return false;
        var r2 = x * x + y * y + z * z;
        return r2 - d * d < R * R;
      }
      api.P = P;
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
      for (var s = 0; s < S; s++) {
        if (isNaN(X[3 * s])) { vis[s] = 0; continue; }
        var p = P(X[3 * s], X[3 * s + 1], X[3 * s + 2]);
        proj[2 * s] = p[0]; proj[2 * s + 1] = p[1];
        vis[s] = hidden(X[3 * s], X[3 * s + 1], X[3 * s + 2]) ? 0 : 1;
      }
      function nodeXYZ(nd) {
        if (nd < S) return isNaN(X[3 * nd]) ? null : [X[3 * nd], X[3 * nd + 1], X[3 * nd + 2]];
        var gi = 3 * (nd - S);
        return [gx[gi], gx[gi + 1], gx[gi + 2]];
      }
      function segment(A, Bp, isGround) {  // a straight segment when both ends and its middle are in view
        if (!A || !Bp || hidden(A[0], A[1], A[2]) || hidden(Bp[0], Bp[1], Bp[2])) return false;
        if (isGround[0] && A[0] * B.c[0] + A[1] * B.c[1] + A[2] * B.c[2] < 0) return false;
        if (isGround[1] && Bp[0] * B.c[0] + Bp[1] * B.c[1] + Bp[2] * B.c[2] < 0) return false;
        if (hidden((A[0] + Bp[0]) / 2, (A[1] + Bp[1]) / 2, (A[2] + Bp[2]) / 2)) return false;
        var a = P(A[0], A[1], A[2]), b = P(Bp[0], Bp[1], Bp[2]);
        ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
        return true;
      }
      // links
      if (L && (!linksBox || linksBox.checked)) {
        ctx.lineWidth = 0.8;
        for (var j = L.off[frame]; j < L.off[frame + 1]; j++) {
          ctx.strokeStyle = L.colours[L.k[j] % L.colours.length];
          segment(nodeXYZ(L.a[j]), nodeXYZ(L.b[j]), [L.a[j] >= S, L.b[j] >= S]);
        }
      }
      // routes: each in its colour through the nodes of its path
      if (RT && routesBox.checked) {
        ctx.lineWidth = 2.2; ctx.lineJoin = "round";
        var sc = G.routes.scale;
        for (var r = 0; r < RT.K; r++) {
          var a0 = RT.off[frame * RT.K + r], a1 = RT.off[frame * RT.K + r + 1], prev = null, prevG = false;
          ctx.strokeStyle = G.routes.colours[r];
          for (var q = a0; q < a1; q++) {
            var qx = RT.pts[3 * q], cur = null, isG = false;
            if (qx === MISSING) {
              var gi2 = RT.pts[3 * q + 1];
              if (gi2 >= 0 && gi2 < NG) { cur = [gx[3 * gi2], gx[3 * gi2 + 1], gx[3 * gi2 + 2]]; isG = true; }
            } else { cur = [qx * sc, RT.pts[3 * q + 1] * sc, RT.pts[3 * q + 2] * sc]; }
            if (prev && cur) segment(prev, cur, [prevG, isG]);
            prev = cur; prevG = isG;
          }
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
      var rad = S > 2000 ? 1.6 : (view.zoom > 50 ? 3.5 : 2.4), table = cvar >= 0 ? vars[cvar] : null, off = frame * S;
      for (s = 0; s < S; s++) {
        if (!vis[s]) continue;
        ctx.fillStyle = table ? table.lut[table.d[off + s]] : GROUP_COLOURS[groupOf[s] % GROUP_COLOURS.length];
        ctx.beginPath(); ctx.arc(proj[2 * s], proj[2 * s + 1], rad, 0, 2 * Math.PI); ctx.fill();
      }
      tlabel.textContent = G.times[frame].replace("T", " ").replace("Z", " UTC") + "  (step " + (frame + 1) + " of " + F + ")";
      if (routeLegend) {
        routeLegend.textContent = "";
        G.routes.pairs.forEach(function (name, r) {
          var item = el("span"), sw = el("span");
          sw.style.cssText = "display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:5px;background:" + G.routes.colours[r];
          var rtt = G.routes.rtt[frame][r];
          item.appendChild(sw);
          item.appendChild(document.createTextNode(name + ": " + (rtt === null ? "no route" : fmt(rtt) + " ms round trip")));
          routeLegend.appendChild(item);
        });
      }
    }
    function setFrame(f) { frame = ((f % F) + F) % F; slider.value = String(frame); draw(); }
    var api = { setFrame: setFrame, setView: setView, view: view, P: null,
                points: function () {  // canvas positions (CSS px) of the satellites drawn
                  var out = [];
                  for (var s = 0; s < S; s++) if (vis[s]) out.push([proj[2 * s], proj[2 * s + 1]]);
                  return out;
                },
                look: function (lat, lon) { view.track = -2; view.pan = [0, 0, 0]; view.zoom = 1; view.lat = lat; view.lon = lon; draw(); },
                project: function (lat, lon) {  // canvas pixel (device) of a point on the ground, and whether it faces us
                  var a = lat * D, b = lon * D, p = api.P(R * Math.cos(a) * Math.cos(b), R * Math.cos(a) * Math.sin(b), R * Math.sin(a));
                  return [p[0] * dpr, p[1] * dpr, p[2] > 0];
                } };
    state.globe = api;
    slider.addEventListener("input", function () { setFrame(parseInt(slider.value, 10)); });
    play.addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; play.textContent = "\u25B6 play"; }
      else { timer = setInterval(function () { setFrame(frame + 1); }, 110); play.textContent = "\u275A\u275A pause"; }
    });
    sel.addEventListener("change", function () { cvar = parseInt(sel.value, 10); legendUpdate(); draw(); });
    if (linksBox) linksBox.addEventListener("change", draw);
    if (routesBox) routesBox.addEventListener("change", draw);
    if (viewSel) viewSel.addEventListener("change", function () { setView(parseInt(viewSel.value, 10)); });
    var drag = null;
    canvas.addEventListener("pointerdown", function (e) { drag = { x: e.clientX, y: e.clientY }; canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener("pointerup", function () { drag = null; });
    canvas.addEventListener("pointermove", function (e) {
      if (drag) {
        var dl = (e.clientX - drag.x) * 0.3 / Math.min(view.zoom, 12), dp = (e.clientY - drag.y) * 0.3 / Math.min(view.zoom, 12);
        if (view.track !== -2) { view.dlon -= dl; view.dlat = Math.max(-80, Math.min(80, view.dlat + dp)); }
        else { view.lon -= dl; view.lat = Math.max(-89, Math.min(89, view.lat + dp)); }
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
        var shown = val === null ? "\u2013" : (v.scale === "flag" ? (val >= 0.5 ? "yes" : "no") : fmt(val) + (v.unit ? " " + v.unit : ""));
        parts.push(v.label + ": " + shown);
      }
      info.textContent = parts.join(" \u00B7 ");
    });
    canvas.addEventListener("wheel", function (e) {
      e.preventDefault();
      var hi = view.track === -2 ? 12 : 1e7;
      view.zoom = Math.max(0.6, Math.min(hi, view.zoom * Math.exp(-e.deltaY * 0.0015)));
      draw();
    }, { passive: false });
    window.addEventListener("resize", resize);
    legendUpdate();
    W = canvas.clientWidth; H = canvas.clientHeight;
    if (G.fit_auto) setView(NGR === 1 ? 0 : -1);
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
