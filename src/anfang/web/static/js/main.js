// The console's entry point: login, header, tabs, keyboard, and the live stream.

import {
  initActionDialog, isMuted, loadOpenAlarms, openAction, rerenderAlarms, selectRelative,
  setMuted, startToneLoop, upsertAlarm,
} from "./alarms.js";
import { api, ApiError, clearSession, login, session, sessionExpired, setUnauthorizedHandler } from "./api.js";
import { initDevices, liveDevice, loadDevices, rerenderDevices } from "./devices.js";
import { formatWeekday, setZone } from "./clock.js";
import { $, fill, formatTime } from "./dom.js";
import { fillKindFilter, initEvents, liveEvent, reloadEvents, rerenderEvents } from "./events.js";
import { applyStatic, lang, setLang, t, tOr } from "./i18n.js";
import { initPlans, loadPlans, locate, renderPlan } from "./plans.js";
import { loadSite, rerenderMap } from "./sitemap.js";
import { audioBlocked, onAudioState, unlockAudio } from "./sound.js";
import { emit, on, state } from "./state.js";
import { Stream } from "./stream.js";
import * as videoTab from "./video.js";
import * as accessTab from "./access.js";
import * as intercomTab from "./intercom.js";
import * as parkingTab from "./parking.js";
import * as patrolTab from "./patrol.js";
import * as usersTab from "./users.js";
import * as centerTab from "./center.js";
import * as complianceTab from "./compliance.js";
import { toast } from "./toast.js";

const TABS = [
  "events", "devices", "map", "video", "access", "intercom", "patrol", "parking", "users", "center",
  "compliance",
];
// Who sees the compliance tab (compliance.read): the property company's management, the
// installers, auditors and police inspectors.
const COMPLIANCE_ROLES = ["admin", "supervisor", "installer", "police_inspector", "auditor"];
// Tabs whose module wants to know when it is shown, hidden or re-rendered (language).
const TAB_MODULES = {
  video: videoTab, access: accessTab, intercom: intercomTab, patrol: patrolTab,
  parking: parkingTab, users: usersTab, center: centerTab, compliance: complianceTab,
};
let running = false;
let expiryTimer = null;
let wsState = { st: "connecting", seconds: 0 };

function renderWs() {
  const el = $("#ws-state");
  el.dataset.state = wsState.st;
  fill(el, wsState.st === "offline" ? t("ws.offline", { s: wsState.seconds }) : t(`ws.${wsState.st}`));
}

const stream = new Stream({
  onMessage(msg) {
    if (msg.type === "event") {
      liveEvent(msg.data);
      emit("event", msg.data); // for tab modules (video pop-ups, access log)
    } else if (msg.type === "alarm") upsertAlarm(msg.data, { live: true });
    else if (msg.type === "device") liveDevice(msg.data);
  },
  onState(st, seconds) {
    wsState = { st, seconds };
    renderWs();
  },
  onReconnect() {
    refreshAll();
  },
  async shouldRetry() {
    if (sessionExpired()) {
      logout("login.expired");
      return false;
    }
    try {
      await api("/me");
      return true;
    } catch (err) {
      // A 401 already sent us to the login page; anything else means the server is away.
      return !(err instanceof ApiError && err.status === 401);
    }
  },
});

// ------------------------------------------------------------------ login / logout

function showLogin(messageKey) {
  $("#app").hidden = true;
  $("#login-view").hidden = false;
  const msg = $("#login-message");
  msg.dataset.i18n = messageKey ?? "";
  fill(msg, messageKey ? t(messageKey) : "");
  $("#login-password").value = "";
  $("#login-username").focus();
}

function logout(messageKey) {
  if (!running && $("#app").hidden) {
    if (messageKey) showLogin(messageKey);
    return;
  }
  running = false;
  stream.stop();
  if (messageKey === "login.loggedOut") {
    // Revoke the token on the server too; the page forgets it either way.
    const token = session()?.access_token;
    if (token) {
      fetch("/api/v1/auth/logout", {
        method: "POST",
        headers: { Authorization: `Bearer ${token}` },
      }).catch(() => {});
    }
  }
  clearTimeout(expiryTimer);
  clearSession();
  state.alarms.clear();
  state.devices.clear();
  state.site = null;
  state.selectedAlarmId = null;
  for (const d of document.querySelectorAll("dialog[open]")) d.close();
  showLogin(messageKey);
}

