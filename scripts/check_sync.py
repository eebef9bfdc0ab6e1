#!/usr/bin/env python
"""Fail when `nbdev_export` would change the package or `nbdev_clean` would change a notebook.

Runs both tools and compares the files before and after; then checks that no exported cell appears twice in a module
(nbdev appends `#| export <module>` cells to a module another notebook created: see CONTRIBUTING). On a mismatch the
tools have already rewritten the files: review `git diff`, commit what is right and run the tests again.
"""
import hashlib, re, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
bindir = Path(sys.executable).parent

def snapshot():
    files = list((root/'attnrepro').rglob('*.py')) + list((root/'nbs').rglob('*.ipynb'))
    return {f.relative_to(root): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in files if '.ipynb_checkpoints' not in f.parts}

before = snapshot()
for tool in ('nbdev_clean', 'nbdev_export'):   # clean first: it sets cell ids, which export writes into the package
    r = subprocess.run([str(bindir/tool)], cwd=root, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"{tool} failed:\n{r.stdout}\n{r.stderr}")
after = snapshot()
twice = {}
for f in sorted((root/'attnrepro').rglob('*.py')):
    marks = re.findall(r'^# %% (\S+ #\S+)$', f.read_text(), re.M)
    if len(marks) != len(set(marks)): twice[f.relative_to(root)] = sorted({m for m in marks if marks.count(m) > 1})
if twice:
    for f, ms in twice.items(): print(f"{f}: exported twice: {', '.join(ms[:3])}")
    sys.exit("a cell was exported twice: does the module's `#| default_exp` notebook sort before the notebooks that add to it?")
changed = sorted(str(f) for f in before.keys() | after.keys() if before.get(f) != after.get(f))
if changed:
    print("Out of sync: nbdev_export / nbdev_clean changed these files (package not exported or notebooks not clean):")
    for f in changed: print("   ", f)
    print("They have been rewritten now: review `git diff`, commit, and run `make test` again.")
    sys.exit(1)
print(f"sync: package matches the notebooks and all {sum(1 for f in after if str(f).endswith('.ipynb'))} notebooks are clean")
