// Linkage rules in the monitoring centre tab: the list (with what is wrong with each now),
// and the editor: when (event kinds, devices, zones, hours) and what (snapshot, clip, pop-up,
// alarm, open a door, webhook, PTZ preset), with a dry run over the last day before saving.

import { errorText } from "./alarm-actions.js";
import { api } from "./api.js";
import { $, fill, formatShort, h } from "./dom.js";
import { addStrings, lang, t, tOr } from "./i18n.js";
import { kindLabel, state } from "./state.js";
import { toast } from "./toast.js";

const ACTIONS = ["snapshot", "clip", "popup", "raise_alarm", "open_door", "notify", "ptz_preset"];
const A_ZH = ["抓图", "录像片段", "弹出视频", "产生告警", "开门", "Webhook 通知", "云台预置位"];
const A_EN = ["Snapshot", "Clip", "Video pop-up", "Raise an alarm", "Open a door", "Webhook", "PTZ preset"];
const ZH = {
  "rules.title": "联动规则",
  "rules.new": "新建规则",
  "rules.edit": "编辑规则",
  "rules.none": "还没有联动规则",
  "rules.name": "名称",
  "rules.kinds": "事件类型（逗号分隔，可用 perimeter.* 表示一类）",
  "rules.devices": "设备编号（逗号分隔，空为全部）",
  "rules.zones": "防区（不选为全部）",
  "rules.hours": "生效时段（空为全天）",
  "rules.actions": "联动动作",
  "rules.door": "门编号",
  "rules.url": "Webhook 地址",
  "rules.secret": "签名密钥（至少16位，保存后不再显示）",
  "rules.camera": "摄像机",
  "rules.preset": "预置位",
  "rules.enabled": "启用",
  "rules.dryRun": "试运行（过去24小时）",
  "rules.dryResult": "过去24小时检查 {checked} 条事件，将触发 {matched} 次",
  "rules.save": "保存",
  "rules.saved": "规则已保存（第 {v} 版）",
  "rules.deleted": "规则已删除",
  "rules.delete": "删除",
  "rules.version": "第{v}版",
  "rules.problem.deleted_device": "设备 {value} 已删除",
  "rules.problem.deleted_zone": "防区 {value} 已删除",
  "rules.problem.unhandled_action": "本系统无法执行“{value}”",
  "code.unknown_kind": "没有事件类型匹配“{value}”，规则永远不会触发",
  "code.unknown_device": "设备“{value}”不存在",
  "code.unknown_zone": "防区 {value} 不存在",
  "code.unknown_building": "楼栋 {value} 不存在",
  "code.action_param": "动作“{action}”缺少参数 {param}",
  "code.no_actions": "至少选择一个联动动作",
  "code.rule_loop": "规则会互相触发形成循环：{rules}",
  "code.conflict": "名称已被使用",
  ...Object.fromEntries(ACTIONS.map((a, i) => [`rules.a.${a}`, A_ZH[i]])),
};

const EN = {
  "rules.title": "Linkage rules",
  "rules.new": "New rule",
  "rules.edit": "Edit rule",
  "rules.none": "No linkage rules yet",
  "rules.name": "Name",
  "rules.kinds": "Event kinds (comma-separated; perimeter.* for a whole family)",
  "rules.devices": "Device codes (comma-separated; empty: any)",
  "rules.zones": "Zones (none ticked: any)",
  "rules.hours": "Active hours (empty: all day)",
  "rules.actions": "Actions",
  "rules.door": "Door code",
  "rules.url": "Webhook URL",
  "rules.secret": "Signing key (16+ characters, never shown again)",
  "rules.camera": "Camera",
  "rules.preset": "Preset",
  "rules.enabled": "Enabled",
  "rules.dryRun": "Dry run (last 24 h)",
  "rules.dryResult": "{checked} events of the last 24 h checked: it would fire {matched} times",
  "rules.save": "Save",
  "rules.saved": "Rule saved (version {v})",
  "rules.deleted": "Rule deleted",
  "rules.delete": "Delete",
  "rules.version": "v{v}",
  "rules.problem.deleted_device": "device {value} was deleted",
  "rules.problem.deleted_zone": "zone {value} was deleted",
  "rules.problem.unhandled_action": "nothing here carries out \u201c{value}\u201d",
  "code.unknown_kind": "No event kind matches \u201c{value}\u201d: the rule would never fire",
  "code.unknown_device": "No device \u201c{value}\u201d",
  "code.unknown_zone": "No zone {value}",
  "code.unknown_building": "No building {value}",
  "code.action_param": "Action \u201c{action}\u201d needs {param}",
  "code.no_actions": "Choose at least one action",
  "code.rule_loop": "The rules would set each other off: {rules}",
  "code.conflict": "That name is taken",
  ...Object.fromEntries(ACTIONS.map((a, i) => [`rules.a.${a}`, A_EN[i]])),
};

