// Administration in the monitoring centre tab: the audit log with its verification (for
// auditors, police inspectors and administrators; reading it is itself audited) and the
// alarm definitions (priority, time to acknowledge, procedure, on or off; supervisors and
// administrators edit them, every edit audited on the server).

import { errorText } from "./alarm-actions.js";
import { api } from "./api.js";
import { $, fill, formatTime, h } from "./dom.js";
import { addStrings, t } from "./i18n.js";
import { kindLabel, state } from "./state.js";
import { toast } from "./toast.js";

const ZH = {
  "admin.audit": "审计日志",
  "admin.verify": "校验完整性",
  "admin.verifyOk": "校验通过：{n} 条记录、{c} 个签名检查点完整",
  "admin.verifyBad": "校验失败：第 {seq} 条起不一致（{reason}）",
  "admin.filter": "按操作筛选（如 alarm.、video.）",
  "admin.more": "更早的记录",
  "admin.defs": "报警定义",
  "admin.priority": "优先级",
  "admin.ackTimeout": "确认时限（秒）",
  "admin.enabled": "启用",
  "admin.procedure": "处置流程",
  "admin.saved": "已保存：{name}",
};

const EN = {
  "admin.audit": "Audit log",
  "admin.verify": "Verify",
  "admin.verifyOk": "Verified: {n} entries and {c} signed checkpoints intact",
  "admin.verifyBad": "Verification failed from entry {seq} on ({reason})",
  "admin.filter": "Filter by action (alarm., video., …)",
  "admin.more": "Older entries",
  "admin.defs": "Alarm definitions",
  "admin.priority": "Priority",
  "admin.ackTimeout": "Time to acknowledge (s)",
  "admin.enabled": "On",
  "admin.procedure": "Procedure",
  "admin.saved": "Saved: {name}",
};

addStrings(ZH, EN);

const view = { entries: [], next: null };
const role = () => state.user?.role;
const canAudit = () => ["admin", "police_inspector", "auditor"].includes(role());
const canEditDefs = () => ["admin", "supervisor"].includes(role());

export function adminSections() {
  return [
    h("section", { id: "center-audit", class: "center-section", hidden: true },
      h("h3", {}, t("admin.audit"),
        h("button", { type: "button", id: "audit-verify", class: "inline-act", onclick: verify }, t("admin.verify"))),
      h("p", { id: "audit-verdict", class: "muted" }),
      h("div", { class: "filters wrap" }, h("input", { id: "audit-action", type: "search", placeholder: t("admin.filter"), onchange: () => loadAudit(false) })),
      h("div", { class: "scroll audit-scroll" }, h("table", { class: "grid small" }, h("tbody", { id: "audit-rows" }))),
      h("button", { type: "button", id: "audit-more", hidden: true, onclick: () => loadAudit(true) }, t("admin.more"))),
    h("section", { id: "center-defs", class: "center-section" },
      h("h3", {}, t("admin.defs")),
      h("table", { class: "grid small" }, h("tbody", { id: "defs-rows" }))),
  ];
}

export async function refreshAdmin() {
  $("#center-audit").hidden = !canAudit();
  const jobs = [loadDefs()];
  if (canAudit()) jobs.push(loadAudit(false));
  await Promise.allSettled(jobs);
}

async function loadAudit(more) {
  try {
    const page = await api("/audit", { query: { action: $("#audit-action").value.trim() || null, before: more ? view.next : null, limit: 100 } });
    view.entries = more ? [...view.entries, ...page.items] : page.items;
    view.next = page.next_before;
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  fill($("#audit-rows"), view.entries.map((e) => h("tr", {},
    h("td", {}, String(e.seq)), h("td", {}, formatTime(e.at)), h("td", {}, String(e.actor).replace(/^user:/, "")),
    h("td", {}, e.action), h("td", {}, e.target ?? ""))));
  $("#audit-more").hidden = !view.next;
}

async function verify() {
  try {
    const r = await api("/audit/verify", { method: "POST" });
    const el = $("#audit-verdict");
    el.className = r.ok ? "ok" : "error";
    fill(el, r.ok ? t("admin.verifyOk", { n: r.entries, c: r.checkpoints }) : t("admin.verifyBad", { seq: r.first_bad_seq, reason: r.reason }));
  } catch (err) {
    toast(errorText(err), "error");
  }
}

async function loadDefs() {
  let defs;
  try {
    defs = await api("/alarm-definitions");
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  const edit = canEditDefs();
  fill($("#defs-rows"), defs.map((d) => {
    const prio = h("select", { disabled: !edit, "aria-label": t("admin.priority") }, [1, 2, 3, 4, 5].map((p) => h("option", { value: p }, `P${p}`)));
    prio.value = String(d.priority);
    const ack = h("input", { type: "number", min: 5, max: 86400, value: d.ack_timeout_s ?? "", disabled: !edit, "aria-label": t("admin.ackTimeout"), class: "ack" });
    const on = h("input", { type: "checkbox", checked: d.enabled, disabled: !edit, "aria-label": t("admin.enabled") });
    const save = async () => {
      const body = { name: d.name, kinds: d.kinds, device_codes: d.device_codes, zone_ids: d.zone_ids,
        priority: Number(prio.value), procedure: d.procedure, schedule: d.schedule,
        ack_timeout_s: ack.value ? Number(ack.value) : null, enabled: on.checked };
      try {
        await api(`/alarm-definitions/${d.id}`, { method: "PUT", body });
        toast(t("admin.saved", { name: d.name }), "ok");
      } catch (err) {
        toast(errorText(err), "error");
      }
    };
    for (const el of [prio, ack, on]) el.addEventListener("change", save);
    return h("tr", { dataset: { def: String(d.id) }, title: d.procedure },
      h("td", {}, d.name), h("td", {}, d.kinds.map(kindLabel).join("、")), h("td", {}, prio), h("td", {}, ack), h("td", {}, on));
  }));
}
