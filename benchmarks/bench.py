"""Benchmark iombrochure on the machine at hand, and print a table of figures against goals.

    python benchmarks/bench.py            # medians of 3 runs, a few minutes
    python benchmarks/bench.py --runs 5   # steadier medians
    python benchmarks/bench.py --quick    # one pass, no watch (a smoke test)

Both speed goals are printed as ratios measured in the same run, so that the machine's speed
cancels out: the default build (``--jobs`` = the cores, previews on, screen) against the floor
(importing WeasyPrint and rendering the same HTML in one process), at most 1.0; and watch (save
-> screen PDF) against a warm WeasyPrint render of that edition, at most 1.2. Beside them, for
the record and without goals: --jobs 1, the previews' share, the default build with the
standard library's ProcessPoolExecutor instead of the forked renderers, and the fact sheet's
layout against the former nested-flex layout (benchmarks/factsheet-flex.css). Each row
carries the one-minute load average when it was measured: other programs change every figure.

Everything runs on a scratch copy of this checkout's project in a temporary folder, with this
checkout's code (``src/`` first on PYTHONPATH), in fresh processes, as a user would run it:
byte-compiled, as pip leaves an installed package. The compiled files go to the scratch folder
(PYTHONPYCACHEPREFIX) and PYTHONDONTWRITEBYTECODE is lifted for the runs; otherwise, on a
machine that sets it, every run would compile iombrochure's modules again (0.06 s of a no-op
rebuild, more of a build), which no installed copy does.
Nothing here asserts: the figures, and docs/performance.md, say what is met.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
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
#: The fact sheet's former layout (nested flex rows), measured against styles/factsheet.css.
FLEX_LAYOUT = Path(__file__).resolve().parent / "factsheet-flex.css"
#: The build the issue measures: one core, the screen editions, previews on (the default).
BUILD = ("--force", "--jobs", "1", "--variant", "screen")
#: The default build: every core renders (no --jobs), previews on, the screen variant.
DEFAULT_BUILD = ("--force", "--variant", "screen")

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

#: The same floor, with WeasyPrint imported the way the build imports it (render.import_weasyprint
#: spares WeasyPrint's library search, 0.2 to 0.3 s): the build's own overhead, like for like.
FLOOR_SCRIPT_LIKE_THE_BUILD = (
    "from iombrochure.pipeline.render import import_weasyprint\nimport_weasyprint()\n"
    + FLOOR_SCRIPT
)

WARM_SCRIPT = textwrap.dedent(
    """
    import io, json, statistics, sys, time
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    # argv: JSON list of [name, html_path, options, stylesheet swap or null], and the run count.
    # Each is rendered once to warm up, then the runs interleave, so load hits all alike.
    work, runs = json.loads(sys.argv[1]), int(sys.argv[2])
    font_config = FontConfiguration()
    documents = []
    for name, html_path, options, swap in work:
        text = open(html_path, encoding="utf-8").read()
        if swap:
            text = text.replace(swap[0], swap[1])
        documents.append((name, text, html_path, options))
    def render(text, html_path, options):
        started = time.perf_counter()
        document = weasyprint.HTML(string=text, base_url=html_path).render(font_config=font_config)
        document.write_pdf(io.BytesIO(), **options)
        return time.perf_counter() - started
    times = {name: [] for name, *_ in documents}
    for _, text, html_path, options in documents:
        render(text, html_path, options)
    for _ in range(runs):
        for name, text, html_path, options in documents:
            times[name].append(render(text, html_path, options))
    print(json.dumps({name: statistics.median(values) for name, values in times.items()}))
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


