"""The pre-commit hooks in .pre-commit-hooks.yaml, run by the real pre-commit.

``test_try_repo`` is SLOW and needs the network: pre-commit installs this
checkout and its dependencies from PyPI into a fresh virtualenv (about a
minute). Deselect it with ``-m "not network"``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytest.importorskip("pre_commit")

DIRTY = "Quận\u00a0Hà Đông  \r\n\r\n\r\nÐổi mới\r\n".encode()
CLEAN_NO_BLANKS = "Quận Hà Đông\nĐổi mới\n".encode()  # max-blank-lines = 0 from the corpus config
CLEAN = "Đã sạch.\n".encode()


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid",
                    "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True)


def _pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env["PRE_COMMIT_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_manifest_is_valid():
    proc = _pre_commit("validate-manifest", str(ROOT / ".pre-commit-hooks.yaml"),
                       cwd=ROOT, home=ROOT / ".pytest_cache" / "pre-commit-unused")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _snapshot_checkout(target: Path) -> Path:
    """This working tree (tracked and new files) committed in a fresh repo,
    so try-repo sees exactly the code under test, committed or not."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not name.startswith(("tests/", "benchmarks/", ".ci/")):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git("init", "-q", cwd=target)
    _git("add", "-A", cwd=target)
    _git("commit", "-q", "-m", "snapshot", cwd=target)
    return target


def _corpus(root: Path) -> Path:
    """A corpus git repository: a config, a dirty and a clean .txt, a .md."""
    (root / "news").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.cleaner]\nmax-blank-lines = 0\n")
    (root / "news" / "dirty.txt").write_bytes(DIRTY)
    (root / "news" / "clean.txt").write_bytes(CLEAN)
    (root / "notes.md").write_bytes(DIRTY)  # not a .txt: the hooks leave it alone
    _git("init", "-q", cwd=root)
    _git("add", "-A", cwd=root)
    return root


def _hook_entries() -> dict[str, list[str]]:
    import yaml  # pre-commit depends on PyYAML

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return {hook["id"]: hook["entry"].split() for hook in hooks}


def test_hook_entries_as_pre_commit_calls_them(tmp_path):
    """Fast: each hook's entry run the way pre-commit runs it (repo root as
    the working folder, relative paths, PRE_COMMIT=1)."""
    corpus = _corpus(tmp_path / "corpus")
    entries = _hook_entries()
    env = dict(os.environ, PRE_COMMIT="1")
    files = ["news/clean.txt", "news/dirty.txt"]

    def run(hook_id: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "cleaner", *entries[hook_id][1:], *files]
        return subprocess.run(command, cwd=corpus, env=env, capture_output=True, text=True, timeout=120)

    assert entries["cleaner"][:3] == ["cleaner", "clean", "--in-place"]
    check = run("cleaner-check")
    assert check.returncode == 1 and "would change news/dirty.txt" in check.stderr
    assert (corpus / "news" / "dirty.txt").read_bytes() == DIRTY  # never writes
    fix = run("cleaner")
    assert fix.returncode == 0 and "cleaned news/dirty.txt" in fix.stderr
    assert (corpus / "news" / "dirty.txt").read_bytes() == CLEAN_NO_BLANKS  # corpus config used
    assert run("cleaner-check").returncode == 0


@pytest.mark.network
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_try_repo(tmp_path):
    """The real thing: pre-commit installs this checkout from a git repo and
    runs both hooks (the fixing one first, then the check) in a corpus repo."""
    hooks = _snapshot_checkout(tmp_path / "hooks-repo")
    corpus = _corpus(tmp_path / "corpus")
    proc = _pre_commit("try-repo", str(hooks), "--all-files", cwd=corpus, home=tmp_path / "home")
    output = proc.stdout + proc.stderr
    # The fixing hook rewrote the dirty file (with the corpus config), so it
    # failed, like black; the check hook then passed on the fixed tree.
    assert proc.returncode == 1, output
    assert "files were modified by this hook" in output
    assert re.search(r"cleaner \(check text files\)\.+Passed", output), output
    assert (corpus / "news" / "dirty.txt").read_bytes() == CLEAN_NO_BLANKS
    assert (corpus / "news" / "clean.txt").read_bytes() == CLEAN
    assert (corpus / "notes.md").read_bytes() == DIRTY
