// Moderation in a chat room: a small actions menu on each message (staff: hide, warn, mute,
// remove, ban; participants: report, block), the staff's room tools, and the room rules a
// participant accepts before posting. Frames go through room.js's socket ("chat:send").
import { interpolate, t } from "./socket.js";

const root = document.getElementById("moderation");
const list = document.getElementById("messages");
const notice = document.getElementById("notice");
const canModerate = root.dataset.canModerate === "true";
const isStaff = root.dataset.staff === "true";
const isGroup = root.dataset.kind === "group";
const dialog = document.getElementById("mod-dialog");
const dialogForm = document.getElementById("mod-dialog-form");
const rulesPanel = document.getElementById("room-rules");
const alerts = document.getElementById("mod-alerts");
const roomState = document.getElementById("room-state");

let currentRules = null;
let pendingAction = null;

function send(frame) {
  document.dispatchEvent(new CustomEvent("chat:send", { detail: frame }));
}

function say(text) {
  notice.textContent = text;
  notice.hidden = !text;
}

// What each action asks for (``fields``, of which ``required`` must be filled in).
const ACTIONS = {
  hide: { label: () => t("Hide"), title: () => t("Hide this message"), fields: ["reason"], required: ["reason"], staff: true, any: true },
  unhide: { label: () => t("Show again"), title: () => t("Show this message again"), fields: [], staff: true, any: true },
  warn: { label: () => t("Warn"), title: () => t("Send a private warning"), fields: ["text"], required: ["text"], staff: true },
  mute: { label: () => t("Mute"), title: () => t("Mute this participant in this room"), fields: ["minutes", "reason"], required: ["minutes"], staff: true },
  unmute: { label: () => t("Unmute"), title: () => t("Lift this participant's mute"), fields: [], staff: true },
  remove: { label: () => t("Remove"), title: () => t("Remove this participant from the room"), fields: ["reason"], staff: true, group: true },
  ban: { label: () => t("Ban"), title: () => t("Ban this participant from the service"), fields: ["days", "reason"], required: ["reason"], staff: true },
  report: { label: () => t("Report"), title: () => t("Report this message"), fields: ["category"], required: ["category"] },
  block: { label: () => t("Block"), title: () => t("Stop seeing this person's messages"), fields: [] },
};

const FRAME_TYPES = {
  hide: "mod.hide",
  unhide: "mod.unhide",
  warn: "mod.warn",
  mute: "mod.mute",
  unmute: "mod.unmute",
  remove: "mod.remove",
  ban: "mod.ban",
  report: "message.report",
  block: "participant.block",
};

// Handles of the participants muted in this room now (moderators only; moderation.state).
let mutedHandles = new Set();

function actionsFor(li) {
  const fromParticipant = li.classList.contains("role-participant");
  if (li.classList.contains("mine") || li.classList.contains("pending")) return [];
  // The platform's own notices and pinned rules are nobody's message to act on.
  if (li.classList.contains("kind-system")) return [];
  if (canModerate) {
    const hidden = li.querySelector(".hidden-reason") !== null;
    const who = li.querySelector(".who");
    const muted = who !== null && mutedHandles.has(who.textContent);
    return Object.keys(ACTIONS).filter((name) => {
      const action = ACTIONS[name];
      if (!action.staff) return false;
      if (name === "hide" && hidden) return false;
      if (name === "unhide" && !hidden) return false;
      if (name === "mute" && muted) return false;
      if (name === "unmute" && !muted) return false;
      if (action.group && !isGroup) return false;
      return action.any || fromParticipant;
    });
  }
  if (isStaff || !fromParticipant) return [];
  return ["report", "block"];
}

function decorate(li) {
  const id = Number(li.dataset.id);
  if (!id || li.querySelector(".mod-menu")) return;
  const names = actionsFor(li);
  if (!names.length) return;
  const menu = document.createElement("details");
  menu.className = "mod-menu";
  const summary = document.createElement("summary");
  summary.textContent = t("Actions");
  const who = li.querySelector(".who");
  summary.setAttribute("aria-label", interpolate(t("Actions for the message from %(handle)s"), { handle: who ? who.textContent : "" }));
  const buttons = document.createElement("div");
  buttons.className = "mod-actions";
  for (const name of names) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.textContent = ACTIONS[name].label();
    button.addEventListener("click", () => {
      menu.open = false;
      openDialog(name, id, who ? who.textContent : "");
    });
    buttons.append(button);
  }
  menu.append(summary, buttons);
  li.append(menu);
}

function redecorate(li) {
  const menu = li.querySelector(".mod-menu");
  if (menu) menu.remove();
  decorate(li);
}

function openDialog(name, messageId, handle) {
  const action = ACTIONS[name];
  pendingAction = { name, messageId, handle };
  document.getElementById("mod-dialog-title").textContent = action.title();
  document.getElementById("mod-dialog-about").textContent = interpolate(t("Message from %(handle)s"), { handle });
  for (const field of dialogForm.querySelectorAll("[data-field]")) {
    const wanted = action.fields.includes(field.dataset.field);
    field.hidden = !wanted;
    field.querySelector("input, textarea, select").required = (action.required || []).includes(field.dataset.field);
  }
  dialog.showModal();
  const first = dialogForm.querySelector("[data-field]:not([hidden]) input, [data-field]:not([hidden]) textarea, [data-field]:not([hidden]) select");
  (first || document.getElementById("mod-confirm")).focus();
}

