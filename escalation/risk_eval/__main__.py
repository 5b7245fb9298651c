"""``python -m escalation.risk_eval`` (``make eval-risk``): the risk detector's figures.

Splits, each reported on its own:

- ``dev``: the development corpus (``corpus/dev/``) and the older labelled set.
  The shipped model was trained on them, so besides the shipped detector's
  (in-sample) figures the report gives cross-validated ones: each message scored
  by a model trained without it (needs scikit-learn).
- ``blind``: the blind corpus (``corpus/blind/``), written by people who never
  saw the rules or the training data, and never used to tune anything. Figures
  only: its messages are never printed. With the ablation (rules only, model
  only, both).
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
    rules_only_detector,
    rules_reading,
)
from escalation.risk_eval.corpus import (
    BLIND_DIR,
    CONVERSATIONS,
    DEV_DIR,
    LEGACY_BLIND,
    LEGACY_LABELLED,
    load_conversations,
    load_corpus,
    load_legacy,
    training_examples,
)
from escalation.risk_eval.evaluate import (
    FALSE_ALARM_AIM,
    IMMINENT_RECALL_AIM,
    RECALL_AIM,
    Outcome,
    conversation_figures,
    evaluate,
    format_ablation,
    format_conversations,
    format_report,
    report,
)

SPLITS = ("dev", "blind", "older-blind")


def detector_factory(dotted_path: str) -> Callable[[], Detector]:
    """The factory named like the RISK_DETECTOR setting ("package.module.function")."""
    module_name, _, attribute = dotted_path.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def cross_validated(detector: RiskDetector) -> list[Outcome]:
    """Every training message assessed by the rules and the scores of a model trained
    without it (cached in var/ by ``make train-risk`` while the corpus is unchanged)."""
    from escalation.risk_train import OOF_CACHE, out_of_fold_scores

    examples = training_examples()
    scores = out_of_fold_scores(examples, OOF_CACHE)
    outcomes = []
    for example, found in zip(examples, scores, strict=True):
        reading, literal = rules_reading(detector.rules, example.text)
        outcomes.append(Outcome(example, combine(reading, found, detector.thresholds, literal)))
    return outcomes


def dev_section(detector: Detector, *, errors: bool, cv: bool, families: bool) -> str:
    text = ""
    dev = load_corpus(DEV_DIR, "dev")
    legacy = load_legacy(LEGACY_LABELLED)
    if cv and isinstance(detector, RiskDetector) and detector.model is not None:
        outcomes = cross_validated(detector)  # the dev corpus first, then the older set
        text += format_report(
            report("dev corpus, model cross-validated (5 folds)", outcomes[: len(dev)]),
            show_errors=errors,
            families=families,
        )
        text += "\n" + format_report(
            report(
                "older labelled set, model cross-validated",
                outcomes[len(dev) :],
            ),
            families=False,
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
        evaluate("older labelled set, shipped detector (in-sample)", detector, legacy),
        families=False,
    )
    if CONVERSATIONS.exists():
        conversations = load_conversations()
        text += "\n" + format_conversations(
            f"dev conversations ({len(conversations)}), highest level reached, shipped detector",
            {
                "off": conversation_figures(detector, conversations, memory=False),
                "on": conversation_figures(detector, conversations, memory=True),
            },
        )
    return text


def blind_section(detector: Detector, *, ablation: bool, families: bool) -> str:
    blind = load_corpus(BLIND_DIR, "blind")
    text = format_report(
        evaluate("BLIND corpus (never tuned on; figures only)", detector, blind), families=families
    )
    if ablation:
        reports = {
            "rules only": evaluate("rules only", rules_only_detector(), blind),
            "model only": evaluate("model only", model_only_detector(), blind),
            "both": evaluate("both", detector, blind),
        }
        text += "\n" + format_ablation("BLIND corpus, ablation", reports)
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
    if "older-blind" in splits:
        out.write(older_blind_section(detector))
    return 0


if __name__ == "__main__":
    sys.exit(main())
