// A websocket that reconnects by itself with jittered backoff and tells the page how it is doing.

// Signed out (4401), not allowed (4403), no such room (4404): retrying cannot help.
const PERMANENT_CLOSE_CODES = new Set([4401, 4403, 4404]);
// Too many sockets for this identity (4429): wait for another tab to close.
const TOO_MANY_CONNECTIONS = 4429;
const TOO_MANY_RETRY_MS = 30000;
const PING_EVERY_MS = 25000;
const PONG_TIMEOUT_MS = 10000;

export function uuid4() {
  // crypto.randomUUID needs a secure context; getRandomValues works everywhere.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class LiveSocket {
  constructor(path, { onOpen, onFrame, onStatus, onClosedForGood }) {
    this.path = path;
    this.onOpen = onOpen || (() => {});
    this.onFrame = onFrame;
    this.onStatus = onStatus || (() => {});
    this.onClosedForGood = onClosedForGood || (() => {});
    this.attempt = 0;
    this.ws = null;
    this.stopped = false;
    this.pingTimer = null;
    this.pongTimer = null;
    // The server's last word before it closed the socket: {type: "closed", code, reason, detail}.
    this.closedFrame = null;
    window.addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.reconnectNow();
    });
  }

  url() {
    const url = new URL(this.path, window.location.href);
    url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    // The server speaks the page's language on this socket (the handshake's own
    // Accept-Language may differ from the page's).
    if (document.documentElement.lang) url.searchParams.set("lang", document.documentElement.lang);
    return url.href;
  }

  connect() {
    if (this.stopped) return;
    this.onStatus("connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.onStatus("open");
      this.startPing();
      this.onOpen();
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame.type === "pong") {
        clearTimeout(this.pongTimer);
      }
      if (frame.type === "closed") this.closedFrame = frame;
      this.onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      this.stopPing();
      if (this.ws !== ws) return;
      this.ws = null;
      const closed = this.closedFrame;
      this.closedFrame = null;
      if (PERMANENT_CLOSE_CODES.has(event.code)) {
        this.stopped = true;
        this.onStatus("closed", closed && closed.detail);
        this.onClosedForGood(event.code, closed);
        return;
      }
      if (event.code === TOO_MANY_CONNECTIONS) {
        this.onStatus("too_many", TOO_MANY_RETRY_MS / 1000);
        clearTimeout(this.reconnectTimer);
        this.reconnectTimer = setTimeout(() => this.connect(), TOO_MANY_RETRY_MS);
        return;
      }
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    if (this.stopped) return;
    const base = Math.min(15000, 500 * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt += 1;
    this.onStatus("reconnecting", Math.round(delay / 1000));
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.reconnectTimer);
    this.connect();
  }

  isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  send(frame) {
    if (!this.isOpen()) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  startPing() {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (!this.send({ type: "ping" })) return;
      // A connection that doesn't answer is dead even if the browser hasn't noticed.
      this.pongTimer = setTimeout(() => this.ws && this.ws.close(), PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  stopPing() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}

export function t(text) {
  return typeof window.gettext === "function" ? window.gettext(text) : text;
}

// A count's words: "1 time", "2 times" (Spanish and English plural forms from the catalogue).
export function tn(singular, plural, count) {
  if (typeof window.ngettext === "function") return window.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

export function interpolate(text, values) {
  return typeof window.interpolate === "function"
    ? window.interpolate(text, values, true)
    : text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
}

export function statusText(state, seconds) {
  if (state === "too_many") {
    return interpolate(t("Too many tabs are open with this site. Close one; this page tries again in %(seconds)s s."), { seconds });
  }
  if (state === "closed" && typeof seconds === "string" && seconds) return seconds;
  if (state === "open") return t("Connected");
  if (state === "connecting") return t("Connecting…");
  if (state === "reconnecting") {
    return interpolate(t("Connection lost. Trying again in %(seconds)s s. Your messages are kept."), { seconds });
  }
  return t("Disconnected.");
}
