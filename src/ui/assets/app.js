// recflow dashboard: a hash-routed page per section, vanilla JS, no dependencies. Every request
// goes to this server's /api (which calls the gateway); POSTs carry the CSRF token in a header.
"use strict";

const LIVE_ROWS_MAX = 200; // rows the live list adds on top of a page before dropping the oldest
const TERMINAL = new Set(["TASK_STATE_SUCCEEDED", "TASK_STATE_FAILED", "TASK_STATE_CANCELLED"]);
let session = null;
let pageTimer = null;
/** Bumped by every navigation: a read that outlives its page is dropped (see api). */
let routeGen = 0;
let liveSource = null;

function h(tag, attrs, ...children) {
  const el = document.createElementNS(tag.startsWith("svg:") ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml", tag.replace(/^svg:/, ""));
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** A page's read finished after the user had moved on: its page must not replace the new one. */
class StaleRead extends Error {}

/** Shows an error in the page's flash line, unless it only says the page was left. */
function showError(err) {
  if (!(err instanceof StaleRead)) flash(err.message, true);
}

async function api(path, opts = {}) {
  const gen = routeGen;
  const init = { method: opts.method || "GET", headers: {}, credentials: "same-origin" };
  if (init.method === "POST") {
    init.headers["content-type"] = "application/json";
    if (session) init.headers["x-csrf-token"] = session.csrf;
    init.body = JSON.stringify(opts.body || {});
  }
  const res = await fetch(path, init);
  const doc = await res.json().catch(() => ({}));
  if (res.status === 401 && path !== "/api/login") { showLogin(); throw new Error("log in first"); }
  if (!res.ok) throw new Error(doc.error || `HTTP ${res.status}`);
  // A slow read of the previous page would otherwise draw it over the new one (or open its live
  // stream or timer after the new page's). Actions (POSTs) still report their outcome.
  if (init.method === "GET" && gen !== routeGen) throw new StaleRead(path);
  return doc;
}

const ts = (t) => (t && (t.seconds || t.nanos) ? new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos || 0) / 1e6)) : null);
const fmtTime = (t) => { const d = ts(t); return d ? d.toLocaleString() : "–"; };
const short = (s) => String(s || "").replace(/^(TASK_STATE_|TASK_KIND_|ALGORITHM_)/, "").toLowerCase();
const fmtBytes = (n) => { n = Number(n || 0); const u = ["B", "KB", "MB", "GB"]; let i = 0; while (n >= 1024 && i < 3) { n /= 1024; i++; } return `${n.toFixed(i ? 1 : 0)} ${u[i]}`; };
const num = (x, d = 4) => (typeof x === "number" ? (Number.isInteger(x) ? String(x) : x.toFixed(d)) : "–");

function flash(msg, isError) {
  const el = document.getElementById("flash");
  if (el) { el.textContent = msg; el.className = isError ? "error" : "muted"; }
}

function setPage(...children) {
  const page = document.getElementById("page");
  // Sections come as arrays (a heading and its table); replaceChildren would print an array.
  page.replaceChildren(h("div", { id: "flash" }), ...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false && c !== ""));
}

function stopPage() {
  if (pageTimer) clearInterval(pageTimer);
  pageTimer = null;
  if (liveSource) liveSource.close();
  liveSource = null;
}

// ---------- login ----------
function showLogin() {
  stopPage();
  session = null;
  document.getElementById("nav").hidden = true;
  document.getElementById("who").textContent = "";
  const input = h("input", { type: "password", id: "token", autocomplete: "current-password", placeholder: "bearer token (empty when tenants are off)" });
  const form = h("form", { class: "card login", id: "login-form", onsubmit: async (e) => {
    e.preventDefault();
    try {
      session = await api("/api/login", { method: "POST", body: { token: input.value } });
      input.value = "";
      start();
    } catch (err) { flash(err.message, true); }
  } }, h("h1", {}, "Log in"), h("p", { class: "muted" }, "Use the token you give the CLI (RECFLOW_TOKEN)."), input, h("button", { class: "primary", type: "submit" }, "Log in"));
  setPage(form);
  input.focus();
  markReady();
}

// ---------- tasks ----------
function selectorMatches(selector, labels) {
  return selector.split(",").map((s) => s.trim()).filter(Boolean).every((req) => {
    let m;
    if ((m = /^([^!=]+)!=(.*)$/.exec(req))) return labels[m[1].trim()] !== m[2].trim();
    if ((m = /^([^!=]+)==?(.*)$/.exec(req))) return labels[m[1].trim()] === m[2].trim();
    if (req.startsWith("!")) return !(req.slice(1).trim() in labels);
    return req in labels;
  });
}

