"""Fuzz cleaner with random and mutated inputs; report crashes, property
violations, the slowest input, and how time grows with size on
pathological inputs.

Inputs are random bytes and text, and mutations of the sample articles
(byte flips, truncation, inserted ``?``/NUL/BOM/CR, re-encoding, mojibake,
splices, huge repeats). Most go through the library (fast); a share goes
through the command line in batches of files (``cleaner clean -o``), where
a crash is a traceback or an exit code other than 0, 1 or 2.

    python benchmarks/fuzz.py                     # 10,000 inputs
    python benchmarks/fuzz.py --count 2000 --cli-share 0.5 --seed 3
    python benchmarks/fuzz.py --skip-pathological

Exit status 1 if anything crashed, violated a property, or grew
super-linearly.
"""

from __future__ import annotations

import argparse
import codecs
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cleaner  # noqa: E402
from cleaner.errors import CleanerError  # noqa: E402

try:  # registers tcvn3, vni, viscii, ... when the package is there
    import cleaner.legacy  # noqa: F401,E402
except ImportError:
    pass

BOMS = [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE]
ENCODINGS = ["utf-8", "utf-16-le", "utf-16", "cp1252", "latin-1", "cp1258", "tcvn3", "vni",
             "viscii", "vps", "viqr"]
SUPERLINEAR = 3.0  # t(4n)/t(n) over 4 * this is flagged (linear is ~4)


def available(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


ENCODINGS = [e for e in ENCODINGS if available(e)]


def seeds() -> list[bytes]:
    found = sorted((ROOT / "samples" / "input").glob("*.txt"))
    return [p.read_bytes() for p in found] or ["Quận Hà Đông, Đổi mới.\n".encode()]


# --- mutations ------------------------------------------------------------

def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randint(0, len(data))]


def insert(rng: random.Random, data: bytes, what: bytes, times: int = 20) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, times)):
        position = rng.randint(0, len(buf))
        buf[position:position] = what
    return bytes(buf)


