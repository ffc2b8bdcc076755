"""The ``cleaner`` command: a thin Typer layer over the library.

Exit codes: 0 success; 1 ``--check`` found files that would change;
2 usage error or an input that could not be cleaned (binary, undecodable,
unreadable, bad config). Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from . import __version__
from .config import Config, config_start, load_config
from .errors import CleanerError
from .files import STDIN, Source, iter_sources, read_bytes, SourceError
from .interrupt import EXIT_INTERRUPTED, finish_current_on_sigint
from .report import COLOR_CHOICES, Reporter, ReportPathError, console_options, open_report, shown_path
from .runner import CleanRun, Mode, OutputCollisionError, input_globs

EXIT_OK, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


class _Commands(dict):
    """The command table of the ``cleaner`` group. The commands defined in
    other modules (``rules``, ``cache``, ``model``, ``learn``) are imported
    only when asked for by name or listed (``--help``): ``cleaner clean``
    does not pay for importing the rule engine, numpy or ``cleaner.learn``."""

    LAZY = {  # name: (module, attribute, is a Typer sub-app)
        "rules": ("cli_rules", "rules_app", True),
        "cache": ("cli_cache", "cache_app", True),
        "model": ("cli_model", "model_app", True),
        "learn": ("cli_learn", "learn", False),
    }

    def __missing__(self, name: str):
        if name not in self.LAZY:
            raise KeyError(name)
        from importlib import import_module

        module, attribute, is_app = self.LAZY[name]
        target = getattr(import_module(f".{module}", __package__), attribute)
        holder = typer.Typer()
        if is_app:
            holder.add_typer(target, name=name)
        else:
            holder.command(name)(target)
        command = self[name] = typer.main.get_group(holder).commands[name]
        return command

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def __contains__(self, name) -> bool:
        return dict.__contains__(self, name) or name in self.LAZY

    def _names(self) -> list[str]:
        return list(dict.keys(self)) + [n for n in self.LAZY if not dict.__contains__(self, n)]

    def keys(self):
        return self._names()

    def __iter__(self):
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def items(self):
        return [(name, self[name]) for name in self._names()]

    def values(self):
        return [self[name] for name in self._names()]


class _LazyGroup(TyperGroup):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands)
        _plain_values(self.params)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        _plain_values([option])
        return option


class _PlainCommand(TyperCommand):
    """``clean`` and ``detect``: option values converted without pydantic."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_values(self.params)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        _plain_values([option])
        return option


# Recent typer versions convert every option value with a pydantic
# TypeAdapter, which imports pydantic on each run (~0.1-0.2 s: as long as a
# re-run that finds every file in the cache takes). For the plain str, Path,
# int and list-of-str options of ``clean`` and ``detect``, ordinary values
# are converted here exactly as typer would; anything else (a bad number, a
# NUL byte) still goes through typer, for the same result or message.
_PLAIN_INFO = {"parser": None, "click_type": None, "max": None, "clamp": False, "exists": False,
               "file_okay": True, "dir_okay": True, "writable": False, "readable": True,
               "resolve_path": False, "allow_dash": False, "path_type": None}


class _PlainValue:
    def __init__(self, param, kind):
        self.param, self.kind = param, kind
        self.minimum = param.type_descriptor.parameter_info.min
        self._typer = None

    def coerce(self, value, param, ctx):
        multiple = param.multiple or param.nargs == -1
        if value is None:
            return () if multiple else None
        kind = self.kind
        if kind == "bool" and type(value) is bool:
            return value
        if kind == "list" and isinstance(value, (list, tuple)) and all(type(v) is str for v in value):
            return list(value)
        if not multiple and type(value) is str:
            if kind == "str":
                return value
            if kind == "path" and "\x00" not in value:
                return Path(value)
            if kind == "int" and value.isascii() and value.isdigit():
                number = int(value)
                if self.minimum is None or number >= self.minimum:
                    return number
        if self._typer is None:
            from typer._coercion import build_runtime_param

            self._typer = build_runtime_param(self.param.type_descriptor)
        return self._typer.coerce(value, param=param, ctx=ctx)


def _plain_values(params) -> None:
    try:
        _set_plain_values(params)
    except Exception:  # typer internals not as expected: typer converts everything itself
        pass


def _set_plain_values(params) -> None:
    kinds = {str: "str", Path: "path", int: "int", list[str]: "list", bool: "bool"}
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", True) is not None:
            continue  # not the typer this was written for: leave it alone
        info = descriptor.parameter_info
        kind = kinds.get(descriptor.annotation)
        if (kind is None or descriptor.file_annotation is not None
                or any(getattr(info, key, default) != default for key, default in _PLAIN_INFO.items())
                or (info.min is not None and kind != "int")):
            continue
        param._runtime_param = _PlainValue(param, kind)


