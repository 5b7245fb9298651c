"""``python -m escalation.risk_eval`` (``make eval-risk``): the risk detector's figures.

Splits, each reported on its own:

- ``dev``: the development corpus (``corpus/dev/``, one writer), the dev data of
  other writers (``corpus/dev2/``) and the older labelled set. The shipped model
  was trained on them, so besides the shipped detector's (in-sample) figures the
  report gives cross-validated ones, each message scored by a model trained
  without it (needs scikit-learn), two ways: random folds, and grouped folds that
  hold out a writer's batch whole (``escalation.risk_train.folds_of``). The
  thresholds are chosen on the grouped scores; random folds flatter a corpus
  written by few people. The retired blind splits v3 to v21 are training data now,
  reported among its parts (cross-validated); their blind figures are history, kept
  in docs/risk-detection.md. The dev conversations, retired blind v7's, v8's and
  v9's, dev7's, retired blind v10's, v11's and v12's, dev8's, retired blind v13's and
  v14's, dev9's, retired blind v15's and v16's, dev10's, dev11's, retired blind v17's and
  v18's, dev12's, retired blind v19's and v20's, dev13's, retired blind v21's and dev14's are
  reported together and each apart, memory off and on.
- ``blind``: the blind corpus v2 (``corpus/blind/``), written by people who never
  saw the rules or the training data, and never used to tune anything. Figures
  only: its messages are never printed. With the ablation (rules only, model
  only, both).
- ``blind22``: the blind corpus v22 (``corpus/blind22/``, when present), written by
  another independent writer and added after the detector was final, evaluated once.
  Figures only, with the ablation; and its conversations
  (``corpus/blind22/conversations.jsonl``, when present), memory off and on.
- ``older-blind``: the first blind set (``blind.jsonl``), its ``blind_dev`` split
  (once used to tune the rules) and ``blind_test`` split reported apart.

``--errors`` lists the misclassified messages of the dev split only.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from escalation.risk import (
    Detector,
    RiskDetector,
    combine,
    model_only_detector,
    rules_context,
    rules_only_detector,
    word_count,
)
from escalation.risk_eval.corpus import (
    BLIND3_DIR,
    BLIND4_DIR,
    BLIND5_DIR,
    BLIND6_DIR,
    BLIND7_DIR,
    BLIND8_DIR,
    BLIND9_DIR,
    BLIND10_DIR,
    BLIND11_DIR,
    BLIND12_DIR,
    BLIND13_DIR,
    BLIND14_DIR,
    BLIND15_DIR,
    BLIND16_DIR,
    BLIND17_DIR,
    BLIND18_DIR,
    BLIND19_DIR,
    BLIND20_DIR,
    BLIND21_DIR,
    BLIND22_CONVERSATIONS,
    BLIND22_DIR,
    BLIND_DIR,
    DEV2_DIR,
    DEV3_DIR,
    DEV4_DIR,
    DEV5_DIR,
    DEV7_DIR,
    DEV8_DIR,
    DEV9_DIR,
    DEV10_DIR,
    DEV11_DIR,
    DEV12_DIR,
    DEV13_DIR,
    DEV14_DIR,
    DEV_DIR,
    LANGUAGES,
    LEGACY_BLIND,
    LEGACY_LABELLED,
    Conversation,
    development_conversations,
    group_of,
    load_conversations,
    load_corpus,
    load_corpus_tree,
    load_legacy,
    training_examples,
)
from escalation.risk_eval.evaluate import (
    FALSE_ALARM_AIM,
    IMMINENT_RECALL_AIM,
    RECALL_AIM,
    ConversationFigures,
    Outcome,
    conversation_figures,
    evaluate,
    format_ablation,
    format_conversations,
    format_report,
    report,
)

SPLITS = ("dev", "blind", "blind22", "older-blind")


def detector_factory(dotted_path: str) -> Callable[[], Detector]:
    """The factory named like the RISK_DETECTOR setting ("package.module.function")."""
    module_name, _, attribute = dotted_path.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def cross_validated(detector: RiskDetector, grouped: bool = False) -> list[Outcome]:
    """Every training message assessed by the rules and the scores of a model trained
    without it (cached in var/ by ``make train-risk`` while the corpus is unchanged)."""
    from escalation.risk_train import cached_scores

    examples = training_examples()
    scores = cached_scores(examples, grouped)
    outcomes = []
    for example, found in zip(examples, scores, strict=True):
        reading, literal, negated = rules_context(detector.rules, example.text)
        combined = combine(
            reading,
            found,
            detector.thresholds,
            literal,
            word_count(example.text),
            negated=negated,
        )
        outcomes.append(Outcome(example, combined))
    return outcomes


# The training data's parts, each reported on its own: (title, the test of membership).
# (The older set's lines carry split names of their own, "dev" among them: go by group.)
_TRAINING_PARTS = (
    ("dev corpus (one writer)", lambda o: group_of(o.example) == "dev"),
    ("dev2 (other writers)", lambda o: group_of(o.example).startswith("dev2/")),
    ("dev3 (weak spots, another writer)", lambda o: group_of(o.example).startswith("dev3/")),
    ("blind v3, retired (another writer)", lambda o: group_of(o.example).startswith("blind3/")),
    ("blind v4, retired (another writer)", lambda o: group_of(o.example).startswith("blind4/")),
    ("dev4 (weak spots, another writer)", lambda o: group_of(o.example).startswith("dev4/")),
    ("blind v5, retired (another writer)", lambda o: group_of(o.example).startswith("blind5/")),
    ("dev5 (false alarms, another writer)", lambda o: group_of(o.example).startswith("dev5/")),
    ("blind v6, retired (another writer)", lambda o: group_of(o.example).startswith("blind6/")),
    ("blind v7, retired (another writer)", lambda o: group_of(o.example).startswith("blind7/")),
    ("blind v8, retired (another writer)", lambda o: group_of(o.example).startswith("blind8/")),
    ("blind v9, retired (another writer)", lambda o: group_of(o.example).startswith("blind9/")),
    ("dev7 (hard cases, another writer)", lambda o: group_of(o.example).startswith("dev7/")),
    ("blind v10, retired (another writer)", lambda o: group_of(o.example).startswith("blind10/")),
    ("blind v11, retired (another writer)", lambda o: group_of(o.example).startswith("blind11/")),
    ("blind v12, retired (another writer)", lambda o: group_of(o.example).startswith("blind12/")),
    (
        "dev8 (plans and literal uses with a time, another writer)",
        lambda o: group_of(o.example).startswith("dev8/"),
    ),
    ("blind v13, retired (another writer)", lambda o: group_of(o.example).startswith("blind13/")),
    ("blind v14, retired (another writer)", lambda o: group_of(o.example).startswith("blind14/")),
    (
        "dev9 (places and times with no method word, slang overdoses, another writer)",
        lambda o: group_of(o.example).startswith("dev9/"),
    ),
    ("blind v15, retired (another writer)", lambda o: group_of(o.example).startswith("blind15/")),
    ("blind v16, retired (another writer)", lambda o: group_of(o.example).startswith("blind16/")),
    (
        "dev10 (blind v16's misses and false alarms, another writer)",
        lambda o: group_of(o.example).startswith("dev10/"),
    ),
    (
        "dev11 (everyday emotional life, Spanish first, another writer)",
        lambda o: group_of(o.example).startswith("dev11/"),
    ),
    ("blind v17, retired (another writer)", lambda o: group_of(o.example).startswith("blind17/")),
    ("blind v18, retired (another writer)", lambda o: group_of(o.example).startswith("blind18/")),
    (
        "dev12 (blind v18's misses and false alarms, another writer)",
        lambda o: group_of(o.example).startswith("dev12/"),
    ),
    ("blind v19, retired (another writer)", lambda o: group_of(o.example).startswith("blind19/")),
    ("blind v20, retired (another writer)", lambda o: group_of(o.example).startswith("blind20/")),
    (
        "dev13 (blind v20's everyday false alarms, another writer)",
        lambda o: group_of(o.example).startswith("dev13/"),
    ),
    ("blind v21, retired (another writer)", lambda o: group_of(o.example).startswith("blind21/")),
    (
        "dev14 (health talk and medical means, another writer)",
        lambda o: group_of(o.example).startswith("dev14/"),
    ),
    ("older labelled set", lambda o: group_of(o.example) == "older-labelled"),
)


def dev_section(detector: Detector, *, errors: bool, cv: bool, families: bool) -> str:
    text = ""
    dev = load_corpus(DEV_DIR, "dev")
    dev2 = load_corpus_tree(DEV2_DIR, "dev2")
    legacy = load_legacy(LEGACY_LABELLED)
    if cv and isinstance(detector, RiskDetector) and detector.model is not None:
        for grouped, how in (
            (False, "random 5 folds (flatters: one writer's messages on both sides)"),
            (True, "grouped 5 folds (each writer's batch held out whole)"),
        ):
            outcomes = cross_validated(detector, grouped)
            text += format_ablation(
                f"all training data, model cross-validated, {how}",
                {"both": report("all", outcomes)},
            )
            text += "\n"
            for title, member in _TRAINING_PARTS:
                part = list(filter(member, outcomes))
                if not part:
                    continue
                text += format_report(
                    report(f"{title}, model cross-validated, {how}", part),
                    show_errors=errors and grouped and title.startswith("dev"),
                    families=families and "older" not in title,
                )
                text += "\n"
    text += format_report(
        evaluate(
            "dev corpus, shipped detector (in-sample: the model was trained on it)", detector, dev
        ),
        show_errors=errors and not cv,
        families=families,
    )
    text += "\n" + format_report(
        evaluate("dev2 (other writers), shipped detector (in-sample)", detector, dev2),
        families=False,
    )
    dev3 = load_corpus_tree(DEV3_DIR, "dev3")
    if dev3:
        text += "\n" + format_report(
            evaluate("dev3 (weak spots), shipped detector (in-sample)", detector, dev3),
            families=False,
        )
    for directory, name, title in (
        (BLIND3_DIR, "blind3", "blind v3, retired"),
        (BLIND4_DIR, "blind4", "blind v4, retired"),
        (DEV4_DIR, "dev4", "dev4 (weak spots)"),
        (BLIND5_DIR, "blind5", "blind v5, retired"),
        (DEV5_DIR, "dev5", "dev5 (false alarms)"),
        (BLIND6_DIR, "blind6", "blind v6, retired"),
        (BLIND7_DIR, "blind7", "blind v7, retired"),
        (BLIND8_DIR, "blind8", "blind v8, retired"),
        (BLIND9_DIR, "blind9", "blind v9, retired"),
        (DEV7_DIR, "dev7", "dev7 (hard cases)"),
        (BLIND10_DIR, "blind10", "blind v10, retired"),
        (BLIND11_DIR, "blind11", "blind v11, retired"),
        (BLIND12_DIR, "blind12", "blind v12, retired"),
        (DEV8_DIR, "dev8", "dev8 (plans and literal uses with a time)"),
        (BLIND13_DIR, "blind13", "blind v13, retired"),
        (BLIND14_DIR, "blind14", "blind v14, retired"),
        (DEV9_DIR, "dev9", "dev9 (places and times with no method word, slang overdoses)"),
        (BLIND15_DIR, "blind15", "blind v15, retired"),
        (BLIND16_DIR, "blind16", "blind v16, retired"),
        (DEV10_DIR, "dev10", "dev10 (blind v16's misses and false alarms)"),
        (DEV11_DIR, "dev11", "dev11 (everyday emotional life)"),
        (BLIND17_DIR, "blind17", "blind v17, retired"),
        (BLIND18_DIR, "blind18", "blind v18, retired"),
        (DEV12_DIR, "dev12", "dev12 (blind v18's misses and false alarms)"),
        (BLIND19_DIR, "blind19", "blind v19, retired"),
        (BLIND20_DIR, "blind20", "blind v20, retired"),
        (DEV13_DIR, "dev13", "dev13 (blind v20's everyday false alarms)"),
        (BLIND21_DIR, "blind21", "blind v21, retired"),
        (DEV14_DIR, "dev14", "dev14 (health talk and medical means)"),
    ):
        part = load_corpus_tree(directory, name)
        if part:
            text += "\n" + format_report(
                evaluate(f"{title}, shipped detector (in-sample)", detector, part),
                families=False,
            )
    text += "\n" + format_report(
        evaluate("older labelled set, shipped detector (in-sample)", detector, legacy),
        families=False,
    )
    conversations = development_conversations()
    # Each writer's conversations apart: (source folder, title, figures per language).
    parts = (
        ("dev", "dev corpus conversations", False),
        ("blind7", "blind v7 conversations, retired", True),
        ("blind8", "blind v8 conversations, retired", True),
        ("blind9", "blind v9 conversations, retired", True),
        ("dev7", "dev7 conversations", True),
        ("blind10", "blind v10 conversations, retired", True),
        ("blind11", "blind v11 conversations, retired", True),
        ("blind12", "blind v12 conversations, retired", True),
        ("dev8", "dev8 conversations", True),
        ("blind13", "blind v13 conversations, retired", True),
        ("blind14", "blind v14 conversations, retired", True),
        ("dev9", "dev9 conversations", True),
        ("blind15", "blind v15 conversations, retired", True),
        ("blind16", "blind v16 conversations, retired", True),
        ("dev10", "dev10 conversations", True),
        ("dev11", "dev11 conversations", True),
        ("blind17", "blind v17 conversations, retired", True),
        ("blind18", "blind v18 conversations, retired", True),
        ("dev12", "dev12 conversations", True),
        ("blind19", "blind v19 conversations, retired", True),
        ("blind20", "blind v20 conversations, retired", True),
        ("dev13", "dev13 conversations", True),
        ("blind21", "blind v21 conversations, retired", True),
        ("dev14", "dev14 conversations", True),
    )
    for title, part, by_language in (
        ("dev conversations, all", conversations, False),
        *(
            (name, [c for c in conversations if c.source.startswith(f"{folder}/")], apart)
            for folder, name, apart in parts
        ),
    ):
        if part:
            text += "\n" + format_conversations(
                f"{title} ({len(part)}), highest level reached, shipped detector",
                memory_off_and_on(detector, part, by_language=by_language),
            )
    return text


def memory_off_and_on(
    detector: Detector, conversations: Sequence[Conversation], by_language: bool = False
) -> dict[str, ConversationFigures]:
    """Conversation figures with memory off and on (and per language, ``by_language``)."""
    found = {}
    for language in ("", *LANGUAGES) if by_language else ("",):
        part = [c for c in conversations if c.language == language or not language]
        if not part:
            continue
        for memory in (False, True):
            name = ("on" if memory else "off") + (f", {language}" if language else "")
            found[name] = conversation_figures(detector, part, memory=memory)
    return found


def blind_section(detector: Detector, *, ablation: bool, families: bool, version: int = 2) -> str:
    if version == 22:
        blind = load_corpus_tree(BLIND22_DIR, "blind22")
        title = "BLIND corpus v22 (fresh, run once; figures only)"
    else:
        blind = load_corpus(BLIND_DIR, "blind")
        title = "BLIND corpus v2 (never tuned on, looked at three times; figures only)"
    text = format_report(evaluate(title, detector, blind), families=families)
    if ablation:
        reports = {
            "rules only": evaluate("rules only", rules_only_detector(), blind),
            "model only": evaluate("model only", model_only_detector(), blind),
            "both": evaluate("both", detector, blind),
        }
        text += "\n" + format_ablation(f"BLIND corpus v{version}, ablation", reports)
    if version == 22 and BLIND22_CONVERSATIONS.exists():
        conversations = load_conversations(BLIND22_CONVERSATIONS)
        text += "\n" + format_conversations(
            f"BLIND corpus v22, conversations ({len(conversations)}), highest level reached, "
            "memory off and on (figures only)",
            memory_off_and_on(detector, conversations, by_language=True),
        )
    return text


def older_blind_section(detector: Detector) -> str:
    examples = load_legacy(LEGACY_BLIND)
    return "\n".join(
        format_report(
            evaluate(
                f"older blind set, {split} (figures only)",
                detector,
                [e for e in examples if e.split == split],
            ),
            families=False,
        )
        for split in ("blind_dev", "blind_test")
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m escalation.risk_eval", description="Score a risk detector."
    )
    parser.add_argument(
        "--detector",
        default="escalation.risk.default_detector",
        help="dotted path to a zero-argument factory returning a Detector",
    )
    parser.add_argument("--split", choices=SPLITS, action="append", help="default: all")
    parser.add_argument(
        "--errors", action="store_true", help="list misclassified messages (dev split only)"
    )
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validated dev figures")
    parser.add_argument("--no-families", action="store_true", help="omit per-family rows")
    arguments = parser.parse_args(argv)
    detector = detector_factory(arguments.detector)()
    splits = arguments.split or list(SPLITS)
    families = not arguments.no_families
    out = sys.stdout
    out.write(
        f"Aims (each language, blind split): recall >= {RECALL_AIM}, imminent recall >= "
        f"{IMMINENT_RECALL_AIM}, false alarms <= {FALSE_ALARM_AIM}. Rates: value "
        "[Wilson 95% interval] hits/total.\n\n"
    )
    if "dev" in splits:
        out.write(
            dev_section(
                detector, errors=arguments.errors, cv=not arguments.no_cv, families=families
            )
            + "\n"
        )
    if "blind" in splits:
        ablation = isinstance(detector, RiskDetector) and detector.model is not None
        out.write(blind_section(detector, ablation=ablation, families=families) + "\n")
    if "blind22" in splits and BLIND22_DIR.is_dir():
        ablation = isinstance(detector, RiskDetector) and detector.model is not None
        out.write(blind_section(detector, ablation=ablation, families=families, version=22) + "\n")
    if "older-blind" in splits:
        out.write(older_blind_section(detector))
    return 0


if __name__ == "__main__":
    sys.exit(main())
