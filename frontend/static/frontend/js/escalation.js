// Escalation in the chat room: the participant's urgent-help button and crisis panel,
// and for staff the Escalate form and the live status of the escalation.
import { interpolate, t } from "./socket.js";

function callButton(number, label) {
  const link = document.createElement("a");
  link.className = "button emergency";
  link.href = `tel:${number}`;
  link.textContent = interpolate(label, { number });
  return link;
}

function resourceItem(line) {
  const li = document.createElement("li");
  const name = document.createElement("strong");
  name.textContent = line.service;
  const how = document.createElement("span");
  how.textContent = line.how_to_reach;
  const actions = document.createElement("span");
  actions.className = "crisis-actions";
  if (line.phone) {
    const call = document.createElement("a");
    call.className = "button small";
    call.href = `tel:${line.phone}`;
    call.textContent = interpolate(t("Call %(number)s"), { number: line.phone });
    actions.append(call);
  }
  if (line.text_number) {
    const text = document.createElement("a");
    text.className = "button small";
    text.href = `sms:${line.text_number}${line.text_keyword ? `?&body=${encodeURIComponent(line.text_keyword)}` : ""}`;
    text.textContent = interpolate(t("Text %(number)s"), { number: line.text_number });
    actions.append(text);
  }
  const hours = document.createElement("small");
  hours.textContent = line.hours_and_cost;
  li.append(name, how, actions, hours);
  return li;
}

function showSupport(panel, frame) {
  const heading = document.createElement("h2");
  heading.textContent = frame.heading;
  const parts = [heading];
  const call = frame.emergency_number ? callButton(frame.emergency_number, t("Call %(number)s now")) : null;
  if (call && frame.emergency_first) parts.push(call);
  for (const text of frame.paragraphs) {
    const p = document.createElement("p");
    p.textContent = text;
    parts.push(p);
  }
  const listHeading = document.createElement("h3");
  listHeading.textContent = frame.resources_heading;
  const list = document.createElement("ul");
  list.className = "crisis-list";
  list.append(...frame.resources.map(resourceItem));
  parts.push(listHeading, list);
  if (call && !frame.emergency_first) parts.push(call);
  const close = document.createElement("button");
  close.type = "button";
  close.className = "secondary small";
  close.textContent = t("Hide this");
  close.addEventListener("click", () => {
    panel.hidden = true;
  });
  parts.push(close);
  panel.replaceChildren(...parts);
  panel.hidden = false;
  panel.focus();
  panel.scrollIntoView({ block: "start" });
}

export function outcomeLabel(outcome) {
  return (
    {
      de_escalated: t("De-escalated"),
      referred: t("Referred to professional care"),
      emergency_services: t("Emergency services contacted"),
      false_alarm: t("False alarm"),
    }[outcome] || ""
  );
}

function statusText(escalation) {
  if (!escalation) return t("No escalation open.");
  const level = escalation.level === "imminent" ? t("imminent risk") : t("high risk");
  if (escalation.state === "open") {
    return interpolate(t("Escalated (%(level)s). Supervisors are being paged; stay with them."), { level });
  }
  if (escalation.state === "acknowledged") {
    return interpolate(t("%(name)s (supervisor) is handling this escalation (%(level)s)."), {
      name: escalation.acknowledged_by || t("A supervisor"),
      level,
    });
  }
  return interpolate(t("Escalation resolved: %(outcome)s."), { outcome: outcomeLabel(escalation.outcome) });
}

export function attachEscalation(socket) {
  const urgentForm = document.getElementById("urgent-help");
  const panel = document.getElementById("crisis-support");
  const status = document.getElementById("escalation-status");
  const escalateForm = document.getElementById("escalate-form");

  if (urgentForm) {
    // Over the open socket when we can; otherwise the form posts like on the other pages.
    urgentForm.addEventListener("submit", (event) => {
      if (socket.send({ type: "urgent.help" })) event.preventDefault();
    });
  }
  if (escalateForm) {
    escalateForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const sent = socket.send({
        type: "escalation.raise",
        reason: escalateForm.elements.reason.value,
        level: escalateForm.elements.level.value,
        note: escalateForm.elements.note.value,
      });
      if (sent) escalateForm.elements.note.value = "";
    });
  }

  return {
    onHello() {
      if (status) socket.send({ type: "escalation.status" });
    },
    handleFrame(frame) {
      if (frame.type === "crisis.support" && panel) showSupport(panel, frame);
      else if (frame.type === "escalation.status" && status) {
        status.textContent = statusText(frame.escalation);
        status.dataset.level = frame.escalation ? frame.escalation.level : "";
      }
    },
  };
}
