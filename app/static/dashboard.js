// The Skillpath dashboard for HR, leadership and the works council: KPI trends from the
// server's history with the previous period and the target, the pilot against the rest,
// departments under the k rule, and the modules that need attention first. Everything it
// shows is an aggregate; it loads nothing from outside this server. The sign-in token comes
// from the page's link (?token=... or #token=...) or the identity provider's redirect
// (#access_token=...), is kept for this tab only and removed from the address bar.
"use strict";

const KPIS = [
  ["COMPLETION_RATE", "Completion rate", "percent"],
  ["ENPS", "eNPS", "score"],
  ["TIME_TO_PRODUCTIVITY_DAYS", "Time to productivity", "days"],
  ["ADOPTION", "Adoption", "percent"],
  ["RECOMMENDATION_ACCEPTANCE", "Recommendation acceptance", "percent"],
  ["INTERNAL_HIRING_SHARE", "Internal hiring share", "percent"],
  ["LEARNING_HOURS_PER_EMPLOYEE", "Learning hours per employee", "hours"],
  ["ROI_PERCENT", "Programme ROI", "roi"],
];
const LOWER_IS_BETTER = new Set(["TIME_TO_PRODUCTIVITY_DAYS", "DROP_OFF_MINUTES"]);
const POINT = "period figure { value people suppressed }";
const HISTORY = `subscription History($interval: KpiInterval!, $kpis: [KpiName!]) {
  kpiHistoryUpdated(interval: $interval, kpis: $kpis) {
    minGroupSize
    series { kpi change current { ${POINT} } previous { ${POINT} }
      target { description targetValue deadline } points { ${POINT} } }
  }
}`;
const DEPARTMENTS = `query Departments {
  kpiHistory(groupBy: DEPARTMENT, interval: MONTH, kpis: [COMPLETION_RATE, ENPS, ADOPTION, LEARNING_HOURS_PER_EMPLOYEE]) {
    minGroupSize series { kpi key label current { ${POINT} groupSize } }
  }
}`;
const MODULES = `query Modules {
  kpis(groupBy: MODULE, window: { kind: LAST_90_DAYS }) {
    minGroupSize
    groups { key label size suppressed figures {
      completionRate { value people } dropOffMinutes { value people }
      feedbackSentiment { value people } averageRating { value people } } }
  }
  modules(first: 100) { edges { node { id title minutes } } }
}`;
const PROGRAMMES = `query Programmes { programmes { id name cohortSize currentPhase } }`;
const PILOT = `query Pilot($id: ID!) {
  pilotComparison(programmeId: $id, window: { kind: LAST_90_DAYS }) {
    cohortSize comparisonSize window { label }
    kpis { kpi cohort { value people } comparison { value people } difference { value low high } }
  }
}`;
const INSIGHTS = `subscription Module($id: ID!) {
  moduleInsightsUpdated(moduleId: $id, window: { kind: LAST_90_DAYS }) {
    title minutes learners suppressed dropOffMinutes { value } completionRate { value }
    dropOffDistribution { fromMinute toMinute count }
  }
}`;
const TITLES = Object.fromEntries(KPIS.map(([kpi, title, kind]) => [kpi, [title, kind]]));
Object.assign(TITLES, { DROP_OFF_MINUTES: ["Drop-off", "minutes"], AVERAGE_RATING: ["Rating", "score"],
  FEEDBACK_SENTIMENT: ["Sentiment", "score"] });

const token = signInToken();
const charts = {};
let client = null;
let stopHistory = () => {};
let stopModule = () => {};
let dropChart = null;
let refreshing = null;

// The token comes from the link (?token= or #token=) or from the identity provider's
// redirect back to this page: an OAuth 2.0 / OpenID Connect implicit response puts it in
// the fragment as #access_token=... (or #id_token=...), which Skillpath verifies against
// SKILLPATH_JWKS_URL like any bearer token. There is no field to paste one into.
function signInToken() {
  const query = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = query.get("token") || fragment.get("token")
    || fragment.get("access_token") || fragment.get("id_token");
  if (given) {
    sessionStorage.setItem("skillpath-token", given);
    query.delete("token");
    const rest = query.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
  }
  return given || sessionStorage.getItem("skillpath-token") || "";
}

