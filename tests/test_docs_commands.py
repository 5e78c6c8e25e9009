"""The docs are tests: every shell command in README.md and docs/*.md runs, as written.

What counts as a command: each line of a fenced ```sh, ```bash or ```shell block (a line ending
with ``\\`` goes on with the next; ``#`` comments are the shell's own), and in a ```console block
each ``$ `` line, the other lines being the output shown. Commands in tables (``iombrochure new
DIR [--languages en,fa,ps]``, ``mail send`` options) are a reference of what can be typed, with
placeholders and optional parts, not commands to copy: they are not run; nor are commands quoted
inline in prose. The blocks are read from the doc files when the tests are collected, so a doc
edit that breaks a command fails here.

Where each block runs, as the docs imply: a block that starts with ``iombrochure new`` runs in
an empty folder (a new user's); every other block in "the project folder": one fresh copy of the
checkout's files (``git ls-files``) shared by the blocks of this module, in document order, with
``../shared`` beside it as in the office's layout (docs/accessibility.md's veraPDF). A file a
command names that the project lacks but a doc shows (partners.csv in docs/mail.md) is written
from that doc first. Each command runs in its own bash from the block's folder (a ``cd`` lasts
for its line, as the docs write ``cd DIR && ...``) and must exit 0: no doc shows a failing
command.

A command that cannot run here (system packages, a virtual environment, real mail, minutes of
benchmark) is marked in the doc right before its block with ``<!-- doc-test: skip (why) -->``;
each such block is one skipped case here, so ``pytest -ra`` lists them with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, pdf_text

DOCS = ["README.md", *sorted(p.relative_to(REPO).as_posix() for p in REPO.glob("docs/*.md"))]
SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)\s*$")
MARK = re.compile(r"^\s*<!--\s*doc-test:\s*(?P<what>.*?)\s*-->\s*$")
SKIP = re.compile(r"^skip \((?P<reason>.+)\)$")
#: Files a command names that the project does not hold, and the doc block that shows them.
SHOWN_FILES = {"partners.csv": ("docs/mail.md", "csv")}
VERAPDF = "../shared/tools/verapdf/verapdf"


@dataclass(frozen=True)
class Block:
    """One fenced block of a doc: where it is, its language, its text and its doc-test mark."""

    doc: str
    line: int
    lang: str
    text: str
    mark: str | None

    @property
    def commands(self) -> list[str]:
        """The block's commands; a console block's output lines are left out."""
        lines = self.text.splitlines()
        if self.lang == "console":
            lines = _prompted(lines)
        commands: list[str] = []
        pending = ""
        for line in lines:
            pending += line
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            if pending.strip() and not pending.lstrip().startswith("#"):
                commands.append(pending.strip())
            pending = ""
        return commands

    @property
    def skip_reason(self) -> str | None:
        if self.mark is None:
            return None
        skip = SKIP.match(self.mark)
        if not skip:
            raise ValueError(f"{self.doc}:{self.line}: unknown doc-test mark {self.mark!r}")
        return skip.group("reason")


def _prompted(lines: list[str]) -> list[str]:
    """A console block's command lines: each ``$ `` line and the lines it continues onto."""
    commands: list[str] = []
    continuing = False
    for line in lines:
        if line.startswith("$ ") or continuing:
            commands.append(line.removeprefix("$ "))
            continuing = line.endswith("\\")
    return commands


def doc_blocks(doc: str) -> list[Block]:
    return parse_blocks(doc, (REPO / doc).read_text(encoding="utf-8"))


def parse_blocks(doc: str, text: str) -> list[Block]:
    """Every fenced block of a doc (indented ones in lists too), with the mark right before."""
    lines = text.splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent = len(opening.group("indent"))
        end = next(i for i in range(index + 1, len(lines)) if FENCE.match(lines[i]))
        earlier = [line for line in lines[:index] if line.strip()]
        mark = MARK.match(earlier[-1]) if earlier else None
        blocks.append(
            Block(
                doc=doc,
                line=index + 1,
                lang=opening.group("lang"),
                text="\n".join(line[indent:] for line in lines[index + 1 : end]),
                mark=mark.group("what") if mark else None,
            )
        )
        index = end + 1
    return blocks


def shell_blocks() -> list[Block]:
    return [b for doc in DOCS for b in doc_blocks(doc) if b.lang in SHELL_LANGUAGES]


@pytest.fixture(scope="module")
def project_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the checkout's files, as a user who cloned it has them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("the docs' commands run in a copy of a git checkout; this is not one")
    base = tmp_path_factory.mktemp("docs")
    root = base / "main"
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():  # listed but deleted in the working tree: as the user has it
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    if (REPO.parent / "shared").is_dir():
        (base / "shared").symlink_to(REPO.parent / "shared")
    return root


def run_command(command: str, cwd: Path, python_path: Path) -> subprocess.CompletedProcess[str]:
    """``command`` in bash, as typed in a terminal in ``cwd``, with the package of
    ``python_path`` (the copy's own, for commands run in the project folder)."""
    inherited = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(python_path), inherited]))}
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _shown_file(name: str) -> str:
    doc, lang = SHOWN_FILES[name]
    return next(b.text for b in doc_blocks(doc) if b.lang == lang) + "\n"


