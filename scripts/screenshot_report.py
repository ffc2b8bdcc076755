"""Render an HTML report in headless Chromium: a screenshot to look at, and
a check that the page's script ran without errors.

    python scripts/screenshot_report.py [INPUT ...] [--out report.png] [--html report.html]

Builds ``cleaner clean INPUT --check --report FILE.html`` (default input:
samples/input), then runs Debian's ``chromium`` headless twice: once with
``--dump-dom`` (the script must have built the file list and set
``data-ready``; the console log must show no "Uncaught" error) and once with
``--screenshot``. Exit status 0 when the page rendered cleanly.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_chromium(chromium: str, url: str, *extra: str, timeout: int = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr",
             "--v=0", *extra, url],
            capture_output=True, text=True, timeout=timeout,
        )


def page_errors(stderr: str) -> list[str]:
    """JavaScript errors Chromium logged for the page."""
    return [line for line in stderr.splitlines() if "Uncaught" in line or "CONSOLE" in line and "Error" in line]


def check_page(chromium: str, html_file: Path, fragment: str = "") -> tuple[str, list[str]]:
    """The DOM after the page's script ran, and any JS errors."""
    proc = run_chromium(chromium, html_file.resolve().as_uri() + fragment, "--dump-dom")
    return proc.stdout, page_errors(proc.stderr)


def build_report(inputs: list[str], html_file: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cleaner", "clean", *inputs, "--check", "--quiet",
         "--report", str(html_file)], capture_output=True, text=True, cwd=ROOT,
    )
    if proc.returncode not in (0, 1) or not html_file.exists():
        raise SystemExit(f"cleaner failed ({proc.returncode}): {proc.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", default=[str(ROOT / "samples" / "input")])
    parser.add_argument("--out", default="report.png", help="screenshot file")
    parser.add_argument("--html", help="keep the HTML report here (default: a temp file)")
    parser.add_argument("--size", default="1280,900", help="window size WIDTH,HEIGHT")
    parser.add_argument("--filter", default="", help="filters for the screenshot, e.g. status=changed&q=news")
    args = parser.parse_args()
    chromium = find_chromium()
    if not chromium:
        print("chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        html_file = Path(args.html) if args.html else Path(folder) / "report.html"
        build_report(args.inputs, html_file)
        dom, errors = check_page(chromium, html_file)
        ready = 'data-ready="1"' in dom and 'class="file-item"' in dom
        fragment = "#" + args.filter if args.filter else ""
        shot = run_chromium(chromium, html_file.resolve().as_uri() + fragment,
                            f"--screenshot={os.path.abspath(args.out)}", f"--window-size={args.size}")
        print(f"report: {html_file} ({html_file.stat().st_size:,} bytes)")
        print(f"screenshot: {args.out} ({'ok' if shot.returncode == 0 else 'failed'})")
        print(f"script ran: {'yes' if ready else 'NO'}; JS errors: {len(errors)}")
        for line in errors:
            print("  " + line)
        return 0 if ready and not errors and shot.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