function taskRow(t, onCancel) {
  const bar = h("progress", { max: "1", value: String(t.progress || 0) });
  const state = h("span", { class: `state state-${t.state}` }, short(t.state));
  const cancel = h("button", { class: "danger cancel", onclick: () => onCancel(t.taskId) }, "Cancel");
  cancel.hidden = TERMINAL.has(t.state);
  const msg = h("span", { class: "muted" }, t.message || "");
  const labels = h("span", { class: "mono" }, Object.entries(t.labels || {}).map(([k, v]) => `${k}=${v}`).join(" "));
  const row = h("tr", { "data-task-id": t.taskId, "data-state": t.state },
    h("td", { class: "mono" }, h("a", { href: `#/task/${encodeURIComponent(t.taskId)}` }, t.taskId)),
    h("td", {}, short(t.kind)), h("td", {}, state), h("td", {}, bar, " ", msg), h("td", {}, labels), h("td", {}, fmtTime(t.createTime)), h("td", {}, cancel));
  row.update = (u) => {
    if (u.state) { state.textContent = short(u.state); state.className = `state state-${u.state}`; row.dataset.state = u.state; cancel.hidden = TERMINAL.has(u.state); }
    if (typeof u.progress === "number") bar.value = u.progress;
    if (u.state === "TASK_STATE_SUCCEEDED") bar.value = 1;
    if (u.message !== undefined) msg.textContent = u.message || "";
  };
  return row;
}

async function tasksPage(params) {
  const state = params.get("state") || "";
  const kind = params.get("kind") || "";
  const selector = params.get("selector") || "";
  const pageToken = params.get("page") || "";
  const go = (p) => { location.hash = `#/tasks?${new URLSearchParams(Object.entries({ state, kind, selector, page: pageToken, ...p }).filter(([, v]) => v)).toString()}`; };
  const stateSel = h("select", { id: "filter-state", onchange: () => go({ state: stateSel.value, page: "" }) }, h("option", { value: "" }, "any state"),
    ["QUEUED", "RUNNING", "RETRYING", "SUCCEEDED", "FAILED", "CANCELLED"].map((s) => h("option", { value: `TASK_STATE_${s}`, selected: state === `TASK_STATE_${s}` }, s.toLowerCase())));
  const kindSel = h("select", { id: "filter-kind", onchange: () => go({ kind: kindSel.value, page: "" }) }, h("option", { value: "" }, "any kind"),
    ["PROBE", "TRAIN_MODEL", "TUNE_MODEL", "RECOMMEND", "SIMILAR_ITEMS", "EVALUATE"].map((k) => h("option", { value: `TASK_KIND_${k}`, selected: kind === `TASK_KIND_${k}` }, k.toLowerCase())));
  const labelIn = h("input", { id: "filter-label", placeholder: "label selector, e.g. team=a", value: selector, onchange: () => go({ selector: labelIn.value.trim(), page: "" }) });
  const body = h("tbody", { id: "task-rows" });
  const rows = new Map();
  const onCancel = async (id) => {
    try { await api(`/api/tasks/${encodeURIComponent(id)}/cancel`, { method: "POST", body: {} }); flash(`cancel requested for ${id}`); } catch (err) { flash(err.message, true); }
  };
  const pager = h("div", { class: "toolbar" });
  setPage(h("h1", {}, "Tasks"), h("div", { class: "toolbar" }, stateSel, kindSel, labelIn, h("span", { class: "muted", id: "live-status" }, "")),
    h("table", { id: "tasks-table" }, h("thead", {}, h("tr", {}, ["Task", "Kind", "State", "Progress", "Labels", "Created", ""].map((c) => h("th", {}, c)))), body), pager);
  const page = await api(`/api/tasks?${new URLSearchParams({ state, kind, pageToken }).toString()}`);
  for (const t of page.tasks) {
    if (selector && !selectorMatches(selector, t.labels || {})) continue;
    const row = taskRow(t, onCancel);
    rows.set(t.taskId, row);
    body.append(row);
  }
  if (rows.size === 0) body.append(h("tr", { class: "empty" }, h("td", { colspan: "7", class: "muted" }, "No tasks on this page yet; new ones appear here live.")));
  pager.append(pageToken ? h("button", { onclick: () => go({ page: "" }) }, "First page") : "",
    page.nextPageToken ? h("button", { id: "next-page", onclick: () => go({ page: page.nextPageToken }) }, "Next page") : "");
  // Live: one EventSource (the server holds one WatchTasks stream for it), resumed by sequence.
  const liveAdded = [];
  const q = new URLSearchParams({ after: String(page.sequence || 0) });
  if (selector) q.set("selector", selector);
  liveSource = new EventSource(`/api/tasks/stream?${q.toString()}`);
  const status = document.getElementById("live-status");
  liveSource.onopen = () => { status.textContent = "● live"; };
  liveSource.onerror = () => { status.textContent = "reconnecting…"; };
  liveSource.addEventListener("watch-error", (e) => { try { flash(`live updates: ${JSON.parse(e.data).message}`, true); } catch { /* keep the old message */ } });
  liveSource.onmessage = (e) => {
    const u = JSON.parse(e.data);
    let row = rows.get(u.taskId);
    if (!row) {
      if (u.event !== "queued" || pageToken) return; // only the first page grows live
      if ((state && u.state !== state) || (kind && u.kind !== kind)) return;
      row = taskRow({ ...u, labels: u.labels || {} }, onCancel);
      rows.set(u.taskId, row);
      body.querySelector("tr.empty")?.remove();
      body.prepend(row);
      liveAdded.push(u.taskId);
      if (liveAdded.length > LIVE_ROWS_MAX) { const old = liveAdded.shift(); rows.get(old)?.remove(); rows.delete(old); }
      return;
    }
    row.update(u);
  };
}

