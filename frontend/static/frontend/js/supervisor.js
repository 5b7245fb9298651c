// The supervisor console: open escalations arrive live, with a sound and a browser
// notification; each card offers acknowledge, transcript, whisper, join, take over, resolve.
import { outcomeLabel } from "./escalation.js";
import { LiveSocket, interpolate, statusText, t, tn } from "./socket.js";

const root = document.getElementById("supervisor");
const list = document.getElementById("escalation-list");
const empty = document.getElementById("escalations-empty");
const notice = document.getElementById("notice");
const statusLine = document.getElementById("conn-status");
const template = document.getElementById("escalation-card");
const enableButton = document.getElementById("enable-alerts");
const unreachedList = document.getElementById("unreached-list");
const unreachedSection = document.getElementById("unreached");
const unreached = new Map(); // alert id -> alert
const LEVEL_ORDER = { imminent: 0, high: 1, low: 2 };
const cards = new Map(); // escalation id -> { element, data, receivedAt }
let audio = null;
let lastBeep = 0;

function showNotice(text) {
  notice.textContent = text;
  notice.hidden = !text;
}

function levelLabel(level) {
  return { imminent: t("Imminent"), high: t("High"), low: t("Low") }[level] || level;
}

function reasonLabel(reason) {
  return reason.replace(/^mentor:/, "").replaceAll("_", " ");
}

function unreachedText(alert) {
  if (alert.kind === "banned") {
    return interpolate(
      tn(
        "%(handle)s, a banned participant, pressed urgent help %(count)s time after today's limit of new cases. No new case was opened.",
        "%(handle)s, a banned participant, pressed urgent help %(count)s times after today's limit of new cases. No new case was opened.",
        alert.count,
      ),
      { handle: alert.handle || t("Someone"), count: alert.count },
    );
  }
  return interpolate(
    tn(
      "%(count)s urgent-help press from one network could not open a case: it reached its limit for the hour. This person saw the crisis lines only.",
      "%(count)s urgent-help presses from one network could not open a case: it reached its limit for the hour. These people saw the crisis lines only.",
      alert.count,
    ),
    { count: alert.count },
  );
}

function renderUnreached() {
  const alerts = [...unreached.values()].sort((a, b) => b.last_at.localeCompare(a.last_at));
  unreachedList.replaceChildren(
    ...alerts.map((alert) => {
      const li = document.createElement("li");
      li.className = "card unreached";
      li.textContent = unreachedText(alert);
      return li;
    }),
  );
  unreachedSection.hidden = alerts.length === 0;
}

function sourceLabel(source) {
  return (
    { automatic: t("detected in a message"), mentor: t("raised by the mentor"), participant: t("asked for urgent help") }[source] ||
    source
  );
}

// A short tone made in the browser: nothing to fetch, works offline.
function beep(urgent) {
  if (!audio || Date.now() - lastBeep < 1500) return;
  lastBeep = Date.now();
  const start = audio.currentTime;
  for (let i = 0; i < (urgent ? 3 : 2); i += 1) {
    const at = start + i * 0.3;
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = urgent ? 988 : 784;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.26);
  }
}

function raiseAlert(escalation, repeat) {
  beep(escalation.level === "imminent" || repeat);
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const title = repeat
    ? interpolate(t("Still waiting: %(level)s escalation"), { level: levelLabel(escalation.level) })
    : interpolate(t("New %(level)s escalation"), { level: levelLabel(escalation.level) });
  // No handle or message text: notifications can show on a locked screen.
  const note = new Notification(title, {
    body: t("Open the supervisor console to acknowledge it."),
    tag: `escalation-${escalation.id}`,
    renotify: true,
    requireInteraction: escalation.level === "imminent",
  });
  note.addEventListener("click", () => window.focus());
}

