"""Peak memory of `mail compose`, the first time and composing again, for a large partner list.

Usage: python benchmarks/mail_memory.py [--partners 10000]

Builds a scratch copy of the bundled project once, writes a CSV of N partners (half English,
half Persian), then runs `iombrochure mail compose` twice in fresh processes into the same
outbox: the second run reads back every earlier message to reuse its Message-ID and to tell
"unchanged" from "changed", which is where memory used to grow with the outbox. Each figure is
the process's peak resident set (ru_maxrss of the child), as the operating system counts it.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("iombrochure.toml", "content", "templates", "styles", "fonts", "locales", "images")


def cli(project: Path, *args: str) -> tuple[float, float, str]:
    """Run the CLI in a fresh process: (peak MB, seconds, its last line)."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("IOMBROCHURE_UNSUBSCRIBE_SECRET", None)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "iombrochure", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(process.pid, 0)
    out, err = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"iombrochure {' '.join(args)} failed:\n{err}")
    last = (out.strip().splitlines() or [""])[-1]
    return usage.ru_maxrss / 1024, time.monotonic() - started, last


def write_partners(path: Path, count: int) -> None:
    lines = ["email,name,organization,lang"]
    for number in range(count):
        if number % 2:
            lines.append(f"partner{number}@example.org,Partner {number},Organization {number},en")
        else:
            lines.append(f"hamkar{number}@example.ir,همکار {number},سازمان {number},fa")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partners", type=int, default=10_000)
    count = parser.parse_args().partners
    with tempfile.TemporaryDirectory(prefix="iombrochure-mail-") as scratch:
        project = Path(scratch) / "project"
        project.mkdir()
        for part in PROJECT_PARTS:
            source = REPO / part
            if source.is_dir():
                shutil.copytree(source, project / part)
            elif source.is_file():
                shutil.copy2(source, project / part)
        cli(
            project,
            "build",
            "--doc",
            "factsheet",
            "--variant",
            "screen",
            "--no-preview",
            "--jobs",
            "1",
        )
        csv = project / "partners.csv"
        write_partners(csv, count)
        args = ("mail", "compose", "--recipients", str(csv), "--campaign", "introduction")
        first = cli(project, *args)
        second = cli(project, *args)
        outbox = sum(p.stat().st_size for p in (project / "outbox").rglob("*.eml"))
    print(f"{count} partners, outbox {outbox / 1024 / 1024:.0f} MB on disk")
    print(f"first compose:  peak {first[0]:.0f} MB, {first[1]:.0f} s  ({first[2]})")
    print(f"second compose: peak {second[0]:.0f} MB, {second[1]:.0f} s  ({second[2]})")
    print(
        f"this process (for scale): peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
