// The chat room: live messages, resume after any drop, and an outbox that survives reconnects.
import { attachEscalation } from "./escalation.js";
import { LiveSocket, interpolate, statusText, t, uuid4 } from "./socket.js";

const root = document.getElementById("chat");
const roomId = root.dataset.roomId;
const isStaff = root.dataset.staff === "true";
const list = document.getElementById("messages");
const form = document.getElementById("composer");
const textarea = document.getElementById("body");
const counter = document.getElementById("counter");
const statusLine = document.getElementById("conn-status");
const notice = document.getElementById("notice");
const typingLine = document.getElementById("typing");
const loadEarlier = document.getElementById("load-earlier");
const maxLength = Number(root.dataset.maxLength);
const outboxKey = `outbox:${roomId}`;
// Errors after which the same message.send is sent again (with its client_id, so the
// server stores it once): limits, and a service briefly out of reach.
const RETRYABLE = new Set(["rate_limited", "slow_mode", "temporarily_unavailable", "not_sent"]);
// An outage answer is resent a few times; if it keeps failing the message is marked
// "not sent" (it stays on screen, and the person can send it again).
const OUTAGES = new Set(["temporarily_unavailable", "not_sent"]);
const MAX_OUTAGE_RESENDS = 5;

const state = {
  lastId: 0,
  oldestId: null,
  loaded: false,
  resuming: false, // a catch-up resume is in flight
  open: root.dataset.open === "true",
  ended: false, // the chat ended: the status line keeps saying so
  handedOver: false, // a staff member transferred the chat: the status line keeps saying so
  elements: new Map(), // message id -> <li>
  pending: new Map(), // client_id -> <li> not yet acknowledged
  outbox: loadOutbox(),
  outageResends: new Map(),
};

function loadOutbox() {
  try {
    return JSON.parse(sessionStorage.getItem(outboxKey) || "[]");
  } catch {
    return [];
  }
}

function saveOutbox() {
  try {
    sessionStorage.setItem(outboxKey, JSON.stringify(state.outbox));
  } catch {
    // Private mode without storage: the outbox still lives in memory.
  }
}

function showNotice(text) {
  notice.textContent = text;
  notice.hidden = !text;
}

function formatTime(iso) {
  const date = new Date(iso);
  // In the page's language, not the browser's: a Spanish page shows 18:05, not 06:05 PM.
  const language = document.documentElement.lang || [];
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString(language, { hour: "2-digit", minute: "2-digit" });
}

function roleLabel(role) {
  return { mentor: t("Peer mentor"), supervisor: t("Supervisor"), admin: t("Staff"), system: "" }[role] || "";
}

function renderBody(li, frame) {
  const body = li.querySelector(".body");
  body.classList.remove("hidden-note");
  if (frame.hidden && !isStaff) {
    body.textContent = t("Message hidden by a moderator");
    body.classList.add("hidden-note");
  } else if (frame.expired) {
    body.textContent = t("This message has expired and was deleted.");
    body.classList.add("hidden-note");
  } else {
    body.textContent = frame.body;
  }
  const reason = li.querySelector(".hidden-reason");
  if (reason) reason.remove();
  if (frame.hidden && isStaff) {
    const note = document.createElement("p");
    note.className = "hidden-reason";
    note.textContent = interpolate(t("Hidden from participants: %(reason)s"), { reason: frame.hidden_reason || "" });
    li.append(note);
  }
}

function buildMessage(frame) {
  const li = document.createElement("li");
  li.className = `message kind-${frame.kind || "chat"} role-${frame.sender.role}`;
  if (frame.mine) li.classList.add("mine");
  const meta = document.createElement("p");
  meta.className = "meta";
  // The platform's own notices carry no sender name (it would be English on any page).
  if (frame.sender.role !== "system") {
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = frame.sender.handle;
    meta.append(who);
  }
  const label = roleLabel(frame.sender.role);
  if (label) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = label;
    meta.append(badge);
  }
  if (frame.kind === "whisper") {
    const badge = document.createElement("span");
    badge.className = "badge staff-only";
    badge.textContent = t("Staff only");
    meta.append(badge);
  }
  const time = document.createElement("time");
  time.dateTime = frame.sent_at || "";
  time.textContent = frame.sent_at ? formatTime(frame.sent_at) : t("sending…");
  meta.append(time);
  const body = document.createElement("p");
  body.className = "body";
  li.append(meta, body);
  renderBody(li, frame);
  return li;
}

