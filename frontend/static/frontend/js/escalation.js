// Escalation in the chat room: the participant's urgent-help button and crisis panel,
// and for staff the Escalate form and the live status of the escalation.
import { interpolate, t } from "./socket.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function link(way, className) {
  const anchor = element("a", className, way.label);
  anchor.href = way.href;
  return anchor;
}

function emergencyCalls(frame) {
  if (!frame.emergency_calls.length) return null;
  const calls = element("p", "emergency-calls");
  calls.append(...frame.emergency_calls.map((call) => link(call, "button emergency")));
  return calls;
}

function lineItem(line) {
  const li = element("li");
  const actions = element("span", "crisis-actions");
  actions.append(...line.ways.map((way) => link(way, "button small")));
  li.append(element("strong", "", line.service), actions);
  if (line.facts.length) li.append(element("small", "", line.facts.join(" ")));
  return li;
}

function regionLines(regions) {
  const parts = [];
  for (const group of regions) {
    if (regions.length > 1) parts.push(element("h4", "crisis-country", group.name));
    const list = element("ul", "crisis-list");
    list.dataset.region = group.code;
    if (group.lines.length) list.append(...group.lines.map(lineItem));
    else list.append(element("li", "", t("No lines are listed for this country yet. In an emergency, call your local emergency number.")));
    parts.push(list);
  }
  return parts;
}

// The one-tap change of country posts like the pages' own form. In the chat the panel
// stays: the choice is saved in the background, and the socket sends the panel again with
// that country's lines (without the socket, the page reloads with the choice).
function regionForm(region, socket) {
  const block = element("div", "crisis-region");
  block.dataset.region = region.code;
  block.dataset.how = region.how;
  block.append(element("p", "crisis-region-statement", region.statement));
  const form = element("form", "region-quick");
  form.method = "post";
  form.action = "/help/region/";
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) form.append(token.cloneNode());
  const next = element("input");
  next.type = "hidden";
  next.name = "next";
  next.value = window.location.pathname;
  form.append(next);
  if (!region.asking) form.append(element("span", "", t("Somewhere else?")));
  for (const option of region.quick) {
    const button = element("button", "small", option.name);
    button.type = "submit";
    button.name = "region";
    button.value = option.code;
    form.append(button);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form, event.submitter),
      credentials: "same-origin",
      redirect: "manual",
    })
      .then((response) => {
        const saved = response.ok || response.type === "opaqueredirect";
        if (!saved || !socket.send({ type: "crisis.support" })) window.location.replace(window.location.href);
      })
      .catch(() => window.location.replace(window.location.href));
  });
  block.append(form);
  return block;
}

function safetyQuestion(frame, urgentForm, socket) {
  if (!frame.question) return null;
  const box = element("div", "safety-question");
  box.append(element("p", "question", frame.question));
  const safe = element("button", "secondary small", frame.answers.safe);
  safe.type = "button";
  const notSafe = element("button", "urgent-help-button", frame.answers.not_safe);
  notSafe.type = "button";
  safe.addEventListener("click", () => {
    box.replaceChildren(element("p", "", t("Thank you for letting us know. We're here if that changes.")));
  });
  notSafe.addEventListener("click", () => {
    if (!socket.send({ type: "urgent.help" }) && urgentForm) urgentForm.requestSubmit();
  });
  box.append(safe, notSafe);
  return box;
}

function showSupport(panel, frame, urgentForm, socket) {
  const parts = [element("h2", "", frame.heading)];
  const calls = emergencyCalls(frame);
  if (calls && frame.emergency_first) parts.push(calls);
  for (const text of frame.paragraphs) parts.push(element("p", "", text));
  if (frame.tips.length) {
    const tips = element("ul", "help-tips");
    tips.append(...frame.tips.map((tip) => element("li", "", tip)));
    parts.push(tips);
  }
  const question = safetyQuestion(frame, urgentForm, socket);
  if (question) parts.push(question);
  parts.push(element("h3", "", frame.resources_heading), regionForm(frame.region, socket), ...regionLines(frame.regions));
  if (calls && !frame.emergency_first) parts.push(calls);
  const close = element("button", "secondary small", t("Hide this"));
  close.type = "button";
  close.addEventListener("click", () => {
    panel.hidden = true;
  });
  parts.push(close);
  panel.replaceChildren(...parts);
  panel.dataset.kind = frame.kind;
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

// The Columbia screener (staff): follow-up questions appear only after the answer that calls for them.
function attachScreener(form, result, socket) {
  const fieldsets = [...form.querySelectorAll("fieldset[data-question]")];
  const answerOf = (code) => {
    const checked = form.querySelector(`input[name="${code}"]:checked`);
    return checked ? checked.value === "yes" : null;
  };
  const update = () => {
    for (const fieldset of fieldsets) {
      const parent = fieldset.dataset.askedWhen;
      if (!parent) continue;
      fieldset.hidden = answerOf(parent) !== true;
      if (fieldset.hidden) for (const input of fieldset.querySelectorAll("input")) input.checked = false;
    }
  };
  form.addEventListener("change", update);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const answers = {};
    for (const fieldset of fieldsets) {
      if (!fieldset.hidden) answers[fieldset.dataset.question] = answerOf(fieldset.dataset.question);
    }
    if (socket.send({ type: "screener.record", answers })) result.textContent = t("Recording…");
  });
  update();
}