async function onLoginSubmit(ev) {
  ev.preventDefault();
  unlockAudio();
  const msg = $("#login-message");
  const button = $("#login-submit");
  button.disabled = true;
  try {
    await login($("#login-username").value.trim(), $("#login-password").value);
    await startApp();
  } catch (err) {
    let text;
    if (err instanceof ApiError && err.status === 401) text = t("login.bad");
    else if (err instanceof ApiError && err.status === 429) text = t("login.throttled");
    else text = t("login.failed", { msg: err.message });
    delete msg.dataset.i18n;
    fill(msg, text);
  } finally {
    button.disabled = false;
  }
}

async function onPasswordSubmit(ev) {
  ev.preventDefault();
  const msg = $("#password-message");
  const fresh = $("#password-new").value;
  if (fresh !== $("#password-again").value) {
    fill(msg, t("password.mismatch"));
    return;
  }
  const button = $("#password-submit");
  button.disabled = true;
  try {
    await api("/me/password", {
      method: "POST",
      body: { current_password: $("#password-current").value, new_password: fresh },
    });
    for (const id of ["#password-current", "#password-new", "#password-again"]) $(id).value = "";
    fill(msg, "");
    toast(t("password.changed"));
    await startApp();
  } catch (err) {
    fill(msg, t("password.failed", { msg: err.message }));
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ the app

async function refreshAll() {
  // Devices and the site first, so alarm details can name them; one failing part does not
  // keep the others from loading.
  const first = await Promise.allSettled([loadDevices(), loadSite()]);
  const second = await Promise.allSettled([loadOpenAlarms(), reloadEvents(), loadPlans()]);
  for (const r of [...first, ...second]) {
    if (r.status === "rejected" && !(r.reason instanceof ApiError && r.reason.status === 401)) {
      toast(t("error.generic", { msg: r.reason.message }), "error");
    }
  }
}

async function startApp() {
  const sess = session();
  state.user = await api("/me");
  setZone(state.user.timezone);
  if (state.user.must_change_password) {
    // A password someone else chose (the first admin's, a reset): choose one first.
    $("#login-view").hidden = true;
    $("#password-view").hidden = false;
    $("#password-current").focus();
    return;
  }
  $("#password-view").hidden = true;
  $("#tab-users").hidden = state.user.role !== "admin";
  $("#tab-compliance").hidden = !COMPLIANCE_ROLES.includes(state.user.role);
  running = true;
  $("#login-view").hidden = true;
  $("#app").hidden = false;
  renderUser();
  scheduleExpiry(sess.expires_at);
  const kinds = await api("/kinds");
  state.kinds = new Map(kinds.map((k) => [k.kind, k]));
  fillKindFilter();
  stream.start();
  await refreshAll();
}

function scheduleExpiry(expiresAt) {
  clearTimeout(expiryTimer);
  if (!expiresAt) return;
  const ms = new Date(expiresAt).getTime() - Date.now();
  // setTimeout overflows past ~24.8 days; such tokens are checked again on use anyway.
  if (ms < 2 ** 31 - 1) expiryTimer = setTimeout(() => logout("login.expired"), Math.max(0, ms));
}

function renderUser() {
  const u = state.user;
  if (!u) return;
  fill($("#user-name"), u.display_name || u.username);
  fill($("#user-role"), tOr(`role.${u.role}`, u.role));
}

function showTab(name) {
  for (const tab of TABS) {
    $(`#tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    $(`#panel-${tab}`).hidden = tab !== name;
  }
  if (name === "map") rerenderMap();
  // The video wall takes the width by itself (it was squeezed into a third: issue 17);
  // leaving the tab gives the width back, unless the operator chose it (Z).
  // The compliance tab's report and forms want the width too.
  const wants = name === "video" || name === "compliance";
  if (wants && !document.body.classList.contains("wide")) {
    document.body.classList.add("wide");
    autoWide = true;
  } else if (!wants && autoWide) {
    document.body.classList.remove("wide");
    autoWide = false;
  }
  for (const [tab, mod] of Object.entries(TAB_MODULES)) {
    if (tab === name) mod.show();
    else mod.hide();
  }
}

function switchLang() {
  setLang(lang() === "zh-CN" ? "en" : "zh-CN");
  renderUser();
  renderWs();
  tickClock();
  rerenderAlarms();
  rerenderEvents();
  rerenderDevices();
  rerenderMap();
  for (const mod of Object.values(TAB_MODULES)) mod.rerender();
  renderMute();
  const msg = $("#login-message");
  if (msg.dataset.i18n) fill(msg, t(msg.dataset.i18n));
}

function renderMute() {
  const button = $("#mute");
  button.setAttribute("aria-pressed", String(isMuted()));
  fill(button, isMuted() ? t("header.unmute") : t("header.mute"));
  renderSoundWarning();
}

// The sound can be off without anyone choosing it (a reload: browsers allow audio only
// after a click or key): say so where the operator looks, and let one click turn it on.
function renderSoundWarning() {
  const el = $("#sound-warning");
  const off = isMuted() || audioBlocked();
  el.hidden = !off;
  el.dataset.reason = isMuted() ? "muted" : "blocked";
  fill(el, "🔇 ", isMuted() ? t("sound.muted") : t("sound.off"));
}

let autoWide = false;

function toggleWide() {
  autoWide = false;
  document.body.classList.toggle("wide");
}

function tickClock() {
  const now = new Date();
  const weekday = formatWeekday(now);
  const [day, time] = formatTime(now.toISOString()).split(" ");
  fill($("#clock"), `${day} ${weekday} ${time}`);
}

// ------------------------------------------------------------------ keyboard

function onKey(ev) {
  unlockAudio();
  if (!running || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (document.querySelector("dialog[open]")) return; // dialogs handle their own keys
  const target = ev.target;
  if (target.closest && target.closest("input, textarea, select")) return;
  const key = ev.key;
  const actions = {
    a: "acknowledge", c: "claim", d: "dispatch", r: "resolve", f: "false_alarm", n: "note",
    t: "assign", p: "print", g: "locate",
  };
  if (key === "ArrowDown" || key === "j") selectRelative(1);
  else if (key === "ArrowUp" || key === "k") selectRelative(-1);
  else if (actions[key.toLowerCase()]) openAction(actions[key.toLowerCase()]);
  else if (key === "?") $("#help-dialog").showModal();
  else if (key === "m" || key === "M") toggleMute();
  else if (key === "z" || key === "Z") toggleWide();
  else if (key === "l" || key === "L") switchLang();
  else if (/^[0-9]$/.test(key) && !$(`#tab-${TABS[(Number(key) + 9) % 10]}`).hidden) showTab(TABS[(Number(key) + 9) % 10]);
  else if (key === "-" && !$("#tab-compliance").hidden) showTab("compliance");
  else return;
  ev.preventDefault();
}

function toggleMute() {
  setMuted(!isMuted());
  renderMute();
}

// ------------------------------------------------------------------ boot

function boot() {
  applyStatic(document);
  setUnauthorizedHandler(() => logout("login.expired"));
  $("#login-form").addEventListener("submit", onLoginSubmit);
  $("#password-form").addEventListener("submit", onPasswordSubmit);
  $("#login-lang").addEventListener("click", switchLang);
  $("#lang").addEventListener("click", switchLang);
  $("#mute").addEventListener("click", toggleMute);
  $("#sound-warning").addEventListener("click", () => {
    if (isMuted()) toggleMute();
    unlockAudio();
  });
  onAudioState(renderSoundWarning);
  $("#wide-toggle").addEventListener("click", toggleWide);
  // A tab's module may open another tab (the centre's health: a subsystem's detail).
  document.addEventListener("anfang:tab", (ev) => {
    if (TABS.includes(ev.detail) && !$(`#tab-${ev.detail}`).hidden) showTab(ev.detail);
  });
  $("#help").addEventListener("click", () => $("#help-dialog").showModal());
  $("#help-close").addEventListener("click", () => $("#help-dialog").close());
  $("#logout").addEventListener("click", () => {
    logout("login.loggedOut");
    toast(t("login.loggedOut"));
  });
  for (const tab of TABS) $(`#tab-${tab}`).addEventListener("click", () => showTab(tab));
  document.addEventListener("keydown", onKey);
  document.addEventListener("pointerdown", unlockAudio);
  on("alarms", rerenderMap);
  on("devices", rerenderMap);
  on("alarms", renderPlan);
  on("devices", renderPlan);
  initPlans();
  // An alarm's detail asks for its place: the map tab, on the plan that holds the device.
  document.addEventListener("anfang:locate", (ev) => {
    showTab("map");
    locate(ev.detail);
  });
  initActionDialog();
  initEvents();
  initDevices();
  for (const mod of Object.values(TAB_MODULES)) mod.init();
  renderMute();
  startToneLoop();
  tickClock();
  setInterval(tickClock, 1000);
  showTab("events");
  if (sessionExpired()) {
    const hadSession = session() !== null;
    clearSession();
    showLogin(hadSession ? "login.expired" : null);
  } else {
    startApp().catch((err) => {
      if (!(err instanceof ApiError && err.status === 401)) toast(err.message, "error");
    });
  }
}

boot();