// ---------- one task ----------
function describeEvent(ev) {
  switch (ev.event) {
    case "queued": return "Queued";
    case "started": return `Started attempt ${ev.started.attempt} on ${ev.started.workerId}`;
    case "progress": return `Progress ${Math.round((ev.progress.fraction || 0) * 100)}% ${ev.progress.message || ""}`;
    case "partialResult": return `Partial result chunk ${ev.partialResult.chunkIndex}`;
    case "retrying": return `Retrying after attempt ${ev.retrying.attempt}: ${ev.retrying.error?.reason || ""} ${ev.retrying.error?.message || ""}`;
    case "succeeded": return "Succeeded";
    case "failed": return `Failed: ${ev.failed.error?.reason || ""} ${ev.failed.error?.message || ""}`;
    case "cancelled": return `Cancelled${ev.cancelled.reason ? `: ${ev.cancelled.reason}` : ""}`;
    default: return ev.event;
  }
}

function leaderboardTable(trials, id) {
  return h("table", { id }, h("thead", {}, h("tr", {}, ["#", "Trial", "Validation score", "Seconds"].map((c) => h("th", {}, c)))),
    h("tbody", {}, trials.map((t, i) => h("tr", { "data-trial": t.index }, h("td", { class: "num" }, i + 1), h("td", {}, t.description), h("td", { class: "num" }, num(t.validationScore)), h("td", { class: "num" }, num(t.seconds, 2))))));
}

function recommendationsTable(chunks) {
  const recs = chunks.flatMap((c) => c.recommendations || []);
  const neigh = chunks.flatMap((c) => c.neighbours || []);
  if (recs.length) return h("table", { id: "partial-results" }, h("thead", {}, h("tr", {}, h("th", {}, "User"), h("th", {}, "Items (score)"))),
    h("tbody", {}, recs.slice(0, 500).map((r) => h("tr", { "data-user-id": r.userId, "data-items": r.items.map((i) => i.itemId).join(" ") }, h("td", { class: "mono" }, r.userId, r.coldStart ? " (cold start)" : ""), h("td", {}, r.items.map((i) => `${i.itemId} (${i.score.toFixed(3)})`).join(", "))))));
  if (neigh.length) return h("table", { id: "partial-results" }, h("thead", {}, h("tr", {}, h("th", {}, "Item"), h("th", {}, "Similar items"))),
    h("tbody", {}, neigh.slice(0, 500).map((r) => h("tr", { "data-item-id": r.itemId, "data-items": r.similar.map((i) => i.itemId).join(" ") }, h("td", { class: "mono" }, r.itemId), h("td", {}, r.similar.map((i) => `${i.itemId} (${i.score.toFixed(3)})`).join(", "))))));
  // TuneModel: each chunk is the leaderboard so far; the newest one is the one to show.
  const board = chunks.filter((c) => (c.leaderboard || []).length).at(-1);
  if (board) return leaderboardTable(board.leaderboard, "partial-results");
  return null;
}

