// The physical-protection section of the guard-tour tab: the inventory at a glance, the
// items that fall short of the grade rules (and why), and the open repair records, closed
// here with the evidence of what was done.

import { api } from "./api.js";
import { $, fill, formatShort, h } from "./dom.js";
import { addStrings, t } from "./i18n.js";
import { askReason } from "./reason-dialog.js";
import { toast } from "./toast.js";

const KINDS = ["fence", "wall", "entrance_door", "window_grille", "bollard", "gate"];
const KIND_ZH = ["围栏", "围墙", "单元门", "防护栏", "防撞柱", "大门"];
const KIND_EN = ["Fence", "Wall", "Entrance door", "Window grille", "Bollard", "Gate"];

const ZH = {
  "physical.title": "实体防护",
  "physical.summary": "设施 {items} 项，不达标 {bad} 项，维修中 {open} 项，超期 {overdue} 项",
  "physical.short": "不达标设施",
  "physical.short.none": "全部达标",
  "physical.repairs": "维修记录",
  "physical.repairs.none": "没有待修项目",
  "physical.deadline": "期限 {at}",
  "physical.overdue": "已超期",
  "physical.close": "完成维修",
  "physical.evidence": "维修情况（必填，作为完成凭证）",
  "physical.closed": "已完成维修",
  ...Object.fromEntries(KINDS.map((k, i) => [`physical.kind.${k}`, KIND_ZH[i]])),
};
const EN = {
  "physical.title": "Physical protection",
  "physical.summary": "{items} items, {bad} below the rules, {open} under repair, {overdue} overdue",
  "physical.short": "Below the rules",
  "physical.short.none": "All compliant",
  "physical.repairs": "Repairs",
  "physical.repairs.none": "Nothing to repair",
  "physical.deadline": "due {at}",
  "physical.overdue": "Overdue",
  "physical.close": "Repaired",
  "physical.evidence": "What was done (required, kept as evidence)",
  "physical.closed": "Repair closed",
  ...Object.fromEntries(KINDS.map((k, i) => [`physical.kind.${k}`, KIND_EN[i]])),
};
addStrings(ZH, EN);

/** The section's skeleton (filled by refreshPhysical). */
export function physicalSection() {
  return h("section", { id: "physical", class: "physical" },
    h("h3", {}, t("physical.title")),
    h("p", { id: "physical-summary", class: "muted" }),
    h("h4", {}, t("physical.short")), h("ul", { id: "physical-short", class: "plain" }),
    h("h4", {}, t("physical.repairs")), h("ul", { id: "physical-repairs", class: "plain" }));
}

async function close(repair) {
  const evidence = await askReason({ id: "physical-close-dialog", title: t("physical.close"),
    label: t("physical.evidence") });
  if (!evidence) return;
  try {
    await api(`/physical/repairs/${repair.id}`, { method: "PATCH",
      body: { state: "closed", evidence } });
    toast(t("physical.closed"));
    await refreshPhysical();
  } catch (err) {
    toast(err.message, "error");
  }
}

/** Reload the section (called while the tab is shown). */
export async function refreshPhysical() {
  if (!$("#physical")) return;
  try {
    const [summary, items, repairs] = await Promise.all([
      api("/physical/summary"), api("/physical/items"), api("/physical/repairs", { query: { state: "open" } }),
    ]);
    fill($("#physical-summary"), t("physical.summary", { items: summary.items,
      bad: summary.non_compliant, open: summary.repairs_open, overdue: summary.repairs_overdue }));
    const short = items.filter((i) => !i.compliant);
    fill($("#physical-short"), short.length ? short.map((i) => h("li", { "data-item": i.code },
      h("span", { class: "badge st-acknowledged" }, t(`physical.kind.${i.kind}`)), i.name,
      h("span", { class: "muted" }, i.findings.filter((f) => f.mandatory).map((f) => f.message).join("；"))))
      : h("li", { class: "muted" }, t("physical.short.none")));
    const byId = new Map(items.map((i) => [i.id, i]));
    fill($("#physical-repairs"), repairs.length ? repairs.map((r) => h("li", { "data-repair": r.id },
      r.overdue ? h("span", { class: "badge st-new" }, t("physical.overdue")) : null,
      h("b", {}, byId.get(r.item_id)?.name ?? "—"), r.description,
      h("span", { class: "muted" }, t("physical.deadline", { at: formatShort(r.deadline) })),
      h("button", { type: "button", onclick: () => close(r) }, t("physical.close"))))
      : h("li", { class: "muted" }, t("physical.repairs.none")));
  } catch {
    // Offline or no permission: the section stays as it was.
  }
}
