"""``python -m escalation.risk_eval``: print the risk detector's evaluation report."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from escalation.risk import Detector
from escalation.risk_eval.evaluate import LABELLED_SET, evaluate, format_report, load_examples


def detector_factory(dotted_path: str) -> Callable[[], Detector]:
    """The factory named like the RISK_DETECTOR setting ("package.module.function")."""
    module_name, _, attribute = dotted_path.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m escalation.risk_eval",
        description="Score a risk detector on the labelled set.",
    )
    parser.add_argument(
        "--detector",
        default="escalation.risk.default_detector",
        help="dotted path to a zero-argument factory returning a Detector",
    )
    parser.add_argument("--labelled", type=Path, default=LABELLED_SET, help="labelled JSONL file")
    parser.add_argument(
        "--split",
        help="score only this split (e.g. blind_dev), so a held-out split's messages stay unseen",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="figures only, without the misclassified messages"
    )
    arguments = parser.parse_args(argv)
    examples = load_examples(arguments.labelled)
    if arguments.split is not None:
        examples = [example for example in examples if example.split == arguments.split]
        if not examples:
            parser.error(f"no examples in split {arguments.split!r}")
    report = evaluate(detector_factory(arguments.detector)(), examples)
    sys.stdout.write(format_report(report, show_errors=not arguments.quiet))
    return 0


if __name__ == "__main__":
    sys.exit(main())
