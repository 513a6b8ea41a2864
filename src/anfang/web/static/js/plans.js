// Layered maps in the map tab: the site drawing ("总图") or an uploaded site or floor plan,
// zoomed with the wheel and panned by dragging; devices placed on a plan show their live
// state and blink while an alarm of theirs is open; a camera opens live. Installers upload
// plans and place devices by dragging them from the list onto the plan.

import { errorText } from "./alarm-actions.js";
import { api, imageDataUrl, session } from "./api.js";
import { $, fill, h } from "./dom.js";
import { addStrings, t, tOr } from "./i18n.js";
import { alarmedTargets, state } from "./state.js";
import { toast } from "./toast.js";

const ZH = {
  "plans.site": "总图",
  "plans.upload": "上传平面图",
  "plans.edit": "布点",
  "plans.done": "完成布点",
  "plans.name": "名称（如 3号楼 1层）",
  "plans.file": "文件（PNG、JPEG、SVG 或 PDF）",
  "plans.page": "PDF 页码",
  "plans.uploaded": "已上传：{name}",
  "plans.palette": "拖动设备到平面图上",
  "plans.unplaced": "未布点设备",
  "plans.remove": "移出平面图",
  "plans.live": "实时视频",
  "plans.notPlaced": "该设备不在任何平面图上",
  "code.plan_empty": "文件是空的",
  "code.plan_too_large": "文件太大（{detail}）",
  "code.plan_format": "不是 PNG、JPEG、SVG 或 PDF 文件",
  "code.plan_damaged": "文件已损坏，无法读取",
  "code.plan_unsafe": "SVG 含脚本、事件或外部引用，出于安全考虑不接受",
  "code.plan_size": "图片尺寸不合适（无尺寸或过大）",
  "code.plan_page": "PDF 只有 {pages} 页",
};

const EN = {
  "plans.site": "Site drawing",
  "plans.upload": "Upload a plan",
  "plans.edit": "Place devices",
  "plans.done": "Done",
  "plans.name": "Name (e.g. Building 3, floor 1)",
  "plans.file": "File (PNG, JPEG, SVG or PDF)",
  "plans.page": "PDF page",
  "plans.uploaded": "Uploaded: {name}",
  "plans.palette": "Drag devices onto the plan",
  "plans.unplaced": "Devices not placed",
  "plans.remove": "Take off the plan",
  "plans.live": "Live video",
  "plans.notPlaced": "This device is on no plan",
  "code.plan_empty": "The file is empty",
  "code.plan_too_large": "The file is too large",
  "code.plan_format": "Not a PNG, JPEG, SVG or PDF file",
  "code.plan_damaged": "The file is damaged",
  "code.plan_unsafe": "An SVG with scripts, handlers or outside references is not accepted",
  "code.plan_size": "The picture has no size or is too large",
  "code.plan_page": "The PDF has {pages} pages",
};

addStrings(ZH, EN);

const view = { layers: [], layer: null, zoom: 1, x: 0, y: 0, edit: false, images: new Map(), focus: null };
const canEdit = () => ["admin", "installer"].includes(state.user?.role);

/** The layer bar and the plan view, put into the map tab's panel once. */
export function initPlans() {
  const panel = $("#panel-map");
  panel.prepend(h("div", { id: "plan-bar", class: "plan-bar" }));
  panel.append(h("div", { id: "plan-view", class: "plan-view", hidden: true,
    onwheel: onWheel, onpointerdown: onPanStart, ondragover: (ev) => ev.preventDefault(), ondrop: onDrop },
  h("div", { id: "plan-inner", class: "plan-inner" })));
  panel.append(h("aside", { id: "plan-palette", class: "plan-palette", hidden: true }));
}

export async function loadPlans() {
  try {
    view.layers = await api("/center/maps");
  } catch {
    view.layers = [];
  }
  renderBar();
  if (view.layer && !view.layers.some((l) => l.id === view.layer)) view.layer = null;
  renderPlan();
}

function renderBar() {
  const btn = (id, label) => h("button", { type: "button", class: view.layer === id ? "active" : "", dataset: { layer: String(id ?? "site") },
    onclick: () => selectLayer(id) }, label);
  fill($("#plan-bar"), btn(null, t("plans.site")), view.layers.map((l) => btn(l.id, l.name)),
    canEdit() ? [
      h("button", { type: "button", id: "plan-upload", onclick: openUpload }, `＋ ${t("plans.upload")}`),
      view.layer ? h("button", { type: "button", id: "plan-edit", class: view.edit ? "active" : "", onclick: toggleEdit }, view.edit ? t("plans.done") : t("plans.edit")) : null,
    ] : null);
}