function show(value, kind) {
  if (value === null || value === undefined) return "–";
  if (kind === "percent") return (value * 100).toFixed(1) + " %";
  if (kind === "roi") return value.toFixed(0) + " %";
  if (kind === "days") return value.toFixed(0) + " days";
  if (kind === "minutes") return value.toFixed(0) + " min";
  if (kind === "hours") return value.toFixed(1) + " h";
  return value.toFixed(1);
}

function plotted(value, kind) { return kind === "percent" ? value * 100 : value; }

function card(kpi, title) {
  const element = document.createElement("article");
  element.className = "card";
  element.id = "kpi-" + kpi;
  element.innerHTML = `<h3>${title}</h3><div class="value">–</div><div class="previous"></div>
    <div class="target"></div><div class="chart"></div>`;
  document.getElementById("cards").append(element);
}

function sparkline(kpi, element, xs, ys) {
  if (charts[kpi]) { charts[kpi].setData([xs, ys]); return; }
  charts[kpi] = new uPlot({
    width: 260, height: 70, legend: { show: false }, cursor: { show: false },
    scales: { x: { time: false } },
    axes: [{ show: false }, { size: 40, font: "10px system-ui" }],
    series: [{}, { stroke: "#3465a4", width: 2, fill: "#3465a422", spanGaps: true,
      points: { show: true, size: 4 } }],
  }, [xs, ys], element.querySelector(".chart"));
}

function setStatus(text, state) {
  const element = document.getElementById("status");
  element.textContent = text;
  element.className = "status " + state;
}

function showError(message) {
  const element = document.getElementById("error");
  element.hidden = !message;
  element.textContent = message || "";
}

function onHistory(report) {
  for (const series of report.series) {
    const element = document.getElementById("kpi-" + series.kpi);
    if (!element) continue;
    const kind = TITLES[series.kpi][1];
    const now = series.current ? series.current.figure : null;
    const hidden = now && now.suppressed;
    element.classList.toggle("suppressed", Boolean(hidden));
    element.querySelector(".value").textContent = hidden ? "hidden" : show(now && now.value, kind);
    const before = series.previous ? series.previous.figure.value : null;
    const change = series.change;
    const better = change === null ? "" : (LOWER_IS_BETTER.has(series.kpi) ? change < 0 : change > 0) ? "up" : "down";
    element.querySelector(".previous").innerHTML = hidden
      ? `fewer than ${report.minGroupSize} people this period`
      : `previous period ${show(before, kind)}` +
        (change === null ? "" : ` <span class="${better}">(${change > 0 ? "+" : ""}${show(change, kind === "roi" ? "roi" : kind === "percent" ? "percent" : "score")})</span>`);
    const target = element.querySelector(".target");
    if (series.target) {
      const goal = series.target.targetValue;
      const reached = goal !== null && now && now.value !== null &&
        (LOWER_IS_BETTER.has(series.kpi) ? now.value <= goal : now.value >= goal);
      target.textContent = `target ${goal === null ? series.target.description : show(goal, kind)} by ${series.target.deadline}`;
      target.className = "target " + (reached ? "met" : "behind");
    } else {
      target.textContent = "no target set";
      target.className = "target";
    }
    const xs = series.points.map((_, i) => i);
    const ys = series.points.map((p) => (p.figure.value === null ? null : plotted(p.figure.value, kind)));
    sparkline(series.kpi, element, xs, ys);
    element.dataset.points = String(ys.filter((y) => y !== null).length);
  }
  scheduleRefresh();
}

function scheduleRefresh() {
  if (refreshing) return;
  refreshing = setTimeout(() => {
    refreshing = null;
    Promise.all([loadDepartments(), loadModules(), loadPilot()])
      .catch((error) => showError(String(error.message || error)));
  }, 300);
}

