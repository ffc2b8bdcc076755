"""Memory and speed of ``cleaner clean`` on one very large input: a plain
text file (cleaned in blocks) and a JSONL file (record by record), each
``--gb`` gigabytes (default 2), in a temp folder.

    python benchmarks/memory.py [--gb 2] [--kinds text,jsonl] [--workers N] [--dir /tmp]

Each run is ``python -m cleaner clean INPUT -o OUT --no-cache -q`` in a
subprocess; the report gives wall time, MB/s and the peak resident memory
(``ru_maxrss`` of the children: the largest of the cleaner process and its
workers). The target is a peak under 200 MB whatever the input size.

Text comes from the shared Vietnamese Wikipedia dump (set CLEANER_SHARED or
keep shared/ beside the checkout; without it a synthetic text is used),
grouped into articles separated by blank lines, with some dirt (odd spaces,
trailing spaces, CRLF lines, look-alike letters) so that cleaning has work
to do. ``--no-blank-lines`` writes one paragraph per line and no blank line,
the worst case for block cutting. Before writing, the free space of the
folder is checked; the size is scaled down (with a message) to what fits.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CLEANER_SHARED", ROOT.parent / "shared"))
TARGET_MB = 200
MARGIN = 512 * 1024**2  # free space left untouched


def source_paragraphs(limit_bytes: int = 30 * 1024**2) -> list[str]:
    """About ``limit_bytes`` of real paragraphs (or synthetic ones)."""
    dump = SHARED / "corpus" / "viwiki.txt.xz"
    paragraphs: list[str] = []
    if dump.exists():
        size = 0
        with lzma.open(dump, "rt", encoding="utf-8") as handle:
            for line in handle:
                line = line.rstrip("\n")
                if line:
                    paragraphs.append(line)
                    size += len(line.encode())
                if size >= limit_bytes:
                    break
        return paragraphs
    rng = random.Random(1)
    words = "Quận Hà Đông có nhiều trường học mới năm kinh tế Việt Nam Đà Nẵng Huế và của người".split()
    return [" ".join(rng.choice(words) for _ in range(rng.randint(20, 120))) + "." for _ in range(60000)]


def dirty(paragraph: str, rng: random.Random) -> str:
    """One paragraph in 20 gets something to clean."""
    roll = rng.random()
    if roll < 0.02:
        return paragraph.replace(" ", "\u00a0", 2)  # odd spaces
    if roll < 0.035:
        return paragraph + "   "  # trailing spaces
    if roll < 0.045:
        return paragraph.replace("Đ", "\u00d0", 1)  # a look-alike letter
    if roll < 0.05:
        return paragraph + "\r"  # a CRLF line
    return paragraph


def articles(paragraphs: list[str], rng: random.Random):
    """Endless articles of 3 to 12 paragraphs, cycling through the source."""
    index = 0
    while True:
        count = rng.randint(3, 12)
        chunk = [dirty(paragraphs[(index + i) % len(paragraphs)], rng) for i in range(count)]
        index += count
        yield chunk


def make_text(path: Path, size: int, paragraphs: list[str], blank_lines: bool) -> int:
    rng = random.Random(2)
    written = 0
    with open(path, "wb", buffering=4 * 1024**2) as out:
        for chunk in articles(paragraphs, rng):
            data = ("\n".join(chunk) + ("\n\n" if blank_lines else "\n")).encode()
            out.write(data)
            written += len(data)
            if written >= size:
                return written


def make_jsonl(path: Path, size: int, paragraphs: list[str]) -> int:
    rng = random.Random(3)
    written = 0
    with open(path, "wb", buffering=4 * 1024**2) as out:
        for number, chunk in enumerate(articles(paragraphs, rng)):
            record = {"id": number, "url": f"https://vi.wikipedia.org/?curid={number}",
                      "text": "\n".join(p.rstrip("\r") for p in chunk)}
            data = (json.dumps(record, ensure_ascii=False) + "\n").encode()
            out.write(data)
            written += len(data)
            if written >= size:
                return written


def measure(command: list[str]) -> dict:
    """Run ``command`` from a fresh process so that RUSAGE_CHILDREN covers
    it alone (cleaner and its workers)."""
    probe = ("import json, resource, subprocess, sys, time\n"
             "start = time.perf_counter()\n"
             "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
             "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
             "print(json.dumps({'code': done.returncode, 'wall': time.perf_counter() - start,\n"
             "                  'maxrss_kb': usage.ru_maxrss, 'cpu': usage.ru_utime + usage.ru_stime,\n"
             "                  'stderr': done.stderr.decode(errors='replace')[-2000:]}))\n")
    done = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def free_space_plan(folder: Path, size: int, kinds: list[str]) -> int:
    """The size per input that fits: each run needs its input and its
    output at once (inputs are deleted between runs)."""
    print(subprocess.run(["df", "-h", str(folder)], capture_output=True, text=True).stdout.rstrip())
    free = shutil.disk_usage(folder).free - MARGIN
    need = 2 * size + 64 * 1024**2
    if need > free:
        fitted = max((free - 64 * 1024**2) // 2, 0)
        print(f"not enough free space in {folder} for {size / 1e9:.2f} GB inputs "
              f"(needs {need / 1e9:.2f} GB, {free / 1e9:.2f} GB free beyond a margin): "
              f"scaled down to {fitted / 1e9:.2f} GB")
        return int(fitted)
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gb", type=float, default=2.0, help="size of each input in GB (1e9 bytes)")
    parser.add_argument("--kinds", default="text,jsonl", help="comma-separated: text, jsonl")
    parser.add_argument("--workers", type=int, default=None, help="pass --workers to cleaner")
    parser.add_argument("--rules", default=None, help="pass --rules to cleaner (e.g. none)")
    parser.add_argument("--no-blank-lines", action="store_true", help="text: one paragraph per line, no blank line")
    parser.add_argument("--dir", default=None, help="where to write (default: the temp folder)")
    parser.add_argument("--stream-threshold", type=int, default=None,
                        help="write a cleaner.toml with this stream-threshold beside the inputs")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if not set(kinds) <= {"text", "jsonl"}:
        parser.error("--kinds takes text and/or jsonl")
    base = Path(args.dir or tempfile.gettempdir())
    size = free_space_plan(base, int(args.gb * 1e9), kinds)
    if size < 10 * 1024**2:
        sys.exit("memory.py: not enough free space to run")
    paragraphs = source_paragraphs()
    extra = (["--workers", str(args.workers)] if args.workers is not None else []) + \
        (["--rules", args.rules] if args.rules else [])
    rows = []
    with tempfile.TemporaryDirectory(dir=base, prefix="cleaner-memory-") as tmp:
        tmp = Path(tmp)
        if args.stream_threshold is not None:
            (tmp / "cleaner.toml").write_text(f"stream-threshold = {args.stream_threshold}\n")
        for kind in kinds:
            source = tmp / ("big.txt" if kind == "text" else "big.jsonl")
            start = time.perf_counter()
            written = (make_text(source, size, paragraphs, not args.no_blank_lines) if kind == "text"
                       else make_jsonl(source, size, paragraphs))
            print(f"{kind}: wrote {written / 1e9:.2f} GB in {time.perf_counter() - start:.0f} s", flush=True)
            command = [sys.executable, "-m", "cleaner", "clean", str(source), "-o", str(tmp / "out"),
                       "--no-cache", "-q", *(["--jsonl"] if kind == "jsonl" else []), *extra]
            result = measure(command)
            out = tmp / "out" / source.name
            out_size = out.stat().st_size if out.exists() else 0
            rss_mb = result["maxrss_kb"] / 1024
            row = {"kind": kind, "bytes": written, "exit": result["code"], "wall_s": round(result["wall"], 1),
                   "cpu_s": round(result["cpu"], 1), "mb_per_s": round(written / 1e6 / result["wall"], 2),
                   "peak_rss_mb": round(rss_mb, 1), "output_bytes": out_size}
            rows.append(row)
            verdict = "OK" if rss_mb < TARGET_MB and result["code"] == 0 else "OVER TARGET" if rss_mb >= TARGET_MB \
                else "FAILED"
            print(f"{kind}: {written / 1e9:.2f} GB in {result['wall']:.0f} s ({row['mb_per_s']} MB/s, "
                  f"CPU {result['cpu']:.0f} s), peak RSS {rss_mb:.0f} MB (target < {TARGET_MB} MB): {verdict}; "
                  f"exit {result['code']}", flush=True)
            if result["code"] != 0:
                print(result["stderr"], file=sys.stderr)
            source.unlink()
            shutil.rmtree(tmp / "out", ignore_errors=True)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