function waited(entry) {
  const seconds = entry.data.waited_seconds + Math.floor((Date.now() - entry.receivedAt) / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0
    ? interpolate(t("waiting %(minutes)s min %(seconds)s s"), { minutes, seconds: seconds % 60 })
    : interpolate(t("waiting %(seconds)s s"), { seconds });
}

function stateText(data) {
  if (data.state === "open") return t("Not acknowledged yet.");
  if (data.state === "acknowledged") return interpolate(t("Acknowledged by %(name)s."), { name: data.acknowledged_by || "" });
  return interpolate(t("Resolved: %(outcome)s."), { outcome: outcomeLabel(data.outcome) });
}

function send(frame) {
  if (!socket.send({ ...frame, ref: `${frame.type}:${frame.escalation}` })) {
    showNotice(t("Not connected. Try again in a moment."));
  }
}

function buildCard(id) {
  const element = template.content.firstElementChild.cloneNode(true);
  element.dataset.id = id;
  for (const button of element.querySelectorAll("button[data-action]")) {
    button.addEventListener("click", () => send({ type: button.dataset.action, escalation: id }));
  }
  const transcriptForm = element.querySelector(".transcript-form");
  transcriptForm.addEventListener("submit", (event) => {
    event.preventDefault();
    send({ type: "escalation.transcript", escalation: id, reason: transcriptForm.elements.reason.value });
  });
  const whisperForm = element.querySelector(".whisper-form");
  whisperForm.addEventListener("submit", (event) => {
    event.preventDefault();
    send({ type: "escalation.whisper", escalation: id, body: whisperForm.elements.body.value });
    whisperForm.elements.body.value = "";
  });
  const resolveForm = element.querySelector(".resolve-form");
  const emergencyFields = resolveForm.querySelector(".emergency-fields");
  resolveForm.elements.outcome.addEventListener("change", () => {
    emergencyFields.hidden = resolveForm.elements.outcome.value !== "emergency_services";
  });
  resolveForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const frame = { type: "escalation.resolve", escalation: id, outcome: resolveForm.elements.outcome.value };
    if (frame.outcome === "emergency_services") {
      frame.emergency_confirmed = resolveForm.elements.emergency_confirmed.checked;
      const local = resolveForm.elements.emergency_contacted_at.value;
      if (local) frame.emergency_contacted_at = new Date(local).toISOString();
    }
    send(frame);
  });
  return element;
}

function render(entry) {
  const { element, data } = entry;
  element.dataset.level = data.level;
  element.dataset.state = data.state;
  element.querySelector(".level-badge").textContent = levelLabel(data.level);
  element.querySelector(".escalation-title").textContent = data.handle || t("Someone");
  element.querySelector(".escalation-wait").textContent = waited(entry);
  const where = data.room
    ? interpolate(t("in %(room)s"), { room: data.room_kind === "direct" ? t("a 1:1 chat") : data.room_title })
    : t("waiting in the queue, not in a chat yet");
  const reasons = data.reasons.map(reasonLabel).join(", ");
  // A banned participant's case: only supervisors take part in their chat.
  const sanction = data.sanction_kind
    ? interpolate(t("banned participant (%(kind)s): supervisors only"), { kind: data.sanction_kind })
    : "";
  element.querySelector(".escalation-meta").textContent = [sanction, sourceLabel(data.source), where, reasons]
    .filter(Boolean)
    .join(" · ");
  element.querySelector(".escalation-state").textContent = stateText(data);
  element.querySelector('[data-action="escalation.ack"]').hidden = data.state !== "open";
  element.querySelector('[data-action="escalation.join"]').hidden = !data.room;
  element.querySelector('[data-action="escalation.take_over"]').hidden = data.room_kind === "group";
  const link = element.querySelector(".chat-link");
  link.hidden = !data.room;
  if (data.room) link.href = `/chat/${data.room}/`;
  element.querySelector(".transcript-form").hidden = !data.room;
  element.querySelector(".whisper-form").hidden = !data.room;
  element.querySelector(".resolve-form").hidden = data.state !== "acknowledged";
  // An ordinary participant's case outside a chat: resolving it leaves them in the queue.
  element.querySelector(".resolve-note").hidden = Boolean(data.room || data.sanction_kind);
}