async function taskPage(id) {
  const render = async () => {
    const { task, events, truncated } = await api(`/api/tasks/${encodeURIComponent(id)}`);
    const st = task.status || {};
    const items = [];
    let attemptShown = 0;
    for (const ev of events) {
      // A short attempt that succeeded has no Started: its first event's status names the attempt.
      const attempt = ev.event === "started" ? ev.started.attempt : ev.event === "queued" ? 0 : (ev.status && ev.status.attempt) || 0;
      if (attempt > attemptShown) {
        items.push(h("li", { class: "attempt" }, `Attempt ${attempt}`));
        attemptShown = attempt;
      }
      if (ev.event === "progress" && items.length && items[items.length - 1].dataset.kind === "progress") items.pop(); // one line per run of progress
      const li = h("li", { class: `ev-${ev.event}`, "data-kind": ev.event }, h("span", { class: "muted" }, fmtTime(ev.time), " · "), describeEvent(ev));
      items.push(li);
    }
    const chunks = events.filter((e) => e.event === "partialResult").map((e) => e.partialResult);
    const err = task.error;
    setPage(h("h1", {}, "Task ", h("span", { class: "mono" }, task.id)),
      h("div", { class: "card grid" },
        h("div", { class: "stat" }, "State", h("b", { id: "task-state", class: `state-${st.state}` }, short(st.state))),
        h("div", { class: "stat" }, "Kind", h("b", {}, short(st.kind))),
        h("div", { class: "stat" }, "Attempt", h("b", {}, String(st.attempt || 0))),
        h("div", { class: "stat" }, "Progress", h("b", {}, `${Math.round((st.progress || 0) * 100)}%`)),
        h("div", { class: "stat" }, "Created", h("span", {}, fmtTime(st.createTime))),
        h("div", { class: "stat" }, "Ended", h("span", {}, fmtTime(st.endTime)))),
      err ? h("div", { class: "card error", id: "task-error" }, h("b", {}, err.reason || "error"), ` (attempt ${err.attempt}, ${err.retryable ? "retryable" : "permanent"}): `, err.message) : "",
      h("h2", {}, "Timeline"), h("ul", { class: "timeline", id: "timeline" }, items), truncated ? h("p", { class: "muted" }, "Showing the first events only.") : "",
      chunks.length ? [h("h2", {}, "Partial results"), recommendationsTable(chunks)] : "",
      task.result ? [h("h2", {}, "Result"), h("pre", { id: "task-result" }, JSON.stringify(task.result, null, 2))] : "");
    return TERMINAL.has(st.state);
  };
  if (!(await render())) pageTimer = setInterval(() => void render().then((done) => { if (done) stopPage(); }).catch(showError), 1000);
}

// ---------- dead letters ----------
async function deadLettersPage(params) {
  const after = params.get("after") || "0";
  const { letters, nextAfter } = await api(`/api/dead-letters?after=${encodeURIComponent(after)}`);
  const detail = h("pre", { id: "dead-letter-detail", hidden: true });
  const act = async (seq, what) => {
    try {
      const r = await api(`/api/dead-letters/${seq}/${what}`, { method: "POST", body: {} });
      document.querySelector(`tr[data-seq="${seq}"]`)?.remove();
      flash(what === "replay" ? `replayed as ${r.taskId}` : `dead letter ${seq} deleted`);
    } catch (err) { flash(err.message, true); }
  };
  const inspect = async (seq) => { detail.hidden = false; detail.textContent = JSON.stringify(await api(`/api/dead-letters/${seq}`), null, 2); };
  setPage(h("h1", {}, "Dead letters"), h("p", { class: "muted" }, "Tasks that failed for good. Replay submits a new task labelled replay-of=<old id>."),
    h("table", { id: "dead-letters" }, h("thead", {}, h("tr", {}, ["Seq", "Time", "Task", "Kind", "Error", ""].map((c) => h("th", {}, c)))),
      h("tbody", {}, letters.length ? letters.map((d) => {
        const t = d.letter.task || {};
        const e = d.letter.error || {};
        return h("tr", { "data-seq": d.seq, "data-task-id": t.taskId },
          h("td", { class: "num" }, d.seq), h("td", {}, fmtTime(d.letter.time)), h("td", { class: "mono" }, t.taskId), h("td", {}, t.spec?.kind || ""),
          h("td", {}, h("b", {}, e.reason || ""), " ", e.message || ""),
          h("td", {}, h("button", { onclick: () => void inspect(d.seq) }, "Inspect"), " ", h("button", { class: "primary replay", onclick: () => void act(d.seq, "replay") }, "Replay"), " ", h("button", { class: "danger delete", onclick: () => void act(d.seq, "delete") }, "Delete")));
      }) : h("tr", {}, h("td", { colspan: "6", class: "muted" }, "No dead letters.")))),
    nextAfter ? h("div", { class: "toolbar" }, h("a", { href: `#/dead-letters?after=${nextAfter}` }, "Next page")) : "", detail);
}