export function selectLayer(id) {
  view.layer = id;
  view.zoom = 1;
  view.x = 0;
  view.y = 0;
  if (id === null) view.edit = false;
  renderBar();
  renderPlan();
}

function current() {
  return view.layers.find((l) => l.id === view.layer) ?? null;
}

async function image(layer) {
  if (!view.images.has(layer.id)) view.images.set(layer.id, imageDataUrl(`/center/maps/${layer.id}/image`));
  return view.images.get(layer.id);
}

/** Draw the selected plan with its devices (also on every alarm and device change). */
export function renderPlan() {
  const layer = current();
  $("#map").hidden = Boolean(layer);
  $("#plan-view").hidden = !layer;
  $("#plan-palette").hidden = !(layer && view.edit);
  if (!layer) return;
  const inner = $("#plan-inner");
  inner.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.zoom})`;
  inner.style.aspectRatio = `${layer.width} / ${layer.height}`;
  const img = inner.querySelector("img.plan-img") ?? h("img", { class: "plan-img", alt: layer.name, draggable: "false" });
  if (img.dataset.layer !== String(layer.id)) {
    img.dataset.layer = String(layer.id);
    img.removeAttribute("src");
    image(layer).then((url) => { if (url && img.dataset.layer === String(layer.id)) img.src = url; });
  }
  const byCode = new Map([...state.devices.values()].map((d) => [d.code, d]));
  const alarmed = alarmedTargets().devices;
  fill(inner, img, layer.devices.map((p) => {
    const d = byCode.get(p.device);
    const cls = ["plan-dev", `ds-${d?.state ?? "unknown"}`, `dt-${d?.type ?? "x"}`];
    if (d && alarmed.has(d.id)) cls.push("alarm");
    if (view.focus === p.device) cls.push("focus");
    const marker = h("button", { type: "button", class: cls.join(" "), dataset: { device: p.device },
      title: `${p.device} ${d?.name ?? ""} · ${tOr(`dstate.${d?.state}`, d?.state ?? "")}`,
      onpointerdown: (ev) => onMarkerDown(ev, p.device), onclick: () => !view.edit && showDevice(p.device) },
    d?.type === "camera" ? "📷" : "●");
    marker.style.left = `${p.x * 100}%`;
    marker.style.top = `${p.y * 100}%`;
    return marker;
  }));
  if (view.edit) renderPalette(layer);
}

function renderPalette(layer) {
  const placed = new Set(layer.devices.map((p) => p.device));
  const free = [...state.devices.values()].filter((d) => !placed.has(d.code)).sort((a, b) => a.code.localeCompare(b.code));
  fill($("#plan-palette"), h("h4", {}, t("plans.palette")),
    h("ul", { class: "plain" }, free.map((d) => h("li", { draggable: "true", dataset: { device: d.code },
      ondragstart: (ev) => ev.dataTransfer.setData("text/plain", d.code) }, `${d.code} ${d.name}`))));
}

function toggleEdit() {
  view.edit = !view.edit;
  renderBar();
  renderPlan();
}

// ------------------------------------------------------------------ zoom, pan, placing

function onWheel(ev) {
  ev.preventDefault();
  const factor = ev.deltaY < 0 ? 1.2 : 1 / 1.2;
  const rect = $("#plan-view").getBoundingClientRect();
  const cx = ev.clientX - rect.left;
  const cy = ev.clientY - rect.top;
  const zoom = Math.min(8, Math.max(0.5, view.zoom * factor));
  // Keep the point under the cursor where it is.
  view.x = cx - ((cx - view.x) * zoom) / view.zoom;
  view.y = cy - ((cy - view.y) * zoom) / view.zoom;
  view.zoom = zoom;
  renderPlan();
}

function onPanStart(ev) {
  if (ev.target.closest(".plan-dev")) return;
  const start = { x: ev.clientX - view.x, y: ev.clientY - view.y };
  const move = (e) => {
    view.x = e.clientX - start.x;
    view.y = e.clientY - start.y;
    $("#plan-inner").style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.zoom})`;
  };
  const up = () => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", up);
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", up);
}

