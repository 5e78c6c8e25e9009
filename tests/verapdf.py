"""veraPDF, the PDF Association's PDF/A and PDF/UA validator, for the tests.

It is not part of the project: the tests look for it at ``../shared/tools/verapdf/verapdf``
beside the checkout (override with ``IOMBROCHURE_VERAPDF``) and skip, saying why, where it or
Java is missing. One call validates many files in one Java process (about 3 s a file).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

VERAPDF = Path(
    os.environ.get(
        "IOMBROCHURE_VERAPDF",
        Path(__file__).resolve().parents[1].parent / "shared" / "tools" / "verapdf" / "verapdf",
    )
)


@dataclass
class Verdict:
    """One file's result: whether it complies, and the rules it fails (clause, test, text)."""

    name: str
    compliant: bool
    failed_rules: list[str] = field(default_factory=list)


def skip_reason() -> str | None:
    """Why veraPDF cannot run here, or None when it can."""
    if not VERAPDF.is_file():
        return f"veraPDF not found at {VERAPDF} (set IOMBROCHURE_VERAPDF)"
    if shutil.which("java") is None:
        return "veraPDF needs Java: apt-get install openjdk-17-jre-headless"
    return None


def validate(profile: str, files: list[Path]) -> dict[str, Verdict]:
    """Validate ``files`` against ``profile`` (ua1, 3b, 2b, ...); skips the test if it can't."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    assert files, "no PDF to validate"
    done = subprocess.run(
        [str(VERAPDF), profile, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60 + 20 * len(files),
    )
    if done.returncode == 2:
        raise AssertionError(f"veraPDF made no report:\n{done.stdout}\n{done.stderr}")
    verdicts: dict[str, Verdict] = {}
    current: Verdict | None = None
    for line in done.stdout.splitlines():
        if line.startswith(("PASS ", "FAIL ")):
            name = Path(line[5:].split("  [", 1)[0]).name
            current = verdicts[name] = Verdict(name=name, compliant=line.startswith("PASS"))
        elif line.startswith("ERROR "):
            raise AssertionError(f"veraPDF could not read a file: {line}")
        elif current is not None and line.startswith("    ") and not line.startswith("        "):
            current.failed_rules.append(line.strip())
    missing = {path.name for path in files} - set(verdicts)
    assert not missing, f"veraPDF reported nothing for {sorted(missing)}:\n{done.stdout}"
    return verdicts


def assert_compliant(profile: str, files: list[Path]) -> None:
    """Fail with every failed rule of every file that does not comply with ``profile``."""
    failures = {
        name: verdict.failed_rules
        for name, verdict in validate(profile, files).items()
        if not verdict.compliant
    }
    assert not failures, f"veraPDF {profile}: " + "; ".join(
        f"{name}: {' | '.join(rules)}" for name, rules in failures.items()
    )