// ---------- datasets ----------
let lastUpload = 0; // the bar stays full after the page re-renders with the new dataset
async function datasetsPage(params) {
  const { datasets, nextPageToken } = await api(`/api/datasets?pageToken=${encodeURIComponent(params.get("page") || "")}`);
  const file = h("input", { type: "file", id: "csv-file", accept: ".csv,.tsv,text/csv" });
  const idIn = h("input", { id: "csv-id", placeholder: "dataset id (optional)" });
  const bar = h("progress", { id: "upload-progress", max: "1", value: String(lastUpload) });
  const upload = () => {
    const f = file.files[0];
    if (!f) return flash("choose a CSV file first", true);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/datasets?${new URLSearchParams({ id: idIn.value.trim(), name: f.name }).toString()}`);
    xhr.setRequestHeader("content-type", "text/csv");
    xhr.setRequestHeader("x-csrf-token", session.csrf);
    lastUpload = 0;
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = e.loaded / e.total; };
    xhr.onload = () => {
      const doc = JSON.parse(xhr.responseText || "{}");
      if (xhr.status === 200) { bar.value = lastUpload = 1; flash(`uploaded ${doc.dataset.id}`); void datasetsPage(params).then(() => flash(`uploaded ${doc.dataset.id}`)); } else flash(doc.error || `HTTP ${xhr.status}`, true);
    };
    xhr.onerror = () => flash("upload failed", true);
    xhr.send(f);
  };
  setPage(h("h1", {}, "Datasets"),
    h("div", { class: "card toolbar" }, "Upload a CSV of user,item[,weight[,timestamp]]:", file, idIn, h("button", { class: "primary", id: "upload", onclick: upload }, "Upload"), bar),
    h("table", { id: "datasets" }, h("thead", {}, h("tr", {}, ["Dataset", "Name", "Users × items", "Interactions", "Density", "Size (raw / compiled)", "Created"].map((c) => h("th", {}, c)))),
      h("tbody", {}, datasets.map((d) => h("tr", { "data-dataset-id": d.id }, h("td", { class: "mono" }, d.id), h("td", {}, d.displayName), h("td", { class: "num" }, `${d.users} × ${d.items}`),
        h("td", { class: "num" }, d.interactions), h("td", { class: "num" }, `${(d.density * 100).toFixed(3)}%`), h("td", { class: "num" }, `${fmtBytes(d.rawBytes)} / ${fmtBytes(d.compiledBytes)}`), h("td", {}, fmtTime(d.createTime)))))),
    nextPageToken ? h("a", { href: `#/datasets?page=${encodeURIComponent(nextPageToken)}` }, "Next page") : "");
}

// ---------- models ----------
// `minTop`: the smallest top of the y axis (counts: 1, so an idle queue reads 0 to 1, not 0.000).
function lineChart(points, { id, width = 560, height = 220, series = [["y", "line"]], minTop = 1e-9, digits = 3 }) {
  const pad = 36;
  const xs = points.map((p) => p.x);
  const ys = points.flatMap((p) => series.map(([k]) => p[k]));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys, minTop)];
  const sx = (x) => pad + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - 2 * pad);
  const sy = (y) => height - pad - ((y - y0) / (y1 - y0 || 1)) * (height - 2 * pad);
  const svg = h("svg:svg", { class: "chart", id, width, height, viewBox: `0 0 ${width} ${height}` },
    h("svg:line", { class: "axis", x1: pad, y1: height - pad, x2: width - pad, y2: height - pad }), h("svg:line", { class: "axis", x1: pad, y1: pad, x2: pad, y2: height - pad }),
    h("svg:text", { x: 2, y: pad }, num(y1, digits)), h("svg:text", { x: 2, y: height - pad }, num(y0, digits)),
    points.length ? [h("svg:text", { x: pad, y: height - pad + 14 }, String(x0)), h("svg:text", { x: width - pad, y: height - pad + 14 }, String(x1))] : "");
  for (const [k, cls] of series) {
    svg.append(h("svg:polyline", { class: cls, "data-series": k, points: points.map((p) => `${sx(p.x)},${sy(p[k])}`).join(" ") }));
    if (series.length === 1) for (const p of points) svg.append(h("svg:circle", { class: "pt", cx: sx(p.x), cy: sy(p[k]), r: 3 }, h("svg:title", {}, `${p.x}: ${p[k]}`)));
  }
  return svg;
}

