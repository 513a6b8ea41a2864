// Media Source players: live fragmented MP4 over a WebSocket, and recorded segments over HTTP.
// Chromium plays neither RTSP nor HLS natively; both players feed a SourceBuffer by hand.

import { session } from "./api.js";

const LIVE_MAX_LAG_S = 1.0; // further behind than this: jump to the live edge
const LIVE_KEEP_S = 10; // drop what is older, so a wall of 16 tiles stays small

/** A SourceBuffer fed by a worker (see video-mse-worker.js), attached to ``video``. */
export class MseSink {
  constructor(video, mime, { mode = "segments", duration = null, onAppended = null } = {}) {
    this.video = video;
    this.worker = new Worker("/static/js/video-mse-worker.js");
    this.worker.onmessage = (ev) => {
      const m = ev.data;
      if (m.op === "handle") {
        video.srcObject = m.handle;
        video.play().catch(() => {});
      } else if (m.op === "appended") {
        onAppended?.(m.bytes);
      } else if (m.op === "error") {
        console.warn("video: append failed", m.message);
      }
    };
    this.worker.postMessage({ op: "open", mime, mode, duration });
  }

  /** Queue ``data`` (an ArrayBuffer, handed over), placed at ``offset`` seconds if given. */
  push(data, offset = null) {
    this.worker.postMessage({ op: "append", data, offset }, [data]);
  }

  remove(start, end) {
    this.worker.postMessage({ op: "remove", start, end });
  }

  close() {
    this.worker.terminate();
    this.video.srcObject = null;
    this.video.removeAttribute("src");
    this.video.load();
  }
}

export function mseSupported(mime) {
  return Boolean(window.MediaSource?.canConstructInDedicatedWorker && MediaSource.isTypeSupported(mime));
}

function wsUrl(path) {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  return `${proto}://${location.host}/api/v1${path}`;
}

/** A camera's live picture in a <video>: reconnects with backoff until stopped. */
export class LivePlayer {
  constructor(video, code, { stream = "sub", onState = () => {} } = {}) {
    this.video = video;
    this.code = code;
    this.stream = stream;
    this.onState = onState;
    this.fragments = 0;
    this.bytes = 0;
    this.stopped = false;
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
    // A refused source (codec, or a policy without media-src blob:) must show, not hang.
    video.addEventListener("error", () => {
      if (this.sink) this.onState("error", video.error?.message ?? "");
    });
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
    }
    this.ws = null;
    this.detach();
  }

  detach() {
    this.sink?.close();
    this.sink = null;
  }

  connect() {
    this.onState("connecting");
    const ws = new WebSocket(wsUrl(`/video/live/${encodeURIComponent(this.code)}?stream=${this.stream}`));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    // The token goes in the first message, never in the URL (URLs end up in logs).
    ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: session()?.access_token ?? "" }));
    ws.onmessage = (ev) => {
      if (typeof ev.data === "string") {
        const msg = JSON.parse(ev.data);
        if (msg.type === "init") this.open(msg.mime);
        return;
      }
      this.feed(ev.data);
    };
    ws.onclose = (ev) => {
      this.ws = null;
      if (this.stopped) return;
      this.onState("offline", ev.reason);
      this.attempt += 1;
      const delay = Math.min(30, 2 ** Math.min(this.attempt, 5)) * (0.5 + Math.random() / 2);
      this.timer = setTimeout(() => this.connect(), delay * 1000);
    };
  }

  open(mime) {
    this.detach();
    if (!mseSupported(mime)) {
      this.onState("unsupported", mime);
      return;
    }
    // "sequence": every reconnect restarts at zero; keep one growing timeline.
    this.sink = new MseSink(this.video, mime, {
      mode: "sequence",
      onAppended: (n) => {
        this.fragments += 1;
        this.bytes += n;
        this.video.dataset.fragments = String(this.fragments);
      },
    });
    this.attempt = 0;
    this.onState("online");
  }

  feed(data) {
    if (!this.sink) return;
    this.sink.push(data);
    const b = this.video.buffered;
    if (b.length) {
      const end = b.end(b.length - 1);
      if (end - this.video.currentTime > LIVE_MAX_LAG_S) this.video.currentTime = end - 0.05;
      if (this.video.currentTime - b.start(0) > LIVE_KEEP_S * 2) {
        this.sink.remove(b.start(0), this.video.currentTime - LIVE_KEEP_S);
      }
    }
  }
}

