// The live WebSocket: reconnects with capped exponential backoff and jitter.

import { session } from "./api.js";

export class Stream {
  /**
   * @param {object} handlers {onMessage(msg), onState(state, retryInSeconds), onReconnect(),
   *   shouldRetry() -> Promise<boolean>}
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = true;
    this.everOpened = false;
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
      this.ws = null;
    }
  }

  connect() {
    const sess = session();
    if (!sess) return;
    this.handlers.onState("connecting");
    const proto = location.protocol === "https:" ? "wss" : "ws";
    // The token goes in the first message, never in the URL (URLs end up in logs).
    const ws = new WebSocket(`${proto}://${location.host}/api/v1/stream`);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: sess.access_token }));
    const authenticated = () => {
      this.attempt = 0;
      this.handlers.onState("online");
      // Anything sent while we were away is fetched again by the owner.
      if (this.everOpened) this.handlers.onReconnect();
      this.everOpened = true;
    };
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg && msg.type === "auth.ok") {
        authenticated();
      } else if (msg && msg.type === "batch" && Array.isArray(msg.items)) {
        for (const item of msg.items) this.handlers.onMessage(item);
      } else if (msg) {
        this.handlers.onMessage(msg);
      }
    };
    ws.onclose = () => this.closed();
  }

  async closed() {
    this.ws = null;
    if (this.stopped) return;
    if (!(await this.handlers.shouldRetry())) return;
    const delay = Math.min(30, 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt += 1;
    const until = Date.now() + delay * 1000;
    const tick = () => {
      if (this.stopped) return;
      const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      this.handlers.onState("offline", left);
      if (left <= 0) this.connect();
      else this.timer = setTimeout(tick, Math.min(1000, until - Date.now()));
    };
    tick();
  }
}
