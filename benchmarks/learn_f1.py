"""Line-level F1 of `cleaner learn` + `cleaner clean --rules learned.toml`
on a synthetic multi-site Vietnamese corpus with labelled chrome.

Rules are learned on the first --train pages of every site (with the real
`cleaner learn` command) and scored on the other pages (held out), so a
rule that only memorised its training pages does not count. Body text is
made up, or drawn from Vietnamese Wikipedia paragraphs with --viwiki.

    python benchmarks/learn_f1.py                       # 12 sites, 10 + 20 pages each
    python benchmarks/learn_f1.py --viwiki ../shared/corpus/viwiki.txt.xz
"""

from __future__ import annotations

import argparse
import lzma
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import synthetic_sites  # noqa: E402

from cleaner.config import DEFAULT  # noqa: E402


def viwiki_paragraphs(path: Path, count: int, min_length: int = 200) -> list[str]:
    texts = []
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if len(line) >= min_length:
                texts.append(line.strip())
                if len(texts) >= count:
                    break
    return texts


def score(pages, rules: tuple[str, ...], root: Path, force: bool = False) -> tuple[synthetic_sites.Score, int]:
    config = DEFAULT.replace(rules=rules, force=force)
    total, capped = synthetic_sites.Score(), 0
    for number, page in enumerate(pages):
        path = str(root / page.site / f"heldout{number:05d}.txt")
        result = synthetic_sites.score_page(page, config, path)
        total.add(result)
        capped += result.chrome_removed == 0 and result.chrome_kept > 0
    return total, capped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--train", type=int, default=10, help="pages per site to learn from")
    parser.add_argument("--test", type=int, default=20, help="held-out pages per site")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--viwiki", type=Path, help="viwiki.txt.xz: real paragraphs for the bodies")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--related-titles", action="store_true",
                        help="related-news items are the site's other titles (chrome there, body as a title)")
    parser.add_argument("--presence", type=float, default=0.9,
                        help="chance of each piece of furniture being on a page")
    args = parser.parse_args()

    texts = viwiki_paragraphs(args.viwiki, 5000) if args.viwiki else None
    corpus = synthetic_sites.generate(args.sites, args.train + args.test, args.seed, texts,
                                      args.related_titles, args.presence)
    train = [page for site in corpus for page in site[: args.train]]
    test = [page for site in corpus for page in site[args.train:]]
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "corpus"
        synthetic_sites.write_folders(train, root)
        rules = Path(temp) / "learned.toml"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cleaner", "learn", str(root), "-o", str(rules),
                        "--workers", str(args.workers), "--quiet"], check=True)
        elapsed = time.perf_counter() - started
        count = rules.read_text(encoding="utf-8").count("[[rule]]")
        print(f"learned {count} rules from {len(train)} pages of {args.sites} sites in {elapsed:.1f} s; "
              f"scored on {len(test)} held-out pages")
        print(f"{'rules':<26}{'precision':>10}{'recall':>8}{'F1':>8}{'body lines lost':>17}"
              f"{'paragraphs lost':>17}{'capped pages':>14}")
        for label, names, force in (
            ("learned", (str(rules),), False),
            ("learned, --force", (str(rules),), True),  # without the 30% safety cap
            ("default + learned", ("default", str(rules)), False),
            ("default (no learning)", ("default",), False),
        ):
            result, capped = score(test, names, root, force)
            print(f"{label:<26}{result.precision:>10.3f}{result.recall:>8.3f}{result.f1:>8.3f}"
                  f"{result.body_removed:>17}{result.paragraphs_lost:>17}{capped:>14}")


if __name__ == "__main__":
    main()