def _catalog_messages(root: Path) -> dict[str, list[tuple[str, str]]]:
    from babel.messages.pofile import read_po

    catalogs = {}
    for path in sorted(root.glob("locales/**/*.po*")):
        with path.open("rb") as stream:
            catalogs[path.relative_to(root).as_posix()] = sorted(
                (str(m.id), str(m.string)) for m in read_po(stream) if m.id
            )
    return catalogs


def _expect_new_project_built(folder: Path) -> Callable[[], None]:
    """README's "Make your own publication": the leaflet in every language, clean under check."""

    def after() -> None:
        root = folder / "my-leaflet"
        pdfs = sorted(p.relative_to(root).as_posix() for p in root.glob("dist/**/*.pdf"))
        assert pdfs == [f"dist/leaflet-{c}.pdf" for c in ("en", "fa", "ps")] + [
            f"dist/print/leaflet-{c}.pdf" for c in ("en", "fa", "ps")
        ]
        title = _yaml_title(root / "content" / "fa" / "leaflet.yaml")
        assert title in " ".join(pdf_text(root / "dist" / "leaflet-fa.pdf").split())
        check = run_command("iombrochure check --strict", root, REPO / "src")
        assert check.returncode == 0 and "0 errors, 0 warnings" in check.stdout, check.stdout

    return after


def _yaml_title(path: Path) -> str:
    from ruamel.yaml import YAML

    return str(YAML(typ="safe").load(path.read_text(encoding="utf-8"))["title"])


def _expect_catalogs_unchanged(folder: Path) -> Callable[[], None]:
    """README's catalog update on unchanged templates: the same messages, the same Persian."""
    before = _catalog_messages(folder)

    def after() -> None:
        assert _catalog_messages(folder) == before

    return after


#: What some blocks must leave behind besides a zero exit status, by their first command's start.
EXPECTATIONS: dict[str, Callable[[Path], Callable[[], None]]] = {
    "iombrochure new my-leaflet": _expect_new_project_built,
    "iombrochure translations update": _expect_catalogs_unchanged,
}


@pytest.mark.parametrize("block", shell_blocks(), ids=lambda b: f"{b.doc}:{b.line}")
def test_doc_command_runs_as_written(block: Block, project_folder: Path, tmp_path: Path) -> None:
    if block.skip_reason:
        pytest.skip(f"{block.doc}:{block.line}: {block.skip_reason}")
    commands = block.commands
    assert commands, f"{block.doc}:{block.line}: a shell block without a command"
    if commands[0].startswith("iombrochure new "):
        folder, python_path = tmp_path, REPO / "src"
    else:
        folder, python_path = project_folder, project_folder / "src"
    for name in SHOWN_FILES:
        if any(name in command for command in commands) and not (folder / name).exists():
            (folder / name).write_text(_shown_file(name), encoding="utf-8")
    expectation = next(
        (expect(folder) for start, expect in EXPECTATIONS.items() if commands[0].startswith(start)),
        None,
    )
    not_run = []
    for command in commands:
        if command.startswith(VERAPDF) and not (
            (folder / VERAPDF).is_file() and shutil.which("java")
        ):
            not_run.append(command)  # the doc says: skipped where veraPDF or Java is missing
            continue
        result = run_command(command, folder, python_path)
        assert result.returncode == 0, (
            f"{block.doc}:{block.line}: `{command}` exited {result.returncode}\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
    if expectation:
        expectation()
    if not_run:
        pytest.skip(f"{block.doc}:{block.line}: veraPDF or Java missing: not run: {not_run}")


SAMPLE_DOC = """Set up:

<!-- doc-test: skip (installs system packages) -->
```sh
sudo apt-get install -y poppler-utils
```

1. Then, in a list:

   ```sh
   # a comment
   pybabel extract -F babel.cfg \\
       --project iombrochure .
   iombrochure check --lang fa   # only Persian
   ```

```console
$ iombrochure mail send outbox/introduction \\
    --test-to me@iom.int
test sent to me@iom.int: ...
$ iombrochure check
0 errors, 0 warnings
```

```toml
[mail]
```
"""


def test_the_reader_finds_commands_as_a_person_reads_them() -> None:
    """Marks, indented blocks in lists, continued lines, comments and a console's output."""
    skipped, listed, console, toml = parse_blocks("sample.md", SAMPLE_DOC)
    assert (skipped.skip_reason, skipped.commands) == (
        "installs system packages",
        ["sudo apt-get install -y poppler-utils"],
    )
    assert (listed.line, listed.skip_reason) == (10, None)
    assert listed.commands == [
        "pybabel extract -F babel.cfg      --project iombrochure .",
        "iombrochure check --lang fa   # only Persian",
    ]
    assert console.commands == [
        "iombrochure mail send outbox/introduction      --test-to me@iom.int",
        "iombrochure check",
    ]
    assert toml.lang == "toml"
    (misspelt,) = parse_blocks("bad.md", "<!-- doc-test: skipp -->\n```sh\nls\n```\n")
    with pytest.raises(ValueError, match="bad.md:2: unknown doc-test mark 'skipp'"):
        _ = misspelt.skip_reason


def test_every_doc_holds_commands_the_tests_run() -> None:
    """A guard for the reader on the real docs: each shell block has a command."""
    blocks = shell_blocks()
    assert len(blocks) >= 10
    assert all(block.commands for block in blocks), [b.line for b in blocks if not b.commands]
