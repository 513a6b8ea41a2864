// A device's record (设备档案), opened from the device list and from a work order: the product
// data the supervisors check (manufacturer, model, CCC or test report, firmware, install date),
// a work order opened by hand, and every work order the device has had. Reading needs
// compliance.read or maintenance.work; changing needs maintenance.work (the server checks both).

import { errorText } from "./alarm-actions.js";
import { api } from "./api.js";
import { $, fill, formatShort, h } from "./dom.js";
import { addStrings, t, tOr } from "./i18n.js";
import { can } from "./state.js";
import { toast } from "./toast.js";

const ZH = {
  "rec.open": "档案",
  "rec.title": "设备档案 {code}",
  "rec.product": "产品信息",
  "rec.manufacturer": "生产厂商",
  "rec.model": "型号",
  "rec.certificate": "3C 证书/检验报告编号",
  "rec.firmware": "固件版本",
  "rec.installed": "安装日期",
  "rec.save": "保存产品信息",
  "rec.saved": "{code} 的产品信息已保存",
  "rec.incomplete": "产品信息不全：{missing}",
  "rec.new": "新建工单",
  "rec.new.title": "故障现象",
  "rec.new.opened": "已开工单 #{id}",
  "rec.history": "工单记录",
  "rec.none": "没有工单记录",
  "rec.col.opened": "开单",
  "rec.col.title": "工单",
  "rec.col.source": "来源",
  "rec.col.state": "状态",
  "rec.col.closed": "完工",
  "rec.col.note": "处理情况",
  "rec.close": "关闭",
  "rec.src.manual": "人工",
  "rec.src.offline": "离线",
  "rec.src.fault": "故障",
  "rec.src.video_loss": "视频异常",
  "rec.src.inspection": "巡查不合格",
  "rec.st.open": "待派",
  "rec.st.assigned": "维修中",
  "rec.st.closed": "已完工",
  "rec.prio": "P{n}（{h} 小时内）",
};
const EN = {
  "rec.open": "Record",
  "rec.title": "Device record {code}",
  "rec.product": "Product data",
  "rec.manufacturer": "Manufacturer",
  "rec.model": "Model",
  "rec.certificate": "CCC / test report no.",
  "rec.firmware": "Firmware",
  "rec.installed": "Installed on",
  "rec.save": "Save product data",
  "rec.saved": "Product data of {code} saved",
  "rec.incomplete": "Product data incomplete: {missing}",
  "rec.new": "Open a work order",
  "rec.new.title": "Symptom",
  "rec.new.opened": "Work order #{id} opened",
  "rec.history": "Work orders",
  "rec.none": "No work orders",
  "rec.col.opened": "Opened",
  "rec.col.title": "Work order",
  "rec.col.source": "Source",
  "rec.col.state": "State",
  "rec.col.closed": "Closed",
  "rec.col.note": "What was done",
  "rec.close": "Close",
  "rec.src.manual": "by hand",
  "rec.src.offline": "offline",
  "rec.src.fault": "fault",
  "rec.src.video_loss": "video",
  "rec.src.inspection": "inspection failed",
  "rec.st.open": "open",
  "rec.st.assigned": "in repair",
  "rec.st.closed": "closed",
  "rec.prio": "P{n} (within {h} h)",
};
addStrings(ZH, EN);

const FIELDS = ["manufacturer", "model", "certificate", "firmware", "installed"];
const SLA_HOURS = { 1: 4, 2: 24, 3: 72, 4: 168 }; // as the server's maintenance.SLA_HOURS

/** Whether the signed-in user may open device records at all. */
export function mayOpenRecord() {
  return can("compliance.read") || can("maintenance.work");
}

function dialog() {
  let d = $("#device-record");
  if (!d) {
    d = h("dialog", { id: "device-record", class: "record-dialog", "aria-labelledby": "device-record-title" });
    document.body.append(d);
  }
  return d;
}

