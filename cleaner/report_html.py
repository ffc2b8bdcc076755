"""The ``--report FILE.html`` writer: one self-contained page (inline CSS
and JS, a Content-Security-Policy that forbids any network load).

Written streaming: the page head and filter controls, then one section per
file as results arrive, then the summary (shown first by CSS ``order``) and
the script that builds the filterable file list from the sections.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
import zlib
from collections import defaultdict
from itertools import zip_longest
from pathlib import Path

from . import __version__
from .document import Change
from .report import StreamingFile, Summary, before_text, display_name, split_lines
from .runner import FileResult

CONTEXT_LINES = 3
MAX_ROWS_PER_FILE = 2000  # longer diffs are cut, with a note
MAX_INLINE_DIFF = 5000  # characters; longer lines are marked whole

# Characters that would be invisible or ambiguous in a diff cell, and the
# whitespace shown with a marker inside changed spans.
_INVISIBLE = (
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00a0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
    "\u180b-\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
_SPECIAL = re.compile(_INVISIBLE + "|[\t\n ]")
_WHITESPACE_MARKS = {"\t": "→", "\n": "↵", " ": "·"}


def kind_hue(kind: str) -> int:
    """A stable colour (hue) per change kind, so unknown kinds get one too."""
    return zlib.crc32(kind.encode("utf-8", "replace")) % 360


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _codepoint(ch: str) -> str:
    name = unicodedata.name(ch, "") if not "\ud800" <= ch <= "\udfff" else "lone surrogate"
    label = f"U+{ord(ch):04X}"
    return f'<span class="cp" title="{_attr(label + " " + name)}">{label}</span>'


def show(text: str, mark_spaces: bool = False) -> str:
    """Escaped HTML for ``text`` with invisible characters made visible
    (and spaces, inside changed spans, where they are the change)."""

    def visible(match: re.Match) -> str:
        ch = match.group(0)
        if ch == " " and not mark_spaces:
            return " "
        if ch in _WHITESPACE_MARKS:
            return f'<span class="ws">{_WHITESPACE_MARKS[ch]}</span>'
        return _codepoint(ch)

    # Escaping adds no special characters, so one pass after it is safe.
    return _SPECIAL.sub(visible, html.escape(text, quote=False))


def _tip(change: Change) -> str:
    tip = f"{change.kind} ({change.stage}): {change.reason}"
    if change.rule:
        tip += f" [rule {change.rule}]"
    if change.confidence is not None:
        tip += f" [confidence {change.confidence:.2f}]"
    return tip


class _ChangeIndex:
    """Finds the recorded changes behind a diff row: by the lines they saw
    or produced, else by line number (line numbers are per stage, so they
    are only a fallback)."""

    def __init__(self, changes: list[Change], old_lines: list[str], new_lines: list[str]) -> None:
        self.by_before: dict[str, list[int]] = defaultdict(list)
        self.by_after: dict[str, list[int]] = defaultdict(list)
        self.by_line: dict[int, list[int]] = defaultdict(list)
        self.changes = changes
        self.used: set[int] = set()
        shown = set(old_lines) | set(new_lines)
        for i, change in enumerate(changes):
            findable = False
            for line in change.before.split("\n") if change.before else ():
                if line.strip():
                    self.by_before[line].append(i)
                    findable = findable or line in shown
            for line in change.after.split("\n") if change.after else ():
                if line.strip():
                    self.by_after[line].append(i)
                    findable = findable or line in shown
            # Changes found by their text need no line-number guess.
            if change.line is not None and not findable:
                for number in range(change.line, (change.end_line or change.line) + 1):
                    self.by_line[number].append(i)

    def find(self, old: str | None, new: str | None, old_number: int | None) -> list[Change]:
        found: list[int] = []
        for key, index in ((old, self.by_before), (new, self.by_after), (old, self.by_after),
                           (new, self.by_before)):
            if key is not None and key.strip():
                found.extend(i for i in index.get(key, ()) if i not in found)
        if old_number is not None:  # per-stage line numbers: only changes no row claimed
            found.extend(i for i in self.by_line.get(old_number, ())
                         if i not in found and i not in self.used)
        self.used.update(found)
        return [self.changes[i] for i in found]

    def unplaced(self) -> list[Change]:
        return [c for i, c in enumerate(self.changes) if i not in self.used]


def _pick(changes: list[Change], deleted: str, inserted: str) -> Change | None:
    """The change that best explains one edited span of a row: one that
    itself removed ``deleted`` and added ``inserted``, else one that touched
    either, else the row's first."""

    def removes(change: Change) -> bool:
        return not deleted or change.before.count(deleted) > change.after.count(deleted)

    def adds(change: Change) -> bool:
        return not inserted or change.after.count(inserted) > change.before.count(inserted)

    if not changes:
        return None
    for test in (lambda c: removes(c) and adds(c), lambda c: (deleted and removes(c)) or (inserted and adds(c)),
                 lambda c: (deleted and deleted in c.before) or (inserted and inserted in c.after)):
        for change in changes:
            if test(change):
                return change
    return changes[0]


