"""Throughput of ``cleaner clean`` against a naive chardet + ftfy + NFC
script, side by side, on clean Vietnamese text; then a cache re-run.

    python benchmarks/throughput.py [--mb 40] [--files 400] [--small 10000] [--rules default] [--repeat 3]

Text comes from the shared Vietnamese Wikipedia dump (set CLEANER_SHARED
or keep shared/ beside the checkout); everything is written to a temp dir.
"""

from __future__ import annotations

import argparse
import lzma
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CLEANER_SHARED", ROOT.parent / "shared"))
NAIVE = """
import sys, unicodedata, pathlib, chardet, ftfy
src, dst = map(pathlib.Path, sys.argv[1:3])
for path in sorted(src.rglob('*.txt')):
    data = path.read_bytes()
    text = data.decode(chardet.detect(data)['encoding'] or 'utf-8', errors='replace')
    out = dst / path.relative_to(src)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(unicodedata.normalize('NFC', ftfy.fix_text(text)), encoding='utf-8')
"""


def make_corpus(folder: Path, total_mb: float, files: int) -> int:
    folder.mkdir(parents=True)
    per_file = int(total_mb * 1e6 / files)
    written = 0
    with lzma.open(SHARED / "corpus" / "viwiki.txt.xz", "rt", encoding="utf-8") as source:
        for index in range(files):
            lines, size = [], 0
            for line in source:
                lines.append(line)
                size += len(line.encode())
                if size >= per_file:
                    break
            data = "".join(lines).encode()
            (folder / f"{index:05d}.txt").write_bytes(data)
            written += len(data)
    return written


CPU: dict[str, float] = {}


def timed(command: list[str], label: str = "") -> float:
    """Wall-clock seconds; the children's CPU seconds go to CPU[label]
    (a fairer figure on a busy machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # Run outside the checkout: "-m cleaner" then imports the installed
    # package (README: pip install .), whose bytecode pip compiled, rather
    # than the checkout's sources (recompiled at every start when
    # PYTHONDONTWRITEBYTECODE is set, ~0.1 s).
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[label] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=40)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--small", type=int, default=10000)
    parser.add_argument("--small-kb", type=float, default=4, help="size of each file of the cache run")
    parser.add_argument("--cache-only", action="store_true", help="only the cache re-run measurement")
    parser.add_argument("--rules", default=None, help="pass --rules to cleaner (e.g. none)")
    parser.add_argument("--repeat", type=int, default=1, help="run every command N times; medians are shown")
    args = parser.parse_args()
    cleaner = [sys.executable, "-m", "cleaner", "clean"]
    extra = ["--rules", args.rules] if args.rules else []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.cache_only:
            throughput(tmp, args, cleaner, extra)
        cache_rerun(tmp, args, cleaner, extra)


def throughput(tmp: Path, args, cleaner: list[str], extra: list[str]) -> None:
    """MB/s of cleaner (default, 1 and 2 workers) and of the naive script."""
    size = make_corpus(tmp / "in", args.mb, args.files)
    mb = size / 1e6
    print(f"corpus: {mb:.1f} MB in {args.files} files")
    # One untimed run of each on a few files first: the first run after
    # installing reads the packages' files from disk (numpy, cleaner), and
    # cleaner's first big run compiles its long patterns (kept for later
    # runs, as bytecode is), which made whichever run came first look slower.
    warm = tmp / "warm"
    warm.mkdir()
    for path in sorted((tmp / "in").iterdir())[:12]:  # over 1 MB: a big run's warm-up is taken
        (warm / path.name).write_bytes(path.read_bytes())
    timed([sys.executable, "-c", NAIVE, str(warm), str(tmp / "warm-naive")])
    timed(cleaner + [str(warm), "-o", str(tmp / "warm-out"), "--no-cache", "-q"] + extra)
    runs = {"naive": [sys.executable, "-c", NAIVE, str(tmp / "in"), str(tmp / "naive")]}
    for label, flags in (("default", []), ("--workers 1", ["--workers", "1"]), ("--workers 2", ["--workers", "2"])):
        runs[label] = cleaner + [str(tmp / "in"), "-o", str(tmp / f"out{len(runs)}"), "--no-cache", "-q"] + flags + extra
    # --repeat N: the commands run in turn N times, and each figure is the
    # median of its N runs (a busy machine's slow spells hit them alike).
    walls: dict[str, list[float]] = {label: [] for label in runs}
    cpus: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(args.repeat):
        for label, command in runs.items():
            walls[label].append(timed(command, label))
            cpus[label].append(CPU[label])
    median = statistics.median
    naive = median(walls["naive"])
    CPU.update({label: median(values) for label, values in cpus.items()})
    print(f"naive chardet+ftfy+NFC: {naive:6.1f} s  {mb / naive:6.1f} MB/s  "
          f"(CPU {CPU['naive']:.1f} s, {mb / CPU['naive']:.1f} MB/s per core)")
    results = {}
    for label, command in runs.items():
        if label == "naive":
            continue
        out = Path(command[command.index("-o") + 1])
        seconds = results[label] = median(walls[label])
        inputs = sorted((tmp / "in").iterdir())
        same = sum((out / p.name).exists() and (out / p.name).read_bytes() == p.read_bytes() for p in inputs)
        print(f"cleaner {label:12s}: {seconds:6.1f} s  {mb / seconds:6.1f} MB/s  "
              f"{naive / seconds:5.1f}x naive  (CPU {CPU[label]:.1f} s, {mb / CPU[label]:.1f} MB/s per core)  "
              f"identical outputs: {same}/{len(inputs)}")
    print(f"scaling 1 -> 2 workers: {results['--workers 1'] / results['--workers 2']:.2f}x")


def cache_rerun(tmp: Path, args, cleaner: list[str], extra: list[str]) -> None:
    """--check over unchanged files twice: the second run finds them all in
    the cache. Files get an old mtime, as in a corpus that is re-checked."""
    small = tmp / "small"
    make_corpus(small, args.small * args.small_kb / 1000, args.small)
    for path in small.iterdir():
        os.utime(path, (time.time() - 3600,) * 2)
    cache = ["--cache-dir", str(tmp / "cache"), "--check", "-q"]
    first = timed(cleaner + [str(small)] + cache + extra, "first")
    second = timed(cleaner + [str(small)] + cache + extra, "second")
    print(f"cache, {args.small} files of ~{args.small_kb:g} KB: first run {first:.1f} s "
          f"(CPU {CPU['first']:.1f} s), re-run {second:.2f} s (CPU {CPU['second']:.2f} s): "
          f"{first / second:.0f}x faster ({CPU['first'] / CPU['second']:.0f}x in CPU)")


if __name__ == "__main__":
    main()
