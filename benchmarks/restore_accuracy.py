"""Accuracy and speed of lossy-damage restoration on held-out text.

Takes lines of the Wikipedia corpus that the shipped model never saw (its
last 5%, see benchmarks/train_model.py), or any UTF-8 file given, damages
them the way a codepage without Vietnamese letters does, restores them and
prints, per damage kind:

- restored: share of damaged syllables restored exactly (case included);
- unresolved: share of damaged syllables left as they were;
- undamaged changed: share of undamaged tokens the restorer changed;
- speed: damaged syllables per CPU second (one core, model already loaded).

Tokens the source text had already damaged (``L?y`` in a seed file) are
left out of every count. By default the sampled lines are restored as one
document; ``--block N`` restores stretches of N consecutive lines, each
its own document (closer to real files: the restorer learns a document's
own words); files given are each one document (e.g. the news seeds).

Damage kinds: ``cp1252`` (``text.encode("cp1252", errors="replace")``),
``fffd`` (the same letters become U+FFFD) and ``ascii``.

    python benchmarks/restore_accuracy.py [--lines 2000] [--block N] [--model FILE] [FILE|DIR ...]
    python benchmarks/restore_accuracy.py --lines 300                # the headline figures
    python benchmarks/restore_accuracy.py --lines 500 --block 25     # article-like documents
    python benchmarks/restore_accuracy.py ../shared/seeds            # news, not Wikipedia
    python benchmarks/restore_accuracy.py --dev --lines 400          # for tuning: other held-out lines

``--dev`` samples from the held-out lines that the seed-1 evaluation
samples above (and the default ``--lines 2000``) leave out: tune weights
there, report the figures of the evaluation samples.
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
# lossy damage present in the source itself (a "?" touching a letter, U+FFFD)
_ALREADY_DAMAGED = re.compile(r"\ufffd|\?(?=[^\W\d_])|(?<=[^\W\d_])\?(?=[^\W\d_])")


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


def evaluate(documents: list[list[str]], kind: str, config: Config) -> dict:
    """Damage each document (a list of lines), restore it and score it."""
    hit = total = changed = clean = unresolved = 0
    seconds = 0.0
    for lines in documents:
        original = "\n".join(unicodedata.normalize("NFC", line) for line in lines)
        damaged = damage(original, kind)
        doc = Document(text=damaged)
        # CPU time of this process: the figure for one core, even on a busy machine
        start = time.process_time()
        restore_document(doc, config)
        seconds += time.process_time() - start
        restored = doc.text
        assert len(restored) == len(original), "restoration must keep the length"
        for match in _TOKEN_RE.finditer(original):
            a, b = match.span()
            if _ALREADY_DAMAGED.search(original, max(a - 1, 0), b + 1):
                continue  # the source text was damaged there already: no truth
            if damaged[a:b] != original[a:b]:
                total += 1
                hit += restored[a:b] == original[a:b]
                unresolved += restored[a:b] == damaged[a:b]
            else:
                clean += 1
                changed += restored[a:b] != original[a:b]
    return {"kind": kind, "damaged": total, "restored": hit / max(total, 1),
            "unresolved": unresolved / max(total, 1), "undamaged_changed": changed / max(clean, 1),
            "undamaged": clean, "per_second": total / max(seconds, 1e-9), "seconds": seconds}


def _evaluation_lines(count: int) -> set[int]:
    """Indices (among the non-empty held-out lines) of the lines the
    standard evaluation runs sample with seed 1."""
    indices = list(range(count))
    used: set[int] = set()
    for sample in (300, 2000):
        used.update(random.Random(1).sample(indices, sample) if count > sample else indices)
    blocks = [indices[i:i + 25] for i in range(0, count, 25)]
    if len(blocks) * 25 > 500:
        blocks = random.Random(1).sample(blocks, 500 // 25)
    used.update(i for block in blocks for i in block)
    return used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*",
                        help="UTF-8 text files or folders of *.txt to damage, each file one document "
                             "(default: held-out Wikipedia)")
    parser.add_argument("--lines", type=int, default=2000, help="lines sampled (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", default=None)
    parser.add_argument("--kinds", default="cp1252,fffd,ascii")
    parser.add_argument("--block", type=int, default=0,
                        help="documents of N consecutive lines (default: one document of sampled lines)")
    parser.add_argument("--dev", action="store_true",
                        help="sample from the held-out lines that the standard evaluation samples "
                             "(seed 1: --lines 300, --lines 2000, --lines 500 --block 25) leave out: "
                             "for tuning weights without touching the figures reported")
    args = parser.parse_args()
    if args.files:
        documents = []
        for name in args.files:
            path = Path(name)
            for file in sorted(path.glob("*.txt")) if path.is_dir() else [path]:
                text = [line for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
                if text:
                    documents.append(text)
    else:
        lines = [line for line in held_out_lines() if line.strip()]
        if args.dev:
            used = _evaluation_lines(len(lines))
            lines = [line for i, line in enumerate(lines) if i not in used]
        if args.block:
            # whole stretches of articles, one document each (as a real file is)
            blocks = [lines[i:i + args.block] for i in range(0, len(lines), args.block)]
            if args.lines and len(blocks) * args.block > args.lines:
                blocks = random.Random(args.seed).sample(blocks, max(args.lines // args.block, 1))
            documents = blocks
        else:
            if args.lines and len(lines) > args.lines:
                lines = random.Random(args.seed).sample(lines, args.lines)
            documents = [lines]  # sampled paragraphs, restored as one document
    lines = [line for document in documents for line in document]
    config = Config(model=args.model)
    start, cpu = time.perf_counter(), time.process_time()
    load_model(args.model)
    loaded, loaded_cpu = time.perf_counter() - start, time.process_time() - cpu
    # the first restoration builds the lookup tables (candidates, dense bigrams)
    restore_document(Document(text="Tôi ?i h?c ? tr??ng"), config)
    print(f"model loaded in {loaded:.2f}s ({loaded_cpu:.2f}s CPU), ready in "
          f"{time.perf_counter() - start:.2f}s ({time.process_time() - cpu:.2f}s CPU); "
          f"{len(lines)} lines in {len(documents)} document(s)")
    for kind in args.kinds.split(","):
        r = evaluate(documents, kind, config)
        print(f"{r['kind']:>7}: restored {r['restored']:.4f} of {r['damaged']} damaged syllables, "
              f"unresolved {r['unresolved']:.4f}, undamaged changed {r['undamaged_changed']:.5f} "
              f"of {r['undamaged']}, {r['per_second']:.0f} damaged syllables/s")


if __name__ == "__main__":
    main()
