/// The live calls page: one self-contained HTML document (inline CSS and JS, no external
/// resources). It reads `/api/events` (Server-Sent Events) and renders every value with
/// `textContent`, never as HTML: caller names and transcripts are caller-controlled text.
enum LiveCallsPage {
    /// Inline script and style only; the page may talk to its own origin and nothing else.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>vlgw · live calls</title>
<style>
  :root { --bg:#f5f6f8; --card:#fff; --ink:#1d2330; --mute:#6b7385; --line:#e3e6ec; --ok:#1f9d55; --bad:#d64545; --ai:#6d4bd8; --caller:#0b7fb3; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--ink); }
  header { display:flex; align-items:center; gap:12px; padding:14px 24px; background:#1d2330; color:#fff; }
  header h1 { font-size:17px; margin:0; font-weight:600; }
  header .sub { color:#aab1c2; font-size:13px; }
  #conn { margin-left:auto; font-size:13px; color:#aab1c2; }
  #conn::before { content:""; display:inline-block; width:9px; height:9px; border-radius:50%; background:var(--bad); margin-right:6px; }
  #conn.up::before { background:#3ddc84; }
  main { padding:18px 24px; display:grid; gap:18px; }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 16px; }
  h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--mute); margin:0 0 10px; display:flex; gap:8px; align-items:baseline; }
  h2 .count { color:var(--ink); font-size:13px; }
  table { width:100%; border-collapse:collapse; }
  th { text-align:left; font-weight:500; color:var(--mute); font-size:12px; padding:4px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
  td { padding:7px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
  tr:last-child td { border-bottom:0; }
  .empty { color:var(--mute); padding:8px; }
  .name { font-weight:600; }
  .uri, .small { color:var(--mute); font-size:12px; }
  .pill { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; background:#eef0f4; white-space:nowrap; }
  .pill.ok { background:#e3f5ea; color:var(--ok); } .pill.bad { background:#fbe6e6; color:var(--bad); }
  .pill.caller { background:#e1f1f9; color:var(--caller); } .pill.ai { background:#ece7fb; color:var(--ai); }
  .num { font-variant-numeric: tabular-nums; white-space:nowrap; }
  .planes { display:flex; flex-wrap:wrap; gap:10px; }
  .plane { border:1px solid var(--line); border-radius:6px; padding:8px 12px; min-width:190px; }
  .plane .kind { font-size:11px; text-transform:uppercase; color:var(--mute); letter-spacing:.05em; }
  .cdr { border:1px solid var(--line); border-radius:6px; padding:10px 12px; margin-bottom:10px; }
  .cdr .head { display:flex; flex-wrap:wrap; gap:6px 16px; align-items:baseline; }
  .cdr .facts { display:flex; flex-wrap:wrap; gap:4px 16px; color:var(--mute); font-size:12px; margin-top:4px; }
  .turns { margin:8px 0 0; padding:0; list-style:none; }
  .turns li { display:grid; grid-template-columns:64px 54px 1fr; gap:8px; padding:2px 0; }
  .turns .who { font-weight:600; font-size:12px; } .turns .who.caller { color:var(--caller); } .turns .who.ai { color:var(--ai); }
  .turns .at { color:var(--mute); font-size:12px; }
</style>
</head>
<body>
<header><h1>vlgw · live calls</h1><span class="sub" id="uptime"></span><span id="conn">connecting…</span></header>
<main>
  <section><h2>Planes</h2><div id="planes" class="planes"></div></section>
  <section><h2>Live calls <span class="count" id="live-count"></span></h2>
    <table id="live"><thead><tr><th>Caller</th><th>State</th><th>Codec</th><th>Worker</th><th>Bridge</th><th>Duration</th><th>Speaking</th><th>Barge-ins</th><th>Loss</th><th>Jitter</th><th>Last turn</th></tr></thead><tbody></tbody></table>
  </section>
  <section><h2>Ended calls <span class="count" id="ended-count"></span></h2><div id="ended"></div></section>
</main>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token");
const query = token ? "?token=" + encodeURIComponent(token) : "";
let ended = [];

// Every value goes in as text (textContent), never parsed as HTML.
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function td(content, cls) {
  const c = el("td", cls);
  if (content instanceof Node) c.appendChild(content); else c.textContent = content == null ? "–" : String(content);
  return c;
}
function duration(ms) {
  const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
  return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
}
function caller(c) {
  const box = el("div");
  if (c.callerName) box.appendChild(el("div", "name", c.callerName));
  box.appendChild(el("div", c.callerName ? "uri" : "name", c.caller));
  return box;
}
function speaking(c) {
  const box = el("span");
  if (c.callerSpeaking) box.appendChild(el("span", "pill caller", "caller"));
  if (c.aiSpeaking) { if (c.callerSpeaking) box.appendChild(document.createTextNode(" ")); box.appendChild(el("span", "pill ai", "AI")); }
  if (!c.callerSpeaking && !c.aiSpeaking) box.appendChild(el("span", "small", "silence"));
  return box;
}
function loss(m) { return m ? m.lossPercent.toFixed(1) + " % (" + m.packetsLost + ")" : null; }
function jitter(m) { return m ? m.jitterMs.toFixed(1) + " ms" : null; }
function who(s) { return s === "ai" ? "AI" : "Caller"; }

function renderPlanes(planes) {
  const box = document.getElementById("planes");
  box.replaceChildren();
  for (const p of planes) {
    const card = el("div", "plane");
    card.dataset.plane = p.id;
    card.appendChild(el("div", "kind", p.kind));
    card.appendChild(el("div", "name", p.id));
    const line = el("div");
    line.appendChild(el("span", "pill " + (p.healthy ? "ok" : "bad"), p.healthy ? "healthy" : "unhealthy"));
    line.appendChild(document.createTextNode(" "));
    line.appendChild(el("span", "small", p.detail));
    card.appendChild(line);
    if (p.load) card.appendChild(el("div", "small", p.load));
    if (p.lastSeenMsAgo != null) card.appendChild(el("div", "small", "heartbeat " + p.lastSeenMsAgo + " ms ago"));
    box.appendChild(card);
  }
}

function renderLive(calls) {
  const body = document.querySelector("#live tbody");
  body.replaceChildren();
  document.getElementById("live-count").textContent = String(calls.length);
  if (!calls.length) {
    const row = el("tr"); const cell = td("No calls right now.", "empty"); cell.colSpan = 11; row.appendChild(cell); body.appendChild(row);
    return;
  }
  for (const c of calls) {
    const row = el("tr");
    row.dataset.session = c.session;
    const last = c.transcript.length ? c.transcript[c.transcript.length - 1] : null;
    row.append(td(caller(c)), td(el("span", "pill", c.state.replace("_", " "))), td(c.codec), td(c.worker), td(c.bridge),
               td(duration(c.durationMs), "num"), td(speaking(c)), td(c.bargeIns, "num"), td(loss(c.media), "num"),
               td(jitter(c.media), "num"), td(last ? who(last.speaker) + ": " + last.text : null, "small"));
    body.appendChild(row);
  }
}

function renderEnded() {
  const box = document.getElementById("ended");
  box.replaceChildren();
  document.getElementById("ended-count").textContent = String(ended.length);
  if (!ended.length) { box.appendChild(el("div", "empty", "No call has ended yet.")); return; }
  for (const c of ended.slice().reverse()) {
    const card = el("div", "cdr");
    card.dataset.session = c.session;
    const head = el("div", "head");
    head.appendChild(caller(c));
    head.appendChild(el("span", "pill", c.codec));
    head.appendChild(el("span", "pill " + (c.answered ? "ok" : "bad"), c.answered ? "answered" : "not answered"));
    head.appendChild(el("span", "small", "ended: " + c.reason));
    card.appendChild(head);
    const facts = el("div", "facts");
    const fact = (k, v) => facts.appendChild(el("span", "fact", k + " " + (v == null ? "–" : v)));
    fact("started", new Date(c.startedAtUnixMs).toLocaleTimeString());
    fact("duration", duration(c.durationMs));
    fact("worker", c.worker); fact("bridge", c.bridge);
    fact("barge-ins", c.bargeIns);
    fact("packets in/out", c.media ? c.media.packetsIn + "/" + c.media.packetsOut : null);
    fact("loss", loss(c.media)); fact("jitter", jitter(c.media));
    fact("call-id", c.callID);
    card.appendChild(facts);
    const turns = el("ul", "turns");
    for (const t of c.transcript) {
      const li = el("li");
      li.append(el("span", "who " + t.speaker, who(t.speaker)), el("span", "at", duration(t.offsetMs)), el("span", "text", t.text));
      turns.appendChild(li);
    }
    if (!c.transcript.length) turns.appendChild(el("li", "small", "no transcript"));
    card.appendChild(turns);
    box.appendChild(card);
  }
}

function connect() {
  const conn = document.getElementById("conn");
  const events = new EventSource("/api/events" + query);
  events.onopen = () => { conn.textContent = "live"; conn.className = "up"; };
  events.onerror = () => { conn.textContent = "reconnecting…"; conn.className = ""; };
  events.addEventListener("snapshot", e => {
    const s = JSON.parse(e.data);
    document.getElementById("uptime").textContent = "signaling up " + duration(s.uptimeMs) + " · updated " + new Date(s.generatedAtUnixMs).toLocaleTimeString();
    renderPlanes(s.planes);
    renderLive(s.calls);
  });
  events.addEventListener("history", e => { ended = JSON.parse(e.data); renderEnded(); });
  events.addEventListener("ended", e => {
    const c = JSON.parse(e.data);
    const i = ended.findIndex(x => x.session === c.session);
    if (i >= 0) ended[i] = c; else { ended.push(c); if (ended.length > 100) ended.shift(); }
    renderEnded();
  });
}
renderEnded();
connect();
</script>
</body>
</html>
"""#
}
