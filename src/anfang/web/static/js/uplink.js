// 公安联网 in the monitoring centre tab: every upper platform (GB/T 28181 signalling, GA/T 1400
// view library) with whether it accepts us now, the clock offset, what waits in the outbox
// and since when, what went up and what was dropped; then the national IDs of the shared
// devices, which installers may set by hand (the police often assign them).

import { errorText } from "./alarm-actions.js";
import { api } from "./api.js";
import { $, fill, formatShort, h } from "./dom.js";
import { addStrings, t, tOr } from "./i18n.js";
import { state } from "./state.js";
import { toast } from "./toast.js";

const ZH = {
  "uplink.title": "公安联网",
  "uplink.none": "尚未配置上级平台",
  "uplink.name": "上级平台",
  "uplink.protocol": "协议",
  "uplink.address": "地址",
  "uplink.state": "状态",
  "uplink.offset": "时钟偏差",
  "uplink.backlog": "待发送",
  "uplink.oldest": "最早待发",
  "uplink.sent": "已上报",
  "uplink.dropped": "已放弃",
  "uplink.last": "最后成功",
  "uplink.sessions": "视频会话",
  "uplink.proto.gb28181": "GB/T 28181 级联",
  "uplink.proto.ga1400": "GA/T 1400 视图库",
  "uplink.st.registered": "已注册",
  "uplink.st.registering": "注册中",
  "uplink.st.offline": "离线",
  "uplink.st.refused": "被拒绝",
  "uplink.st.stopped": "已停用",
  "uplink.st.starting": "启动中",
  "uplink.seconds": "{s} 秒",
  "uplink.ids": "国标编码（{n} 台设备）",
  "uplink.id.device": "设备",
  "uplink.id.type": "类型",
  "uplink.id.code": "20 位编码",
  "uplink.id.save": "保存",
  "uplink.id.saved": "已更新 {code} 的国标编码",
  "uplink.never": "从未",
  "uplink.district": "辖区小区（{n} 个）",
  "uplink.d.name": "小区",
  "uplink.d.seen": "最后上报",
  "uplink.d.events": "事件",
  "uplink.d.alarms": "未结告警",
  "uplink.d.devices": "设备（在线/离线）",
  "uplink.d.lag": "延迟 p99",
  "uplink.d.open": "打开小区控制台",
  "uplink.why.unreachable": "无法连接上级平台",
  "uplink.why.no_answer": "注册无应答",
  "uplink.why.credentials": "注册被拒绝：请核对编码和密码",
  "uplink.why.register_refused": "上级平台拒绝注册",
  "uplink.why.connection_closed": "上级平台关闭了连接",
  "uplink.why.keepalive_refused": "心跳被拒绝，正在重新注册",
  "uplink.why.keepalive_lost": "连续 3 次心跳无应答",
  "uplink.why.upload_failed": "上传失败，正在重新注册",
};

const EN = {
  "uplink.title": "Police uplink",
  "uplink.none": "No upper platform configured",
  "uplink.name": "Upper platform",
  "uplink.protocol": "Protocol",
  "uplink.address": "Address",
  "uplink.state": "State",
  "uplink.offset": "Clock offset",
  "uplink.backlog": "Queued",
  "uplink.oldest": "Oldest queued",
  "uplink.sent": "Sent",
  "uplink.dropped": "Dropped",
  "uplink.last": "Last success",
  "uplink.sessions": "Video sessions",
  "uplink.proto.gb28181": "GB/T 28181 cascade",
  "uplink.proto.ga1400": "GA/T 1400 view library",
  "uplink.st.registered": "Registered",
  "uplink.st.registering": "Registering",
  "uplink.st.offline": "Offline",
  "uplink.st.refused": "Refused",
  "uplink.st.stopped": "Disabled",
  "uplink.st.starting": "Starting",
  "uplink.seconds": "{s} s",
  "uplink.ids": "National IDs ({n} devices)",
  "uplink.id.device": "Device",
  "uplink.id.type": "Type",
  "uplink.id.code": "20-digit ID",
  "uplink.id.save": "Save",
  "uplink.id.saved": "National ID of {code} updated",
  "uplink.never": "never",
  "uplink.district": "Communities of the district ({n})",
  "uplink.d.name": "Community",
  "uplink.d.seen": "Last heard",
  "uplink.d.events": "Events",
  "uplink.d.alarms": "Open alarms",
  "uplink.d.devices": "Devices (online/offline)",
  "uplink.d.lag": "Lag p99",
  "uplink.d.open": "Open the community's console",
  "uplink.why.unreachable": "Cannot reach the upper platform",
  "uplink.why.no_answer": "No answer to the registration",
  "uplink.why.credentials": "Registration refused: check the ID and password",
  "uplink.why.register_refused": "The upper platform refused the registration",
  "uplink.why.connection_closed": "The upper platform closed the connection",
  "uplink.why.keepalive_refused": "Keepalive refused; registering again",
  "uplink.why.keepalive_lost": "3 keepalives unanswered",
  "uplink.why.upload_failed": "Upload failed; registering again",
};

addStrings(ZH, EN);

const canEdit = () => ["admin", "installer"].includes(state.user?.role);
const COLUMNS = ["uplink.name", "uplink.protocol", "uplink.address", "uplink.state", "uplink.offset",
  "uplink.backlog", "uplink.oldest", "uplink.sent", "uplink.dropped", "uplink.last", "uplink.sessions"];

