"""``cleaner model``: train a lossy-restoration model on your own text and
inspect one."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

model_app = typer.Typer(help="Train or inspect the syllable model that restores lossy ?/\ufffd damage.",
                        no_args_is_help=True)


def _error(message: str) -> typer.Exit:
    Console(stderr=True, highlight=False).print(f"cleaner: error: {message}", markup=False,
                                                soft_wrap=True)  # one line, however long
    return typer.Exit(2)


@model_app.command("train")
def train_command(
    corpus: list[Path] = typer.Argument(..., help="UTF-8 text files, one paragraph per line (.xz/.gz/.bz2 read as is)."),
    output: Path = typer.Option(..., "-o", "--output", help="Model file to write (.npz)."),
    order: int = typer.Option(4, "--order", help="n-gram order, 2 to 4."),
    cutoffs: str = typer.Option("1,1,3", "--cutoffs", help="Minimum counts kept for orders 2,3,4 (pruning)."),
    lexicon: Optional[Path] = typer.Option(None, "--lexicon", help="Word list (one word per line) adding word-internal n-grams."),
    license_name: str = typer.Option("unknown", "--license", help="Licence of the training text, stored in the model."),
    attribution: str = typer.Option("", "--attribution", help="Attribution line stored in the model."),
    backward: bool = typer.Option(False, "--backward",
                                  help="Also store the right-to-left model (averaged with the forward one; larger)."),
    word_bonus: float = typer.Option(0.24, "--word-bonus", min=0,
                                     help="log10 bonus for n-grams that spell a --lexicon word (0: none)."),
    topic_window: int = typer.Option(8, "--topic-window", min=0,
                                     help="Learn topic vectors from syllables this close (0: none; keeps ~4 bytes "
                                          "per corpus word in memory while training)."),
) -> None:
    """Train a model from CORPUS files (streamed: any size)."""
    from .restore.train import iter_lines, train

    for path in [*corpus, *([lexicon] if lexicon else [])]:
        if not path.is_file():
            raise _error(f"{path}: no such file")
    try:
        limits = [int(c) for c in cutoffs.split(",")]
    except ValueError:
        raise _error("--cutoffs: expected numbers such as 1,2,2") from None
    if not 2 <= order <= 4:
        raise _error("--order must be 2, 3 or 4")
    limits = (limits + [limits[-1]] * 3)[: order - 1]
    # a context must survive wherever its extensions do
    limits = [max(limits[: i + 1]) for i in range(len(limits))]
    _check_writable(output)  # before the training's minutes, not after
    progress = None
    lines = iter_lines(corpus)
    if sys.stderr.isatty():
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        bar = Progress(SpinnerColumn(), TextColumn("training: {task.completed:,} lines"),
                       TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        task = bar.add_task("train", total=None)
        progress = lambda n: bar.advance(task, n)  # noqa: E731
        bar.start()
    try:
        lexicon_lines = lexicon.read_text(encoding="utf-8").splitlines() if lexicon else ()
        model = train(lines, order=order, lexicon_lines=lexicon_lines,
                      cutoffs={n + 2: c for n, c in enumerate(limits)},
                      sources=[str(p) for p in corpus] + ([f"word list {lexicon}"] if lexicon else []),
                      license=license_name, attribution=attribution, progress=progress,
                      backward=backward, word_bonus=word_bonus if lexicon else 0.0, topic_window=topic_window)
    except (OSError, UnicodeError, EOFError) as exc:
        raise _error(f"cannot read the corpus: {exc}") from None
    finally:
        if progress:
            bar.stop()
    if not model.meta.get("training_tokens"):
        raise _error("the corpus holds no words to train on")
    # Written beside the target, then renamed: an interrupted save never
    # leaves half a model where a model was.
    temp = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        model.save(temp)
        os.replace(temp, output)
    except OSError as exc:
        raise _error(f"{output}: cannot write: {exc.strerror or exc}") from None
    finally:
        temp.unlink(missing_ok=True)  # (gone once renamed; left by a failure or Ctrl-C)
    size = output.stat().st_size
    Console(stderr=True, highlight=False).print(
        f"wrote {output}: {size / 1e6:.1f} MB, vocabulary {len(model.vocab):,}, "
        f"{model.meta['training_tokens']:,} tokens", markup=False)


def _check_writable(output: Path) -> None:
    folder = output.parent
    if output.is_dir():
        raise _error(f"{output}: is a folder; name the model file to write")
    if not folder.is_dir():
        raise _error(f"{output}: no such folder {folder}")
    if not os.access(folder, os.W_OK):
        raise _error(f"{output}: cannot write in {folder}")


@model_app.command("info")
def info_command(
    model_path: Optional[Path] = typer.Option(None, "--model", help="Model file (default: the shipped one)."),
) -> None:
    """Print a model's size, order, vocabulary, training data and licence."""
    from .restore.model import SHIPPED, ModelError, NgramModel

    path = model_path or SHIPPED
    try:
        model = NgramModel.load(path)
    except ModelError as exc:
        raise _error(str(exc)) from None
    meta = model.meta
    rows = [
        ("file", str(path)),
        ("size", f"{Path(path).stat().st_size:,} bytes"),
        ("order", str(meta["order"])),
        ("vocabulary", f"{meta['vocabulary']:,} ids"),
        ("n-grams", ", ".join(f"{n}: {c:,}" for n, c in sorted(meta["ngrams"].items()))),
        ("smoothing", meta.get("smoothing", "")),
        ("directions", ", ".join(meta.get("directions", ["forward"]))),
        ("training data", "; ".join(meta.get("training_data", [])) or "unknown"),
        ("training tokens", f"{meta.get('training_tokens', 0):,}"),
        ("tone style", meta.get("tone_style", "")),
        ("licence", meta.get("license", "unknown")),
        ("attribution", meta.get("attribution", "")),
        ("created", meta.get("created", "")),
    ]
    for key, value in rows:
        sys.stdout.write(f"{key + ':':<17}{value}\n")
    for notice in meta.get("notices", []):
        sys.stdout.write(f"{'notice:':<17}{notice}\n")
