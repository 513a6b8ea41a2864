// Arming from the console: perimeter zones (armed now or not, bypass for a limited time
// with a reason, end the bypass) and home-alarm partitions (their arm state, recorded by
// the operator where the panel allows it). A section of the monitoring centre tab, and
// the arm/disarm buttons of a home alarm's detail.

import { errorText } from "./alarm-actions.js";
import { api } from "./api.js";
import { $, fill, formatShort, h } from "./dom.js";
import { addStrings, t, tOr } from "./i18n.js";
import { askReason } from "./reason-dialog.js";
import { toast } from "./toast.js";

const ZH = {
  "arming.title": "布防、撤防与旁路",
  "arming.perimeter": "周界防区",
  "arming.home": "家居报警分区",
  "arming.armedNow": "布防中",
  "arming.disarmedNow": "撤防（时间表）",
  "arming.bypassed": "旁路至 {until}（{by}：{reason}）",
  "arming.bypass": "旁路",
  "arming.unbypass": "取消旁路",
  "arming.bypassReason": "旁路原因（如施工、设备检修）",
  "arming.hours": "旁路时长",
  "arming.arm": "布防",
  "arming.disarm": "撤防",
  "arming.account": "报警主机账号",
  "arming.search": "输入账号查找",
  "arming.noPartitions": "该主机未登记分区",
  "arming.panelOnly": "由主机上报，不能在平台设置",
  "arming.done": "已更新：{what}",
};

const EN = {
  "arming.title": "Arming, disarming and bypass",
  "arming.perimeter": "Perimeter zones",
  "arming.home": "Home alarm partitions",
  "arming.armedNow": "Armed",
  "arming.disarmedNow": "Disarmed (schedule)",
  "arming.bypassed": "Bypassed until {until} ({by}: {reason})",
  "arming.bypass": "Bypass",
  "arming.unbypass": "End bypass",
  "arming.bypassReason": "Why (works, maintenance…)",
  "arming.hours": "For",
  "arming.arm": "Arm",
  "arming.disarm": "Disarm",
  "arming.account": "Panel account",
  "arming.search": "Find an account",
  "arming.noPartitions": "No partitions registered for this panel",
  "arming.panelOnly": "Reported by the panel; not set from here",
  "arming.done": "Updated: {what}",
};

addStrings(ZH, EN);

const view = { zones: [], accounts: [], account: null, partitions: [] };

/** The section's skeleton (filled by refreshArming). */
export function armingSection() {
  return h("section", { id: "center-arming", class: "center-section" },
    h("h3", {}, t("arming.title")),
    h("h4", {}, t("arming.perimeter")),
    h("table", { class: "grid small" }, h("tbody", { id: "arming-zones" })),
    h("h4", {}, t("arming.home")),
    h("div", { class: "filters wrap" },
      h("label", {}, t("arming.account"),
        h("input", { id: "arming-account", type: "search", list: "arming-accounts", placeholder: t("arming.search"), onchange: pickAccount })),
      h("datalist", { id: "arming-accounts" })),
    h("table", { class: "grid small" }, h("tbody", { id: "arming-partitions" })));
}

export async function refreshArming() {
  const [zones, accounts] = await Promise.allSettled([api("/perimeter/zones"), api("/alarm-accounts")]);
  view.zones = zones.status === "fulfilled" ? zones.value : [];
  view.accounts = accounts.status === "fulfilled" ? accounts.value.filter((a) => a.kind === "home") : [];
  renderZones();
  fill($("#arming-accounts"), view.accounts.map((a) => h("option", { value: a.account })));
  if (view.account) await loadPartitions(view.account);
}

function renderZones() {
  const body = $("#arming-zones");
  if (!body) return;
  fill(body, view.zones.map((z) => {
    const bypassed = z.bypass_until && new Date(z.bypass_until) > new Date();
    const status = bypassed
      ? t("arming.bypassed", { until: formatShort(z.bypass_until), by: String(z.bypass_by).replace(/^user:/, ""), reason: z.bypass_reason })
      : z.armed_now ? t("arming.armedNow") : t("arming.disarmedNow");
    return h("tr", { dataset: { zone: z.code }, class: bypassed ? "bypassed" : z.armed_now ? "armed" : "disarmed" },
      h("td", {}, `${z.code} ${z.name}`), h("td", {}, status),
      h("td", {}, bypassed
        ? h("button", { type: "button", class: "unbypass", onclick: () => unbypass(z) }, t("arming.unbypass"))
        : h("button", { type: "button", class: "bypass", onclick: () => bypass(z) }, t("arming.bypass"))));
  }));
}

async function bypass(z) {
  const reason = await askReason({ id: "arming-bypass-dialog", title: `${t("arming.bypass")} ${z.code} ${z.name}`, label: t("arming.bypassReason") });
  if (!reason) return;
  try {
    await api(`/perimeter/zones/${z.id}/bypass`, { method: "POST", body: { duration_s: 4 * 3600, reason } });
    toast(t("arming.done", { what: z.name }), "ok");
    await refreshArming();
  } catch (err) {
    toast(errorText(err), "error");
  }
}

async function unbypass(z) {
  try {
    await api(`/perimeter/zones/${z.id}/bypass`, { method: "DELETE" });
    toast(t("arming.done", { what: z.name }), "ok");
    await refreshArming();
  } catch (err) {
    toast(errorText(err), "error");
  }
}

async function pickAccount() {
  const value = $("#arming-account").value.trim().toUpperCase();
  if (!view.accounts.some((a) => a.account.toUpperCase() === value)) return;
  view.account = value;
  await loadPartitions(value);
}

async function loadPartitions(account) {
  try {
    view.partitions = await api(`/alarm-accounts/${encodeURIComponent(account)}/partitions`);
  } catch (err) {
    toast(errorText(err), "error");
    view.partitions = [];
  }
  const body = $("#arming-partitions");
  if (!body) return;
  if (!view.partitions.length) {
    fill(body, h("tr", {}, h("td", { class: "muted" }, t("arming.noPartitions"))));
    return;
  }
  fill(body, view.partitions.map((p) => h("tr", { dataset: { partition: p.partition } },
    h("td", {}, `${p.partition} ${p.name}`), h("td", {}, tOr(`arm.${p.state}`, p.state)),
    h("td", {}, armButtons(account, p.partition, p.operator_settable, () => loadPartitions(account))))));
}

/** Arm and disarm buttons for a partition (disabled, with why, where the panel decides). */
export function armButtons(account, partition, settable, after) {
  const title = settable ? "" : t("arming.panelOnly");
  const act = async (state) => {
    try {
      await api(`/alarm-accounts/${encodeURIComponent(account)}/partitions/${encodeURIComponent(partition)}/arm`, { method: "POST", body: { state } });
      toast(t("arming.done", { what: `${account}/${partition}` }), "ok");
      await after?.();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  return h("span", { class: "arm-buttons" },
    h("button", { type: "button", class: "arm", disabled: !settable, title, onclick: () => act("armed") }, t("arming.arm")),
    " ",
    h("button", { type: "button", class: "disarm", disabled: !settable, title, onclick: () => act("disarmed") }, t("arming.disarm")));
}