const DISTRICT_COLUMNS = ["uplink.d.name", "uplink.d.seen", "uplink.d.events", "uplink.d.alarms",
  "uplink.d.devices", "uplink.d.lag", "uplink.d.open"];

export function uplinkSection() {
  return h("section", { id: "center-uplink", class: "center-section" },
    h("h3", {}, t("uplink.title")),
    h("div", { class: "scroll" },
      h("table", { class: "grid small", id: "uplink-table" },
        h("thead", {}, h("tr", {}, COLUMNS.map((k) => h("th", {}, t(k))))),
        h("tbody", { id: "uplink-rows" }))),
    h("div", { id: "uplink-district", hidden: true },
      h("h4", { id: "uplink-district-title" }),
      h("div", { class: "scroll" },
        h("table", { class: "grid small" },
          h("thead", {}, h("tr", {}, DISTRICT_COLUMNS.map((k) => h("th", {}, t(k))))),
          h("tbody", { id: "uplink-district-rows" })))),
    h("details", { id: "uplink-ids" },
      h("summary", { id: "uplink-ids-title" }, t("uplink.ids", { n: 0 })),
      h("div", { class: "scroll" },
        h("table", { class: "grid small" },
          h("thead", {}, h("tr", {}, ["uplink.id.device", "uplink.id.type", "uplink.id.code"].map((k) => h("th", {}, t(k))))),
          h("tbody", { id: "uplink-id-rows" })))));
}

function age(iso) {
  if (!iso) return "";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return t("uplink.seconds", { s });
}

export async function refreshUplink() {
  let platforms;
  let ids;
  let district;
  try {
    [platforms, ids, district] = await Promise.all([api("/uplink/platforms"),
      api("/uplink/national-ids"), api("/uplink/district/communities")]);
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  renderDistrict(district);
  if (!platforms.length) {
    fill($("#uplink-rows"), h("tr", {}, h("td", { colspan: COLUMNS.length, class: "muted" }, t("uplink.none"))));
  } else {
    fill($("#uplink-rows"), platforms.map((p) => h("tr", {
      class: p.state === "registered" ? "" : "bad",
      dataset: { platform: p.name, state: p.state },
      title: p.detail || "",
    },
    h("td", {}, p.name),
    h("td", {}, tOr(`uplink.proto.${p.protocol}`, p.protocol)),
    h("td", {}, `${p.host}:${p.port}/${p.transport}`),
    h("td", { class: `uplink-state uplink-${p.state}` }, tOr(`uplink.st.${p.state}`, p.state),
      p.detail ? h("div", { class: "muted" }, p.detail_code ? tOr(`uplink.why.${p.detail_code}`, p.detail) : p.detail) : null),
    h("td", {}, p.clock_offset_s == null ? "" : t("uplink.seconds", { s: p.clock_offset_s.toFixed(1) })),
    h("td", { class: p.backlog ? "warn" : "" }, p.backlog),
    h("td", {}, age(p.oldest_queued_at)),
    h("td", {}, p.sent),
    h("td", {}, p.dropped),
    h("td", {}, p.last_success_at ? formatShort(p.last_success_at) : t("uplink.never")),
    h("td", {}, p.media_sessions))));
  }
  fill($("#uplink-ids-title"), t("uplink.ids", { n: ids.length }));
  fill($("#uplink-id-rows"), ids.map((d) => h("tr", { dataset: { device: d.code } },
    h("td", {}, `${d.code} ${d.name}`),
    h("td", {}, `${tOr(`devtype.${d.type}`, d.type)} (${d.type_code})`),
    h("td", {}, canEdit()
      ? h("form", { class: "inline", onsubmit: (e) => saveId(e, d) },
        h("input", { value: d.national_id, pattern: "[0-9]{20}", maxlength: 20, size: 22, required: true, "aria-label": t("uplink.id.code") }),
        h("button", { type: "submit" }, t("uplink.id.save")))
      : h("code", {}, d.national_id)))));
}

async function saveId(e, d) {
  e.preventDefault();
  const value = e.target.querySelector("input").value.trim();
  try {
    await api(`/uplink/national-ids/${d.device_id}`, { method: "PUT", body: { national_id: value } });
    toast(t("uplink.id.saved", { code: d.code }), "ok");
  } catch (err) {
    toast(errorText(err), "error");
  }
  refreshUplink();
}

function renderDistrict(communities) {
  $("#uplink-district").hidden = !communities.length;
  fill($("#uplink-district-title"), t("uplink.district", { n: communities.length }));
  fill($("#uplink-district-rows"), communities.map((c) => h("tr", {
    class: c.open_alarms ? "warn" : "", dataset: { community: c.code } },
  h("td", {}, `${c.name} (${c.code})`),
  h("td", {}, c.last_seen ? formatShort(c.last_seen) : t("uplink.never")),
  h("td", {}, c.events),
  h("td", {}, c.open_alarms),
  h("td", {}, `${c.devices.online ?? 0} / ${c.devices.offline ?? 0}`),
  h("td", {}, c.lag_p99_s == null ? "" : t("uplink.seconds", { s: c.lag_p99_s })),
  h("td", {}, c.console_url ? h("a", { href: c.console_url, target: "_blank", rel: "noopener" }, t("uplink.d.open")) : ""))));
}