app = typer.Typer(
    cls=_LazyGroup,
    help="Turn scraped web text into a clean corpus: decode, repair mojibake, "
    "remove site chrome, normalize.\n\nExit codes: 0 ok, 1 --check found changes, "
    "2 usage or input error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _color_system(color: str) -> dict:
    """rich Console options for --color, NO_COLOR and FORCE_COLOR."""
    return console_options(color)


def _stderr(color: str = "auto") -> Console:
    return Console(stderr=True, highlight=False, **_color_system(color))


def _fail(message: str) -> typer.Exit:
    _stderr().print(f"cleaner: error: {message}", markup=False, soft_wrap=True)  # one line
    return typer.Exit(EXIT_ERROR)


def _config(config_file: Optional[Path], start: Path, overrides: dict) -> Config:
    try:
        config = load_config(config_file, start=start)
        # (spelled as in the config files: "option 'tone-style'")
        config = config.replace_from({k.replace("_", "-"): v for k, v in overrides.items() if v is not None},
                                     "command line")
        _check_names(config)
    except CleanerError as exc:
        raise _fail(str(exc)) from None
    return config


def _check_names(config: Config) -> None:
    """An encoding or a model file that does not exist is one error before
    any input, not one per file (the model itself is read only if some
    input needs it)."""
    if config.encoding:
        from .stages.decode import codec_name

        codec_name(config.encoding)
    if config.model and not Path(config.model).is_file():
        raise CleanerError(f"model file '{config.model}' not found")


def _run_options(workers, no_cache, cache_dir, jsonl, text_field, site_field=None) -> dict:
    """Command-line overrides for the run options (None: keep the config's)."""
    options = {"workers": workers, "cache": False if no_cache else None,
               "cache_dir": str(cache_dir) if cache_dir else None, "jsonl": jsonl or None,
               "text_field": text_field, "site_field": site_field}
    return options


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cleaner {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """cleaner: turn scraped web text into a clean corpus."""


@app.command(cls=_PlainCommand)
def clean(
    paths: list[str] = typer.Argument(..., help="Files, folders or - for stdin."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write cleaned files to this folder, mirroring the input tree."),
    in_place: bool = typer.Option(False, "--in-place", "-i", help="Rewrite changed files in place (atomically)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if any file would change."),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff per changed file on stdout; write nothing."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Force the input encoding (e.g. cp1252, tcvn3)."),
    tone_style: Optional[str] = typer.Option(None, "--tone-style", help="Place tone marks in the 'old' (hòa) or 'new' (hoà) style."),
    model: Optional[Path] = typer.Option(None, "--model", help="Restoration model for lossy ?/\ufffd damage (default: the shipped one; see 'cleaner model')."),
    force: bool = typer.Option(False, "--force", help="Write even when the safety cap or the empty-output guard would refuse."),
    rules: Optional[list[str]] = typer.Option(None, "--rules", help="Chrome rule pack (generic, vi-news, en-news, default, none) or rule file; repeatable."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Config file (default: nearest cleaner.toml or pyproject.toml [tool.cleaner])."),
    stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename", help="Name stdin input for config matching and reports."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="A line per file and every change kind."),
    color: str = typer.Option("auto", "--color", help="Colour: auto (terminals only; NO_COLOR / FORCE_COLOR respected), always or never."),
    report_file: Optional[Path] = typer.Option(None, "--report", help="Also write a report: FILE.json (schema cleaner-report/1) or FILE.html (one self-contained page)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=0, help="Worker processes (default: one per CPU; 1: no workers)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Clean every file, even those the cache knows are clean."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Cache folder (default: $XDG_CACHE_HOME/cleaner)."),
    jsonl: bool = typer.Option(False, "--jsonl", help="Inputs are JSON Lines (.jsonl, also .gz/.xz/.bz2/.zst): clean one field per record."),
    text_field: Optional[str] = typer.Option(None, "--text-field", help="The JSONL field to clean (default: text)."),
    site_field: Optional[str] = typer.Option(None, "--site-field", help="The JSONL field naming each record's page, a URL or domain, for per-site rules (default: url; '' for none)."),
) -> None:
    """Clean files, folders or stdin.

    Exit codes: 0 success; 1 --check found files that would change;
    2 usage error or an input that could not be cleaned.
    """
    if color not in COLOR_CHOICES:
        raise _fail(f"--color must be one of {', '.join(COLOR_CHOICES)}")
    console = _stderr(color)
    modes = [bool(output), in_place, check, diff]
    if sum(modes) > 1:
        raise _fail("choose one of -o/--output, --in-place, --check and --diff")
    if STDIN in paths and (in_place or output):
        raise _fail("stdin (-) cannot be written in place or to a folder")
    start = config_start(paths, stdin_filename)
    config = _config(config_file, start, {"encoding": encoding, "tone_style": tone_style,
                                          "model": str(model) if model else None,
                                          "force": force or None, "rules": rules or None,
                                          **_run_options(workers, no_cache, cache_dir, jsonl, text_field, site_field)})
    errors: list[tuple[str, str]] = []
    # An output folder inside an input folder is not walked: its files would
    # be cleaned again, into output/output/..., on every run.
    sources = list(iter_sources(paths, input_globs(config), config.exclude, errors, compressed=True,
                                skip_folder=output))
    if stdin_filename:
        sources = [Source(s.path, stdin_filename) if s.path == STDIN else s for s in sources]
    to_stdout = not (output or in_place or check or diff)
    if to_stdout and (len(sources) + len(errors) > 1 or any(Path(p).is_dir() for p in paths if p != STDIN)):
        many = "several inputs" if len(paths) > 1 else "a folder"
        raise _fail(f"{many} need{'' if len(paths) > 1 else 's'} -o DIR, --in-place, --check or --diff")
    # --check re-runs may take a file's recorded result (its changes, not its
    # text) from the cache; a report file shows texts, so it needs a clean.
    mode = Mode(output_dir=output, in_place=in_place, stdout=to_stdout,
                write=not (check or diff), diff=diff, reuse_results=check and not report_file,
                texts=diff or to_stdout or report_file is not None)

    if report_file is not None and _report_overwrites(report_file, sources, output):
        raise _fail(f"--report {report_file} is one of the inputs or outputs; name another file")

    # Files the cache knows are clean by their stat are found first; the
    # rules are loaded (and checked) only if something is left to clean.
    try:
        run = CleanRun(sources, config, mode)
    except OutputCollisionError as exc:
        raise _fail(str(exc)) from None
    try:
        _run_clean(run, config, console, errors, color=color, quiet=quiet, verbose=verbose,
                   check=check, diff=diff, in_place=in_place, report_file=report_file)
    finally:
        run.close()


def _report_overwrites(report_file: Path, sources: list[Source], output: Optional[Path]) -> bool:
    """Whether the report would be written over an input or an output."""
    report = os.path.abspath(report_file)
    for source in sources:
        if source.path == STDIN:
            continue
        if os.path.abspath(source.path) == report or (
                output is not None and os.path.abspath(os.path.join(output, source.relative)) == report):
            return True
    return False


def _run_clean(run: CleanRun, config: Config, console: Console, errors: list[tuple[str, str]], *,
               color: str, quiet: bool, verbose: bool, check: bool, diff: bool, in_place: bool,
               report_file: Optional[Path]) -> None:
    # (Every input known clean means they were cleaned under these exact
    # rules, config and code: the cache fingerprint covers them.)
    if (run.to_clean or not run.sources) and config.has_chrome_rules:
        from .cli_rules import check_rules

        try:
            check_rules(config)  # a malformed rule file is one error, before any input
        except CleanerError as exc:
            raise _fail(str(exc)) from None
    try:
        report = open_report(report_file) if report_file else None
    except ReportPathError as exc:
        raise _fail(str(exc)) from None
    reporter = Reporter(console, Console(highlight=False, **_color_system(color)), quiet=quiet,
                        verbose=verbose, check=check, diff=diff, in_place=in_place, color=color,
                        report=report, total=len(run.sources))
    try:
        with finish_current_on_sigint() as stop:  # Ctrl-C: stop between files
            for path, message in errors:
                reporter.add_error(path, message)
            # After a first Ctrl-C, the run starts nothing new and still
            # yields what workers had finished.
            reporter.counts_in_add = False  # the run counts files as they finish
            for result in run.results(stop=stop, on_done=reporter.progress.finished):
                reporter.add(result)
    except BaseException:
        reporter.abort()
        raise
    summary = reporter.finish()
    if stop.requested:
        console.print("cleaner: interrupted: the files counted above are done, the rest untouched", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED)
    if summary.failed:
        raise typer.Exit(EXIT_ERROR)
    if check and summary.changed:
        raise typer.Exit(EXIT_CHANGES)


@app.command(cls=_PlainCommand)
def detect(
    paths: list[str] = typer.Argument(..., help="Files, folders or - for stdin."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Config file."),
) -> None:
    """Show each input's encoding, confidence and how it was decided."""
    import json

    from .document import Document
    from .files import compression_of, read_decompressed
    from .stages.decode import decode

    start = config_start(paths)
    config = _config(config_file, start, {})
    errors: list[tuple[str, str]] = []
    console = _stderr()
    failed = False
    for source in iter_sources(paths, config.include, config.exclude, errors, compressed=True):
        doc = Document(path=source.path)
        try:
            if source.path != STDIN and compression_of(source.path):
                data, _ = read_decompressed(source, config.max_file_size)
                if data is None:
                    raise SourceError(f"decompressed input is over the {config.max_file_size:,}-byte "
                                      "limit (max_file_size)")
            else:
                data, _ = read_bytes(source)
            decode(data, config, doc)
        except (CleanerError, SourceError) as exc:
            console.print(f"cleaner: error: {source.path}: {exc}", markup=False, soft_wrap=True)
            failed = True
            continue
        if as_json:
            record = {"path": shown_path(source.path), "encoding": doc.encoding,
                      "confidence": round(doc.confidence, 3), "method": doc.method}
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(f"{shown_path(source.path)}\t{doc.encoding}\t{doc.confidence:.2f}\t{doc.method}\n")
    for path, message in errors:
        console.print(f"cleaner: error: {path}: {message}", markup=False, soft_wrap=True)
        failed = True
    if failed:
        raise typer.Exit(EXIT_ERROR)


def main() -> None:
    try:
        app(prog_name="cleaner")
    except KeyboardInterrupt:
        sys.stderr.write("cleaner: interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
