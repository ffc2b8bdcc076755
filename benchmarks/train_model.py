"""Train the shipped restoration model (cleaner/data/syllable-lm.npz).

Text: Vietnamese Wikipedia (../shared/corpus/viwiki.txt.xz) without its
last 5% of lines, which are held out for benchmarks/restore_accuracy.py;
plus the pyvi word list (../shared/lexicon/pyvi-words.txt).

    python benchmarks/train_model.py [-o cleaner/data/syllable-lm.npz] [--lines N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.restore.train import open_text, train  # noqa: E402

SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "viwiki.txt.xz"
LEXICON = SHARED / "lexicon" / "pyvi-words.txt"
HOLDOUT = 0.05  # last share of corpus lines never trained on
# "these syllables form a word of the list": tuned on held-out lines that
# restore_accuracy.py --dev samples (outside its evaluation samples)
WORD_BONUS = 0.24

ATTRIBUTION = "Text from Vietnamese Wikipedia contributors, CC BY-SA 4.0"
PYVI_NOTICE = (
    "Word list from pyvi 0.1.1 (pyvi/models/words.txt), MIT License, "
    "Copyright (c) 2016 Viet-Trung Tran. Permission is hereby granted, free of charge, "
    "to any person obtaining a copy of this software and associated documentation files "
    "(the \"Software\"), to deal in the Software without restriction, including without "
    "limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, "
    "and/or sell copies of the Software, and to permit persons to whom the Software is "
    "furnished to do so, subject to the following conditions: The above copyright notice "
    "and this permission notice shall be included in all copies or substantial portions "
    "of the Software. THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND."
)


def corpus_split(path: Path = CORPUS) -> tuple[int, int]:
    """(total lines, first held-out line index)."""
    with open_text(path) as handle:
        total = sum(1 for _ in handle)
    return total, int(total * (1 - HOLDOUT))


def training_lines(limit: int | None = None):
    total, first_held = corpus_split()
    stop = min(first_held, limit) if limit else first_held
    with open_text(CORPUS) as handle:
        for index, line in enumerate(handle):
            if index >= stop:
                break
            yield line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(ROOT / "cleaner" / "data" / "syllable-lm.npz"))
    parser.add_argument("--lines", type=int, default=None, help="train on the first N lines only")
    parser.add_argument("--order", type=int, default=4)
    parser.add_argument("--cutoffs", default="1,1,3", help="min counts for orders 2,3,4")
    parser.add_argument("--backward", action="store_true",
                        help="also store the right-to-left model (about +10 MB; no gain measured)")
    parser.add_argument("--word-bonus", type=float, default=WORD_BONUS,
                        help="log10 bonus of an n-gram ending with a 2-4 syllable word of the word list "
                             f"(default {WORD_BONUS}; 0: none)")
    parser.add_argument("--topic-window", type=int, default=8,
                        help="topic vectors from syllables this near on a line (0: none)")
    parser.add_argument("--topic-dims", type=int, default=48)
    args = parser.parse_args()
    cutoffs = {n + 2: int(c) for n, c in enumerate(args.cutoffs.split(","))}
    start = time.perf_counter()
    with open(LEXICON, encoding="utf-8") as lexicon:
        model = train(
            training_lines(args.lines),
            order=args.order,
            lexicon_lines=list(lexicon),
            cutoffs=cutoffs,
            sources=[
                f"Vietnamese Wikipedia 2017 (viwiki.txt.xz, all but the last {HOLDOUT:.0%} of lines)",
                "pyvi 0.1.1 word list (pyvi-words.txt)",
            ],
            license="CC BY-SA 4.0",
            attribution=ATTRIBUTION,
            notices=[PYVI_NOTICE],
            backward=args.backward,
            word_bonus=args.word_bonus,
            topic_window=args.topic_window,
            topic_dims=args.topic_dims,
        )
    model.save(args.output)
    size = Path(args.output).stat().st_size
    print(f"trained in {time.perf_counter() - start:.0f}s: {args.output} {size / 1e6:.1f} MB, "
          f"ngrams {model.meta['ngrams']}", file=sys.stderr)


if __name__ == "__main__":
    main()