def _mark(tag: str, text: str | None, change: Change | None, whole_line: bool = False) -> str:
    if text is None or (not text and not whole_line):
        return ""
    if not text:  # a whole empty line removed or added: show that it is there
        text = "\n"
    if change is None:
        return f'<{tag} class="k" title="edited">{show(text, True)}</{tag}>'
    return (f'<{tag} class="k" style="--h:{kind_hue(change.kind)}" data-kind="{_attr(change.kind)}" '
            f'title="{_attr(_tip(change))}">{show(text, True)}</{tag}>')


def _cells(old: str | None, new: str | None, changes: list[Change]) -> tuple[str, str]:
    if old is None or new is None:
        change = _pick(changes, old or "", new or "")
        return _mark("del", old, change, True), _mark("ins", new, change, True)
    if len(old) + len(new) > MAX_INLINE_DIFF:
        change = _pick(changes, old, new)
        return _mark("del", old, change), _mark("ins", new, change)
    left, right = [], []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(show(old[i1:i2]))
            right.append(show(new[j1:j2]))
            continue
        change = _pick(changes, old[i1:i2], new[j1:j2])
        left.append(_mark("del", old[i1:i2], change))
        right.append(_mark("ins", new[j1:j2], change))
    return "".join(left), "".join(right)


def _row(old_no: int | None, old: str | None, new_no: int | None, new: str | None,
         index: _ChangeIndex) -> str:
    if old is not None and old == new:
        text = show(old)
        return (f'<tr><td class="n">{old_no}</td><td class="t">{text}</td>'
                f'<td class="n">{new_no}</td><td class="t">{text}</td></tr>')
    changes = index.find(old, new, old_no)
    left, right = _cells(old, new, changes)
    first = changes[0] if changes else None
    style = f' style="--h:{kind_hue(first.kind)}"' if first else ""
    tip = "\n".join(dict.fromkeys(_tip(c) for c in changes)) or "edited"
    kinds = " ".join(dict.fromkeys(c.kind for c in changes))
    return (f'<tr class="d"{style} title="{_attr(tip)}" data-kinds="{_attr(kinds)}">'
            f'<td class="n">{old_no or ""}</td><td class="t o">{left}</td>'
            f'<td class="n">{new_no or ""}</td><td class="t w">{right}</td></tr>')


def _pair_lines(old: list[str], i1: int, i2: int, new: list[str], j1: int, j2: int):
    """(old index or None, new index or None) for a replaced block: each old
    line beside the most similar new line ahead, so a removed line does not
    push every later line out of place."""
    if i2 - i1 == j2 - j1 or (i2 - i1) * (j2 - j1) > 2500:
        yield from zip_longest(range(i1, i2), range(j1, j2))
        return
    j = j1
    for i in range(i1, i2):
        best, best_ratio = None, 0.5
        for k in range(j, min(j2, j + 8)):
            ratio = 1.0 if old[i] == new[k] else difflib.SequenceMatcher(None, old[i], new[k]).quick_ratio()
            if ratio > best_ratio:
                best, best_ratio = k, ratio
        if best is None:
            yield i, None
            continue
        for k in range(j, best):
            yield None, k
        yield i, best
        j = best + 1
    for k in range(j, j2):
        yield None, k


