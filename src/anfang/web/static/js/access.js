// The access tab: live pass-through log (who, door, photo, grant/deny and why), door states,
// and an audited remote open with a required reason. While the tab is shown it tails
// /access/log and /access/doors every two seconds (the stream carries no access rows yet).

import { api, ApiError, imageDataUrl } from "./api.js";
import { $, fill, formatShort, h } from "./dom.js";
import { addStrings, t } from "./i18n.js";
import { toast } from "./toast.js";
import { faceSection, refreshFace } from "./face-engine.js";
import { askReason } from "./reason-dialog.js";
import { poller } from "./poller.js";

const REASONS = [
  "ok", "passback_soft", "remote_open", "unknown_reader", "door_disabled", "unknown_credential",
  "credential_inactive", "credential_not_valid", "holder_inactive", "holder_not_valid",
  "no_permission", "outside_schedule", "passback", "bad_credential", "face_no_face", "face_many",
  "face_unknown", "face_watchlist", "liveness_failed", "face_unavailable", "qr_unavailable",
  "qr_refused",
];
const REASON_ZH = [
  "欢迎通行", "放行（反潜回提示）", "远程开门", "读头未登记", "此门已停用", "未登记的凭证",
  "凭证已挂失或停用", "凭证不在有效期", "人员已停用", "人员不在有效期",
  "无此门权限", "不在通行时段", "反潜回", "凭证格式错误", "未检测到人脸", "多张人脸",
  "陌生人", "布控名单命中", "活体检测未通过", "人脸识别不可用", "二维码核验不可用",
  "二维码无效",
];
const REASON_EN = [
  "Welcome", "Granted (passback warning)", "Remote open", "Unknown reader", "Door disabled",
  "Unknown credential", "Credential lost/suspended", "Credential not valid now",
  "Holder suspended", "Holder not valid now", "No permission", "Outside allowed hours",
  "Anti-passback", "Malformed credential", "No face", "Several faces", "Stranger",
  "Watch-list hit", "Liveness failed", "Face recognition unavailable", "QR check unavailable",
  "QR code refused",
];

// Strings of this tab: both dictionaries list the same keys (tests/web checks it).
const ZH = {
  "tab.access": "门禁",
  "access.log": "通行记录",
  "access.doors": "门状态",
  "access.col.time": "时间",
  "access.col.door": "门",
  "access.col.who": "人员",
  "access.col.cred": "方式",
  "access.col.photo": "抓拍",
  "access.col.result": "结果",
  "access.granted": "放行",
  "access.denied": "拒绝",
  "access.kind.access.remote_open": "远程开门",
  "access.kind.access.door_forced": "强行开门",
  "access.kind.access.door_held": "门长时间未关",
  "access.kind.access.door_closed": "门已关闭",
  "access.cred.card": "刷卡",
  "access.cred.pin": "密码",
  "access.cred.face": "人脸",
  "access.cred.qr": "二维码",
  "access.stranger": "陌生人",
  "access.watch": "布控",
  "access.similarity": "相似度 {value}",
  "access.liveness": "活体 {value}",
  "access.state.open": "开",
  "access.state.closed": "关",
  "access.state.unknown": "未知",
  "access.alarm.forced": "强行开门",
  "access.alarm.held": "长时间未关",
  "access.open": "远程开门",
  "access.open.title": "远程开门：{door}",
  "access.open.reason": "开门原因（必填，记入审计）",
  "access.open.done": "已发送开门指令：{door}",
  "access.open.denied": "无远程开门权限",
  "access.empty": "暂无通行记录",
  ...Object.fromEntries(REASONS.map((r, i) => [`access.reason.${r}`, REASON_ZH[i]])),
};

