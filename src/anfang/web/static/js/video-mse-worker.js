// Media Source in a worker: the page hands it buffers, it feeds one SourceBuffer in order.
// The MediaSource is attached through its handle (srcObject), so no blob: URL is needed
// (the console's Content-Security-Policy allows media only from 'self') and appending
// never competes with the page's own work.

let ms = null;
let sb = null;
const queue = [];
let current = null;

function next() {
  if (!sb || sb.updating || queue.length === 0) return;
  const m = queue.shift();
  try {
    if (m.op === "append") {
      if (m.offset !== undefined && m.offset !== null) sb.timestampOffset = m.offset;
      current = m;
      sb.appendBuffer(m.data);
    } else if (m.op === "remove" && m.end > m.start) {
      current = m;
      sb.remove(m.start, m.end);
    } else {
      next();
    }
  } catch (err) {
    // QuotaExceeded, or a piece the decoder refuses: report it and go on with the next.
    current = null;
    postMessage({ op: "error", message: String(err) });
    next();
  }
}

function open(m) {
  ms = new MediaSource();
  const handle = ms.handle;
  postMessage({ op: "handle", handle }, [handle]);
  ms.addEventListener("sourceopen", () => {
    if (m.duration) ms.duration = m.duration;
    sb = ms.addSourceBuffer(m.mime);
    sb.mode = m.mode || "segments";
    sb.addEventListener("updateend", () => {
      if (current && current.op === "append") {
        postMessage({ op: "appended", bytes: current.data.byteLength });
      }
      current = null;
      next();
    });
    next();
  });
}

onmessage = (ev) => {
  const m = ev.data;
  if (m.op === "open") open(m);
  else queue.push(m), next();
};