dialogForm.addEventListener("submit", (event) => {
  if (!pendingAction) return;
  const { name, messageId, handle } = pendingAction;
  const fields = ACTIONS[name].fields;
  const data = new FormData(dialogForm);
  const frame = { type: FRAME_TYPES[name], message: messageId };
  for (const field of fields) {
    const value = String(data.get(field) || "").trim();
    if (field === "minutes" || field === "days") {
      if (value) frame[field] = Number(value);
    } else {
      frame[field] = value;
    }
  }
  if (name === "block") blockedHandles.add(handle);
  send(frame);
  pendingAction = null;
  dialogForm.reset();
  event.preventDefault();
  dialog.close();
});

document.getElementById("mod-cancel").addEventListener("click", () => {
  pendingAction = null;
  dialog.close();
});

const blockedHandles = new Set();

function hideBlocked() {
  for (const li of list.querySelectorAll("li[data-id]")) {
    const who = li.querySelector(".who");
    if (who && blockedHandles.has(who.textContent)) li.hidden = true;
  }
}

new MutationObserver((changes) => {
  for (const change of changes) {
    for (const node of change.addedNodes) {
      if (node.nodeType === Node.ELEMENT_NODE && node.matches("li[data-id]")) decorate(node);
    }
    // renderBody() in room.js adds or removes the staff's "hidden" note: offer the other action.
    const li = change.target.closest && change.target.closest("li[data-id]");
    if (li && change.type === "childList" && [...change.addedNodes, ...change.removedNodes].some((n) => n.classList && n.classList.contains("hidden-reason"))) {
      redecorate(li);
    }
  }
}).observe(list, { childList: true, subtree: true });

function describeState(state) {
  if (!roomState) return;
  const parts = [];
  parts.push(state.locked ? t("Locked: only staff can post.") : t("Open to everyone."));
  if (state.slow_mode_seconds) parts.push(interpolate(t("Slow mode: %(seconds)s s."), { seconds: state.slow_mode_seconds }));
  parts.push(state.rules ? t("Rules are pinned.") : t("No rules pinned."));
  roomState.textContent = parts.join(" ");
  const seconds = document.getElementById("slow-mode-seconds");
  if (seconds && document.activeElement !== seconds) seconds.value = state.slow_mode_seconds;
}

function showRules(state) {
  if (!state.rules) {
    currentRules = null;
    rulesPanel.hidden = true;
    return;
  }
  currentRules = state.rules;
  document.getElementById("room-rules-text").textContent = state.rules.text || "";
  if ("rules_accepted" in state) rulesPanel.hidden = isStaff || state.rules_accepted;
  else if (!isStaff) send({ type: "moderation.state" });
}

function addAlert(text) {
  if (!alerts) return;
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = root.dataset.queueUrl;
  link.textContent = text;
  item.append(link);
  alerts.prepend(item);
  while (alerts.children.length > 5) alerts.lastElementChild.remove();
}

const ALERT_KINDS = { report: () => t("Reported"), flag: () => t("Flagged by a rule"), held: () => t("Held for review") };

document.addEventListener("chat:frame", (event) => {
  const frame = event.detail;
  switch (frame.type) {
    case "hello":
      if (isGroup || canModerate) send({ type: "moderation.state" });
      break;
    case "moderation.state":
      describeState(frame);
      showRules(frame);
      if (Array.isArray(frame.muted)) {
        mutedHandles = new Set(frame.muted);
        for (const li of list.querySelectorAll("li[data-id]")) redecorate(li);
      }
      break;
    case "moderation.done":
      say(t("Done."));
      if (canModerate) send({ type: "moderation.state" });
      break;
    case "moderation.event":
      if (canModerate) send({ type: "moderation.state" });
      addAlert(interpolate(t("%(by)s: %(action)s (%(target)s)"), { by: frame.by, action: frame.action, target: frame.target || "" }));
      break;
    case "moderation.alert": {
      const kind = (ALERT_KINDS[frame.kind] || (() => frame.kind))();
      addAlert(interpolate(t("%(kind)s: message %(id)s — open the queue"), { kind, id: frame.message || "" }));
      break;
    }
    case "moderation.muted":
      say(interpolate(t("A moderator muted you in this room for %(minutes)s min."), { minutes: Math.ceil(frame.seconds_left / 60) }));
      break;
    case "moderation.unmuted":
      say(t("You can post in this room again."));
      break;
    case "message.rejected":
      say(t("A mentor decided not to deliver one of your messages."));
      break;
    case "report.received":
      say(t("Thank you for reporting. A mentor will look at it."));
      break;
    case "block.done":
      hideBlocked();
      say(t("You won't see this person's messages any more."));
      break;
    case "rules.accepted":
      rulesPanel.hidden = true;
      say(t("Thank you. You can post now."));
      document.getElementById("body").focus();
      break;
    case "error":
      if (frame.code === "rules_not_accepted" || frame.code === "rules_changed") {
        send({ type: "moderation.state" });
        rulesPanel.hidden = false;
        rulesPanel.focus();
      }
      break;
    default:
      break;
  }
});

document.getElementById("accept-rules").addEventListener("click", () => {
  if (currentRules) send({ type: "rules.accept", rules: currentRules.id });
});

const slowForm = document.getElementById("slow-mode-form");
if (slowForm) {
  slowForm.addEventListener("submit", (event) => {
    event.preventDefault();
    send({ type: "mod.slow_mode", seconds: Number(slowForm.elements.seconds.value) || 0 });
  });
  document.getElementById("lock-room").addEventListener("click", () => send({ type: "mod.lock", locked: true }));
  document.getElementById("unlock-room").addEventListener("click", () => send({ type: "mod.lock", locked: false }));
  const rulesForm = document.getElementById("rules-form");
  rulesForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = rulesForm.elements.text.value.trim();
    if (text) send({ type: "mod.pin_rules", text });
  });
  document.getElementById("unpin-rules").addEventListener("click", () => send({ type: "mod.unpin_rules" }));
}

for (const li of list.querySelectorAll("li[data-id]")) decorate(li);