def side_by_side(old_text: str, new_text: str, changes: list[Change]) -> tuple[str, list[Change]]:
    """The diff table rows (HTML) and the changes no row shows (whole-document
    ones such as line endings, or edits later undone)."""
    old_lines, new_lines = split_lines(old_text), split_lines(new_text)
    index = _ChangeIndex(changes, old_lines, new_lines)
    rows: list[str] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines)
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        if len(rows) >= MAX_ROWS_PER_FILE:
            rows.append('<tr class="cut"><td colspan="4">… diff cut here (too long for the report)</td></tr>')
            break
        first, last = group[0], group[-1]
        rows.append(f'<tr class="hunk"><td colspan="4">@@ -{first[1] + 1},{last[2] - first[1]} '
                    f'+{first[3] + 1},{last[4] - first[3]} @@</td></tr>')
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for k in range(i2 - i1):
                    rows.append(_row(i1 + k + 1, old_lines[i1 + k], j1 + k + 1, new_lines[j1 + k], index))
                continue
            for i, j in _pair_lines(old_lines, i1, i2, new_lines, j1, j2):
                rows.append(_row(i + 1 if i is not None else None, old_lines[i] if i is not None else None,
                                 j + 1 if j is not None else None, new_lines[j] if j is not None else None,
                                 index))
    return "\n".join(rows), index.unplaced()


def change_rows(changes: list[Change]) -> str:
    """Diff rows built from the change records alone, one per change (for
    inputs whose whole text was never held)."""
    rows = []
    for change in changes[:MAX_ROWS_PER_FILE]:
        left, right = _cells(change.before, change.after, [change])
        rows.append(f'<tr class="d" style="--h:{kind_hue(change.kind)}" title="{_attr(_tip(change))}">'
                    f'<td class="n">{change.line or ""}</td><td class="t o">{left}</td>'
                    f'<td class="n"></td><td class="t w">{right}</td></tr>')
    if len(changes) > MAX_ROWS_PER_FILE:
        rows.append('<tr class="cut"><td colspan="4">… more changes not shown</td></tr>')
    return "\n".join(rows)


_CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:16px 24px;
 color:#1d2430;background:#f6f7f9;display:flex;flex-direction:column;gap:12px}
h1{font-size:20px;margin:0}
h2{font-size:16px;margin:0 0 6px}
#summary{order:-2}
#controls{order:-1;position:sticky;top:0;z-index:2;background:#f6f7f9;padding:6px 0}
.box{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:10px 14px}
.stats{display:flex;flex-wrap:wrap;gap:8px 20px;margin:4px 0 8px}
.stat b{font-size:18px;display:block}
.counts{display:flex;flex-wrap:wrap;gap:16px}
.counts table{border-collapse:collapse}
.counts td{padding:1px 8px 1px 0}
.counts td.c{text-align:right}
.chip{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;
 background:hsl(var(--h,210) 70% 88%);border:1px solid hsl(var(--h,210) 45% 62%)}