function sortCards() {
  const entries = [...cards.values()].sort(
    (a, b) =>
      (LEVEL_ORDER[a.data.level] ?? 9) - (LEVEL_ORDER[b.data.level] ?? 9) ||
      a.data.created_at.localeCompare(b.data.created_at),
  );
  list.replaceChildren(...entries.map((entry) => entry.element));
  empty.hidden = entries.length > 0;
}

function upsert(data) {
  if (data.state === "resolved") {
    cards.delete(data.id);
    sortCards();
    return;
  }
  let entry = cards.get(data.id);
  if (!entry) {
    entry = { element: buildCard(data.id) };
    cards.set(data.id, entry);
  } else if (LEVEL_ORDER[data.level] < LEVEL_ORDER[entry.data.level]) {
    raiseAlert(data, true); // the risk went up, e.g. from high to imminent
  }
  entry.data = data;
  entry.receivedAt = Date.now();
  render(entry);
  sortCards();
}

function showTranscript(frame) {
  const entry = cards.get(frame.escalation);
  if (!entry) return;
  const target = entry.element.querySelector(".transcript");
  target.replaceChildren(
    ...frame.messages.map((message) => {
      const li = document.createElement("li");
      li.className = `kind-${message.kind}`;
      const who = document.createElement("strong");
      who.textContent = `${message.sender.handle}: `;
      const body = document.createElement("span");
      body.textContent = message.body ?? t("(expired)");
      li.append(who, body);
      return li;
    }),
  );
  target.hidden = false;
}

const socket = new LiveSocket(root.dataset.wsPath, {
  onFrame: (frame) => {
    switch (frame.type) {
      case "escalations":
        cards.clear();
        for (const data of frame.escalations) upsert(data);
        sortCards();
        unreached.clear();
        for (const alert of frame.unreached || []) unreached.set(alert.id, alert);
        renderUnreached();
        break;
      case "escalation.unreached":
        unreached.set(frame.alert.id, frame.alert);
        renderUnreached();
        document.getElementById("unreached-news").textContent = unreachedText(frame.alert);
        if (frame.new) beep(true);
        break;
      case "escalation.changed":
        upsert(frame.escalation);
        if (frame.event === "opened") raiseAlert(frame.escalation, false);
        break;
      case "escalation.page":
        upsert(frame.escalation);
        raiseAlert(frame.escalation, frame.repeat);
        break;
      case "escalation.transcript":
        showTranscript(frame);
        break;
      case "escalation.done":
        showNotice("");
        if (frame.room && (frame.action === "escalation.join" || frame.action === "escalation.take_over")) {
          window.open(`/chat/${frame.room}/`, "_blank", "noopener");
        }
        break;
      case "oncall.status": {
        // A hole in the on-call rota ahead (the server words it; empty when there is none).
        const warning = document.getElementById("oncall-warning");
        warning.textContent = frame.warning;
        warning.hidden = !frame.warning;
        break;
      }
      case "error":
        showNotice(frame.detail);
        break;
      default:
        break;
    }
  },
  onStatus: (status, seconds) => {
    statusLine.textContent = statusText(status, seconds);
    statusLine.dataset.state = status;
  },
});

enableButton.addEventListener("click", async () => {
  audio = audio || new AudioContext();
  await audio.resume();
  if ("Notification" in window && Notification.permission === "default") await Notification.requestPermission();
  enableButton.textContent = t("Alert sound and notifications are on");
  enableButton.disabled = true;
  beep(false);
});

setInterval(() => {
  for (const entry of cards.values()) entry.element.querySelector(".escalation-wait").textContent = waited(entry);
}, 1000);

socket.connect();