addStrings(ZH, EN);

const view = { rules: [], editing: null };
const canEdit = () => ["supervisor", "admin"].includes(state.user?.role);
const list = (v) => v.split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean);

/** The section's skeleton (filled by refreshRules). */
export function rulesSection() {
  return h("section", { id: "center-rules", class: "center-section" },
    h("h3", {}, t("rules.title"),
      h("button", { type: "button", id: "rule-new", class: "inline-act", hidden: true, onclick: () => openEditor(null) }, `＋ ${t("rules.new")}`)),
    h("table", { class: "grid small" }, h("tbody", { id: "rules-rows" })));
}

export async function refreshRules() {
  try {
    view.rules = await api("/center/rules");
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  renderRules();
}

function actionText(a) {
  const extra = a.door ?? a.url ?? (a.camera ? `${a.camera}${a.preset ? `#${a.preset}` : ""}` : "") ?? "";
  return `${t(`rules.a.${a.type}`)}${extra ? ` ${extra}` : ""}`;
}

function renderRules() {
  const body = $("#rules-rows");
  if (!body) return;
  $("#rule-new").hidden = !canEdit(); // known only after login
  if (!view.rules.length) {
    fill(body, h("tr", {}, h("td", { class: "muted" }, t("rules.none"))));
    return;
  }
  fill(body, view.rules.map((r) => h("tr", { class: r.enabled ? "" : "disabled", dataset: { rule: r.name } },
    h("td", {}, r.name, " ", h("span", { class: "muted" }, t("rules.version", { v: r.version }))),
    h("td", {}, r.kinds.map(kindLabel).join("、")),
    h("td", {}, r.actions.map(actionText).join("、")),
    h("td", { class: "problems" }, r.problems.map((p) => h("div", { class: "problem" }, `⚠ ${tOr(`rules.problem.${p.code}`, p.code).replace("{value}", p.value)}`))),
    h("td", {}, h("span", { class: "muted" }, formatShort(r.updated_at)),
      canEdit() ? [" ", h("button", { type: "button", class: "rule-edit", onclick: () => openEditor(r) }, t("rules.edit")),
        " ", h("button", { type: "button", class: "rule-delete", onclick: () => remove(r) }, t("rules.delete"))] : null))));
}

function actionBox(type, r) {
  const found = r?.actions.find((a) => a.type === type);
  const input = (name, label, attrs = {}) => h("input", { id: `rule-${type}-${name}`, placeholder: label, value: found?.[name] ?? "", ...attrs });
  return h("div", { class: "rule-action" },
    h("label", { class: "inline" }, h("input", { type: "checkbox", id: `rule-a-${type}`, checked: Boolean(found) }), " ", t(`rules.a.${type}`)),
    type === "open_door" ? input("door", t("rules.door")) : null,
    type === "notify" ? [input("url", t("rules.url"), { type: "url" }), h("input", { id: "rule-secret", type: "password", autocomplete: "new-password", placeholder: t("rules.secret") })] : null,
    type === "ptz_preset" ? [input("camera", t("rules.camera")), input("preset", t("rules.preset"))] : null);
}

function openEditor(r) {
  view.editing = r;
  let dialog = $("#rule-dialog");
  if (!dialog) {
    dialog = h("dialog", { id: "rule-dialog", class: "rule-dialog" });
    document.body.append(dialog);
  }
  const zones = state.site?.zones ?? [];
  const window0 = r?.schedule?.[0];
  fill(dialog, h("form", { id: "rule-form", onsubmit: (ev) => (ev.preventDefault(), save()) },
    h("h2", {}, r ? t("rules.edit") : t("rules.new")),
    h("label", {}, t("rules.name"), h("input", { id: "rule-name", required: true, maxlength: 200, value: r?.name ?? "" })),
    h("label", {}, t("rules.kinds"), h("input", { id: "rule-kinds", required: true, list: "rule-kind-list", value: (r?.kinds ?? []).join(", ") })),
    h("datalist", { id: "rule-kind-list" }, [...state.kinds.values()].map((k) => h("option", { value: k.kind }, lang() === "en" ? k.en : k.zh))),
    h("label", {}, t("rules.devices"), h("input", { id: "rule-devices", value: (r?.device_codes ?? []).join(", ") })),
    h("fieldset", { class: "rule-zones" }, h("legend", {}, t("rules.zones")),
      zones.map((z) => h("label", { class: "inline" }, h("input", { type: "checkbox", value: z.id, checked: Boolean(r?.zone_ids?.includes(z.id)) }), ` ${z.code} ${z.name}`))),
    h("label", {}, t("rules.hours"), h("span", { class: "rule-hours" },
      h("input", { id: "rule-start", type: "time", value: window0?.start ?? "" }), " – ",
      h("input", { id: "rule-end", type: "time", value: window0?.end ?? "" }))),
    h("fieldset", {}, h("legend", {}, t("rules.actions")), ACTIONS.map((a) => actionBox(a, r))),
    h("label", { class: "inline" }, h("input", { id: "rule-enabled", type: "checkbox", checked: r ? r.enabled : true }), " ", t("rules.enabled")),
    h("p", { id: "rule-error", class: "message", role: "alert" }),
    h("p", { id: "rule-dry", class: "muted" }),
    h("div", { class: "row" },
      h("button", { type: "button", id: "rule-dry-run", onclick: dryRun }, t("rules.dryRun")),
      h("button", { type: "submit", class: "primary" }, t("rules.save")),
      h("button", { type: "button", onclick: () => dialog.close() }, t("dialog.cancel")))));
  dialog.showModal();
  $("#rule-name").focus();
}

function body() {
  const actions = [];
  for (const type of ACTIONS) {
    if (!$(`#rule-a-${type}`).checked) continue;
    const a = { type };
    for (const name of ["door", "url", "camera", "preset"]) {
      const el = $(`#rule-${type}-${name}`);
      if (el && el.value.trim()) a[name] = el.value.trim();
    }
    actions.push(a);
  }
  const zones = [...document.querySelectorAll(".rule-zones input:checked")].map((i) => Number(i.value));
  const devices = list($("#rule-devices").value);
  const start = $("#rule-start").value;
  const end = $("#rule-end").value;
  const out = {
    name: $("#rule-name").value.trim(),
    kinds: list($("#rule-kinds").value),
    device_codes: devices.length ? devices : null,
    zone_ids: zones.length ? zones : null,
    schedule: start && end ? [{ start, end }] : null,
    actions,
    enabled: $("#rule-enabled").checked,
  };
  const secret = $("#rule-secret").value;
  if (secret) out.notify_secret = secret;
  return out;
}

function showError(err) {
  if (Array.isArray(err.params?.rules)) err.params.rules = err.params.rules.join(" → ");
  fill($("#rule-error"), errorText(err));
}

async function dryRun() {
  fill($("#rule-error"), "");
  try {
    const r = await api("/center/rules/dry-run", { method: "POST", body: body() });
    fill($("#rule-dry"), t("rules.dryResult", { checked: r.events_checked, matched: r.matched }));
  } catch (err) {
    showError(err);
  }
}

async function save() {
  fill($("#rule-error"), "");
  const r = view.editing;
  try {
    const saved = await api(r ? `/center/rules/${r.id}` : "/center/rules", { method: r ? "PUT" : "POST", body: body() });
    $("#rule-dialog").close();
    toast(t("rules.saved", { v: saved.version }), "ok");
    await refreshRules();
  } catch (err) {
    showError(err);
  }
}

async function remove(r) {
  try {
    await api(`/center/rules/${r.id}`, { method: "DELETE" });
    toast(t("rules.deleted"), "ok");
    await refreshRules();
  } catch (err) {
    toast(errorText(err), "error");
  }
}
