"""Risk detector throughput on one core: messages per second.

Run: .venv/bin/python benchmarks/risk_throughput.py [--seconds N] [--long]
         [--baseline-tree DIR [--pairs N]]

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

``--long`` times instead single long messages, the shape of an adversarial sender: one
sentence repeated to 1,000, 4,000 (the default ``MESSAGE_MAX_LENGTH``), 10,000 and
20,000 characters (the most it allows), CPU milliseconds per message through the shipped
detector (median of several readings).

``--baseline-tree DIR`` runs the same measurement on another checkout's code as well
(``git archive <commit> | tar -x -C DIR``), each in a fresh process with ``PYTHONPATH``
on its tree, this tree's and the baseline's in turn for ``--pairs`` pairs (the order
alternating), and prints each pair, the medians and the load average beside them. The
messages are this script's in both.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from escalation.risk import default_detector, rules_only_detector
from escalation.risk_memory import ConversationMemory

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "escalation/risk_eval/labelled.jsonl"
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


def throughputs(seconds: float, report: bool = True) -> dict[str, float]:
    """Messages per second for each corpus and detector, by "corpus, detector"."""
    started = time.process_time()
    shipped = default_detector()
    if report:
        print(f"load signal files and model: {1000 * (time.process_time() - started):.0f} ms CPU")
    runs = [
        ("rules + model + memory", shipped, True),
        ("rules only", rules_only_detector(), False),
    ]
    rates = {}
    for name, messages in corpora().items():
        for label, detector, memory in runs:
            rate = throughput(detector, messages, seconds, memory)
            rates[f"{name}, {label}"] = rate
            if report:
                note = f"  (aim {AIM:,}/s)" if name == "mixed" and memory else ""
                print(f"{name:<9} {len(messages):>6} messages, {label:<23}: {rate:>9,.0f}/s{note}")
    return rates


# Adversarial long messages: one sentence repeated (issue 10). Risk in both languages, a
# negation and a threat (every copy is a match the rules must read), and harmless talk.
LONG_SENTENCES = {
    "threat (en)": "he is outside my door and he says he will kill me",
    "wish to die (en)": "I want to kill myself tonight.",
    "self-harm (en)": "i cut myself again",
    "means (en)": "I have the pills in front of me.",
    "slang (en)": "kms",  # an alias: "kil myself" in every copy
    "negated (en)": "I would never kill myself",
    "wish to die (es)": "no quiero vivir más,",
    # A time or a goodbye with the emoji of a means: common words that open a pattern
    # with a look-ahead (bounded to 600 characters since 7 Dec: 0.3 s at 20,000 before).
    "emoji plan (en)": "tonight 🪢 bye",
    "emoji plan (es)": "esta noche 💊 adiós",
    # Common first words ("im", "drove", "coche") before a look-ahead that read to the end
    # of the message unbounded (0.1-0.2 s at 20,000); the loader now refuses that shape.
    "car outside (en)": "im sitting in the car outside, i have a knife",
    "drove to the lake (en)": "i drove to the lake",
    "car in the lake (es)": "el coche en el lago, agua",
    "harmless (en)": "I'm really stressed about my exams lol",
}
LONG_LENGTHS = (1_000, 4_000, 10_000, 20_000)


def long_message(sentence: str, length: int) -> str:
    unit = sentence + " "
    return (unit * (length // len(unit) + 1))[:length]


def long_timings(budget: float = 0.2) -> dict[str, float]:
    """CPU milliseconds per message through the shipped detector, by "sentence, length":
    the median of at least three readings, more while under ``budget`` seconds."""
    detector = default_detector()
    timings = {}
    for name, sentence in LONG_SENTENCES.items():
        for length in LONG_LENGTHS:
            message = long_message(sentence, length)
            readings: list[float] = []
            spent = 0.0
            while len(readings) < 3 or (spent < budget and len(readings) < 50):
                started = time.process_time()
                detector.assess_with_evidence(message)
                readings.append(time.process_time() - started)
                spent += readings[-1]
            timings[f"{name}, {length:,}"] = 1000 * statistics.median(readings)
    return timings


def in_tree(tree: Path, mode: str, seconds: float) -> tuple[dict[str, float], float]:
    """Run this script's measurement on ``tree``'s code in a fresh process; its figures
    and the load average when it ended."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, __file__, "--worker", mode, "--seconds", str(seconds)]
    output = subprocess.run(
        command, env=environment, cwd=tree, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output), os.getloadavg()[0]


def paired(baseline: Path, mode: str, seconds: float, pairs: int) -> None:
    """This tree's and the baseline's code in turn, ``pairs`` times; medians and ratios."""
    trees = {"this tree": ROOT, "baseline": baseline.resolve()}
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    loads: list[float] = []
    for pair in range(pairs):
        order = list(trees) if pair % 2 == 0 else list(reversed(trees))
        for name in order:
            result, load = in_tree(trees[name], mode, seconds)
            figures[name].append(result)
            loads.append(load)
            print(f"pair {pair + 1}, {name:<9} (load {load:.2f})", flush=True)
    unit = "ms per message" if mode == "long" else "messages/s"
    print(f"\nmedians of {pairs} pairs, {unit}; load average {min(loads):.2f}-{max(loads):.2f}")
    print(
        f"{'case':<34} {'this tree':>10} {'baseline':>10} {'ratio':>7}  each pair (this / baseline)"
    )
    for case in figures["this tree"][0]:
        mine = [result[case] for result in figures["this tree"]]
        theirs = [result[case] for result in figures["baseline"]]
        each = "  ".join(f"{a:,.1f}/{b:,.1f}" for a, b in zip(mine, theirs, strict=True))
        if mode != "long":
            each = "  ".join(f"{a:,.0f}/{b:,.0f}" for a, b in zip(mine, theirs, strict=True))
        ratio = statistics.median(mine) / statistics.median(theirs)
        print(
            f"{case:<34} {statistics.median(mine):>10,.1f} {statistics.median(theirs):>10,.1f}"
            f" {ratio:>7.3f}  {each}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per corpus")
    parser.add_argument("--long", action="store_true", help="time long adversarial messages")
    parser.add_argument("--baseline-tree", type=Path, help="another checkout to compare with")
    parser.add_argument("--pairs", type=int, default=4, help="pairs in turn with a baseline")
    parser.add_argument("--worker", choices=("long", "throughput"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    mode = "long" if arguments.long else "throughput"
    if arguments.worker == "long":
        print(json.dumps(long_timings()))
    elif arguments.worker == "throughput":
        print(json.dumps(throughputs(arguments.seconds, report=False)))
    elif arguments.baseline_tree is not None:
        paired(arguments.baseline_tree, mode, arguments.seconds, arguments.pairs)
    elif arguments.long:
        print(f"CPU ms per message, shipped detector (load {os.getloadavg()[0]:.2f})")
        for case, milliseconds in long_timings().items():
            print(f"{case:<34} {milliseconds:>9,.2f}")
    else:
        throughputs(arguments.seconds)


if __name__ == "__main__":
    main()
