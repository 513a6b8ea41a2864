// The compliance tab (合规): where the project stands from design review to operation,
// drawn as a row of stages; the steps the user may take now; where the site differs from
// the approved design; the checker's latest report (pass / fail / advisory with evidence,
// drawn as a bar), run again, downloaded as signed HTML or PDF, or a file checked against
// its signature. Orders, the operating status and work orders are in compliance-work.js.

import { errorText } from "./alarm-actions.js";
import { api, downloadFile, session } from "./api.js";
import { $, fill, formatShort, h, s } from "./dom.js";
import { t, tOr } from "./i18n.js";
import { toast } from "./toast.js";
import { STAGE_ORDER } from "./compliance-strings.js";
import { may, refreshWork, workSections } from "./compliance-work.js";
import { poller } from "./poller.js";

const view = { root: null, project: null, report: null };
const POLL_MS = 20000;
const polling = poller(() => refresh(), POLL_MS);
const COLOURS = { pass: "#2e9d4a", fail: "#d64541", advisory: "#d08a1b" };
// The steps each side may take from a stage (the server refuses the rest with a reason).
const NEXT = {
  draft: ["submit_design"], design_returned: ["submit_design"], design_submitted: ["review"],
  design_approved: ["start_construction"], construction: ["start_trial"], trial_run: ["finish_trial"],
  trial_done: ["accept"], accepted: ["inspect"], operating: ["register"],
};
const POLICE_STEPS = new Set(["review", "inspect"]);
const VERDICTS = { review: ["approve", "return"], accept: ["pass", "basic_pass", "fail"], inspect: ["pass", "fail"] };

function section(id, title, ...body) {
  return h("section", { id, class: "center-section" }, h("h3", {}, t(title)), ...body);
}

function build() {
  fill(view.root, h("div", { class: "center-grid" },
    section("comp-project", "comp.stage",
      h("div", { id: "comp-stepper", class: "comp-stepper" }),
      h("div", { id: "comp-project-notes", class: "muted" }),
      h("div", { id: "comp-step-form" }),
      h("details", { id: "comp-diff" }, h("summary", { id: "comp-diff-title" }), h("ul", { id: "comp-diff-list" })),
      h("details", {}, h("summary", {}, t("comp.steps")),
        h("table", { class: "grid small" }, h("tbody", { id: "comp-steps" })))),
    section("comp-report", "comp.report",
      h("div", { class: "filters wrap" },
        h("button", { type: "button", id: "comp-run", class: "primary", onclick: runChecker }, t("comp.run")),
        h("button", { type: "button", id: "comp-html", onclick: () => download("html") }, t("comp.html")),
        h("button", { type: "button", id: "comp-pdf", onclick: () => download("pdf") }, t("comp.pdf")),
        h("label", { class: "inline" }, t("comp.verify"),
          h("input", { type: "file", id: "comp-verify", accept: ".html,.pdf", onchange: verifyFile }))),
      h("div", { id: "comp-report-meta", class: "muted" }),
      h("div", { id: "comp-bar" }),
      h("div", { class: "scroll" }, h("table", { class: "grid small", id: "comp-results" },
        h("thead", {}, h("tr", {}, ["comp.col.rule", "comp.col.title", "comp.col.state", "comp.col.summary", "comp.col.source"].map((k) => h("th", {}, t(k))))),
        h("tbody", { id: "comp-result-rows" })))),
    ...workSections()));
}

// ------------------------------------------------------------------ project

function renderProject() {
  const p = view.project;
  if (!p) return;
  const at = STAGE_ORDER.indexOf(p.stage === "design_returned" ? "design_submitted" : p.stage);
  fill($("#comp-stepper"), STAGE_ORDER.map((stage, i) => h("span", {
    class: `comp-stage ${i < at ? "done" : ""} ${i === at ? "now" : ""}`, dataset: { stage },
  }, tOr(`comp.stage.${stage}`, stage))));
  const notes = [];
  if (p.stage === "design_returned") notes.push(t("comp.returned"));
  if (p.pending_changes) notes.push(t("comp.pending", { n: p.pending_changes }));
  if (p.registration_due) {
    notes.push(t(p.registration_overdue ? "comp.regover" : "comp.regdue", { date: p.registration_due.slice(0, 10) }));
  }
  fill($("#comp-project-notes"), notes.join(" · "));
  fill($("#comp-diff-title"), p.approved_design
    ? (p.differences.length ? t("comp.diff", { n: p.differences.length }) : t("comp.diff.none")) : "");
  $("#comp-diff").hidden = !p.approved_design;
  $("#comp-diff").classList.toggle("bad", p.differences.length > 0);
  fill($("#comp-diff-list"), p.differences.map((d) => h("li", {}, d)));
  fill($("#comp-steps"), p.steps.slice().reverse().map((st) => h("tr", {},
    h("td", {}, formatShort(st.at)), h("td", {}, tOr(`comp.action.${st.action}`, st.action)),
    h("td", {}, st.detail?.verdict ? tOr(`comp.step.${st.detail.verdict}`, st.detail.verdict) : ""),
    h("td", {}, st.detail?.opinion || ""), h("td", {}, st.actor.replace(/^user:/, "")))));
  renderStepForm(p);
}

