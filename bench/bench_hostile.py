"""Hostile and oversized input: how fast each case of issue 11 is refused, and at what cost.

usage: python bench/bench_hostile.py

Builds each input of the issue in a scratch copy of the Peru dossier and its source, then runs
`python -m engine` on it as a user would, and reports per case: exit status, wall-clock and CPU
seconds of the whole process (start-up and loading the rulebook included), peak resident memory,
and the first line of the message. A second table times the loading of the bad input alone,
in-process, from the first byte read to the refusal. Figures are measured, never asserted (the
tests bound the work by the limits instead: tests/test_hostile_inputs.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.errors import InputError  # noqa: E402
from engine.load.dossier import load_dossier  # noqa: E402
from engine.load.rules import load_rulebook  # noqa: E402

DOSSIER = "evidence/peru/2007.yaml"


def bomb(levels: int = 8, width: int = 10) -> str:
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


QUOTE = (
    "Peru is primarily a source country for women and children trafficked within the country "
    "for the purpose of commercial sexual exploitation. Most victims are girls and young women "
    "recruited from rural areas and lured or coerced into prostitution in urban nightclubs, "
    "bars, and brothels."
)


class Records:
    """A dossier followed by `count` records of about 430 bytes each (117k records make about
    50 MB, as in the issue), written in chunks so that this process never holds the file."""

    def __init__(self, head: str, count: int) -> None:
        self.head = head
        self.count = count

    def write_to(self, path: Path) -> None:
        with path.open("w") as handle:
            handle.write(self.head)
            for i in range(self.count):
                handle.write(
                    f"  - id: extra-{i}\n    kind: victim_count\n"
                    f'    quote: "{QUOTE}"\n'
                    f"    values: {{count: {i}, basis: removed}}\n"
                )


def setup(work: Path) -> dict[str, Callable[[], list[str]]]:
    """Each case: write its input into `work`, return the command line."""
    base = (ROOT / DOSSIER).read_text()

    def write(name: str, text: str | bytes | Records) -> str:
        path = work / "evidence" / "peru" / name
        if isinstance(text, Records):
            text.write_to(path)
        elif isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return f"evidence/peru/{name}"

    def assess(name: str, text: str | bytes | Records) -> Callable[[], list[str]]:
        return lambda: ["assess", write(name, text), "--rules", str(ROOT / "rules")]

    def rules_bomb() -> list[str]:
        shutil.copytree(ROOT / "rules", work / "rules-bomb", dirs_exist_ok=True)
        (work / "rules-bomb" / "bomb.yaml").write_text(bomb())
        return ["check", "--rules", "rules-bomb"]

    return {
        "valid Peru 2007 (baseline)": lambda: ["assess", DOSSIER, "--rules", str(ROOT / "rules")],
        "alias bomb 8x10 in a dossier": assess("bomb.yaml", "country: Peru\n" + bomb()),
        "alias bomb 8x10 in a rules file": rules_bomb,
        "flow nesting 5,000 deep": assess("deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n"),
        "block nesting 1,000 deep": assess(
            "deep-block.yaml", "".join(f"{' ' * i}k{i}:\n" for i in range(1000)) + "\n"
        ),
        "report_year of 5,000 digits": assess(
            "bigint.yaml", base.replace("report_year: 2007", "report_year: " + "9" * 5000)
        ),
        "50 MB dossier (117k records)": assess("50mb.yaml", Records(base, 117_000)),
        "1 MB dossier (2,300 records)": assess("1mb.yaml", Records(base, 2_300)),
        "source.file: /etc/passwd": assess(
            "passwd.yaml", base.replace("../sources/tip-2007-peru.txt", "/etc/passwd")
        ),
        "non-UTF-8 byte on line 2": assess(
            "latin1.yaml", base.replace("country: Peru", "country: Per\xfa").encode("latin-1")
        ),
        "curly apostrophe in a quote": assess(
            "curly.yaml", base.replace("Peru's mining", "Peru\u2019s mining")
        ),
        "report_year 2008 on the 2007 report": assess(
            "year.yaml", base.replace("report_year: 2007", "report_year: 2008")
        ),
        "assess D.yaml -o D.yaml": lambda: [
            "assess",
            DOSSIER,
            "--rules",
            str(ROOT / "rules"),
            "-o",
            DOSSIER,
        ],
        "check DOSSIER rules": lambda: [
            "check",
            DOSSIER,
            str(ROOT / "rules"),
            "--rules",
            str(ROOT / "rules"),
        ],
        "check evidence/sources": lambda: [
            "check",
            "evidence/sources",
            "--rules",
            str(ROOT / "rules"),
        ],
        "rules directory not found": lambda: ["check", "--rules", "no-such-rules"],
    }


def run(work: Path, args: list[str]) -> tuple[int, float, float, float, str]:
    """Exit status, wall and CPU seconds, peak RSS (MB) of this process alone, first line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIP_ASSESS_")}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "engine", *args], cwd=work, env=env, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = err.read().decode().strip().splitlines() or out.read().decode().splitlines()
    cpu = usage.ru_utime + usage.ru_stime
    return child.returncode, wall, cpu, usage.ru_maxrss / 1024, (lines or [""])[0]


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        (work / "evidence" / "peru").mkdir(parents=True)
        shutil.copytree(ROOT / "evidence" / "sources", work / "evidence" / "sources")
        shutil.copy(ROOT / DOSSIER, work / DOSSIER)
        cases = setup(work)
        print(f"{'case':40} exit  wall s  cpu s  max RSS MB  message")
        commands = {}
        for name, build in cases.items():
            args = build()
            commands[name] = args
            code, wall, cpu, rss, message = run(work, args)
            print(f"{name:40} {code:>4} {wall:7.2f} {cpu:6.2f} {rss:11.0f}  {message[:110]}")
        print("\nrefusal in-process (rulebook already loaded), from first byte to InputError:")
        book = load_rulebook(ROOT / "rules", "rules")
        for name, args in commands.items():
            if args[0] != "assess" or "-o" in args or name.startswith("valid"):
                continue
            path = work / args[1]
            started = time.perf_counter()
            try:
                load_dossier(path, book, args[1])
                outcome = "accepted"
            except InputError as exc:
                outcome = exc.problems[0].message[:60]
            print(f"  {name:40} {time.perf_counter() - started:7.3f} s  {outcome}")


if __name__ == "__main__":
    main()