function fraction(ev) {
  const rect = $("#plan-inner").getBoundingClientRect();
  const x = Math.min(1, Math.max(0, (ev.clientX - rect.left) / rect.width));
  const y = Math.min(1, Math.max(0, (ev.clientY - rect.top) / rect.height));
  return { x: Math.round(x * 10000) / 10000, y: Math.round(y * 10000) / 10000 };
}

async function put(code, where) {
  try {
    await api(`/center/maps/${view.layer}/devices/${encodeURIComponent(code)}`, { method: "PUT", body: where });
    await loadPlans();
  } catch (err) {
    toast(errorText(err), "error");
  }
}

function onDrop(ev) {
  ev.preventDefault();
  const code = ev.dataTransfer.getData("text/plain");
  if (code && view.edit) put(code, fraction(ev));
}

function onMarkerDown(ev, code) {
  if (!view.edit) return;
  ev.preventDefault();
  const marker = ev.currentTarget;
  const move = (e) => {
    const f = fraction(e);
    marker.style.left = `${f.x * 100}%`;
    marker.style.top = `${f.y * 100}%`;
  };
  const up = (e) => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", up);
    put(code, fraction(e));
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", up);
}

// ------------------------------------------------------------------ a device, located

function showDevice(code) {
  const d = [...state.devices.values()].find((x) => x.code === code);
  const info = $("#map-info");
  fill(info, h("h3", {}, `${code} ${d?.name ?? ""}`),
    h("p", {}, tOr(`devtype.${d?.type}`, d?.type ?? ""), " · ", tOr(`dstate.${d?.state}`, d?.state ?? "")),
    d?.type === "camera" ? h("button", { type: "button", class: "primary", onclick: () =>
      document.dispatchEvent(new CustomEvent("anfang:camera", { detail: { code, title: d.name } })) }, t("plans.live")) : null,
    view.edit && canEdit() ? h("button", { type: "button", onclick: async () => {
      await api(`/center/maps/${view.layer}/devices/${encodeURIComponent(code)}`, { method: "DELETE" }).catch((err) => toast(errorText(err), "error"));
      await loadPlans();
    } }, t("plans.remove")) : null);
}

/** Show the plan a device is on, centred on it and highlighted (from an alarm's detail). */
export function locate(code) {
  const layer = view.layers.find((l) => l.devices.some((p) => p.device === code));
  if (!layer) {
    selectLayer(null);
    toast(t("plans.notPlaced"));
    return false;
  }
  view.focus = code;
  selectLayer(layer.id);
  showDevice(code);
  setTimeout(() => { view.focus = null; }, 6000);
  return true;
}

// ------------------------------------------------------------------ upload

function openUpload() {
  let dialog = $("#plan-upload-dialog");
  if (!dialog) {
    dialog = h("dialog", { id: "plan-upload-dialog" });
    document.body.append(dialog);
  }
  fill(dialog, h("form", { id: "plan-upload-form", onsubmit: upload },
    h("h3", {}, t("plans.upload")),
    h("label", {}, t("plans.name"), h("input", { id: "plan-name", required: true, maxlength: 200 })),
    h("label", {}, t("plans.file"), h("input", { id: "plan-file", type: "file", required: true, accept: ".png,.jpg,.jpeg,.svg,.pdf,image/png,image/jpeg,image/svg+xml,application/pdf" })),
    h("label", {}, t("plans.page"), h("input", { id: "plan-page", type: "number", min: 1, value: 1 })),
    h("p", { id: "plan-error", class: "message", role: "alert" }),
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, t("plans.upload")),
      h("button", { type: "button", onclick: () => dialog.close() }, t("dialog.cancel")))));
  dialog.showModal();
}

async function upload(ev) {
  ev.preventDefault();
  const file = $("#plan-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("name", $("#plan-name").value.trim());
  form.append("page", $("#plan-page").value || "1");
  form.append("file", file);
  // multipart: api() speaks JSON, so this one request is made here (same token, same base)
  const r = await fetch("/api/v1/center/maps", { method: "POST", body: form,
    headers: { Authorization: `Bearer ${session()?.access_token ?? ""}` } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const key = body.code ? `code.${body.code}` : null;
    fill($("#plan-error"), key ? t(key, body.params ?? {}) : String(body.detail ?? r.status));
    return;
  }
  $("#plan-upload-dialog").close();
  toast(t("plans.uploaded", { name: body.name }), "ok");
  await loadPlans();
  selectLayer(body.id);
}
