// The users tab (administrators): every user with role, state and last login; create a user
// with a temporary password, change a role, disable or enable, reset a password. Every step
// is audited by the server; disabling or a new password ends the user's sessions there.

import { api, ApiError } from "./api.js";
import { $, fill, formatShort, h } from "./dom.js";
import { addStrings, t, tOr } from "./i18n.js";
import { accountsSection } from "./service-accounts.js";
import { toast } from "./toast.js";

const ROLES = ["operator", "supervisor", "admin", "installer", "police_inspector", "auditor", "resident"];

const ZH = {
  "tab.users": "用户",
  "users.title": "用户管理",
  "users.col.user": "用户名",
  "users.col.name": "姓名",
  "users.col.role": "角色",
  "users.col.state": "状态",
  "users.col.login": "最近登录",
  "users.col.actions": "操作",
  "users.active": "正常",
  "users.disabled": "已停用",
  "users.mustChange": "待修改密码",
  "users.disable": "停用",
  "users.enable": "启用",
  "users.reset": "重置密码",
  "users.resetPrompt": "为 {user} 设置临时密码（至少10位，登录后须修改）：",
  "users.create": "新建用户",
  "users.password": "临时密码",
  "users.saved": "已保存",
  "users.failed": "操作失败：{msg}",
  "users.never": "从未",
};
const EN = {
  "tab.users": "Users",
  "users.title": "User management",
  "users.col.user": "User",
  "users.col.name": "Name",
  "users.col.role": "Role",
  "users.col.state": "State",
  "users.col.login": "Last login",
  "users.col.actions": "Actions",
  "users.active": "Active",
  "users.disabled": "Disabled",
  "users.mustChange": "Must change password",
  "users.disable": "Disable",
  "users.enable": "Enable",
  "users.reset": "Reset password",
  "users.resetPrompt": "Temporary password for {user} (10+ characters, changed at login):",
  "users.create": "Create user",
  "users.password": "Temporary password",
  "users.saved": "Saved",
  "users.failed": "Failed: {msg}",
  "users.never": "never",
};
addStrings(ZH, EN);

let users = [];
let shown = false;

function failed(err) {
  toast(t("users.failed", { msg: err instanceof ApiError ? err.message : String(err) }), "error");
}

async function act(fn) {
  try {
    await fn();
    toast(t("users.saved"));
    await load();
  } catch (err) {
    failed(err);
  }
}

function roleSelect(u) {
  const sel = h("select", { "aria-label": t("users.col.role") });
  for (const r of ROLES) sel.append(h("option", { value: r }, tOr(`role.${r}`, r)));
  sel.value = u.role;
  sel.addEventListener("change", () =>
    act(() => api(`/users/${encodeURIComponent(u.username)}`, { method: "PATCH", body: { role: sel.value } })),
  );
  return sel;
}

function row(u) {
  const state = u.disabled ? t("users.disabled") : u.must_change_password ? t("users.mustChange") : t("users.active");
  const path = `/users/${encodeURIComponent(u.username)}`;
  const toggle = h("button", { type: "button" }, u.disabled ? t("users.enable") : t("users.disable"));
  toggle.addEventListener("click", () => act(() => api(path, { method: "PATCH", body: { disabled: !u.disabled } })));
  const reset = h("button", { type: "button" }, t("users.reset"));
  reset.addEventListener("click", () => {
    const password = window.prompt(t("users.resetPrompt", { user: u.username }));
    if (password) act(() => api(`${path}/password`, { method: "POST", body: { password } }));
  });
  return h("tr", { "data-user": u.username },
    h("td", {}, u.username), h("td", {}, u.display_name), h("td", {}, roleSelect(u)),
    h("td", {}, state), h("td", {}, u.last_login_at ? formatShort(u.last_login_at) : t("users.never")),
    h("td", {}, toggle, " ", reset));
}

function render() {
  const panel = $("#panel-users");
  if (!panel) return;
  const head = h("tr", {}, ...["user", "name", "role", "state", "login", "actions"].map((c) => h("th", {}, t(`users.col.${c}`))));
  const table = h("table", { class: "grid", id: "user-table" }, h("thead", {}, head), h("tbody", {}, ...users.map(row)));
  const name = h("input", { name: "username", required: "", pattern: "[A-Za-z0-9_.@-]+", placeholder: t("users.col.user") });
  const display = h("input", { name: "display_name", placeholder: t("users.col.name") });
  const role = h("select", { name: "role" }, ...ROLES.map((r) => h("option", { value: r }, tOr(`role.${r}`, r))));
  const password = h("input", { name: "password", type: "password", required: "", minlength: "10", placeholder: t("users.password"), autocomplete: "new-password" });
  const form = h("form", { class: "user-create" }, name, display, role, password,
    h("button", { type: "submit", class: "primary" }, t("users.create")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const body = { username: name.value.trim(), display_name: display.value.trim(), role: role.value, password: password.value };
    act(() => api("/users", { method: "POST", body }));
  });
  fill(panel, h("h3", {}, t("users.title")), form, table, accountsSection());
}

async function load() {
  try {
    users = await api("/users");
  } catch (err) {
    failed(err);
  }
  if (shown) render();
}

export function init() {}

export function show() {
  shown = true;
  render();
  load();
}

export function hide() {
  shown = false;
}

export function rerender() {
  if (shown) render();
}