function nearBottom() {
  return window.innerHeight + window.scrollY >= document.body.scrollHeight - 120;
}

function insertInOrder(element, id) {
  // Delivered messages stay in id order, whatever order frames arrive in; pending ones stay last.
  const next = [...list.querySelectorAll("li[data-id]")].find((node) => Number(node.dataset.id) > id);
  list.insertBefore(element, next || list.querySelector("li.pending"));
}

function addMessage(frame) {
  if (frame.id == null) return;
  const existing = state.elements.get(frame.id);
  if (existing) {
    renderBody(existing, frame);
    return;
  }
  const follow = nearBottom();
  const element = buildMessage(frame);
  element.dataset.id = frame.id;
  const placeholder = frame.client_id ? state.pending.get(frame.client_id) : null;
  if (placeholder && frame.mine) {
    state.pending.delete(frame.client_id);
    placeholder.remove();
  }
  insertInOrder(element, frame.id);
  state.elements.set(frame.id, element);
  state.lastId = Math.max(state.lastId, frame.id);
  state.oldestId = state.oldestId === null ? frame.id : Math.min(state.oldestId, frame.id);
  if (frame.mine && frame.client_id) dropFromOutbox(frame.client_id);
  if (follow) element.scrollIntoView({ block: "end" });
}

function addPending(entry) {
  const li = buildMessage({
    body: entry.body,
    kind: "chat",
    mine: true,
    sender: { handle: t("You"), role: root.dataset.role },
  });
  li.classList.add("pending");
  li.dataset.clientId = entry.client_id;
  list.append(li);
  state.pending.set(entry.client_id, li);
  li.scrollIntoView({ block: "end" });
}

function dropFromOutbox(clientId) {
  state.outbox = state.outbox.filter((entry) => entry.client_id !== clientId);
  saveOutbox();
}

function flushOutbox() {
  for (const entry of state.outbox) {
    socket.send({ type: "message.send", client_id: entry.client_id, body: entry.body });
  }
}

function markFailed(clientId, detail) {
  const li = state.pending.get(clientId);
  if (li) {
    li.classList.add("failed");
    const time = li.querySelector("time");
    time.textContent = t("not sent");
    state.pending.delete(clientId);
  }
  dropFromOutbox(clientId);
  showNotice(detail);
}

function setOpen(open) {
  state.open = open;
  textarea.disabled = !open;
  form.querySelector("button[type=submit]").disabled = !open;
  const endButton = document.getElementById("end-chat");
  if (endButton) endButton.disabled = !open;
}

function chatEnded() {
  setOpen(false);
  state.ended = true;
  // Nothing may cover the notice (the composer is sticky), and the status says so too.
  form.hidden = true;
  statusLine.textContent = t("This chat has ended.");
  statusLine.dataset.state = "ended";
  notice.textContent = "";
  const text = document.createElement("span");
  text.textContent = t("This chat has ended.") + " ";
  notice.append(text);
  if (!isStaff) {
    const link = document.createElement("a");
    link.href = root.dataset.endedUrl;
    link.textContent = t("Continue");
    notice.append(link);
  } else if (root.dataset.checklistUrl) {
    // The chat's mentor: rate it while it is fresh, and look after yourself.
    const rate = document.createElement("a");
    rate.href = root.dataset.checklistUrl;
    rate.textContent = t("Rate this chat against the checklist");
    const care = document.createElement("a");
    care.href = root.dataset.programmeUrl;
    care.textContent = t("Check in or ask for a debrief");
    notice.append(rate, document.createTextNode(" · "), care);
  }
  notice.hidden = false;
  notice.scrollIntoView({ block: "nearest" });
}

