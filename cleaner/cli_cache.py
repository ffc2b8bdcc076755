"""``cleaner cache``: manage the cache of files known to be clean."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .cache import clear, default_cache_dir

cache_app = typer.Typer(help="The cache of files known to be clean (skipped on re-runs).",
                        no_args_is_help=True)


@cache_app.command("clear")
def cache_clear(
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Cache folder (default: $XDG_CACHE_HOME/cleaner)."),
) -> None:
    """Empty the cache."""
    folder = cache_dir or default_cache_dir()
    removed = clear(folder)
    typer.echo(f"cache {'cleared' if removed else 'already empty'}: {folder}", err=True)


@cache_app.command("path")
def cache_path() -> None:
    """Print the default cache folder."""
    typer.echo(str(default_cache_dir()))