function metricBars(metrics, baseline) {
  const keys = Object.keys(metrics || {}).sort();
  if (!keys.length) return h("p", { class: "muted" }, "No holdout metrics (train with evaluate on).");
  const rowH = 34, width = 560, label = 110;
  const max = Math.max(...keys.flatMap((k) => [metrics[k], baseline?.[k] || 0]), 1e-9);
  const svg = h("svg:svg", { class: "chart", id: "metric-bars", width, height: keys.length * rowH + 20, viewBox: `0 0 ${width} ${keys.length * rowH + 20}` });
  keys.forEach((k, i) => {
    const y = 10 + i * rowH;
    const w = (v) => ((width - label - 120) * v) / max; // room for "popularity 0.1234" after the longest bar
    svg.append(h("svg:text", { x: 4, y: y + 14 }, k),
      h("svg:rect", { class: "bar-model", x: label, y, width: w(metrics[k]), height: 12 }), h("svg:text", { x: label + w(metrics[k]) + 4, y: y + 10 }, `model ${num(metrics[k])}`),
      h("svg:rect", { class: "bar-base", x: label, y: y + 14, width: w(baseline?.[k] || 0), height: 12 }), h("svg:text", { x: label + w(baseline?.[k] || 0) + 4, y: y + 24 }, `popularity ${num(baseline?.[k])}`));
  });
  return svg;
}

async function modelsPage(params) {
  const [{ models, nextPageToken }, { aliases }] = await Promise.all([api(`/api/models?pageToken=${encodeURIComponent(params.get("page") || "")}`), api("/api/aliases")]);
  setPage(h("h1", {}, "Models"),
    h("table", { id: "models" }, h("thead", {}, h("tr", {}, ["Model", "Algorithm", "Dataset", "Users × items", "Iterations", "Final loss", "Size", "Created"].map((c) => h("th", {}, c)))),
      h("tbody", {}, models.map((m) => h("tr", { "data-model-id": m.id }, h("td", { class: "mono" }, h("a", { href: `#/model/${encodeURIComponent(m.id)}` }, m.id)), h("td", {}, short(m.algorithm)), h("td", { class: "mono" }, m.datasetId),
        h("td", { class: "num" }, `${m.users} × ${m.items}`), h("td", { class: "num" }, m.iterations), h("td", { class: "num" }, num(m.finalLoss)), h("td", { class: "num" }, fmtBytes(m.sizeBytes)), h("td", {}, fmtTime(m.createTime)))))),
    nextPageToken ? h("a", { href: `#/models?page=${encodeURIComponent(nextPageToken)}` }, "Next page") : "",
    h("h2", {}, "Aliases"), aliasTable(aliases));
}

function aliasTable(aliases) {
  const rollback = async (a, to) => {
    try { await api(`/api/aliases/${encodeURIComponent(a.name)}`, { method: "POST", body: { modelId: to, expectedRevision: Number(a.revision) } }); await route(); flash(`${a.name} → ${to}`); } catch (err) { flash(err.message, true); }
  };
  return h("table", { id: "aliases" }, h("thead", {}, h("tr", {}, ["Alias", "Model", "Revision", "History (newest first)"].map((c) => h("th", {}, c)))),
    h("tbody", {}, aliases.map((a) => h("tr", { "data-alias": a.name, "data-model-id": a.modelId, "data-revision": a.revision }, h("td", {}, a.name), h("td", { class: "mono" }, h("a", { href: `#/model/${encodeURIComponent(a.modelId)}` }, a.modelId)), h("td", { class: "num" }, a.revision),
      h("td", {}, h("ul", { class: "timeline" }, (a.history || []).map((c, i) => h("li", { class: "alias-change", "data-model-id": c.modelId }, fmtTime(c.setTime), " ", h("span", { class: "mono" }, c.modelId), c.metric ? ` ${c.metric} ${num(c.score)} (was ${num(c.previousScore)})` : "",
        i === 0 && c.previousModelId ? [" ", h("button", { class: "rollback", onclick: () => void rollback(a, c.previousModelId) }, `Roll back to ${c.previousModelId}`)] : ""))))))));
}