let typingTimer = null;
function showTyping(frame) {
  typingLine.textContent = interpolate(t("%(handle)s is typing…"), { handle: frame.handle });
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    typingLine.textContent = "";
  }, 4000);
}

// Two nodes may publish neighbouring messages in either order, so resume a little
// before the newest id seen; ids already shown are skipped.
const RESUME_OVERLAP = 20;
function resumePoint() {
  return Math.max(0, state.lastId - RESUME_OVERLAP);
}

// A live event can be lost (a node's queue for this socket was full): a message
// whose id skips past the newest one seen asks for everything after that one.
// Ids this person may not see (staff whispers, messages still held) also leave
// gaps; the resume then finds nothing new, which costs one small frame.
function catchUpOnGap(frame) {
  if (!state.loaded || state.resuming || frame.id == null) return;
  if (frame.id > state.lastId + 1) {
    state.resuming = true;
    socket.send({ type: "resume", after: state.lastId });
  }
}

// The copy of this tab's own message comes inside its ack, as soon as it is stored, so it
// can overtake a lower id still on its way to this socket (docs/protocol.md). Under load
// that is common; asking for a resume each time would add load. Wait a moment for the
// ids it skipped, then resume from the first one still missing.
const OVERTAKE_GRACE_MS = 3000;
function catchUpAfterOwnCopy(frame) {
  if (!state.loaded || state.resuming || frame.id == null || frame.id <= state.lastId + 1) return;
  const after = state.lastId;
  setTimeout(() => {
    for (let id = after + 1; id < frame.id; id += 1) {
      if (!state.elements.has(id)) {
        if (!state.resuming) {
          state.resuming = true;
          socket.send({ type: "resume", after: id - 1 });
        }
        return;
      }
    }
  }, OVERTAKE_GRACE_MS);
}

function handleFrame(frame) {
  // Feature modules (moderation.js) see every frame and send theirs with a "chat:send" event.
  document.dispatchEvent(new CustomEvent("chat:frame", { detail: frame }));
  switch (frame.type) {
    case "hello":
      state.resuming = false;
      setOpen(frame.open);
      if (!frame.open) chatEnded();
      if (!state.loaded) socket.send({ type: "history", limit: 50 });
      else socket.send({ type: "resume", after: resumePoint() });
      escalation.onHello();
      break;
    case "history.page":
      for (const message of frame.messages) addMessage(message);
      loadEarlier.hidden = !frame.has_more;
      if (!state.loaded) {
        state.loaded = true;
        socket.send({ type: "resume", after: resumePoint() });
        const last = list.lastElementChild;
        if (last) last.scrollIntoView({ block: "end" });
      }
      break;
    case "resume.done":
      state.lastId = Math.max(state.lastId, frame.last_id);
      state.resuming = false;
      flushOutbox();
      break;
    case "message":
      catchUpOnGap(frame);
      addMessage(frame);
      if (!frame.mine) typingLine.textContent = "";
      break;
    case "message.ack": {
      dropFromOutbox(frame.client_id);
      const li = state.pending.get(frame.client_id);
      if (li && frame.status === "held") {
        li.querySelector("time").textContent = t("waiting for a mentor to review");
      }
      if (frame.notice) showNotice(frame.notice);
      if (frame.message) {
        // This tab's own copy of the message (it asked for it in the ack).
        catchUpAfterOwnCopy(frame.message);
        addMessage(frame.message);
      }
      break;
    }
    case "error":
      if (frame.ref && state.outbox.some((entry) => entry.client_id === frame.ref)) {
        const resends = state.outageResends.get(frame.ref) || 0;
        const givenUp = OUTAGES.has(frame.code) && resends >= MAX_OUTAGE_RESENDS;
        if (RETRYABLE.has(frame.code) && !givenUp) {
          if (OUTAGES.has(frame.code)) state.outageResends.set(frame.ref, resends + 1);
          const entry = state.outbox.find((item) => item.client_id === frame.ref);
          setTimeout(() => socket.send({ type: "message.send", ...entry }), (frame.retry_after || 2) * 1000);
          showNotice(OUTAGES.has(frame.code) ? t("Your message is not sent yet. Trying again…") : frame.detail);
        } else {
          markFailed(frame.ref, frame.detail);
        }
      } else {
        showNotice(frame.detail);
      }
      if (frame.code === "room_closed") chatEnded();
      break;
    case "typing":
      showTyping(frame);
      break;
    case "presence": {
      const text = frame.state === "joined" ? t("%(handle)s (%(role)s) is here.") : t("%(handle)s (%(role)s) left.");
      typingLine.textContent = interpolate(text, { handle: frame.handle, role: roleLabel(frame.role) });
      break;
    }
    case "chat.ended":
      chatEnded();
      break;
    case "chat.transferred": {
      // The server closes this socket next; the transfer is the reason, and stays said.
      const text = interpolate(t("Chat transferred to %(name)s."), { name: frame.to });
      state.handedOver = true;
      setOpen(false);
      statusLine.textContent = text;
      statusLine.dataset.state = "ended";
      showNotice(text);
      break;
    }
    case "revoked":
    case "closed":
      setOpen(false);
      if (!state.handedOver) showNotice(t("You no longer have access to this room."));
      break;
    default:
      // Escalation frames go to their module; others from newer servers are ignored.
      escalation.handleFrame(frame);
      break;
  }
}

