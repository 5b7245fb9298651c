// The queue page: live position, honest wait estimate, and the hand-off to the chat.
import { fetchOwnPage, navigate, swapAfterStatus } from "./quick-exit.js";
import { LiveSocket, interpolate, statusText, t } from "./socket.js";

// Elements are looked up when used: a page swapped in place (quick-exit.js) brings its own.
const shown = { status: null, noneAvailable: true };

function show(status, noneAvailable = shown.noneAvailable) {
  shown.status = status;
  shown.noneAvailable = noneAvailable;
  const statusLine = document.getElementById("queue-status");
  const notice = document.getElementById("queue-none-available");
  if (statusLine && status !== null) statusLine.textContent = status;
  if (notice) notice.hidden = noneAvailable;
}

// The urgent-help page, swapped in over the queue page, shows the same live status.
document.addEventListener("page:swapped", () => show(shown.status));

function describe(frame) {
  if (frame.state !== "waiting") return t("You're not in the queue. Go back to the start page to ask for a mentor.");
  const parts = [interpolate(t("You are number %(position)s in the queue."), { position: frame.position })];
  if (frame.estimate_seconds != null) {
    const minutes = Math.max(1, Math.round(frame.estimate_seconds / 60));
    parts.push(interpolate(t("Estimated wait: about %(minutes)s min."), { minutes }));
  } else if (frame.mentors_available > 0) {
    parts.push(t("A mentor should be with you soon."));
  } else {
    parts.push(t("We can't estimate the wait right now."));
  }
  return parts.join(" ");
}

// An urgent-help page whose case a supervisor closed without a chat: the words, lines
// and button come from this page's own address (in the person's language and region, as
// without scripts); the queue card and its live region stay in place (a region swapped in
// is not reliably read out), and the region says the closing, the emergency number and
// the place. Anything else (offline, or no longer in the queue): the page itself says.
// After a reconnection it checks, as the frame may have come while the socket was away.
async function showUrgentClosed() {
  try {
    const page = await fetchOwnPage();
    const fresh = page.getElementById("queue");
    const freshStatus = page.getElementById("queue-status");
    if (fresh && fresh.dataset.urgent === "waiting") return; // still open: nothing to show
    if (urgentState() !== "waiting") return; // told meanwhile, and shown
    if (!fresh || fresh.dataset.urgent !== "closed" || !freshStatus || !page.querySelector(".crisis-support")) {
      throw new Error("not queued");
    }
    const card = document.getElementById("queue");
    swapAfterStatus(page, card, document.getElementById("queue-status"), freshStatus);
    card.dataset.urgent = "closed";
    show(`${fresh.dataset.closedStatus} ${freshStatus.textContent}`, true);
  } catch {
    window.location.replace(window.location.href);
  }
}

function urgentState() {
  const card = document.getElementById("queue");
  return card ? card.dataset.urgent : undefined;
}

function goToRoom(room) {
  navigate(`/chat/${room}/`);
}

// Opens of the socket so far: from the second on, a frame may have been missed.
let opened = 0;

const socket = new LiveSocket(document.getElementById("queue").dataset.wsPath, {
  onFrame: (frame) => {
    if (frame.type === "queue.status") {
      if (frame.state === "matched") return goToRoom(frame.room);
      show(describe(frame), frame.state !== "waiting" || frame.mentors_available > 0);
    } else if (frame.type === "urgent.status") {
      // Only the urgent-help page waiting on its case listens; the queue page has no case.
      if (frame.state === "closed" && urgentState() === "waiting") showUrgentClosed();
    } else if (frame.type === "queue.matched") {
      show(t("A mentor is ready. Opening your chat…"));
      goToRoom(frame.room);
    }
  },
  onOpen: () => {
    opened += 1;
    if (opened > 1 && urgentState() === "waiting") showUrgentClosed();
  },
  onStatus: (status, seconds) => {
    if (status !== "open") show(statusText(status, seconds));
  },
});
socket.connect();