const EN = {
  "tab.access": "Access",
  "access.log": "Pass-through log",
  "access.doors": "Doors",
  "access.col.time": "Time",
  "access.col.door": "Door",
  "access.col.who": "Person",
  "access.col.cred": "By",
  "access.col.photo": "Photo",
  "access.col.result": "Result",
  "access.granted": "Granted",
  "access.denied": "Denied",
  "access.kind.access.remote_open": "Remote open",
  "access.kind.access.door_forced": "Door forced",
  "access.kind.access.door_held": "Door held open",
  "access.kind.access.door_closed": "Door closed",
  "access.cred.card": "Card",
  "access.cred.pin": "PIN",
  "access.cred.face": "Face",
  "access.cred.qr": "QR",
  "access.stranger": "Stranger",
  "access.watch": "Watch list",
  "access.similarity": "similarity {value}",
  "access.liveness": "live {value}",
  "access.state.open": "Open",
  "access.state.closed": "Closed",
  "access.state.unknown": "Unknown",
  "access.alarm.forced": "Forced",
  "access.alarm.held": "Held open",
  "access.open": "Remote open",
  "access.open.title": "Remote open: {door}",
  "access.open.reason": "Reason (required, audited)",
  "access.open.done": "Open command sent: {door}",
  "access.open.denied": "Not allowed to open doors remotely",
  "access.empty": "No passes yet",
  ...Object.fromEntries(REASONS.map((r, i) => [`access.reason.${r}`, REASON_EN[i]])),
};

addStrings(ZH, EN);

const MAX_ROWS = 200;

// The console's Content-Security-Policy refuses style attributes; CSSOM styles are fine.
function css(el, text) {
  el.style.cssText = text;
  return el;
}
const POLL_MS = 2000;
const polling = poller(() => poll(), POLL_MS);

const view = {
  root: null,
  rows: [], // newest first
  doors: [],
  lastId: null,
  thumbs: new Map(), // capture name -> data: URL
};

function build() {
  const head = h("thead", {}, h("tr", {},
    ...["time", "door", "who", "cred", "photo", "result"].map((c) =>
      h("th", { scope: "col" }, t(`access.col.${c}`)))));
  const log = css(h("section", {},
    h("h3", {}, t("access.log")),
    h("table", { class: "grid", id: "access-log" }, head, h("tbody", { id: "access-rows" }))),
  "flex:3;min-width:0");
  const doors = css(h("section", {},
    h("h3", {}, t("access.doors")),
    css(h("ul", { id: "access-doors" }), "list-style:none;padding:0;margin:0"),
    faceSection()),
  "flex:2;min-width:0");
  const layout = css(h("div", { class: "access-layout" }, log, doors),
    "display:flex;gap:12px;align-items:flex-start;padding:0 8px");
  fill(view.root, layout);
}

async function thumb(name, img) {
  if (!view.thumbs.has(name)) {
    const url = await imageDataUrl(`/access/captures/${name}`);
    if (!url) return; // a missing thumbnail leaves the cell empty
    view.thumbs.set(name, url);
  }
  img.src = view.thumbs.get(name);
}

function resultCell(ev) {
  const p = ev.payload ?? {};
  if (ev.kind !== "access.granted" && ev.kind !== "access.denied") {
    return h("span", { class: "badge" }, t(`access.kind.${ev.kind}`));
  }
  const granted = ev.kind === "access.granted";
  const reason = p.reason ? t(`access.reason.${p.reason}`) : "";
  return h("span", {},
    h("span", { class: `badge ${granted ? "st-resolved" : "st-new"}` },
      t(granted ? "access.granted" : "access.denied")),
    " ", reason,
    p.stranger ? h("span", { class: "badge st-acknowledged" }, t("access.stranger")) : null,
    p.watchlist ? h("span", { class: "badge st-new" }, t("access.watch")) : null,
    faceScores(p));
}

