"""Line-level precision / recall / F1 of chrome removal on labelled pages.

Each page ``NAME.txt`` in the folder (default: tests/data/chrome) has its
hand-checked output ``NAME.expected``; a non-blank input line is chrome when
the expected output drops it. The pages are cleaned with the default config
and every line the cleaner dropped is compared with those labels.

    python benchmarks/chrome_f1.py [FOLDER] [--verbose]
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import cleaner
from cleaner.rules.text import normalize

ROOT = Path(__file__).resolve().parent.parent


def dropped(source: list[str], result: list[str]) -> set[int]:
    """Indexes of ``source`` lines missing from ``result`` (aligned in order)."""
    matcher = difflib.SequenceMatcher(None, source, result, autojunk=False)
    kept = {i + k for i, _j, size in matcher.get_matching_blocks() for k in range(size)}
    return set(range(len(source))) - kept


def score(folder: Path, verbose: bool = False) -> tuple[int, int, int, int]:
    tp = fp = fn = lost_body = 0
    for page in sorted(folder.glob("*.txt")):
        expected_path = page.with_suffix(".expected")
        if not expected_path.exists():
            continue
        lines = [normalize(line) for line in page.read_text(encoding="utf-8").split("\n")]
        lines = [line for line in lines if line]
        expected = [normalize(x) for x in expected_path.read_text(encoding="utf-8").split("\n") if x.strip()]
        output = [normalize(x) for x in cleaner.clean_bytes(page.read_bytes(), path=str(page)).text.split("\n") if x.strip()]
        truth, predicted = dropped(lines, expected), dropped(lines, output)
        tp += len(truth & predicted)
        fp += len(predicted - truth)
        fn += len(truth - predicted)
        lost_body += sum(1 for i in predicted - truth if len(lines[i]) > 120)
        if verbose:
            for i in sorted(predicted ^ truth):
                kind = "removed body" if i in predicted else "kept chrome"
                print(f"{page.name}: {kind}: {lines[i]}")
    return tp, fp, fn, lost_body


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    folder = Path(args[0]) if args else ROOT / "tests" / "data" / "chrome"
    tp, fp, fn, lost = score(folder, "--verbose" in sys.argv)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"chrome lines: {tp + fn}  removed: {tp + fp}  true: {tp}  false: {fp}  missed: {fn}")
    print(f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  body paragraphs lost: {lost}")


if __name__ == "__main__":
    main()