// The safety plan, edited together in the chat; each save carries the revision it started from.
function attachSafetyPlan(panel, socket) {
  const form = document.getElementById("safety-plan-form");
  const sections = document.getElementById("safety-plan-sections");
  const status = document.getElementById("safety-plan-status");
  let revision = 0;
  let dirty = false;
  // The text each section had when last shown, to tell which ones someone has changed.
  const shown = {};

  function render(frame) {
    revision = frame.revision;
    const parts = [];
    for (const section of frame.sections) {
      const id = `chat-plan-${section.code}`;
      const label = element("label", "", section.title);
      label.htmlFor = id;
      const help = element("p", "hint", section.help);
      help.id = `${id}-help`;
      const area = element("textarea");
      area.id = id;
      area.name = section.code;
      area.rows = 3;
      area.maxLength = 2000;
      area.value = section.text;
      shown[section.code] = section.text;
      area.setAttribute("aria-describedby", help.id);
      parts.push(label, help, area);
    }
    sections.replaceChildren(...parts);
    form.hidden = false;
    dirty = false;
  }

  // A plan nobody has saved yet, prefilled again (the participant's lines changed) while
  // someone is typing: only the sections nobody has changed take the new text.
  function refill(frame) {
    for (const section of frame.sections) {
      const area = form.elements.namedItem(section.code);
      if (area && area.value === shown[section.code]) {
        area.value = section.text;
        shown[section.code] = section.text;
      }
    }
  }

  form.addEventListener("input", () => {
    dirty = true;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = {};
    for (const area of form.querySelectorAll("textarea")) values[area.name] = area.value;
    if (socket.send({ type: "safety_plan.save", sections: values, revision })) {
      dirty = false;
      status.textContent = t("Saving…");
    }
  });

  return {
    onHello() {
      socket.send({ type: "safety_plan.get" });
    },
    // The participant's lines changed: a plan not saved yet is prefilled with the new ones.
    onLinesChanged() {
      if (panel.dataset.exists !== "true") socket.send({ type: "safety_plan.get" });
    },
    show(frame) {
      if (!frame.exists && !frame.conflict && dirty) {
        refill(frame);
        panel.dataset.exists = "false";
        return;
      }
      if (frame.conflict) {
        status.textContent = frame.conflict;
        render(frame);
      } else if (dirty && frame.revision !== revision) {
        // Someone else saved while this person was typing: keep their words, say so.
        revision = frame.revision;
        status.textContent = t("The plan was changed in the chat. Save again to keep your changes.");
      } else {
        render(frame);
        status.textContent = frame.exists && frame.updated_at ? t("Saved.") : "";
      }
      panel.dataset.exists = frame.exists ? "true" : "false";
    },
  };
}

// Staff: "Their crisis lines" is fetched again when the lines the participant is shown
// change (they chose a country, or wrote in a language that changes which lines they see),
// from this page's own address, so it comes in this reader's language with the same
// permission checks as the page. If the fetch fails, the lines on screen stay until the
// next change or a reload.
async function refreshParticipantLines() {
  const current = document.querySelector(".participant-lines");
  if (!current) return;
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector(".participant-lines");
    if (fresh) current.replaceWith(document.adoptNode(fresh));
  } catch {
    // Offline for a moment: keep what is shown.
  }
}

export function attachEscalation(socket) {
  const urgentForm = document.getElementById("urgent-help");
  const panel = document.getElementById("crisis-support");
  const status = document.getElementById("escalation-status");
  const escalateForm = document.getElementById("escalate-form");
  const screenerPanel = document.getElementById("screener-panel");
  const screenerForm = document.getElementById("screener-form");
  const screenerResult = document.getElementById("screener-result");
  const planPanel = document.getElementById("safety-plan-panel");
  const plan = planPanel ? attachSafetyPlan(planPanel, socket) : null;

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
  if (screenerForm) attachScreener(screenerForm, screenerResult, socket);

  return {
    onHello() {
      if (status) socket.send({ type: "escalation.status" });
      if (plan) plan.onHello();
    },
    handleFrame(frame) {
      if (frame.type === "crisis.support" && panel) showSupport(panel, frame, urgentForm, socket);
      else if (frame.type === "escalation.status" && status) {
        status.textContent = statusText(frame.escalation);
        status.dataset.level = frame.escalation ? frame.escalation.level : "";
        // When risk is flagged, the screener is offered (opened once, the mentor may close it).
        if (frame.escalation && screenerPanel && !screenerPanel.dataset.offered) {
          screenerPanel.dataset.offered = "true";
          screenerPanel.open = true;
        }
      } else if (frame.type === "screener.recorded" && screenerResult) {
        screenerResult.textContent = frame.next;
        screenerResult.dataset.level = frame.level;
      } else if (frame.type === "safety_plan" && plan) {
        plan.show(frame);
      } else if (frame.type === "participant.lines") {
        refreshParticipantLines();
        if (plan) plan.onLinesChanged();
      }
    },
  };
}
