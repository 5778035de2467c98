// The Skillpath dashboard: company KPIs and a module's drop-off curve, pushed live over
// graphql-transport-ws (kpiUpdated, moduleInsightsUpdated). No build step, no network
// beyond this server. A bearer token comes from ?token= or the token field and is sent as
// the connection_init payload and as the Authorization header of plain queries.
"use strict";

const KPIS = [
  ["completionRate", "Completion rate", "percent"],
  ["dropOffMinutes", "Drop-off (median minute)", "minutes"],
  ["enps", "eNPS", "score"],
  ["internalHiringShare", "Internal hiring share", "percent"],
  ["adoption", "Adoption", "percent"],
  ["recommendationAcceptance", "Recommendation acceptance", "percent"],
];
const FIGURE = "{ value numerator denominator people suppressed }";
const KPI_SUBSCRIPTION = `subscription Kpis($window: KpiWindowInput) {
  kpiUpdated(window: $window, groupBy: COMPANY) {
    position minGroupSize window { label from to }
    groups { key size suppressed figures { ${KPIS.map(([name]) => name + " " + FIGURE).join(" ")} } }
  }
}`;
const MODULE_SUBSCRIPTION = `subscription Module($id: ID!, $window: KpiWindowInput) {
  moduleInsightsUpdated(moduleId: $id, window: $window) {
    position title minutes learners suppressed
    dropOffMinutes ${FIGURE} completionRate ${FIGURE}
    dropOffDistribution { fromMinute toMinute count }
  }
}`;

const params = new URLSearchParams(location.search);
const tokenField = document.getElementById("token");
tokenField.value = params.get("token") || "";
const history = Object.fromEntries(KPIS.map(([name]) => [name, [[], []]]));
const charts = {};
let client = null;
let stopKpis = () => {};
let stopModule = () => {};
let dropChart = null;

function show(value, kind) {
  if (value === null || value === undefined) return "–";
  if (kind === "percent") return (value * 100).toFixed(1) + " %";
  if (kind === "minutes") return value.toFixed(1) + " min";
  return value.toFixed(1);
}

function card(name, title) {
  const element = document.createElement("article");
  element.className = "card";
  element.id = "kpi-" + name;
  element.innerHTML = `<h3>${title}</h3><div class="value">–</div><div class="detail"></div>
    <div class="chart"></div>`;
  document.getElementById("cards").append(element);
  charts[name] = new uPlot({
    width: 260, height: 70, legend: { show: false }, cursor: { show: false },
    scales: { x: { time: true }, y: { range: (u, min, max) => [Math.min(0, min), Math.max(1, max)] } },
    axes: [{ show: false }, { size: 36, font: "10px system-ui" }],
    series: [{}, { stroke: "#3465a4", width: 2, fill: "#3465a422" }],
  }, history[name], element.querySelector(".chart"));
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

function onReport(report) {
  const position = document.getElementById("position");
  position.dataset.position = report.position;
  position.textContent = "position " + report.position;
  const company = report.groups[0];
  const now = Date.now() / 1000;
  for (const [name, , kind] of KPIS) {
    const element = document.getElementById("kpi-" + name);
    const figure = company && company.figures ? company.figures[name] : null;
    const suppressed = !company || company.suppressed || (figure && figure.suppressed);
    element.classList.toggle("suppressed", Boolean(suppressed));
    element.querySelector(".value").textContent = suppressed ? "hidden" : show(figure && figure.value, kind);
    element.querySelector(".detail").textContent = suppressed
      ? `fewer than ${report.minGroupSize} people`
      : figure && figure.denominator !== null ? `${figure.numerator ?? ""}${figure.numerator !== null ? " / " : "n = "}${figure.denominator} · ${figure.people} people` : "";
    if (!suppressed && figure && figure.value !== null) {
      history[name][0].push(now);
      history[name][1].push(kind === "percent" ? figure.value * 100 : figure.value);
      charts[name].setData(history[name]);
    }
  }
}

function onInsights(insights) {
  const summary = document.getElementById("module-summary");
  const median = insights.dropOffMinutes;
  summary.textContent = insights.suppressed
    ? `${insights.title}: hidden, fewer learners than the minimum group size`
    : `${insights.title} (${insights.minutes} min): median drop-off at ${show(median && median.value, "minutes")}, ` +
      `${insights.learners} learners, completion ${show(insights.completionRate && insights.completionRate.value, "percent")}`;
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

function connect() {
  stopKpis(); stopModule();
  if (client) client.dispose();
  const token = tokenField.value.trim();
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
  client = graphqlWs.createClient({
    url, connectionParams: token ? { token } : {}, retryAttempts: Infinity, lazy: false,
    on: {
      connected: () => setStatus("live", "live"),
      closed: () => setStatus("reconnecting", "connecting"),
      error: () => setStatus("connection error", "error"),
    },
  });
  const span = { kind: document.getElementById("window").value };
  stopKpis = client.subscribe({ query: KPI_SUBSCRIPTION, variables: { window: span } }, {
    next: (result) => result.errors ? showError(result.errors[0].message) : onReport(result.data.kpiUpdated),
    error: (error) => showError(Array.isArray(error) ? error[0].message : String(error.reason || error)),
    complete: () => {},
  });
  watchModule();
}

function watchModule() {
  stopModule();
  const id = document.getElementById("module").value;
  if (!id || !client) return;
  const span = { kind: document.getElementById("window").value };
  stopModule = client.subscribe({ query: MODULE_SUBSCRIPTION, variables: { id, window: span } }, {
    next: (result) => result.errors ? showError(result.errors[0].message) : onInsights(result.data.moduleInsightsUpdated),
    error: (error) => showError(Array.isArray(error) ? error[0].message : String(error.reason || error)),
    complete: () => {},
  });
}

async function loadModules() {
  const token = tokenField.value.trim();
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: "Bearer " + token } : {}) },
    body: JSON.stringify({ query: "{ modules(first: 100) { edges { node { id title } } } }" }),
  });
  const body = await response.json();
  if (body.errors) { showError(body.errors[0].message); return; }
  const select = document.getElementById("module");
  for (const { node } of body.data.modules.edges) {
    const option = document.createElement("option");
    option.value = node.id;
    option.textContent = node.title;
    select.append(option);
  }
  const chosen = params.get("module") || (body.data.modules.edges[0] && body.data.modules.edges[0].node.id);
  if (chosen) { select.value = chosen; watchModule(); }
}

for (const [name, title] of KPIS) card(name, title);
document.getElementById("window").addEventListener("change", connect);
document.getElementById("module").addEventListener("change", () => { dropChart = null; document.getElementById("dropoff-chart").innerHTML = ""; watchModule(); });
tokenField.addEventListener("change", connect);
connect();
loadModules().catch((error) => showError(String(error)));
