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


def test_each_line_gets_a_level_reasons_score_and_who() -> None:
    result = run_cli(b"I have the pills in front of me right now\nthis exam is killing me\n")
    assert result.returncode == 0
    imminent, idiom = output_lines(result)
    assert imminent["level"] == "imminent"
    assert {"means", "timeframe"} <= set(imminent["reasons"])
    assert imminent["who"] == "self"
    assert 0.5 < imminent["score"] <= 1
    assert idiom["level"] == "none"
    assert idiom["reasons"] == []
    assert idiom["who"] == "self"
    assert 0 <= idiom["score"] < 0.5


def test_who_names_a_third_party_and_third_party_is_only_written_when_true() -> None:
    result = run_cli(b"my friend wants to end her life\nme quiero morir\n")
    friend, own = output_lines(result)
    assert friend["level"] == "high"
    assert friend["who"] == "other"
    assert friend["third_party"] is True
    assert own["who"] == "self"
    assert "third_party" not in own


def test_a_song_quoted_is_who_quoted_and_no_alert() -> None:
    result = run_cli(b"the song is about a girl who wants to die, I love the chorus\n")
    (quoted,) = output_lines(result)
    assert quoted["who"] == "quoted"
    assert quoted["level"] == "none"


def test_empty_lines_are_level_none() -> None:
    result = run_cli(b"\n\r\n")
    assert (
        output_lines(result) == [{"level": "none", "reasons": [], "score": None, "who": "self"}] * 2
    )


def test_invalid_utf8_is_reported_on_stderr_and_the_other_lines_are_kept() -> None:
    result = run_cli(b"i want to die\n\xff\xfe broken\nkms\n")
    assert result.returncode == 1
    first, bad, last = output_lines(result)
    assert first["level"] == last["level"] == "high"
    assert bad == {"error": "invalid_utf8", "line": 2}
    assert b"line 2: not valid UTF-8" in result.stderr
    assert b"broken" not in result.stderr  # message text never reaches the error


def test_language_option_restricts_the_rules() -> None:
    spanish, english = (
        output_lines(run_cli(b"me quiero morir\n", "--language", language))[0]
        for language in ("es", "en")
    )
    assert "ideation" in spanish["reasons"]
    assert "ideation" not in english["reasons"]
