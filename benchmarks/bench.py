"""Benchmark iombrochure on the machine at hand, and print a table of figures against goals.

    python benchmarks/bench.py            # medians of 3 runs, a few minutes
    python benchmarks/bench.py --runs 5   # steadier medians
    python benchmarks/bench.py --quick    # one pass, fewest measurements (a smoke test)

Everything runs on a scratch copy of this checkout's project in a temporary folder, with this
checkout's code (``src/`` first on PYTHONPATH), in fresh processes, as a user would run it.
Nothing here asserts: the figures, and docs/performance.md, say what is met.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("iombrochure.toml", "content", "templates", "styles", "fonts", "locales", "images")
#: Size budgets of screen PDFs, in KB, by document.
SIZE_BUDGETS_KB = {"factsheet": 150, "brochure": 600}
#: Persian words swapped into the fact sheet's lede, one per watch measurement.
WATCH_WORDS = ("پژوهشگران", "همکاران", "مهاجران", "خانواده‌ها", "دانشجویان", "کارگران")
TIMEOUT = 900

FLOOR_SCRIPT = textwrap.dedent(
    """
    import io, json, sys
    from pathlib import Path
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    cache = {}
    for html_path, options in json.loads(sys.argv[1]):
        document = weasyprint.HTML(filename=html_path).render(font_config=font_config, cache=cache)
        document.write_pdf(io.BytesIO(), **options)
    """
)

MEMORY_SCRIPT = textwrap.dedent(
    """
    import resource, subprocess, sys
    done = subprocess.run(sys.argv[1:], capture_output=True)
    if done.returncode:
        sys.exit(done.stderr.decode())
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    """
)

IMPORTS_SCRIPT = textwrap.dedent(
    """
    import sys
    from iombrochure.cli import main
    try:
        main(sys.argv[1:])
    except SystemExit as exit:
        if exit.code:
            raise
    print("weasyprint imported:", "weasyprint" in sys.modules, file=sys.stderr)
    """
)

VALIDATION_SCRIPT = textwrap.dedent(
    """
    import sys, time
    started = time.perf_counter()
    from iombrochure.pipeline.config import load_project
    project = load_project(sys.argv[1])
    configured = time.perf_counter()
    from iombrochure.pipeline.content import load_content
    imported = time.perf_counter()
    load_content(project)
    done = time.perf_counter()
    print(configured - started, imported - configured, done - imported)
    """
)


class Bench:
    def __init__(self, scratch: Path, runs: int) -> None:
        self.project = scratch / "project"
        self.runs = runs
        self.env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        self.env.pop("IOMBROCHURE_START_METHOD", None)
        self.rows: list[tuple[str, str, str, str]] = []

    # -- running things ---------------------------------------------------------------------

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run(
            args, capture_output=True, text=True, env=env or self.env, timeout=TIMEOUT
        )
        if done.returncode != 0:
            raise SystemExit(f"failed: {' '.join(args)}\n{done.stderr}")
        return done

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "iombrochure", *args, env=env)

    def timed(self, action: Callable[[], object]) -> float:
        started = time.perf_counter()
        action()
        return time.perf_counter() - started

    def median(self, action: Callable[[], object], runs: int | None = None) -> float:
        return statistics.median(self.timed(action) for _ in range(runs or self.runs))

    def row(self, name: str, value: str, goal: str = "", met: bool | None = None) -> None:
        verdict = "" if met is None else ("yes" if met else "**no**")
        self.rows.append((name, value, goal, verdict))
        print(f"  {name}: {value}" + (f" (goal {goal}: {verdict})" if goal else ""), flush=True)

    def build(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.cli("build", "--project", str(self.project), *args, env=env)

    # -- measurements -----------------------------------------------------------------------

    def full_build_against_floor(self) -> None:
        self.build("--force", "--jobs", "1", "--emit-html")  # warms the disk cache, writes HTML
        dist = self.project / "dist"
        state = json.loads((dist / ".iombrochure-state.json").read_text())["outputs"]
        # The floor renders every PDF the build makes (screen and print), from the same HTML.
        work = [
            [str(dist / record["html"]), json.loads(record["pdf_options"])]
            for record in state.values()
        ]
        # Interleaved, so that a change in the machine's load hits all three alike.
        floors, ones, twos = [], [], []
        for _ in range(self.runs):
            floors.append(
                self.timed(lambda: self.run(sys.executable, "-c", FLOOR_SCRIPT, json.dumps(work)))
            )
            # Previews are not WeasyPrint's work: they are measured on their own below.
            ones.append(self.timed(lambda: self.build("--force", "--jobs", "1", "--no-preview")))
            twos.append(self.timed(lambda: self.build("--force", "--jobs", "2", "--no-preview")))
        floor, one, two = (statistics.median(times) for times in (floors, ones, twos))
        self.row("full build, cold process, --jobs 1 --force", f"{one:.2f} s")
        self.row(
            "floor: import WeasyPrint + render the same HTML, one FontConfiguration",
            f"{floor:.2f} s",
        )
        self.row("build / floor", f"{one / floor:.2f}", "<= 1.15", one / floor <= 1.15)
        self.row("full build, --jobs 2 --force", f"{two:.2f} s")
        self.row("--jobs 2 / --jobs 1", f"{two / one:.2f}", "<= 0.65", two / one <= 0.65)
        previews = self.median(lambda: self.cli("preview", "--project", str(self.project)))
        self.row(
            "previews: every page as PNG + proof sheets (iombrochure preview)", f"{previews:.2f} s"
        )

    def start_methods(self) -> None:
        for method in ("fork", "forkserver", "spawn"):
            env = {**self.env, "IOMBROCHURE_START_METHOD": method}
            seconds = self.median(lambda env=env: self.build("--force", "--jobs", "2", env=env))
            self.row(f"--jobs 2 with {method} workers", f"{seconds:.2f} s")

    def no_op(self) -> None:
        self.build()  # settle: the state matches the files
        seconds = self.median(lambda: self.build(), runs=max(self.runs, 5))
        self.row("no-op rebuild", f"{seconds:.2f} s", "<= 0.3 s", seconds <= 0.3)
        done = self.run(
            sys.executable, "-c", IMPORTS_SCRIPT, "build", "--project", str(self.project)
        )
        imported = "weasyprint imported: True" in done.stderr
        self.row("no-op imports WeasyPrint", "yes" if imported else "no", "no", not imported)
        parts = [
            [
                float(x)
                for x in self.run(
                    sys.executable, "-c", VALIDATION_SCRIPT, str(self.project)
                ).stdout.split()
            ]
            for _ in range(max(self.runs, 3))
        ]
        config, imports, validate = (
            statistics.median(column) for column in zip(*parts, strict=True)
        )
        self.row(
            "  of which: config / import content stage / validate content",
            f"{config * 1000:.0f} / {imports * 1000:.0f} / {validate * 1000:.0f} ms",
        )

    def startup(self) -> None:
        bare = self.median(lambda: self.run(sys.executable, "-c", "pass"), runs=max(self.runs, 5))
        helps = self.median(lambda: self.cli("--help"), runs=max(self.runs, 5))
        self.row("python -c pass (interpreter start, for scale)", f"{bare:.2f} s")
        self.row("iombrochure --help", f"{helps:.2f} s", "<= 0.3 s", helps <= 0.3)

    def watch(self) -> None:
        content = self.project / "content" / "fa" / "factsheet.yaml"
        pdf = self.project / "dist" / "factsheet-fa.pdf"
        original = content.read_text(encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "iombrochure", "watch", "--project", str(self.project)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
        )
        lines: list[str] = []
        ready = threading.Event()

        def read() -> None:
            for line in process.stdout:
                lines.append(line.rstrip())
                if line.startswith("watching"):
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        try:
            if not ready.wait(TIMEOUT):
                raise SystemExit("watch did not start:\n" + "\n".join(lines))
            times = []
            for index in range(self.runs):
                time.sleep(0.5)
                before = hashlib.sha256(pdf.read_bytes()).hexdigest()
                word = WATCH_WORDS[index % len(WATCH_WORDS)]
                edited = original.replace("lede: >-\n  ", f"lede: >-\n  {word} ", 1)
                started = time.perf_counter()
                content.write_text(edited, encoding="utf-8")
                deadline = started + 120
                while hashlib.sha256(pdf.read_bytes()).hexdigest() == before:
                    if time.perf_counter() > deadline:
                        raise SystemExit("watch did not rebuild:\n" + "\n".join(lines))
                    time.sleep(0.005)
                times.append(time.perf_counter() - started)
        finally:
            process.terminate()
            process.wait(timeout=30)
            content.write_text(original, encoding="utf-8")
        seconds = statistics.median(times)
        self.row(
            "watch: save content/fa/factsheet.yaml -> new factsheet-fa.pdf",
            f"{seconds:.2f} s",
            "<= 0.4 s",
            seconds <= 0.4,
        )
        reported = [line for line in lines if " rebuilt " in line][-1:]
        if reported:  # "12:00:01 rebuilt /tmp/.../factsheet-fa.pdf in 1.38 s, previews in ..."
            said = reported[0].split(" in ", 1)[1].split(" (")[0]
            self.row("  as the watcher reports it (last save): rebuild in", said)

    def sizes_and_memory(self) -> None:
        self.build("--force", "--jobs", "1")
        manifest = json.loads((self.project / "dist" / "manifest.json").read_text())["outputs"]
        for entry in manifest:
            if entry["variant"] != "screen":
                continue
            kb = entry["bytes"] / 1024
            budget = SIZE_BUDGETS_KB.get(entry["document"])
            self.row(
                f"size of {entry['path']}",
                f"{kb:.0f} KB",
                f"<= {budget} KB" if budget else "",
                kb <= budget if budget else None,
            )
        for jobs in ("1", "2"):
            peak = self.run(
                sys.executable,
                "-c",
                MEMORY_SCRIPT,
                *(sys.executable, "-m", "iombrochure", "build", "--force", "--jobs", jobs),
                *("--project", str(self.project)),
            ).stdout.split()[-1]
            self.row(
                f"peak memory of one process, full build --jobs {jobs}",
                f"{int(peak) / 1024:.0f} MB",
            )


def machine() -> list[str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    probe = (
        "import weasyprint\n"
        "from weasyprint.text.ffi import pango, harfbuzz_subset\n"
        "v = pango.pango_version()\n"
        "print(weasyprint.__version__, f'{v // 10000}.{v // 100 % 100}.{v % 100}',"
        " harfbuzz_subset is not None)"
    )
    weasy, pango, subset = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"CPU: {model}, {usable} usable core(s) of {os.cpu_count()}",
        f"Python {platform.python_version()}, WeasyPrint {weasy}, Pango {pango}, "
        f"hb-subset {'present' if subset == 'True' else 'absent'}",
        f"load average at start: {load}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median); default 3")
    parser.add_argument(
        "--quick", action="store_true", help="skip the start-method comparison and watch"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch project")
    options = parser.parse_args()

    print("machine:")
    about = machine()
    for line in about:
        print(f"  {line}")
    scratch = Path(tempfile.mkdtemp(prefix="iombrochure-bench-"))
    try:
        for part in PROJECT_PARTS:
            source = REPO / part
            if source.is_dir():
                shutil.copytree(source, scratch / "project" / part)
            elif source.is_file():
                (scratch / "project").mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, scratch / "project" / part)
        bench = Bench(scratch, max(1, options.runs))
        print(f"measuring (median of {bench.runs} run(s)) in {scratch}:")
        bench.startup()
        bench.full_build_against_floor()
        if not options.quick:
            bench.start_methods()
        bench.no_op()
        if not options.quick:
            bench.watch()
        bench.sizes_and_memory()
    finally:
        if not options.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print()
    for line in about:
        print(f"- {line}")
    print(f"- load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("| measurement | figure | goal | met |")
    print("|---|---|---|---|")
    for name, value, goal, met in bench.rows:
        print(f"| {name.strip()} | {value} | {goal} | {met} |")


if __name__ == "__main__":
    main()