// How sure the face decision was: the match's similarity and the server's live score (a
// low live score is marked: it may be a photo or a screen, worth a look at the capture).
function faceScores(p) {
  const parts = [];
  if (typeof p.face?.similarity === "number") {
    parts.push(t("access.similarity", { value: p.face.similarity.toFixed(2) }));
  }
  if (typeof p.liveness_score === "number") {
    parts.push(t("access.liveness", { value: p.liveness_score.toFixed(2) }));
  }
  if (!parts.length) return null;
  const low = typeof p.liveness_score === "number" && p.liveness_score < 0.5;
  return h("div", { class: low ? "face-scores low-live" : "face-scores muted" }, parts.join(" · "));
}

function row(ev) {
  const p = ev.payload ?? {};
  const img = css(h("img", { alt: "", width: 40, height: 40 }), "object-fit:cover");
  if (p.thumb) thumb(p.thumb, img);
  const attrs = { "data-id": ev.id, "data-kind": ev.kind, "data-reason": p.reason ?? "" };
  if (p.watchlist) attrs.class = "watch";
  const who = p.holder ?? p.face?.name ?? p.actor ?? (p.card ? `#${p.card}` : "—");
  const tr = h("tr", attrs,
    h("td", {}, formatShort(ev.occurred_at)),
    h("td", {}, p.door_name ?? p.door ?? ev.source),
    h("td", {}, who),
    h("td", {}, p.credential ? t(`access.cred.${p.credential}`) : ""),
    h("td", {}, p.thumb ? img : ""),
    h("td", {}, resultCell(ev)));
  if (p.watchlist) {
    // A watch-list hit stands out in the log: a red band over the whole row.
    for (const td of tr.children) css(td, "background:#5a1414;border-top:2px solid #e5484d");
  }
  return tr;
}

function renderRows() {
  const body = $("#access-rows");
  if (!body) return;
  if (!view.rows.length) {
    fill(body, h("tr", {}, h("td", { colspan: 6, class: "muted" }, t("access.empty"))));
    return;
  }
  fill(body, view.rows.map(row));
}

function renderDoors() {
  const list = $("#access-doors");
  if (!list) return;
  fill(list, view.doors.map((d) => {
    const state = d.state in { open: 1, closed: 1 } ? d.state : "unknown";
    const li = h("li", { "data-door": d.code, "data-state": state, "data-alarm": d.alarm ?? "" },
      css(h("span", {}, d.name), "flex:1"),
      h("span", { class: "badge" }, t(`access.state.${state}`)),
      d.alarm ? h("span", { class: "badge st-new" }, t(`access.alarm.${d.alarm}`)) : null,
      h("button", { type: "button", class: "access-open", onclick: () => askOpen(d) },
        t("access.open")));
    return css(li, "display:flex;gap:8px;align-items:center;padding:3px 0");
  }));
}

async function askOpen(door) {
  const reason = await askReason({ id: "access-open-dialog", label: t("access.open.reason"),
    title: t("access.open.title", { door: door.name }) });
  if (!reason) return;
  try {
    await api(`/access/doors/${door.id}/open`, { method: "POST", body: { reason } });
    toast(t("access.open.done", { door: door.name }));
    await poll();
  } catch (err) {
    const text = err instanceof ApiError && err.status === 403 ? t("access.open.denied") : err.message;
    toast(text, "error");
  }
}


async function poll() {
  try {
    const fresh = await api("/access/log", { query: { limit: 100, after: view.lastId } });
    if (fresh.length) {
      view.lastId = fresh[0].id;
      view.rows = [...fresh, ...view.rows].slice(0, MAX_ROWS);
      const keep = new Set(view.rows.map((r) => r.payload?.thumb).filter(Boolean));
      for (const name of [...view.thumbs.keys()]) if (!keep.has(name)) view.thumbs.delete(name);
      renderRows();
    }
    view.doors = await api("/access/doors");
    renderDoors();
  } catch {
    // Offline or logged out: the header shows it; try again on the next tick.
  }
}

export function init() {
  view.root = $("#panel-access");
  build();
  renderRows();
}

export function show() {
  refreshFace();
  polling.start();
}

export function hide() {
  polling.stop();
}

export function rerender() {
  build();
  renderRows();
  renderDoors();
}