function renderStepForm(p) {
  const actions = (NEXT[p.stage] ?? []).filter((a) => (POLICE_STEPS.has(a) ? may.inspect() : may.manage()));
  fill($("#comp-step-form"), actions.map((action) => h("form", { class: "filters wrap", dataset: { action }, onsubmit: (e) => takeStep(e, action) },
    h("strong", {}, t("comp.step.do", { action: t(`comp.action.${action}`) })),
    action === "submit_design" ? h("label", {}, t("comp.step.design"), h("input", { type: "file", name: "design", accept: ".yaml,.yml", required: true })) : null,
    VERDICTS[action] ? h("select", { name: "verdict" }, VERDICTS[action].map((v) => h("option", { value: v }, t(`comp.step.${v}`)))) : null,
    action === "accept" ? h("textarea", { name: "panel", rows: 3, cols: 40, placeholder: t("comp.step.panel"), required: true }) : null,
    h("input", { name: "opinion", maxlength: 2000, placeholder: t("comp.step.opinion"), size: 30 }),
    h("button", { type: "submit", class: "primary" }, t(`comp.action.${action}`)))));
}

async function takeStep(e, action) {
  e.preventDefault();
  const f = e.target;
  const body = { action, opinion: f.opinion.value.trim() };
  if (f.verdict) body.verdict = f.verdict.value;
  if (f.panel) {
    body.panel = f.panel.value.split("\n").map((l) => l.split(/[,，]/).map((x) => x.trim())).filter((x) => x[0])
      .map(([name, unit = "", expert = ""]) => ({ name, unit, expert: /^(是|yes|y|1|专家)$/i.test(expert) }));
  }
  if (f.design) body.document = { kind: "design", title: "设计方案", body: await f.design.files[0].text() };
  try {
    await api("/compliance/project/steps", { method: "POST", body });
    toast(t("comp.step.done", { action: t(`comp.action.${action}`) }), "ok");
  } catch (err) {
    toast(errorText(err), "error");
  }
  refresh();
}

// ------------------------------------------------------------------ report

function bar(tally) {
  const total = Math.max(1, tally.pass + tally.fail + tally.advisory);
  let x = 0;
  const parts = ["pass", "fail", "advisory"].map((k) => {
    const w = (600 * tally[k]) / total;
    const rect = s("rect", { x, y: 0, width: w, height: 18, fill: COLOURS[k] }, s("title", {}, `${t(`comp.st.${k}`)} ${tally[k]}`));
    const label = tally[k] ? s("text", { x: x + 4, y: 13, fill: "#fff", "font-size": 11 }, `${t(`comp.st.${k}`)} ${tally[k]}`) : null;
    x += w;
    return [rect, label];
  });
  return s("svg", { viewBox: "0 0 600 18", class: "comp-bar", role: "img", "aria-label": t("comp.tally", tally) }, parts.flat());
}

function renderReport() {
  const r = view.report;
  for (const id of ["#comp-html", "#comp-pdf"]) $(id).disabled = !r;
  if (!r) {
    fill($("#comp-report-meta"), t("comp.report.none"));
    fill($("#comp-bar"));
    fill($("#comp-result-rows"));
    return;
  }
  fill($("#comp-report-meta"), t("comp.meta", { id: r.id, when: formatShort(r.generated_at), who: r.generated_by.replace(/^user:/, ""), book: r.rulebook, obliged: r.obliged.text }),
    h("div", { class: `comp-verdict comp-${r.tally.mandatory_fail ? "fail" : "pass"}` }, t("comp.tally", r.tally)));
  fill($("#comp-bar"), bar(r.tally));
  fill($("#comp-result-rows"), r.results.map((x) => h("tr", { class: `comp-${x.state}`, dataset: { rule: x.rule, state: x.state } },
    h("td", {}, x.rule), h("td", {}, x.title, h("div", { class: "muted" }, t(`comp.strength.${x.strength}`))),
    h("td", { class: "comp-state" }, t(`comp.st.${x.state}`)),
    h("td", {}, x.summary, x.evidence.length ? h("details", {}, h("summary", {}, `${x.evidence.length}`),
      h("ul", {}, x.evidence.map((e) => h("li", {}, e)))) : null),
    h("td", {}, x.source, h("div", { class: "muted" }, t(`comp.conf.${x.confidence}`))))));
}

async function runChecker() {
  $("#comp-run").disabled = true;
  try {
    const brief = await api("/compliance/reports", { method: "POST", body: { mode: "live" } });
    toast(t("comp.run.done", { id: brief.id, verdict: brief.verdict }), "ok");
  } catch (err) {
    toast(errorText(err), "error");
  } finally {
    $("#comp-run").disabled = false;
  }
  refresh();
}

function download(fmt) {
  if (!view.report) return;
  downloadFile(`/compliance/reports/${view.report.id}/file?format=${fmt}`, `anfang-compliance-${view.report.id}.${fmt}`)
    .catch((err) => toast(errorText(err), "error"));
}

async function verifyFile(e) {
  const file = e.target.files[0];
  if (!file) return;
  // The file's raw bytes as the body (api() speaks JSON).
  const resp = await fetch("/api/v1/compliance/reports/verify", { method: "POST", body: await file.arrayBuffer(),
    headers: { Authorization: `Bearer ${session()?.access_token ?? ""}`, "Content-Type": "application/octet-stream" } });
  const v = await resp.json();
  if (v.valid) toast(t("comp.verify.ok", { id: v.report_id }), "ok");
  else toast(t("comp.verify.bad", { reason: v.reason ?? v.detail }), "error");
  e.target.value = "";
}

// ------------------------------------------------------------------ lifecycle

async function refresh() {
  try {
    const [project, reports] = await Promise.all([api("/compliance/project"), api("/compliance/reports")]);
    view.project = project;
    view.report = reports.length ? await api(`/compliance/reports/${reports[0].id}`) : null;
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  renderProject();
  renderReport();
  await refreshWork();
}

export function init() {
  view.root = $("#panel-compliance");
  build();
}

export function show() {
  polling.start();
}

export function hide() {
  polling.stop();
}

export function rerender() {
  build();
  renderProject();
  renderReport();
  refreshWork();
}
