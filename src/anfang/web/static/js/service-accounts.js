// Service accounts (administrators, below the users): integrations' API keys with a role,
// expiry and last use; create, rotate (the new key is shown once) and revoke. Every step
// is audited by the server.

import { api, ApiError } from "./api.js";
import { siteDay } from "./clock.js";
import { formatShort, h } from "./dom.js";
import { addStrings, t, tOr } from "./i18n.js";
import { toast } from "./toast.js";

const ROLES = ["operator", "supervisor", "installer", "police_inspector", "auditor"];

const ZH = {
  "sa.title": "服务账号（对接集成）",
  "sa.col.name": "名称",
  "sa.col.role": "角色",
  "sa.col.key": "密钥",
  "sa.col.expires": "到期",
  "sa.col.used": "最近使用",
  "sa.col.state": "状态",
  "sa.col.actions": "操作",
  "sa.state.active": "有效",
  "sa.state.expired": "已过期",
  "sa.state.revoked": "已吊销",
  "sa.create": "新建服务账号",
  "sa.days": "有效天数",
  "sa.rotate": "更换密钥",
  "sa.revoke": "吊销",
  "sa.revokeConfirm": "吊销服务账号 {name}？使用它的集成将立即失去访问。",
  "sa.keyOnce": "{name} 的密钥（只显示这一次，请立即保存）：",
  "sa.copy": "复制",
  "sa.never": "从未",
  "sa.failed": "操作失败：{msg}",
};
const EN = {
  "sa.title": "Service accounts (integrations)",
  "sa.col.name": "Name",
  "sa.col.role": "Role",
  "sa.col.key": "Key",
  "sa.col.expires": "Expires",
  "sa.col.used": "Last used",
  "sa.col.state": "State",
  "sa.col.actions": "Actions",
  "sa.state.active": "Active",
  "sa.state.expired": "Expired",
  "sa.state.revoked": "Revoked",
  "sa.create": "Create service account",
  "sa.days": "Days valid",
  "sa.rotate": "Rotate key",
  "sa.revoke": "Revoke",
  "sa.revokeConfirm": "Revoke service account {name}? Integrations using it lose access at once.",
  "sa.keyOnce": "Key of {name} (shown only this once; store it now):",
  "sa.copy": "Copy",
  "sa.never": "never",
  "sa.failed": "Failed: {msg}",
};
addStrings(ZH, EN);

// A key lives for months: its expiry shows the year (formatShort leaves it out).
function day(iso) {
  return siteDay(new Date(iso));
}

function failed(err) {
  toast(t("sa.failed", { msg: err instanceof ApiError ? err.message : String(err) }), "error");
}

function keyBox(issued) {
  const text = h("code", { class: "sa-key" }, issued.key);
  const copy = h("button", { type: "button" }, t("sa.copy"));
  copy.addEventListener("click", () => navigator.clipboard?.writeText(issued.key));
  return h("p", { class: "sa-issued", role: "status" }, t("sa.keyOnce", { name: issued.name }), " ", text, " ", copy);
}

/** The service-accounts section; it loads and redraws itself. */
export function accountsSection() {
  const section = h("section", { id: "service-accounts" });
  let issued = null;

  async function act(fn) {
    try {
      issued = (await fn()) ?? null;
    } catch (err) {
      failed(err);
    }
    await load();
  }

  function row(a) {
    const path = `/service-accounts/${encodeURIComponent(a.name)}`;
    const actions = [];
    if (a.state !== "revoked") {
      const rotate = h("button", { type: "button" }, t("sa.rotate"));
      rotate.addEventListener("click", () => act(() => api(`${path}/rotate`, { method: "POST", body: {} })));
      const revoke = h("button", { type: "button" }, t("sa.revoke"));
      revoke.addEventListener("click", () => {
        if (window.confirm(t("sa.revokeConfirm", { name: a.name }))) act(() => api(`${path}/revoke`, { method: "POST" }));
      });
      actions.push(rotate, " ", revoke);
    }
    return h("tr", { "data-account": a.name },
      h("td", {}, a.name), h("td", {}, tOr(`role.${a.role}`, a.role)), h("td", {}, h("code", {}, a.key_prefix)),
      h("td", {}, day(a.expires_at)), h("td", {}, a.last_used_at ? formatShort(a.last_used_at) : t("sa.never")),
      h("td", {}, t(`sa.state.${a.state}`)), h("td", {}, ...actions));
  }

  function render(accounts) {
    const cols = ["name", "role", "key", "expires", "used", "state", "actions"];
    const head = h("tr", {}, ...cols.map((c) => h("th", {}, t(`sa.col.${c}`))));
    const table = h("table", { class: "grid", id: "account-table" }, h("thead", {}, head), h("tbody", {}, ...accounts.map(row)));
    const name = h("input", { name: "name", required: "", pattern: "[a-z0-9][a-z0-9_.\\-]*", placeholder: t("sa.col.name") });
    const role = h("select", { name: "role" }, ...ROLES.map((r) => h("option", { value: r }, tOr(`role.${r}`, r))));
    const days = h("input", { name: "days", type: "number", min: "1", max: "730", value: "365", title: t("sa.days") });
    const form = h("form", { class: "account-create" }, name, role, days, h("button", { type: "submit", class: "primary" }, t("sa.create")));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const body = { name: name.value.trim(), role: role.value, days: Number(days.value) };
      act(() => api("/service-accounts", { method: "POST", body }));
    });
    section.replaceChildren(h("h3", {}, t("sa.title")), form, ...(issued ? [keyBox(issued)] : []), table);
  }

  async function load() {
    try {
      render(await api("/service-accounts"));
    } catch (err) {
      failed(err);
    }
  }

  load();
  return section;
}
