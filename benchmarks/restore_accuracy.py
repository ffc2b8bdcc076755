"""Accuracy and speed of lossy-damage restoration on held-out text.

Takes lines of the Wikipedia corpus that the shipped model never saw (its
last 5%, see benchmarks/train_model.py), or any UTF-8 file given, damages
them the way a codepage without Vietnamese letters does, restores them and
prints, per damage kind:

- restored: share of damaged syllables restored exactly (case included);
- unresolved: share of damaged syllables left as they were;
- undamaged changed: share of undamaged tokens the restorer changed;
- speed: damaged syllables per CPU second (one core, model already loaded).

Damage kinds: ``cp1252`` (``text.encode("cp1252", errors="replace")``),
``fffd`` (the same letters become U+FFFD) and ``ascii``.

    python benchmarks/restore_accuracy.py [--lines 2000] [--model FILE] [FILE]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.config import Config  # noqa: E402
from cleaner.document import Document  # noqa: E402
from cleaner.restore import load_model, restore_document  # noqa: E402
from cleaner.restore.train import open_text  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "viwiki.txt.xz"
HOLDOUT = 0.05
_TOKEN_RE = re.compile(r"[^\W\d_]+|\S")


def held_out_lines(path: Path = CORPUS) -> list[str]:
    with open_text(path) as handle:
        lines = handle.read().split("\n")
    if lines and not lines[-1]:
        lines.pop()
    return lines[int(len(lines) * (1 - HOLDOUT)):]


def damage(text: str, kind: str) -> str:
    if kind == "cp1252":
        return text.encode("cp1252", errors="replace").decode("cp1252")
    if kind == "ascii":
        return text.encode("ascii", errors="replace").decode("ascii")
    if kind == "fffd":
        return "".join(c if _encodable(c) else "\ufffd" for c in text)
    raise ValueError(kind)


def _encodable(char: str) -> bool:
    try:
        char.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def evaluate(lines: list[str], kind: str, config: Config) -> dict:
    original = "\n".join(unicodedata.normalize("NFC", line) for line in lines)
    damaged = damage(original, kind)
    doc = Document(text=damaged)
    # CPU time of this process: the figure for one core, even on a busy machine
    start = time.process_time()
    restore_document(doc, config)
    seconds = time.process_time() - start
    restored = doc.text
    assert len(restored) == len(original), "restoration must keep the length"
    hit = total = changed = clean = unresolved = 0
    for match in _TOKEN_RE.finditer(original):
        a, b = match.span()
        if damaged[a:b] != original[a:b]:
            total += 1
            hit += restored[a:b] == original[a:b]
            unresolved += restored[a:b] == damaged[a:b]
        else:
            clean += 1
            changed += restored[a:b] != original[a:b]
    return {"kind": kind, "damaged": total, "restored": hit / max(total, 1),
            "unresolved": unresolved / max(total, 1), "undamaged_changed": changed / max(clean, 1),
            "undamaged": clean, "per_second": total / seconds, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", help="UTF-8 text to damage (default: held-out Wikipedia)")
    parser.add_argument("--lines", type=int, default=2000, help="lines sampled (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default=None)
    parser.add_argument("--kinds", default="cp1252,fffd,ascii")
    args = parser.parse_args()
    if args.file:
        lines = Path(args.file).read_text(encoding="utf-8").splitlines()
    else:
        lines = held_out_lines()
    lines = [line for line in lines if line.strip()]
    if args.lines and len(lines) > args.lines:
        lines = random.Random(args.seed).sample(lines, args.lines)
    config = Config(model=args.model)
    start, cpu = time.perf_counter(), time.process_time()
    load_model(args.model)
    print(f"model loaded in {time.perf_counter() - start:.2f}s "
          f"({time.process_time() - cpu:.2f}s CPU); {len(lines)} lines")
    for kind in args.kinds.split(","):
        r = evaluate(lines, kind, config)
        print(f"{r['kind']:>7}: restored {r['restored']:.4f} of {r['damaged']} damaged syllables, "
              f"unresolved {r['unresolved']:.4f}, undamaged changed {r['undamaged_changed']:.5f} "
              f"of {r['undamaged']}, {r['per_second']:.0f} damaged syllables/s")


if __name__ == "__main__":
    main()
