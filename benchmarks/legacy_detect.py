"""Legacy Vietnamese encodings: detection accuracy and speed.

Held-out text is the last lines of the shared viwiki corpus (the syllable
counts shipped with cleaner come from its first 190,000 lines). For each
encoding, single sentences and >= 1 KB chunks are encoded, then

* raw bytes: ``detect_bytes`` must name the encoding and decoding must give
  the original back;
* cp1252-misread text (the bytes read as WHATWG windows-1252): ``repair_text``
  must give the original back (VIQR: the ASCII text itself).

Usage: python benchmarks/legacy_detect.py [--lines N] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import lzma
import os
import re
import sys
import time
from collections import deque
from pathlib import Path

from cleaner.document import Document
from cleaner.legacy import decode, detect_bytes, encode, repair_text
from cleaner.legacy.tables import CP1252

ENCODINGS = ("tcvn3", "vni", "viscii", "vps", "cp1258", "viqr")
DEFAULT_CORPUS = Path(os.environ.get("CLEANER_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "corpus" / "viwiki.txt.xz"
# Punctuation most legacy encodings cannot hold, written as ASCII first.
_ASCII_PUNCT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."})
_MISREAD = {byte: char for byte, char in enumerate(CP1252)}


def held_out(path: Path, count: int) -> list[str]:
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        tail = deque(handle, maxlen=count)
    return [line.rstrip("\n").translate(_ASCII_PUNCT) for line in tail]


def encodable(text: str) -> bool:
    try:
        for encoding in ENCODINGS:
            encode(text, encoding)
    except UnicodeEncodeError:
        return False
    return True


def samples(lines: list[str]) -> tuple[list[str], list[str]]:
    sentences, chunks, current = [], [], []
    for line in lines:
        if not encodable(line):
            continue
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            if len(sentence) >= 30 and len(sentences) < 400:
                sentences.append(sentence)
        current.append(line)
        if len("\n".join(current).encode()) >= 1024:
            chunks.append("\n".join(current))
            current = []
    return sentences, chunks


def misread(data: bytes) -> str:
    return data.decode("latin-1").translate(_MISREAD)


def evaluate(encoding: str, texts: list[str]) -> dict[str, float]:
    detected = raw_exact = text_exact = 0
    for text in texts:
        data = encode(text, encoding)
        if encoding == "viqr":  # ASCII: only the text path detects it
            raw_exact += decode(data, "viqr") == text
            source = data.decode("ascii")
        else:
            guess = detect_bytes(data)
            detected += guess is not None and guess[0] == encoding
            raw_exact += decode(data, encoding) == text
            source = misread(data)
        doc = Document(text=source, encoding="utf-8")
        repair_text(doc)
        text_exact += doc.text == text
        if encoding == "viqr":
            detected += any(change.reason.startswith("VIQR") for change in doc.changes)
    n = len(texts)
    return {"detect": detected / n, "raw": raw_exact / n, "text": text_exact / n}


def speed(label: str, function, payload, size: int) -> None:
    start = time.perf_counter()
    rounds = 0
    while time.perf_counter() - start < 1.0:
        function(payload)
        rounds += 1
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {size * rounds / elapsed / 1e6:8.2f} MB/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1500, help="held-out lines from the end of the corpus")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    lines = held_out(args.corpus, args.lines)
    sentences, chunks = samples(lines)
    print(f"{len(sentences)} sentences, {len(chunks)} chunks of >= 1 KB")
    print(f"{'encoding':<8} {'kind':<9} {'detect':>7} {'raw ok':>7} {'text ok':>8}")
    for encoding in ENCODINGS:
        for kind, texts in (("sentence", sentences), ("chunk", chunks)):
            result = evaluate(encoding, texts)
            print(f"{encoding:<8} {kind:<9} {result['detect']:7.1%} {result['raw']:7.1%} {result['text']:8.1%}")

    print("speed")
    body = "\n".join(chunks)
    clean = body.encode("utf-8")
    tcvn3 = encode(body, "tcvn3")
    speed("detect_bytes, TCVN3 bytes", detect_bytes, tcvn3, len(tcvn3))
    speed("repair_text, clean Unicode Vietnamese", lambda t: repair_text(Document(text=t)), body, len(clean))
    english = ("The quick brown fox jumps over the lazy dog. It's 5 o'clock, isn't it?\n" * 2000)
    speed("repair_text, English ASCII", lambda t: repair_text(Document(text=t)), english, len(english))
    misread_tcvn3 = misread(tcvn3)
    speed("repair_text, TCVN3 read as cp1252", lambda t: repair_text(Document(text=t)), misread_tcvn3, len(tcvn3))
    viqr_text = encode(body, "viqr").decode("ascii")
    speed("repair_text, VIQR", lambda t: repair_text(Document(text=t)), viqr_text, len(viqr_text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