async function modelPage(id) {
  const [{ model, loss, result }, { aliases }] = await Promise.all([api(`/api/models/${encodeURIComponent(id)}`), api("/api/aliases")]);
  const aliasIn = h("input", { id: "alias-name", placeholder: "alias, e.g. prod" });
  const promote = async () => {
    const name = aliasIn.value.trim();
    if (!/^[a-z0-9-]{1,63}$/.test(name)) return flash("an alias is 1-63 characters of a-z, 0-9 and -", true);
    const current = aliases.find((a) => a.name === name);
    try { await api(`/api/aliases/${encodeURIComponent(name)}`, { method: "POST", body: { modelId: model.id, expectedRevision: current ? Number(current.revision) : 0 } }); await route(); flash(`${name} → ${model.id}`); } catch (err) { flash(err.message, true); }
  };
  const tune = result?.tuneModel;
  setPage(h("h1", {}, "Model ", h("span", { class: "mono" }, model.id)),
    h("div", { class: "card grid" }, h("div", { class: "stat" }, "Algorithm", h("b", {}, short(model.algorithm))), h("div", { class: "stat" }, "Users × items", h("b", {}, `${model.users} × ${model.items}`)),
      h("div", { class: "stat" }, "Iterations", h("b", { id: "model-iterations" }, String(model.iterations))), h("div", { class: "stat" }, "Final loss", h("b", {}, num(model.finalLoss))),
      h("div", { class: "stat" }, "Trained from", h("a", { class: "mono", href: `#/task/${encodeURIComponent(model.taskId)}` }, model.taskId))),
    h("div", { class: "toolbar" }, aliasIn, h("button", { class: "primary", id: "promote", onclick: () => void promote() }, "Promote to alias"),
      h("span", { class: "muted", id: "model-aliases" }, aliases.filter((a) => a.modelId === model.id).map((a) => a.name).join(", ") || "no alias points here")),
    h("h2", {}, "Loss per iteration"), loss.length ? lineChart(loss.map((p) => ({ x: p.iteration, y: p.loss })), { id: "loss-chart" }) : h("p", { class: "muted", id: "loss-chart" }, "No loss curve: only an ALS TrainModel records one (a tuned model's trials record none)."),
    h("h2", {}, "Holdout metrics next to popularity"), metricBars(model.metrics, model.baselineMetrics),
    tune ? [h("h2", {}, "Tuning leaderboard"), leaderboardTable(tune.leaderboard || [], "leaderboard")] : "");
}

// ---------- workers & queue ----------
/** One cell per slot (filled: busy), or one proportional bar when there are too many to count. */
function slotsBar(busy, total) {
  const cells = total <= 32;
  const width = cells ? Math.max(total, 1) * 14 : 200;
  const svg = h("svg:svg", { class: "slots", width, height: 14, viewBox: `0 0 ${width} 14` }, h("svg:title", {}, `${busy} of ${total} slots busy`));
  if (cells) for (let i = 0; i < total; i++) svg.append(h("svg:rect", { class: i < busy ? "slot slot-busy" : "slot", x: i * 14 + 1, y: 1, width: 12, height: 12, rx: 2 }));
  else svg.append(h("svg:rect", { class: "slot", x: 0, y: 1, width, height: 12 }), h("svg:rect", { class: "slot slot-busy", x: 0, y: 1, width: total ? (width * Math.min(busy, total)) / total : 0, height: 12 }));
  return svg;
}

function workersTable(workers, heartbeatMs) {
  const since = (iso) => `${Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))} s ago`;
  const row = (w) => h("tr", { "data-worker-id": w.workerId, "data-slots-total": w.slotsTotal, "data-slots-busy": w.slotsBusy, "data-draining": w.draining ? "true" : "false" },
    h("td", { class: "mono" }, w.workerId, w.draining ? h("span", { class: "muted" }, " (draining)") : ""), h("td", {}, w.host), h("td", { class: "num" }, w.pid),
    h("td", {}, slotsBar(w.slotsBusy, w.slotsTotal), " ", h("span", { class: "slots-text" }, `${w.slotsBusy} / ${w.slotsTotal}`)), h("td", { class: "num" }, w.tasksRunning),
    h("td", { class: "mono" }, w.version), h("td", {}, new Date(w.startedAt).toLocaleString()), h("td", {}, since(w.updatedAt)));
  const empty = h("tr", {}, h("td", { colspan: "8", class: "muted" }, "No worker has reported in the last few seconds."));
  return [
    h("table", { id: "workers" }, h("thead", {}, h("tr", {}, ["Worker", "Host", "PID", "Slots (busy / total)", "Tasks running", "Version", "Started", "Last heartbeat"].map((c) => h("th", {}, c)))),
      h("tbody", {}, workers.length ? workers.map(row) : empty)),
    h("p", { class: "muted" }, `Each worker reports every ${Math.round(heartbeatMs / 1000)} s; one silent for ${Math.round((3 * heartbeatMs) / 1000)} s drops off the list.`),
  ];
}