/** A recorded range: segments placed on one timeline, holes jumped over, seek and speed. */
export class RecordingPlayer {
  constructor(video, { onProgress = () => {} } = {}) {
    this.video = video;
    this.onProgress = onProgress;
    this.session = null;
    this.loaded = new Set();
    this.loading = false;
    this.abort = null;
    video.addEventListener("timeupdate", () => this.tick());
    video.addEventListener("waiting", () => this.skipGap());
    // A stall at a hole does not always fire "waiting" (high speeds): look regularly too.
    setInterval(() => {
      if (this.sink && !video.paused) this.skipGap();
    }, 250);
  }

  /** Play ``sess`` (from POST /video/playback), from ``startAt`` seconds into the range. */
  async open(sess) {
    this.close();
    this.session = sess;
    const t0 = new Date(sess.start).getTime();
    const first = sess.segments.length ? new Date(sess.segments[0].start).getTime() : t0;
    this.origin = Math.min(t0, first); // ms; timeline zero (a segment may start before)
    this.startAt = (t0 - this.origin) / 1000;
    this.length = (new Date(sess.end).getTime() - this.origin) / 1000;
    this.segs = sess.segments.map((s) => ({
      ...s,
      at: (new Date(s.start).getTime() - this.origin) / 1000,
    }));
    if (!this.segs.length) return false;
    const head = await this.fetchSegment(0);
    if (!mseSupported(head.mime)) throw new Error(`unsupported: ${head.mime}`);
    this.sink = new MseSink(this.video, head.mime, { duration: this.length });
    this.append(0, head.data);
    this.video.currentTime = this.startAt;
    this.video.play().catch(() => {});
    this.pump();
    return true;
  }

  close() {
    this.abort?.abort();
    this.abort = new AbortController();
    this.loaded = new Set();
    this.sink?.close();
    this.sink = null;
    this.session = null;
  }

  async fetchSegment(i) {
    const r = await fetch(`/api/v1/video/playback/${this.session.id}/segments/${i}`, {
      headers: { Authorization: `Bearer ${session()?.access_token ?? ""}` },
      signal: this.abort.signal,
    });
    if (!r.ok) throw new Error(`segment ${i}: HTTP ${r.status}`);
    return { mime: r.headers.get("X-Codec"), data: await r.arrayBuffer() };
  }

  append(i, data) {
    this.loaded.add(i);
    // Each file starts at zero: place it at its recorded time.
    this.sink.push(data, this.segs[i].at);
    this.video.dataset.segments = String(this.loaded.size);
  }

  /** Load the next segments up to 40 s ahead of the playhead. */
  async pump() {
    if (this.loading || !this.sink) return;
    this.loading = true;
    try {
      const horizon = this.video.currentTime + 40;
      for (let i = 0; i < this.segs.length; i += 1) {
        const s = this.segs[i];
        if (this.loaded.has(i) || s.at + s.duration < this.video.currentTime - 1) continue;
        if (s.at > horizon) break;
        const { data } = await this.fetchSegment(i);
        if (!this.sink) return;
        this.append(i, data);
      }
    } catch (err) {
      if (err.name !== "AbortError") console.warn("video: playback", err);
    } finally {
      this.loading = false;
    }
  }

  tick() {
    this.onProgress(this.video.currentTime, this.length);
    this.pump();
  }

  /** At the end of what is buffered, with more recorded after a hole: jump the hole. */
  skipGap() {
    const v = this.video;
    const t = v.currentTime;
    const b = v.buffered;
    for (let i = 0; i < b.length; i += 1) {
      if (b.start(i) <= t + 0.05 && t <= b.end(i)) {
        if (b.end(i) - t > 0.3 || i + 1 >= b.length) return;
        v.currentTime = b.start(i + 1) + 0.01;
        return;
      }
    }
    for (let i = 0; i < b.length; i += 1) {
      if (b.start(i) > t) {
        v.currentTime = b.start(i) + 0.01;
        return;
      }
    }
  }

  seek(seconds) {
    const t = Math.max(0, Math.min(this.length - 0.1, seconds));
    const inside = this.segs.find((s) => s.at <= t && t < s.at + s.duration);
    this.video.currentTime = inside ? t : (this.segs.find((s) => s.at > t)?.at ?? t);
    this.pump();
  }

  setRate(rate) {
    // Loading a source resets playbackRate to the default: set both.
    this.video.defaultPlaybackRate = rate;
    this.video.playbackRate = rate;
  }

  /** Wall-clock time (Date) of a timeline position. */
  wall(seconds) {
    return new Date(this.origin + seconds * 1000);
  }
}
