"""``python -m escalation.risk``: one message per line in, one JSON object per line out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(stdin: bytes, *arguments: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "escalation.risk", *arguments],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def output_lines(result: subprocess.CompletedProcess[bytes]) -> list[dict]:
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def test_each_line_gets_a_level_and_reasons() -> None:
    result = run_cli(b"I have the pills in front of me right now\nthis exam is killing me\n")
    assert result.returncode == 0
    imminent, idiom = output_lines(result)
    assert imminent["level"] == "imminent"
    assert {"means", "timeframe"} <= set(imminent["reasons"])
    assert idiom == {"level": "none", "reasons": []}


def test_third_party_is_only_written_when_true() -> None:
    result = run_cli(b"my friend wants to end her life\nme quiero morir\n")
    friend, own = output_lines(result)
    assert friend == {"level": "high", "reasons": ["ideation"], "third_party": True}
    assert "third_party" not in own


def test_empty_lines_are_level_none() -> None:
    result = run_cli(b"\n\r\n")
    assert output_lines(result) == [{"level": "none", "reasons": []}] * 2


def test_invalid_utf8_is_reported_on_stderr_and_the_other_lines_are_kept() -> None:
    result = run_cli(b"i want to die\n\xff\xfe broken\nkms\n")
    assert result.returncode == 1
    first, bad, last = output_lines(result)
    assert first["level"] == last["level"] == "high"
    assert bad == {"error": "invalid_utf8", "line": 2}
    assert b"line 2: not valid UTF-8" in result.stderr
    assert b"broken" not in result.stderr  # message text never reaches the error


def test_language_option_restricts_the_rules() -> None:
    result = run_cli(b"me quiero morir\n", "--language", "en")
    assert output_lines(result) == [{"level": "none", "reasons": []}]