async function query(text, variables) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: "Bearer " + token } : {}) },
    body: JSON.stringify({ query: text, variables: variables || {} }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(body.errors[0].message);
  return body.data;
}

async function loadDepartments() {
  const data = (await query(DEPARTMENTS)).kpiHistory;
  const kpis = [...new Set(data.series.map((s) => s.kpi))];
  const rows = {};
  for (const s of data.series) (rows[s.label] = rows[s.label] || {})[s.kpi] = s.current;
  const table = document.getElementById("department-table");
  table.querySelector("thead").innerHTML = "<tr><th>Department</th><th>People</th>" +
    kpis.map((k) => `<th>${TITLES[k][0]}</th>`).join("") + "</tr>";
  table.querySelector("tbody").innerHTML = Object.entries(rows).map(([label, byKpi]) => {
    const size = Object.values(byKpi)[0].groupSize;
    const cells = kpis.map((k) => {
      const f = byKpi[k].figure;
      return f.suppressed || size === null ? `<td class="hidden">hidden (under ${data.minGroupSize})</td>` : `<td>${show(f.value, TITLES[k][1])}</td>`;
    }).join("");
    return `<tr><td>${label}</td><td>${size === null ? "hidden" : size}</td>${cells}</tr>`;
  }).join("");
}

function attention(group, minutes) {
  const f = group.figures;
  const reasons = [];
  let score = 0;
  if (f.dropOffMinutes && f.dropOffMinutes.value !== null && minutes) {
    const share = f.dropOffMinutes.value / minutes;
    score += 1 - Math.min(1, share);
    reasons.push(`most who stop leave after ${f.dropOffMinutes.value.toFixed(0)} of ${minutes} minutes`);
  }
  if (f.feedbackSentiment && f.feedbackSentiment.value !== null && f.feedbackSentiment.value < 0) {
    score += -f.feedbackSentiment.value * 2;
    reasons.push(`feedback is critical (sentiment ${f.feedbackSentiment.value.toFixed(2)}): learners ask for changes`);
  }
  if (f.completionRate && f.completionRate.value !== null) {
    score += 1 - f.completionRate.value;
    if (f.completionRate.value < 0.5) reasons.push(`only ${(f.completionRate.value * 100).toFixed(0)} % complete it`);
  }
  return { score, reasons };
}

async function loadModules() {
  const data = await query(MODULES);
  const minutes = Object.fromEntries(data.modules.edges.map(({ node }) => [node.id, node.minutes]));
  const ranked = data.kpis.groups
    .filter((g) => !g.suppressed && g.size > 0 && g.figures)
    .map((g) => ({ group: g, ...attention(g, minutes[g.key]) }))
    .sort((a, b) => b.score - a.score);
  const list = document.getElementById("module-list");
  const chosen = list.dataset.chosen || (ranked[0] && ranked[0].group.key) || "";
  list.innerHTML = "";
  for (const { group, reasons } of ranked.slice(0, 8)) {
    const item = document.createElement("li");
    item.dataset.module = group.key;
    item.textContent = `${group.label} (${group.size} learners): ${reasons.join("; ") || "no warning signs"}`;
    item.classList.toggle("chosen", group.key === chosen);
    item.addEventListener("click", () => { list.dataset.chosen = group.key; watchModule(group.key); loadModules(); });
    list.append(item);
  }
  if (!ranked.length) list.innerHTML = `<li>No module has ${data.kpis.minGroupSize} or more learners yet.</li>`;
  if (chosen && list.dataset.watching !== chosen) watchModule(chosen);
}