function productForm(code, product) {
  const edit = can("maintenance.work");
  const value = (k) => (product ? product[k === "installed" ? "installed_on" : k] : "") || "";
  const missing = FIELDS.filter((k) => !value(k)).map((k) => t(`rec.${k}`));
  return h("form", { id: "rec-product", class: "record-form", onsubmit: (e) => saveProduct(e, code) },
    h("h4", {}, t("rec.product")),
    missing.length ? h("p", { class: "bad" }, t("rec.incomplete", { missing: missing.join("、") })) : null,
    FIELDS.map((k) => h("label", {}, h("span", {}, t(`rec.${k}`)),
      h("input", { name: k, value: value(k), maxlength: 100, disabled: !edit, type: k === "installed" ? "date" : "text" }))),
    edit ? h("button", { type: "submit", class: "primary" }, t("rec.save")) : null);
}

function newOrderForm(code) {
  if (!can("maintenance.work")) return null;
  return h("form", { id: "rec-new", class: "filters wrap", onsubmit: (e) => openOrder(e, code) },
    h("strong", {}, t("rec.new")),
    h("input", { name: "title", required: true, maxlength: 200, placeholder: t("rec.new.title"), size: 24 }),
    h("select", { name: "priority" }, [1, 2, 3, 4].map((n) =>
      h("option", { value: n, selected: n === 3 }, t("rec.prio", { n, h: SLA_HOURS[n] })))),
    h("button", { type: "submit" }, t("rec.new")));
}

function history(orders) {
  if (!orders.length) return h("p", { class: "muted" }, t("rec.none"));
  const cols = ["opened", "title", "source", "state", "closed", "note"];
  return h("div", { class: "scroll" }, h("table", { class: "grid small", id: "rec-history" },
    h("thead", {}, h("tr", {}, cols.map((c) => h("th", {}, t(`rec.col.${c}`))))),
    h("tbody", {}, orders.map((w) => h("tr", { class: w.overdue ? "bad" : "", dataset: { work: w.id, state: w.state } },
      h("td", { class: "nowrap" }, formatShort(w.opened_at)),
      h("td", {}, `#${w.id} ${w.title} · P${w.priority}`),
      h("td", {}, tOr(`rec.src.${w.source}`, w.source)),
      h("td", {}, tOr(`rec.st.${w.state}`, w.state), w.assignee ? ` · ${w.assignee}` : ""),
      h("td", { class: "nowrap" }, w.closed_at ? formatShort(w.closed_at) : "—"),
      h("td", {}, w.note || "—"))))));
}

/** Open the record of the device `code` (a modal; Escape closes it). */
export async function openDeviceRecord(code, name = "") {
  if ($("#device-record")?.dataset.code !== code) delete dialog().dataset.name;
  let rec;
  try {
    rec = await api(`/maintenance/devices/${encodeURIComponent(code)}`);
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  const d = dialog();
  d.dataset.code = code;
  if (name) d.dataset.name = name;
  fill(d,
    h("h3", { id: "device-record-title" }, t("rec.title", { code }), d.dataset.name ? ` · ${d.dataset.name}` : ""),
    productForm(code, rec.product),
    newOrderForm(code),
    h("h4", {}, t("rec.history")),
    history(rec.work_orders),
    h("div", { class: "row" }, h("button", { type: "button", onclick: () => d.close() }, t("rec.close"))));
  if (!d.open) d.showModal();
}

async function saveProduct(e, code) {
  e.preventDefault();
  const f = e.target;
  const body = { manufacturer: f.manufacturer.value.trim(), model: f.model.value.trim(),
    certificate: f.certificate.value.trim(), firmware: f.firmware.value.trim(), installed_on: f.installed.value };
  try {
    await api(`/maintenance/devices/${encodeURIComponent(code)}/product`, { method: "PUT", body });
    toast(t("rec.saved", { code }), "ok");
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  await openDeviceRecord(code);
}

async function openOrder(e, code) {
  e.preventDefault();
  const f = e.target;
  try {
    const w = await api("/maintenance/orders", { method: "POST",
      body: { title: f.title.value.trim(), device_code: code, priority: Number(f.priority.value) } });
    toast(t("rec.new.opened", { id: w.id }), "ok");
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  await openDeviceRecord(code);
}