async function workersPage() {
  const render = async () => {
    const [{ samples, lastError }, { workers, heartbeatMs }] = await Promise.all([api("/api/queue"), api("/api/workers")]);
    const last = samples[samples.length - 1] || {};
    const t0 = samples.length ? samples[0].timeMs : 0;
    const slots = workers.reduce((a, w) => [a[0] + w.slotsBusy, a[1] + w.slotsTotal], [0, 0]);
    setPage(h("h1", {}, "Workers & queue"),
      h("div", { class: "card grid" }, h("div", { class: "stat" }, "Waiting in queue", h("b", { id: "queue-pending" }, num(last.pending))), h("div", { class: "stat", title: "Task messages delivered to workers and not yet acknowledged: running, waiting for a thread (prefetch) or writing their outcome. The per-worker rows below count busy slots from each worker's heartbeat, sampled at another moment." }, "Delivered, not yet acked", h("b", {}, num(last.ackPending))),
        h("div", { class: "stat" }, "Workers (slots busy / total)", h("b", { id: "worker-count" }, `${workers.length} (${slots[0]} / ${slots[1]})`)),
        h("div", { class: "stat" }, "Idle worker pulls (free slots asking)", h("b", {}, num(last.waitingPulls))), h("div", { class: "stat" }, "Dead letters", h("b", {}, num(last.deadLetters)))),
      lastError ? h("p", { class: "error" }, lastError) : "",
      h("h2", {}, "Workers"), ...workersTable(workers, heartbeatMs),
      h("h2", {}, "Queue depth, last minutes (blue: waiting, amber: running)"),
      lineChart(samples.map((s) => ({ x: Math.round((s.timeMs - t0) / 1000), pending: s.pending, running: s.ackPending })), { id: "queue-chart", series: [["pending", "line"], ["running", "line2"]], minTop: 1, digits: 0 }),
      h("p", { class: "muted" }, "Sampled from the gateway's /metrics, the gauges Prometheus scrapes."));
  };
  await render();
  pageTimer = setInterval(() => void render().catch(showError), 2000);
}

// ---------- router ----------
async function route() {
  stopPage();
  const gen = ++routeGen;
  delete document.body.dataset.route;
  const [path, query] = (location.hash.slice(1) || "/tasks").split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean);
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.getAttribute("href").slice(2).split("/")[0] === (parts[0] === "task" ? "tasks" : parts[0] === "model" ? "models" : parts[0]));
  try {
    switch (parts[0]) {
      case "task": return await taskPage(decodeURIComponent(parts[1]));
      case "dead-letters": return await deadLettersPage(params);
      case "datasets": return await datasetsPage(params);
      case "models": return await modelsPage(params);
      case "model": return await modelPage(decodeURIComponent(parts[1]));
      case "workers": return await workersPage();
      default: return await tasksPage(params);
    }
  } catch (err) {
    if (session && !(err instanceof StaleRead)) setPage(h("p", { class: "error" }, err.message));
  } finally {
    // Which page is on screen, once it is (tests wait for it rather than for a fixed time).
    if (gen === routeGen) document.body.dataset.route = location.hash || "#/tasks";
  }
}

/** Milliseconds from navigation start to the first usable page, for the pace test. */
function markReady() {
  if (!document.body.dataset.readyMs) document.body.dataset.readyMs = String(Math.round(performance.now()));
}

function start() {
  document.getElementById("nav").hidden = false;
  document.getElementById("who").replaceChildren(h("span", { class: "muted" }, `tenant ${session.tenant} `), h("button", { id: "logout", onclick: async () => { await api("/api/logout", { method: "POST" }).catch(() => undefined); showLogin(); } }, "Log out"));
  void route().then(markReady);
}

window.addEventListener("hashchange", () => { if (session) void route(); });
window.addEventListener("DOMContentLoaded", async () => {
  const doc = await (await fetch("/api/session", { credentials: "same-origin" })).json();
  if (doc.loggedIn) { session = doc; start(); } else showLogin();
});
