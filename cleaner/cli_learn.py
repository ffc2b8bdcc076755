"""``cleaner learn``: propose chrome rules from line frequencies per site."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from .config import config_start, load_config
from .errors import CleanerError
from .files import atomic_write
from .learn.analyse import BATCH_SIZE
from .learn import SiteRule, Thresholds, analyse, iter_files, iter_jsonl, propose, to_toml
from .parallel import worker_count
from .files import STDIN
from .report import COLOR_CHOICES, console_options


def _fail(message: str) -> typer.Exit:
    sys.stderr.write(f"cleaner: error: {message}\n")
    return typer.Exit(2)


def learn(
    paths: list[str] = typer.Argument(..., help="Folders or files of one or more sites."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the rule file here (default: stdout)."),
    min_docs: Optional[int] = typer.Option(None, "--min-docs", help="A line must occur in at least this many documents of its site [default: 5]."),
    min_share: Optional[float] = typer.Option(None, "--min-share", help="... and in at least this share of them [default: 0.3]."),
    prose_share: Optional[float] = typer.Option(None, "--prose-share", help="Share needed by lines that read like prose [default: 0.6]."),
    site_pattern: Optional[str] = typer.Option(None, "--site-pattern", help="Regex on the file path; its first group (or the match) names the site. Default: the top folder."),
    jsonl: bool = typer.Option(False, "--jsonl", help="Inputs are JSON Lines (.jsonl, .jsonl.gz/.xz/.bz2)."),
    site_field: Optional[str] = typer.Option(None, "--site-field", help="JSONL field naming the site: a URL (its host is used) or a domain. Implies --jsonl."),
    text_field: Optional[str] = typer.Option(None, "--text-field", help="JSONL field holding the text [default: text]."),
    unscoped: bool = typer.Option(False, "--unscoped", help="Write rules for every document instead of one site each (for inputs cleaned without a path)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", help="Worker processes (0: one per CPU, 1: none)."),
    max_keys: int = typer.Option(400_000, "--max-keys", help="Distinct lines kept in memory before the rarest are dropped."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Config file (default: nearest cleaner.toml or pyproject.toml)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
    color: str = typer.Option("auto", "--color", help="auto, always or never."),
) -> None:
    """Propose chrome rules for each site from the lines its pages repeat.

    Lines are compared with dates, times and numbers as placeholders; a line
    found in at least --min-docs documents and --min-share of its site's
    documents becomes a rule for that site. Clean with the result:
    cleaner clean --rules default --rules rules.toml ...
    """
    if color not in COLOR_CHOICES:
        raise _fail(f"--color must be one of {', '.join(COLOR_CHOICES)}")
    if STDIN in paths:
        raise _fail("learn reads files and folders, not stdin (-)")
    try:
        config = load_config(config_file, start=config_start(paths))
        config = config.replace_from({k: v for k, v in {
            "learn-min-docs": min_docs, "learn-min-share": min_share, "learn-prose-share": prose_share,
            "workers": workers, "text-field": text_field}.items() if v is not None}, "command line")
        pattern = re.compile(site_pattern) if site_pattern else None
    except CleanerError as exc:
        raise _fail(str(exc)) from None
    except re.error as exc:
        raise _fail(f"--site-pattern: {exc}") from None
    if max_keys < 1000:
        raise _fail("--max-keys must be at least 1000")
    jsonl = jsonl or bool(site_field) or config.jsonl
    rule = SiteRule(pattern=pattern, field=site_field, text_field=config.text_field)
    errors: list[tuple[str, str]] = []
    if jsonl:
        items, total = iter_jsonl(paths, rule, config.exclude, errors), None
    else:
        listed = list(iter_files(paths, rule, config.include, config.exclude, errors))
        items, total = listed, len(listed)
    console = Console(stderr=True, highlight=False, **console_options(color))
    for path, message in errors:
        console.print(f"cleaner: error: {path}: {message}", markup=False, soft_wrap=True)
    if errors and total == 0:
        raise typer.Exit(2)

    failures: list[tuple[str, str]] = []
    workers = worker_count(config) if total is None or total > 2 * BATCH_SIZE else 1
    tally = _run(items, config, workers, max_keys, failures, total,
                 progress=not quiet and console.is_terminal)
    limits = Thresholds(min_docs=config.learn_min_docs, min_share=config.learn_min_share,
                        prose_share=config.learn_prose_share)
    proposals = propose(tally, limits)
    documents = sum(site.docs for site in tally.sites.values())
    learned_sites = len({p.site for p in proposals})
    small = sum(1 for site in tally.sites.values() if site.docs < limits.min_docs)
    how = "field" if site_field else "pattern" if pattern else "folder"
    header = (f"Learned from {documents} documents in {len(tally.sites)} sites "
              f"(min-docs {limits.min_docs}, min-share {limits.min_share:g}, "
              f"prose-share {limits.prose_share:g}).")
    text = to_toml(proposals, how, header, scoped=not unscoped)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            atomic_write(output, text.encode("utf-8"))
        except OSError as exc:
            raise _fail(f"{output}: cannot write: {exc.strerror or exc}") from None
    for name, message in failures:
        if not quiet:
            console.print(f"cleaner: warning: {name}: skipped: {message}", markup=False, soft_wrap=True)
    if not quiet:
        console.print(f"learned {len(proposals)} rules for {learned_sites} of {len(tally.sites)} sites "
                      f"from {documents} documents"
                      + (f"; {small} sites with fewer than {limits.min_docs} documents skipped" if small else "")
                      + (f"; {len(failures)} documents unreadable" if failures else "")
                      + (f" -> {output}" if output else ""), markup=False)
    if errors:
        raise typer.Exit(2)


def _run(items, config, workers: int, max_keys: int, failures: list, total: int | None, progress: bool):
    if not progress:
        return analyse(items, config, workers, max_keys, failures=failures)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("learning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("learn", total=total)
        return analyse(items, config, workers, max_keys, failures=failures,
                       on_batch=lambda n: bar.advance(task, n))