async function loadPilot() {
  const programmes = (await query(PROGRAMMES)).programmes.filter((p) => p.cohortSize > 0);
  const table = document.getElementById("pilot-table");
  if (!programmes.length) return;
  const programme = programmes[0];
  document.getElementById("pilot-name").textContent = `${programme.name} (${(programme.currentPhase || "done").toLowerCase()} phase)`;
  let found;
  try { found = (await query(PILOT, { id: programme.id })).pilotComparison; } catch (error) {
    document.getElementById("pilot-summary").textContent = error.message; table.hidden = true; return;
  }
  document.getElementById("pilot-summary").textContent =
    `${found.cohortSize} in the pilot against ${found.comparisonSize} others, ${found.window.label}.`;
  table.hidden = false;
  table.querySelector("tbody").innerHTML = found.kpis.map((k) => {
    const [title, kind] = TITLES[k.kpi] || [k.kpi, "score"];
    const d = k.difference;
    const range = d && d.low !== null ? ` (${show(d.low, kind)} to ${show(d.high, kind)})` : "";
    return `<tr><td>${title}</td><td>${k.cohort ? show(k.cohort.value, kind) : "hidden"}</td>` +
      `<td>${k.comparison ? show(k.comparison.value, kind) : "hidden"}</td>` +
      `<td>${d ? show(d.value, kind) + range : "–"}</td></tr>`;
  }).join("");
}

function onInsights(insights) {
  document.getElementById("module-title").textContent = `Drop-off curve: ${insights.title}`;
  const summary = document.getElementById("module-summary");
  summary.textContent = insights.suppressed
    ? `${insights.title}: hidden, fewer learners than the minimum group size`
    : `${insights.learners} learners; half of those who gave up had left by minute ` +
      `${show(insights.dropOffMinutes && insights.dropOffMinutes.value, "score")} of ${insights.minutes}; ` +
      `completion ${show(insights.completionRate && insights.completionRate.value, "percent")}`;
  const buckets = insights.dropOffDistribution;
  const data = [buckets.map((b) => b.fromMinute), buckets.map((b) => b.count)];
  const target = document.getElementById("dropoff-chart");
  if (!dropChart) {
    dropChart = new uPlot({
      width: Math.min(900, target.clientWidth || 900), height: 220, legend: { show: false },
      scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      axes: [{ label: "minute the learner stopped at" }, { label: "dropped enrolments" }],
      series: [{}, { stroke: "#c0392b", fill: "#c0392b55", paths: uPlot.paths.bars({ size: [0.9] }) }],
    }, data, target);
  } else {
    dropChart.setData(data);
  }
}

function watchModule(id) {
  stopModule();
  const list = document.getElementById("module-list");
  list.dataset.watching = id;
  dropChart = null;
  document.getElementById("dropoff-chart").innerHTML = "";
  stopModule = client.subscribe({ query: INSIGHTS, variables: { id } }, {
    next: (result) => result.errors ? showError(result.errors[0].message) : onInsights(result.data.moduleInsightsUpdated),
    error: (error) => showError(Array.isArray(error) ? error[0].message : String(error.reason || error)),
    complete: () => {},
  });
}

function connect() {
  stopHistory(); stopModule();
  if (client) client.dispose();
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
  client = graphqlWs.createClient({
    url, connectionParams: { token }, retryAttempts: Infinity, lazy: false,
    on: {
      connected: () => setStatus("live", "live"),
      closed: () => setStatus("reconnecting", "connecting"),
      error: () => setStatus("connection error", "error"),
    },
  });
  const interval = document.getElementById("interval").value;
  stopHistory = client.subscribe({ query: HISTORY, variables: { interval, kpis: KPIS.map(([k]) => k) } }, {
    next: (result) => result.errors ? showError(result.errors[0].message) : onHistory(result.data.kpiHistoryUpdated),
    error: (error) => showError(Array.isArray(error) ? error[0].message : String(error.reason || error)),
    complete: () => {},
  });
  document.getElementById("module-list").dataset.watching = "";
}

for (const [kpi, title] of KPIS) card(kpi, title);
if (!token) {
  document.getElementById("signin").hidden = false;
  setStatus("not signed in", "error");
} else {
  document.getElementById("interval").addEventListener("change", () => {
    for (const kpi of Object.keys(charts)) { charts[kpi].destroy(); delete charts[kpi]; }
    connect();
  });
  connect();
}