def reencode(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    return text.encode(rng.choice(ENCODINGS), errors=rng.choice(["replace", "ignore"]))


def mojibake(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    broken = text.encode("utf-8").decode(rng.choice(["cp1252", "latin-1"]), errors="replace")
    if rng.random() < 0.3:  # twice
        broken = broken.encode("utf-8").decode("latin-1")
    return broken.encode("utf-8")


def lossy(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    return text.encode("cp1252", errors="replace")


def splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    return data[: rng.randint(0, len(data))] + other[rng.randint(0, len(other)):]


def repeat(rng: random.Random, data: bytes) -> bytes:
    start = rng.randint(0, max(0, len(data) - 1))
    piece = data[start:start + rng.randint(1, 64)] or b"?"
    return insert(rng, data, piece * rng.randint(10, 2000), times=1)


def odd_text(rng: random.Random) -> bytes:
    alphabet = ("aăâeêioôơuưyđ ÃÂÄ€™œ\u00a0\u200b\u200d\u00ad\ufeff\u0301\u0323\r\n\t?\ufffd"
                "Ð\x00\x1b\x85\u2028")
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
    return text.encode("utf-8", errors="surrogatepass")


def excerpt(rng: random.Random, pool: list[bytes]) -> bytes:
    """A whole sample now and then, mostly a slice of one (keeps 10,000
    inputs affordable; the pathological sizes are measured separately)."""
    data = rng.choice(pool)
    if rng.random() < 0.1:
        return data
    start = rng.randint(0, len(data))
    return data[start:start + rng.randint(50, 2000)]


def make_input(rng: random.Random, pool: list[bytes]) -> tuple[str, bytes]:
    base = excerpt(rng, pool)
    kind = rng.choice(["flip", "truncate", "question", "nul", "bom", "cr", "reencode", "mojibake",
                       "lossy", "splice", "repeat", "random", "odd", "nbsp", "mixed"])
    if kind == "flip":
        return kind, flip_bytes(rng, base)
    if kind == "truncate":
        return kind, truncate(rng, base)
    if kind == "question":
        return kind, insert(rng, base, b"?" * rng.randint(1, 50))
    if kind == "nul":
        return kind, insert(rng, base, b"\x00", times=3)
    if kind == "bom":
        return kind, insert(rng, rng.choice(BOMS) + base, rng.choice(BOMS), times=2)
    if kind == "cr":
        return kind, base.replace(b"\n", rng.choice([b"\r", b"\r\n", b"\r\r\n", b"\n\r"]))
    if kind == "reencode":
        return kind, reencode(rng, base)
    if kind == "mojibake":
        return kind, mojibake(rng, base)
    if kind == "lossy":
        return kind, lossy(rng, base)
    if kind == "splice":
        return kind, splice(rng, base, reencode(rng, excerpt(rng, pool)))
    if kind == "repeat":
        return kind, repeat(rng, base)
    if kind == "random":
        return kind, rng.randbytes(rng.randint(0, 4000))
    if kind == "odd":
        return kind, odd_text(rng)
    if kind == "nbsp":
        return kind, base.replace(b" ", rng.choice([b"\xc2\xa0", b"\xe2\x80\x8b", b"  "]))
    return kind, flip_bytes(rng, mojibake(rng, truncate(rng, base)))


# --- running ------------------------------------------------------------

class Hang(Exception):
    pass


def _on_alarm(signum, frame):
    raise Hang()


class Tally:
    def __init__(self) -> None:
        self.tried = 0
        self.refused = 0
        self.crashes: list[tuple[str, str]] = []
        self.violations: list[tuple[str, str]] = []
        self.slowest: tuple[float, str, int] = (0.0, "", 0)

    def time(self, seconds: float, label: str, size: int) -> None:
        if seconds > self.slowest[0]:
            self.slowest = (seconds, label, size)


def check_output(doc: cleaner.Document) -> str | None:
    """A broken promise about the output, or None."""
    text = doc.text
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return "output not encodable as UTF-8"
    if not unicodedata.is_normalized("NFC", text):
        return "output not NFC"
    again = cleaner.clean_bytes(data)
    if again.output_bytes != data:
        return "not idempotent"
    return None


def library_round(rng: random.Random, pool: list[bytes], count: int, tally: Tally,
                  crash_dir: Path, limit: int) -> None:
    """Clean and check ``count`` inputs in this process; an input that takes
    over ``limit`` seconds counts as a crash (a hang)."""
    signal.signal(signal.SIGALRM, _on_alarm)
    for i in range(count):
        if i and i % 1000 == 0:
            print(f"  {i:,} library inputs, {len(tally.crashes)} crashes", file=sys.stderr, flush=True)
        kind, data = make_input(rng, pool)
        tally.tried += 1
        start = time.perf_counter()
        signal.alarm(limit)
        try:
            doc = cleaner.clean_bytes(data)
            problem = check_output(doc)
        except CleanerError:
            tally.refused += 1
            continue
        except Hang:
            saved = crash_dir / f"hang-{i}-{kind}.bin"
            saved.write_bytes(data)
            tally.crashes.append((str(saved), f"no result after {limit}s"))
            continue
        except Exception:  # noqa: BLE001 - that is what we are looking for
            saved = crash_dir / f"crash-{i}-{kind}.bin"
            saved.write_bytes(data)
            tally.crashes.append((str(saved), traceback.format_exc(limit=-2)))
            continue
        finally:
            signal.alarm(0)
            tally.time(time.perf_counter() - start, f"library #{i} ({kind})", len(data))
        if problem:
            saved = crash_dir / f"violation-{i}-{kind}.bin"
            saved.write_bytes(data)
            tally.violations.append((str(saved), problem))


def cli_round(rng: random.Random, pool: list[bytes], count: int, batch: int, tally: Tally,
              crash_dir: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    done = 0
    while done < count:
        size = min(batch, count - done)
        with tempfile.TemporaryDirectory(prefix="cleaner-fuzz-") as tmp:
            folder, out = Path(tmp) / "in", Path(tmp) / "out"
            folder.mkdir()
            kinds = {}
            for i in range(size):
                kind, data = make_input(rng, pool)
                name = f"{i:05d}-{kind}.txt"
                (folder / name).write_bytes(data)
                kinds[name] = kind
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "cleaner", "clean", "--quiet", "--no-cache", "-o", str(out),
                 str(folder)], env=env, capture_output=True, timeout=3600)
            elapsed = time.perf_counter() - start
            tally.time(elapsed / size, f"CLI batch of {size} (per file)", 0)
            tally.tried += size
            tally.refused += proc.stderr.count(b"cleaner: error:")
            if proc.returncode not in (0, 1, 2) or b"Traceback" in proc.stderr:
                kept = crash_dir / f"cli-batch-{done}"
                kept.mkdir()
                for path in folder.iterdir():
                    (kept / path.name).write_bytes(path.read_bytes())
                tally.crashes.append((str(kept), f"exit {proc.returncode}: "
                                      + proc.stderr.decode("utf-8", "replace")[-2000:]))
        done += size


# --- pathological inputs: time against size --------------------------------

PATHOLOGICAL = {
    # name: (unit, repeats at the smallest size)
    "one long line of Vietnamese": ("Quận Hà Đông đổi mới, người dân được hỗ trợ. ".encode(), 20_000),
    "question marks": (b"?", 250_000),
    "mojibake pairs": ("Ã©Ä\x90".encode(), 60_000),
    "chrome label repeated": ("Bình luận | Chia sẻ | ".encode(), 20_000),
    "empty lines": (b"\n", 250_000),
    "CR only": (b"x\r", 125_000),
    "NBSP and zero-width": ("\u00a0\u200b".encode(), 50_000),
    "combining marks": ("a\u0301\u0323\u0309".encode(), 30_000),
    "brackets and bars": (b"((([[[|||]]])))", 20_000),
    "short lines of chrome": ("Chia sẻ\nTin liên quan\n".encode(), 10_000),
    "lossy Vietnamese": ("Qu?n H? ??ng ?? ng??i d?n ".encode(), 10_000),
}


def timed(data: bytes) -> float:
    start = time.perf_counter()
    try:
        cleaner.clean_bytes(data)
    except CleanerError:
        pass
    return time.perf_counter() - start


def pathological(big_line_mb: int) -> list[tuple[str, int, float, float, float]]:
    """(name, bytes at the largest size, t(n), t(4n), ratio) per pattern."""
    rows = []
    for name, (unit, repeats) in PATHOLOGICAL.items():
        small, large = unit * repeats, unit * (repeats * 4)
        timed(small)  # warm-up: models, caches, compiled patterns
        t_small, t_large = timed(small), timed(large)
        rows.append((name, len(large), t_small, t_large, t_large / max(t_small, 1e-6)))
        print(f"  {name:32s} {len(large):>11,} B  t(n)={t_small:7.3f}s  t(4n)={t_large:7.3f}s  "
              f"ratio {t_large / max(t_small, 1e-6):5.2f}", flush=True)
    # the 10 MB single line and a million '?'
    unit = "Quận Hà Đông đổi mới, người dân được hỗ trợ. ".encode()
    line = unit * (big_line_mb * 1024 * 1024 // len(unit))
    t_line = timed(line)
    print(f"  {'single line':32s} {len(line):>11,} B  t={t_line:.2f}s "
          f"({len(line) / t_line / 1e6:.2f} MB/s)", flush=True)
    t_q = timed(b"?" * 1_000_000)
    print(f"  {'1,000,000 question marks':32s} {1_000_000:>11,} B  t={t_q:.2f}s", flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="inputs in all (default 10,000)")
    parser.add_argument("--cli-share", type=float, default=0.2, help="share run through the CLI")
    parser.add_argument("--batch", type=int, default=500, help="files per CLI run")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--big-line-mb", type=int, default=10)
    parser.add_argument("--skip-pathological", action="store_true")
    parser.add_argument("--time-limit", type=int, default=60, help="seconds before an input counts as a hang")
    parser.add_argument("--crash-dir", type=Path, default=None, help="where failing inputs are kept")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pool = seeds()
    crash_dir = args.crash_dir or Path(tempfile.mkdtemp(prefix="cleaner-fuzz-crashes-"))
    crash_dir.mkdir(parents=True, exist_ok=True)
    tally = Tally()
    cli_count = int(args.count * args.cli_share)
    started = time.perf_counter()
    library_round(rng, pool, args.count - cli_count, tally, crash_dir, args.time_limit)
    cli_round(rng, pool, cli_count, args.batch, tally, crash_dir)
    print(f"inputs tried: {tally.tried:,} ({args.count - cli_count:,} library, {cli_count:,} CLI) "
          f"in {time.perf_counter() - started:.0f}s")
    print(f"refused with a clean error: {tally.refused:,}")
    print(f"crashes: {len(tally.crashes)}")
    for where, what in tally.crashes[:10]:
        print(f"  {where}\n    " + what.strip().replace("\n", "\n    "))
    print(f"property violations (UTF-8 / NFC / idempotence): {len(tally.violations)}")
    for where, what in tally.violations[:10]:
        print(f"  {where}: {what}")
    seconds, label, size = tally.slowest
    print(f"slowest input: {label}, {size:,} bytes, {seconds:.3f}s")

    bad_growth = []
    if not args.skip_pathological:
        print("pathological inputs (linear growth: ratio about 4):")
        for name, _size, _ts, t_large, ratio in pathological(args.big_line_mb):
            if ratio > 4 * SUPERLINEAR and t_large > 0.05:
                bad_growth.append(name)
        print(f"super-linear: {len(bad_growth)}" + (f" ({', '.join(bad_growth)})" if bad_growth else ""))
    if not (tally.crashes or tally.violations or bad_growth):
        os.rmdir(crash_dir) if not any(crash_dir.iterdir()) else None
    return 1 if tally.crashes or tally.violations or bad_growth else 0


if __name__ == "__main__":
    sys.exit(main())
