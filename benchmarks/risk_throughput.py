"""Risk detector throughput on one core: messages per second.

Run: .venv/bin/python benchmarks/risk_throughput.py [--seconds N]

What is timed is what the pipeline runs per message: the shipped detector (rules
and the learned model) and conversation memory, with messages spread over 2,000
conversations (room, sender). Rules alone are reported beside it.

Two corpora, both assessed with language=None (participants do not declare one,
so every message may be read in both shipped languages):
- "mixed": 20,000 chat messages, 90% everyday peer-support talk in English and
  Spanish (greetings, study and work stress, feelings, idioms such as "this exam
  is killing me", talk of pills and tonight's plans) and 10% from the labelled
  risk set, about the share of messages that need a closer look in such a service;
- "labelled": the 570 messages of the older labelled set alone, 62% of them risk
  messages, the worst case, where nearly every message runs the full rules.
The aim (issue 4) is at least 20,000 messages/s on the mixed corpus.

Time is this process's CPU time (``time.process_time``), so the figure is per core
even when other work shares the machine; the best of several passes is reported.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from pathlib import Path

from escalation.risk import default_detector, rules_only_detector
from escalation.risk_memory import ConversationMemory

LABELLED = Path(__file__).resolve().parent.parent / "escalation/risk_eval/labelled.jsonl"
AIM = 20_000

EVERYDAY_EN = {
    "opening": ["hi", "hey", "hello", "hi there", "um hi", "good evening", "hey, you there?", ""],
    "feeling": [
        "I'm really stressed about my exams",
        "I feel a bit lonely this week",
        "work has been so overwhelming lately",
        "I had a fight with my flatmate",
        "my anxiety is bad tonight",
        "I can't sleep, my mind keeps racing",
        "I feel like nobody listens to me",
        "I'm tired after a long shift",
        "my parents keep arguing and it's exhausting",
        "I failed my driving test again",
        "I'm nervous about my presentation tomorrow",
        "this assignment is killing me",
        "I'm dying to go home for the holidays",
        "I took my pills this morning but still feel anxious",
        "I'm going to the bridge party tonight, a bit nervous",
        "I miss my grandma so much",
        "my girlfriend and I broke up last month",
        "I keep procrastinating and then panicking",
        "everything feels like too much today",
        "I don't know what to do with my life after uni",
    ],
    "follow": [
        "",
        "any advice?",
        "thanks for listening",
        "does that make sense?",
        "sorry for rambling",
        "I just needed to tell someone",
        "what do you think I should do?",
        "lol",
        "ok",
        "I'll try that, thank you",
    ],
}
EVERYDAY_ES = {
    "opening": ["hola", "buenas", "hola, ¿hay alguien?", "buenas noches", ""],
    "feeling": [
        "estoy muy agobiada con los exámenes",
        "me siento un poco sola esta semana",
        "el trabajo me tiene estresado",
        "me peleé con mi compañera de piso",
        "no puedo dormir por la ansiedad",
        "siento que nadie me escucha",
        "estoy cansada después del turno",
        "mis padres no paran de discutir",
        "mañana tengo una presentación y estoy nervioso",
        "este examen me está matando",
        "me muero de ganas de volver a casa",
        "me tomé la medicación esta mañana pero sigo nerviosa",
        "echo mucho de menos a mi abuela",
        "mi novio y yo lo dejamos el mes pasado",
        "hoy todo me pesa un poco",
    ],
    "follow": [
        "",
        "¿algún consejo?",
        "gracias por escucharme",
        "perdón por el rollo",
        "solo necesitaba contárselo a alguien",
        "¿qué harías tú?",
        "jaja",
        "vale, gracias",
    ],
}


def everyday_message(chance: random.Random) -> str:
    parts = EVERYDAY_EN if chance.random() < 0.7 else EVERYDAY_ES
    words = [chance.choice(parts[part]) for part in ("opening", "feeling", "follow")]
    return " ".join(word for word in words if word)


def corpora(seed: int = 4) -> dict[str, list[str]]:
    chance = random.Random(seed)
    labelled = [json.loads(line)["text"] for line in LABELLED.read_text("utf-8").splitlines()]
    mixed = [
        chance.choice(labelled) if chance.random() < 0.1 else everyday_message(chance)
        for _ in range(20_000)
    ]
    return {"mixed": mixed, "labelled": labelled}


CONVERSATIONS = 2_000


def throughput(detector, messages: list[str], seconds: float, memory: bool) -> float:
    """Best of several timed passes over ``messages`` (messages per second)."""
    best = 0.0
    keys = [(index % CONVERSATIONS, index % 7) for index in range(len(messages))]
    deadline = time.process_time() + seconds
    gc.disable()
    try:
        while time.process_time() < deadline:
            remembered = ConversationMemory(model=detector.model, thresholds=detector.thresholds)
            started = time.process_time()
            if memory:
                now = 0.0
                for key, message in zip(keys, messages, strict=True):
                    now += 0.01
                    found, evidence = detector.assess_with_evidence(message)
                    remembered.assess(key, found, evidence, now)
            else:
                for message in messages:
                    detector.assess(message)
            best = max(best, len(messages) / (time.process_time() - started))
    finally:
        gc.enable()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per corpus")
    arguments = parser.parse_args()
    started = time.process_time()
    shipped = default_detector()
    print(f"load signal files and model: {1000 * (time.process_time() - started):.0f} ms CPU")
    runs = [
        ("rules + model + memory", shipped, True),
        ("rules only", rules_only_detector(), False),
    ]
    for name, messages in corpora().items():
        for label, detector, memory in runs:
            rate = throughput(detector, messages, arguments.seconds, memory)
            note = f"  (aim {AIM:,}/s)" if name == "mixed" and memory else ""
            print(f"{name:<9} {len(messages):>6} messages, {label:<23}: {rate:>9,.0f}/s{note}")


if __name__ == "__main__":
    main()