// "own=ack": this tab's own messages come back inside their ack, one frame instead of two
// (docs/protocol.md); messages sent from the person's other tabs still arrive as "message".
const wsPath = new URL(root.dataset.wsPath, window.location.href);
wsPath.searchParams.set("own", "ack");
const socket = new LiveSocket(wsPath.href, {
  onFrame: handleFrame,
  onStatus: (status, seconds) => {
    if (state.ended || state.handedOver) return;
    statusLine.textContent = statusText(status, seconds);
    statusLine.dataset.state = status;
  },
  onClosedForGood: (code, closed) => {
    setOpen(false);
    if (state.handedOver) return;
    showNotice((closed && closed.detail) || t("You can't open this room. Go back to the start page to begin again."));
    if (code === 4401) {
      // Signed out: staff sign in again and come back here; a participant starts again.
      const link = document.createElement("a");
      link.href = isStaff ? `/accounts/login/?next=${encodeURIComponent(window.location.pathname)}` : "/";
      link.textContent = isStaff ? t("Sign in") : t("Start again");
      notice.append(" ", link);
    }
  },
});

document.addEventListener("chat:send", (event) => socket.send(event.detail));
const escalation = attachEscalation(socket);

for (const entry of state.outbox) addPending(entry);

function updateCounter() {
  const left = maxLength - textarea.value.length;
  counter.textContent = left < 200 ? interpolate(t("%(left)s characters left"), { left }) : "";
}

let lastTypingSent = 0;
textarea.addEventListener("input", () => {
  updateCounter();
  const now = Date.now();
  if (now - lastTypingSent > 3000 && textarea.value) {
    lastTypingSent = now;
    socket.send({ type: "typing" });
  }
});

textarea.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const body = textarea.value.trim();
  if (!body || !state.open) return;
  if (body.length > maxLength) {
    showNotice(interpolate(t("Messages can be at most %(max)s characters."), { max: maxLength }));
    return;
  }
  const entry = { client_id: uuid4(), body };
  state.outbox.push(entry);
  saveOutbox();
  addPending(entry);
  socket.send({ type: "message.send", ...entry });
  textarea.value = "";
  updateCounter();
  showNotice("");
  textarea.focus();
});

loadEarlier.addEventListener("click", () => {
  if (state.oldestId !== null) socket.send({ type: "history", before: state.oldestId, limit: 50 });
});

const endButton = document.getElementById("end-chat");
if (endButton) {
  endButton.addEventListener("click", () => {
    if (window.confirm(t("End this chat? You won't be able to send more messages in it."))) {
      socket.send({ type: "chat.end" });
    }
  });
}

const transferForm = document.getElementById("transfer");
if (transferForm) {
  transferForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const to = Number(transferForm.elements.to.value);
    if (to) socket.send({ type: "chat.transfer", to });
  });
}

socket.connect();
