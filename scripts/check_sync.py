#!/usr/bin/env python
"""Fail when `nbdev_export` would change the package or `nbdev_clean` would change a notebook.

Runs both tools (nbdev_export through scripts/export.py) and compares the files before and after. On a mismatch the tools have already rewritten the
files: review `git diff`, commit what is right and run the tests again.
"""
import hashlib, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
bindir = Path(sys.executable).parent

def snapshot():
    files = list((root/'attnrepro').rglob('*.py')) + list((root/'nbs').rglob('*.ipynb'))
    return {f.relative_to(root): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in files if '.ipynb_checkpoints' not in f.parts}

before = snapshot()
for tool in (['nbdev_clean'], ['python', 'scripts/export.py']):  # clean first: it sets cell ids, which export writes
    # into the package; scripts/export.py = nbdev_export with the secondary (`#| export <module>`) modules rewritten
    r = subprocess.run([str(bindir/tool[0]), *tool[1:]], cwd=root, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"{tool} failed:\n{r.stdout}\n{r.stderr}")
after = snapshot()
changed = sorted(str(f) for f in before.keys() | after.keys() if before.get(f) != after.get(f))
if changed:
    print("Out of sync: nbdev_export / nbdev_clean changed these files (package not exported or notebooks not clean):")
    for f in changed: print("   ", f)
    print("They have been rewritten now: review `git diff`, commit, and run `make test` again.")
    sys.exit(1)
print(f"sync: package matches the notebooks and all {sum(1 for f in after if str(f).endswith('.ipynb'))} notebooks are clean")