#: What where_the_time_goes reads of the stamps, in the order of a build.
TIMELINE_STAGES = ("validated", "weasyprint", "editions", "last edition", "rendered", "written")
#: A build with its stages stamped, for "where the time goes". argv: a file to append the
#: stamps to (one JSON line each), then the CLI's arguments. time.perf_counter is one monotonic
#: clock for this process and the renderers it forks, so their stamps line up with its own.
TIMELINE_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    started = time.perf_counter()
    stamps = open(sys.argv[1], "a", buffering=1)  # a line at a time: nothing pending at a fork

    def stamp(event, **details):
        at = time.perf_counter() - started
        stamps.write(json.dumps({"event": event, "at": at, "pid": os.getpid(), **details}) + "\\n")

    from iombrochure.pipeline import build, render

    def stamped_after(module, name, event):
        function = getattr(module, name)
        def stamped(*args, **kwargs):
            result = function(*args, **kwargs)
            stamp(event)
            return result
        setattr(module, name, stamped)

    stamped_after(build, "validate_and_template", "validated")
    stamped_after(build, "render_jobs", "rendered")  # previews and proof sheets included
    stamped_after(build, "commit_build", "written")
    stamped_after(render, "import_weasyprint", "weasyprint")  # here, or in the lead renderer
    render_edition = render.Renderer.render

    def timed_render(self, **kwargs):
        began = time.perf_counter()
        result = render_edition(self, **kwargs)
        stamp("edition", seconds=time.perf_counter() - began)
        return result

    render.Renderer.render = timed_render
    from iombrochure.cli import main
    try:
        main(sys.argv[2:])
    except SystemExit as exit:
        if exit.code:
            raise
    """
)


def with_jobs(jobs: int) -> tuple[str, ...]:
    """The same build with ``jobs`` rendering processes."""
    return (*BUILD[:2], str(jobs), *BUILD[3:])


class Bench:
    def __init__(self, scratch: Path, runs: int) -> None:
        self.project = scratch / "project"
        self.runs = runs
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO / "src"),
            "PYTHONPYCACHEPREFIX": str(scratch / "pycache"),
        }
        self.env.pop("IOMBROCHURE_START_METHOD", None)
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.rows: list[tuple[str, str, str, str, str]] = []
        self.html: dict[str, list] = {}
        #: Medians of full_build_against_floor, for where_the_time_goes.
        self.figures: dict[str, float] = {}

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
        load = f"{os.getloadavg()[0]:.2f}"
        self.rows.append((name, value, goal, verdict, load))
        print(
            f"  {name}: {value}"
            + (f" (goal {goal}: {verdict})" if goal else "")
            + f" [load {load}]",
            flush=True,
        )

    def ratio(self, name: str, value: float, limit: float) -> None:
        self.row(name, f"{value:.2f}", f"<= {limit:.2f}", value <= limit)

    def warm_renders(self, work: list[list], runs: int) -> dict[str, float]:
        """Median seconds of each warm WeasyPrint render (one process, one FontConfiguration)."""
        done = self.run(sys.executable, "-c", WARM_SCRIPT, json.dumps(work), str(runs))
        return json.loads(done.stdout)

    def screen_html(self) -> dict[str, list]:
        """Each screen edition's emitted HTML and PDF options, by "<doc>-<lang>"."""
        dist = self.project / "dist"
        state = json.loads((dist / ".iombrochure-state.json").read_text())["outputs"]
        return {
            key.split("/")[0] + "-" + key.split("/")[1]: [
                str(dist / record["html"]),
                json.loads(record["pdf_options"]),
            ]
            for key, record in state.items()
            if key.endswith("/screen") and record.get("html")
        }

    def build(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.cli("build", "--project", str(self.project), *args, env=env)

    # -- measurements -----------------------------------------------------------------------

    def full_build_against_floor(self) -> None:
        self.build(*BUILD, "--emit-html")  # warms the disk cache, writes the HTML
        self.html = self.screen_html()  # the builds below leave it in place
        # The floor renders every PDF the build makes (the screen editions), from the same HTML.
        work = list(self.html.values())
        # Interleaved, so that a change in the machine's load hits every figure alike.
        floors, likes, ones, bare, defaults, executors = [], [], [], [], [], []
        executor = {**self.env, "IOMBROCHURE_RENDER_POOL": "executor"}
        for _ in range(self.runs):
            floors.append(
                self.timed(lambda: self.run(sys.executable, "-c", FLOOR_SCRIPT, json.dumps(work)))
            )
            likes.append(
                self.timed(
                    lambda: self.run(
                        sys.executable, "-c", FLOOR_SCRIPT_LIKE_THE_BUILD, json.dumps(work)
                    )
                )
            )
            ones.append(self.timed(lambda: self.build(*BUILD)))
            bare.append(self.timed(lambda: self.build(*BUILD, "--no-preview")))
            defaults.append(self.timed(lambda: self.build(*DEFAULT_BUILD)))
            executors.append(self.timed(lambda: self.build(*DEFAULT_BUILD, env=executor)))
        floor, one, without, default, stdlib = (
            statistics.median(t) for t in (floors, ones, bare, defaults, executors)
        )
        cores = len(os.sched_getaffinity(0))
        self.figures = {"floor": floor, "jobs 1": one, "jobs 2": default}
        self.row(
            "floor: import WeasyPrint + render the same HTML, one FontConfiguration",
            f"{floor:.2f} s",
        )
        self.row(
            f"default build {' '.join(DEFAULT_BUILD)} ({cores} renderers, previews on)",
            f"{default:.2f} s",
        )
        self.ratio("default build / floor", default / floor, 1.0)
        self.row(
            "  the same with ProcessPoolExecutor (IOMBROCHURE_RENDER_POOL=executor); "
            "forked renderers / it",
            f"{stdlib:.2f} s; {default / stdlib:.2f}",
        )
        self.row(f"build {' '.join(BUILD)} (previews on)", f"{one:.2f} s")
        self.row("  the same with --no-preview", f"{without:.2f} s")
        self.row("  --jobs 1 with previews / floor", f"{one / floor:.2f}")
        like = statistics.median(likes)
        # Not a goal: the floor as written imports WeasyPrint the slow way, and the build no
        # longer does; this row shows what the build adds over the same import.
        self.row(
            "  floor with WeasyPrint imported as the build does; build with previews / it",
            f"{like:.2f} s; {one / like:.2f}",
        )
        self.row(
            "  previews' share of --jobs 1 ((with - without) / with)",
            f"{max(0.0, one - without) / one:.2f}",
        )
        self.row(f"  default build ({cores} renderers) / --jobs 1", f"{default / one:.2f}")

    def where_the_time_goes(self) -> None:
        """Stage by stage, --jobs 1 and --jobs 2: where each build's time goes
        (docs/performance.md)."""
        runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
        for index in range(self.runs):
            for jobs in (1, 2):  # interleaved, as the builds above
                stamps_file = self.project.parent / f"stamps-{jobs}-{index}.jsonl"
                self.run(
                    sys.executable,
                    "-c",
                    TIMELINE_SCRIPT,
                    str(stamps_file),
                    "build",
                    "--project",
                    str(self.project),
                    *with_jobs(jobs),
                )
                stamps = [json.loads(line) for line in stamps_file.read_text().splitlines()]
                at = {s["event"]: s["at"] for s in stamps if s["event"] != "edition"}
                editions = [s for s in stamps if s["event"] == "edition"]
                if editions:  # none stamped where the renderers are spawned
                    at["editions"] = sum(s["seconds"] for s in editions)
                    at["last edition"] = max(s["at"] for s in editions)
                runs[jobs].append(at)
        # A stage no run stamped (renderers spawned, not forked, see no patched code) is NaN.
        one, two = (
            {
                key: statistics.median(run.get(key, math.nan) for run in runs[jobs])
                for key in TIMELINE_STAGES
            }
            for jobs in (1, 2)
        )
        self.row(
            "  --jobs 1, stage by stage (from the start of the CLI)",
            f"validated {one['validated']:.2f} s, WeasyPrint imported {one['weasyprint']:.2f} s, "
            f"the editions {one['editions']:.2f} s of rendering, last one done "
            f"{one['last edition']:.2f} s, previews done {one['rendered']:.2f} s, "
            f"written {one['written']:.2f} s",
        )
        warm = self.warm_renders(
            [[name, path, options, None] for name, (path, options) in self.html.items()],
            max(self.runs, 5),
        )
        total = sum(warm.values())
        best_split = min(
            max(sum(part), total - sum(part))
            for size in range(len(warm) + 1)
            for part in itertools.combinations(warm.values(), size)
        )
        self.row(
            "  --jobs 2, stage by stage",
            f"validated {two['validated']:.2f} s, WeasyPrint in the lead renderer "
            f"{two['weasyprint']:.2f} s, the editions {two['editions']:.2f} s of rendering "
            f"between the renderers (warm in one process: {total:.2f} s, best split in two "
            f"{best_split:.2f} s), last one done {two['last edition']:.2f} s, "
            f"written {two['written']:.2f} s",
        )

    def layout(self) -> None:
        """The fact sheet as it is against the former nested-flex layout, warm, both languages."""
        html = self.html
        swap = ['href="styles/factsheet.css"', f'href="{FLEX_LAYOUT.as_uri()}"']
        work = []
        for lang in ("en", "fa"):
            path, options = html[f"factsheet-{lang}"]
            if swap[0] not in Path(path).read_text(encoding="utf-8"):
                raise SystemExit(f"{path} does not link {swap[0]}")
            work += [[f"{lang} floats", path, options, None], [f"{lang} flex", path, options, swap]]
        times = self.warm_renders(work, max(self.runs, 5))
        for lang in ("en", "fa"):
            now, before = times[f"{lang} floats"], times[f"{lang} flex"]
            self.row(
                f"fact sheet ({lang}) warm render: flex layout -> floats",
                f"{before:.2f} -> {now:.2f} s",
            )
            self.ratio(f"  fact sheet ({lang}) layout: floats / flex", now / before, 0.70)

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
        self.build(*BUILD, "--emit-html")
        html_path, options = self.screen_html()["factsheet-fa"]
        content = self.project / "content" / "fa" / "factsheet.yaml"
        dist = self.project / "dist"
        pdf, follower = dist / "factsheet-fa.pdf", dist / "print" / "factsheet-fa.pdf"
        original = content.read_text(encoding="utf-8")
        # The warm render is measured before and after the saves, so that a change in the
        # machine's speed while the watcher runs does not fall on one side of the ratio only.
        warm_before = self.warm_renders([["warm", html_path, options, None]], max(self.runs, 5))
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

        def digest(path: Path) -> str:
            try:
                return hashlib.sha256(path.read_bytes()).hexdigest()
            except FileNotFoundError:
                return ""

        def with_word(word: str) -> str:
            """The fact sheet's content with ``word`` in front of its lede."""
            return original.replace("lede: >-\n  ", f"lede: >-\n  {word} ", 1)

        def settle(path: Path, before: str, started: float) -> None:
            while digest(path) == before:
                if time.perf_counter() > started + 120:
                    raise SystemExit("watch did not rebuild:\n" + "\n".join(lines))
                time.sleep(0.005)

        threading.Thread(target=read, daemon=True).start()
        try:
            if not ready.wait(TIMEOUT):
                raise SystemExit("watch did not start:\n" + "\n".join(lines))
            settle(follower, "", time.perf_counter())  # the first round's print editions
            times = []
            for index in range(self.runs):
                time.sleep(1.0)  # the previous round's print edition and previews are done
                before, after = digest(pdf), digest(follower)
                word = WATCH_WORDS[index % len(WATCH_WORDS)]
                edited = with_word(word)
                started = time.perf_counter()
                content.write_text(edited, encoding="utf-8")
                settle(pdf, before, started)
                times.append(time.perf_counter() - started)
                settle(follower, after, started)
            # A second save while the first save's print edition still renders in the worker:
            # the screen edition is rendered in the watcher's own process, not queued.
            busy_times = []
            for index in range(self.runs):
                time.sleep(1.0)
                # Counting on from the saves above, so that no save repeats the one before it.
                first = WATCH_WORDS[(self.runs + 2 * index) % len(WATCH_WORDS)]
                second = WATCH_WORDS[(self.runs + 2 * index + 1) % len(WATCH_WORDS)]
                before, after = digest(pdf), digest(follower)
                started = time.perf_counter()
                content.write_text(with_word(first), encoding="utf-8")
                settle(pdf, before, started)
                before = digest(pdf)
                started = time.perf_counter()
                content.write_text(with_word(second), encoding="utf-8")
                settle(pdf, before, started)
                busy_times.append(time.perf_counter() - started)
                settle(follower, after, started)
                time.sleep(2.0)  # both rounds' print editions and previews
        finally:
            process.terminate()
            process.wait(timeout=30)
            content.write_text(original, encoding="utf-8")
        seconds = statistics.median(times)
        warm_after = self.warm_renders([["warm", html_path, options, None]], max(self.runs, 5))
        warm = (warm_before["warm"] + warm_after["warm"]) / 2
        self.row(
            "watch: save content/fa/factsheet.yaml -> new factsheet-fa.pdf",
            f"{seconds:.2f} s (each save: {', '.join(f'{t:.2f}' for t in times)})",
        )
        self.row(
            "warm WeasyPrint render of factsheet-fa (one process, HTML at hand; before and "
            "after the saves)",
            f"{warm:.2f} s ({warm_before['warm']:.2f}, {warm_after['warm']:.2f})",
        )
        self.ratio("watch save -> screen PDF / warm render", seconds / warm, 1.2)
        busy = statistics.median(busy_times)
        self.row(
            "watch: a second save while the first one's print edition renders -> new PDF",
            f"{busy:.2f} s, {busy / warm:.2f} x the warm render "
            f"(each: {', '.join(f'{t:.2f}' for t in busy_times)})",
        )
        reported = [line for line in lines if " rebuilt " in line and "print/" not in line][-1:]
        if reported:  # "12:00:01 rebuilt /tmp/.../factsheet-fa.pdf in 1.38 s (content/...)"
            said = reported[0].split(" in ", 1)[1].split(" (")[0]
            self.row("  as the watcher reports it (last save): rebuild in", said)

    def sizes(self) -> None:
        self.build("--jobs", "1")  # the print editions too; the screen ones are up to date
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
    parser.add_argument("--quick", action="store_true", help="skip watch mode")
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
        bench.run(sys.executable, "-m", "compileall", "-q", str(REPO / "src"), env=bench.env)
        bench.startup()
        bench.full_build_against_floor()
        bench.where_the_time_goes()
        bench.layout()
        if not options.quick:
            bench.watch()
        bench.no_op()
        bench.sizes()
    finally:
        if not options.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print()
    for line in about:
        print(f"- {line}")
    print(f"- load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("| measurement | figure | goal | met | load |")
    print("|---|---|---|---|---|")
    for name, value, goal, met, load in bench.rows:
        print(f"| {name.strip()} | {value} | {goal} | {met} | {load} |")


if __name__ == "__main__":
    main()