.warn{color:#8a5a00}
#controls input,#controls select{font:inherit;padding:3px 6px;margin-right:8px}
#file-list{list-style:none;margin:8px 0 0;padding:0;max-height:220px;overflow:auto;columns:2}
#file-list li{padding:1px 0;break-inside:avoid}
#file-list a{color:#1d4ed8;text-decoration:none}
.st{font-size:11px;padding:0 5px;border-radius:8px;margin-left:6px;background:#e5e7eb}
.st-changed{background:#fde68a}.st-failed{background:#fecaca}.st-unchanged{background:#d1fae5}
section.file{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:8px 12px}
section.file header{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:baseline}
section.file .path{font-weight:600;font-family:ui-monospace,Menlo,Consolas,monospace}
.meta{color:#5b6472;font-size:12px}
.err{color:#b91c1c}
table.diff{width:100%;border-collapse:collapse;table-layout:fixed;margin-top:6px;
 font:12.5px/1.4 ui-monospace,Menlo,Consolas,monospace}
table.diff col.n{width:3.5em}
table.diff td{vertical-align:top;padding:0 6px;white-space:pre-wrap;word-break:break-word}
table.diff td.n{color:#8b93a1;text-align:right;user-select:none;border-right:1px solid #eceef1}
tr.hunk td{background:#eef2ff;color:#4b5563;padding:2px 6px}
tr.cut td{color:#6b7280;font-style:italic}
tr.d td.o{background:hsl(var(--h,0) 80% 96%)}
tr.d td.w{background:hsl(var(--h,120) 80% 96%)}
del.k,ins.k{text-decoration:none;border-radius:2px;background:hsl(var(--h,0) 75% 82%);
 outline:1px solid hsl(var(--h,0) 50% 60%)}
del.k{text-decoration:line-through;text-decoration-color:hsl(var(--h,0) 60% 35%)}
.cp{font-size:10px;border:1px solid #9ca3af;border-radius:3px;padding:0 2px;color:#374151}
.ws{color:#9ca3af}
[hidden]{display:none!important}
"""

_JS = r"""
(function(){
  var sections=[].slice.call(document.querySelectorAll('section.file'));
  var list=document.getElementById('file-list');
  var text=document.getElementById('filter-text');
  var status=document.getElementById('filter-status');
  var kind=document.getElementById('filter-kind');
  var shown=document.getElementById('shown-count');
  var kinds={};
  var items=sections.map(function(s){
    var li=document.createElement('li');
    li.className='file-item';
    var a=document.createElement('a');
    a.href='#'+s.id; a.textContent=s.getAttribute('data-path');
    var st=document.createElement('span');
    st.className='st st-'+s.getAttribute('data-status');
    st.textContent=s.getAttribute('data-status');
    li.appendChild(a); li.appendChild(st);
    var n=+s.getAttribute('data-changes');
    if(n){var c=document.createElement('span');c.className='meta';c.textContent=' '+n+' change(s)';li.appendChild(c);}
    s.getAttribute('data-kinds').split(' ').forEach(function(k){if(k)kinds[k]=1;});
    list.appendChild(li);
    return li;
  });
  Object.keys(kinds).sort().forEach(function(k){
    var o=document.createElement('option');o.value=k;o.textContent=k;kind.appendChild(o);
  });
  function apply(){
    var q=text.value.toLowerCase(), s=status.value, k=kind.value, count=0;
    sections.forEach(function(sec,i){
      var ok=(!q||sec.getAttribute('data-path').toLowerCase().indexOf(q)>=0)&&
        (!s||sec.getAttribute('data-status')===s)&&
        (!k||(' '+sec.getAttribute('data-kinds')+' ').indexOf(' '+k+' ')>=0);
      sec.hidden=!ok; items[i].hidden=!ok; if(ok)count++;
    });
    shown.textContent=count+' of '+sections.length+' file(s) shown';
  }
  // Filters can be given in the address: report.html#status=changed&kind=nbsp&q=news
  location.hash.replace(/^#/,'').split('&').forEach(function(p){
    var kv=p.split('='), v=decodeURIComponent(kv[1]||'');
    if(kv[0]==='q')text.value=v;
    if(kv[0]==='status')status.value=v;
    if(kv[0]==='kind')kind.value=v;
  });
  [text,status,kind].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
  apply();
  document.body.setAttribute('data-ready','1');
})();
"""

_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cleaner {version}">
<title>cleaner report</title>
<style>{css}</style></head>
<body>
<div id="controls" class="box">
<label>Filter files <input id="filter-text" type="search" placeholder="path contains…"></label>
<label>status <select id="filter-status"><option value="">any</option><option>changed</option>
<option>unchanged</option><option>skipped</option><option>failed</option></select></label>
<label>change kind <select id="filter-kind"><option value="">any</option></select></label>
<span id="shown-count" class="meta"></span>
<ul id="file-list"></ul>
</div>
"""


class HtmlReport:
    def __init__(self, path: Path) -> None:
        self._out = StreamingFile(path)
        self._count = 0
        self._out.write(_HEAD.format(version=html.escape(__version__), css=_CSS))

    def _section(self, name: str, status: str, changes: list[Change], body: str,
                 meta: str = "") -> None:
        self._count += 1
        kinds = " ".join(sorted({c.kind.replace(" ", "_") for c in changes}))
        self._out.write(
            f'<section class="file" id="f{self._count}" data-path="{_attr(name)}" '
            f'data-status="{_attr(status)}" data-kinds="{_attr(kinds)}" data-changes="{len(changes)}">\n'
            f'<header><span class="path">{show(name)}</span>'
            f'<span class="st st-{_attr(status)}">{html.escape(status)}</span>{meta}</header>\n'
            f"{body}</section>\n"
        )

    def add(self, result: FileResult) -> None:
        doc = result.document
        name = display_name(result)
        changes = list(doc.changes) if doc else []
        meta = ""
        if doc is not None:
            confidence = f"{doc.confidence:.2f}" if doc.confidence is not None else "?"
            meta = (f'<span class="meta">{html.escape(doc.encoding or "?")} · confidence '
                    f'{confidence} · {html.escape(doc.method or "?")} · '
                    f'{len(changes)} change(s)</span>')
        parts = []
        if result.error:
            parts.append(f'<p class="err">error: {show(result.error)}</p>')
        for warning in result.warnings:
            parts.append(f'<p class="warn">warning: {show(warning)}</p>')
        if doc is not None and changes:
            if doc.decoded_text is None:  # cleaned in pieces (large or JSONL): no whole text
                rows, unplaced = change_rows(changes), []
            else:
                rows, unplaced = side_by_side(before_text(result), doc.text, changes)
            if unplaced:
                chips = " ".join(
                    f'<span class="chip" style="--h:{kind_hue(c.kind)}" title="{_attr(_tip(c))}">'
                    f'{show(c.kind)}{"" if c.line is None else f" line {c.line}"}</span>'
                    for c in unplaced[:50])
                more = f" … {len(unplaced) - 50} more" if len(unplaced) > 50 else ""
                parts.append(f'<p class="meta">not shown line by line: {chips}{more}</p>')
            if rows:
                parts.append('<table class="diff"><colgroup><col class="n"><col><col class="n"><col>'
                             f"</colgroup>\n{rows}\n</table>")
        self._section(name, result.status, changes, "\n".join(parts) + "\n", meta)

    def add_error(self, path: str, message: str) -> None:
        self._section(path, "failed", [], f'<p class="err">error: {show(message)}</p>\n')

    def finish(self, summary: Summary) -> None:
        self._out.write(_summary_html(summary))
        self._out.write(f"<script>{_JS}</script>\n</body></html>\n")
        self._out.commit()

    def abort(self) -> None:
        self._out.discard()


def _counts(title: str, counter, chips: bool = False) -> str:
    if not counter:
        return ""
    rows = []
    for key, count in counter.most_common(30):
        label = (f'<span class="chip" style="--h:{kind_hue(key)}">{show(str(key))}</span>'
                 if chips else show(str(key)))
        rows.append(f'<tr><td>{label}</td><td class="c">{count}</td></tr>')
    return f"<div><h2>{title}</h2><table>{''.join(rows)}</table></div>"


def _summary_html(summary: Summary) -> str:
    stats = "".join(
        f'<div class="stat"><b>{value}</b>{label}</div>'
        for label, value in (("files", summary.seen), ("changed", summary.changed),
                             ("unchanged", summary.unchanged), ("skipped", summary.skipped),
                             ("failed", summary.failed), ("changes", summary.changes)))
    extra = []
    if summary.safety_capped:
        extra.append('<p class="warn">hit the chrome safety cap: '
                     + ", ".join(show(p) for p in summary.safety_capped[:100]) + "</p>")
    if summary.unresolved:
        extra.append('<p class="warn">unresolved lossy damage: ' + ", ".join(
            f"{show(p)} ({n})" for p, n in summary.unresolved.most_common(100)) + "</p>")
    return (
        '<div id="summary" class="box"><h1>cleaner report</h1>'
        f'<div class="stats">{stats}</div><div class="counts">'
        + _counts("change kinds", summary.kinds, chips=True)
        + _counts("stages", summary.stages)
        + _counts("rules that removed most", summary.rules)
        + "</div>" + "".join(extra) + "</div>\n"
    )
