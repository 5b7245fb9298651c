"""`make audit`: known vulnerabilities in the installed dependencies, and risky code.

pip-audit asks a vulnerability database (PyPI's JSON API) about every
installed package. A package it could not look up is NOT a pass: when the
database is unreachable (no internet), pip-audit itself reports "No known
vulnerabilities found" while auditing nothing, so this script counts the
skipped packages and fails with a sentence saying so.

bandit scans our own code; any high-severity finding fails. Accepted lower
findings are listed, with reasons, in pyproject.toml's [tool.bandit].
"""

from __future__ import annotations

import json
import subprocess
import sys

SOURCES = ["chatplatform", "moderation", "escalation", "evaluation", "frontend"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # Fixed arguments, our own interpreter: nothing here comes from input.
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", *args], capture_output=True, text=True, check=False, timeout=600
    )


def pip_audit() -> bool:
    result = run(
        "pip_audit", "--skip-editable", "--progress-spinner", "off", "--timeout", "15",
        "--format", "json",
    )  # fmt: skip
    try:
        report = json.loads(result.stdout)
    except ValueError:
        last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"pip-audit FAILED: it could not reach its vulnerability database ({last_line}).")
        return False
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if "skip_reason" in d]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            print(
                f"  {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixes})"
            )
    if skipped:
        print(
            f"pip-audit FAILED: {len(skipped)} of {len(dependencies)} packages could not be "
            "checked, so this is not a pass. The vulnerability database (PyPI's JSON API) is "
            "probably unreachable from this machine; run `make audit` where it is reachable."
        )
        return False
    if vulnerable:
        print(f"pip-audit FAILED: {len(vulnerable)} packages have known vulnerabilities.")
        return False
    print(f"pip-audit passed: {len(dependencies)} packages, no known vulnerabilities.")
    return True


def bandit() -> bool:
    result = run("bandit", "-q", "-c", "pyproject.toml", "-r", *SOURCES, "--severity-level", "high")
    if result.returncode == 0:
        print("bandit passed: no high-severity findings.")
        return True
    print(result.stdout + result.stderr)
    print("bandit FAILED: high-severity findings above.")
    return False


def main() -> int:
    results = [pip_audit(), bandit()]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
