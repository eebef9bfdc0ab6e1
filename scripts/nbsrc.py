#!/usr/bin/env python
"""Edit notebooks as plain text and back (a tiny, dependency-free stand-in for jupytext).

    python scripts/nbsrc.py to-py nbs/01_data.ipynb  build/nbsrc/01_data.py   # notebook -> text
    python scripts/nbsrc.py to-nb build/nbsrc/01_data.py nbs/01_data.ipynb    # text -> notebook

Text format: every cell starts with a marker line ``#%% md`` or ``#%% code`` (optionally
``tags=parameters,skip-execution``); the lines after it, up to the next marker, are the cell source.
The notebook (nbs/*.ipynb) stays the single source of truth; the text form is a throwaway editing aid.
Outputs are not kept (run `nbdev_clean` afterwards as usual).
"""
import json, sys, re
from pathlib import Path

MARK = re.compile(r'^#%% (md|code)(?: tags=(\S+))?\s*$')

def nb_to_text(nb: dict) -> str:
    out = []
    for c in nb['cells']:
        kind = 'md' if c['cell_type'] == 'markdown' else 'code'
        tags = c.get('metadata', {}).get('tags', [])
        out.append(f"#%% {kind}" + (f" tags={','.join(tags)}" if tags else ''))
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        out.append(src.rstrip('\n'))
    return '\n'.join(out) + '\n'

def text_to_nb(text: str) -> dict:
    cells, cur = [], None
    for line in text.splitlines():
        m = MARK.match(line)
        if m:
            if cur is not None: cells.append(cur)
            cur = {'kind': m.group(1), 'tags': m.group(2).split(',') if m.group(2) else [], 'lines': []}
        elif cur is not None: cur['lines'].append(line)
    if cur is not None: cells.append(cur)
    nb_cells = []
    for c in cells:
        src = '\n'.join(c['lines']).strip('\n')
        lines = [l + '\n' for l in src.split('\n')]
        if lines: lines[-1] = lines[-1][:-1]
        meta = {'tags': c['tags']} if c['tags'] else {}
        if c['kind'] == 'md': cell = {'cell_type': 'markdown', 'metadata': meta, 'source': lines}
        else: cell = {'cell_type': 'code', 'execution_count': None, 'metadata': meta, 'outputs': [], 'source': lines}
        nb_cells.append(cell)
    return {'cells': nb_cells, 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
            'nbformat': 4, 'nbformat_minor': 5}

if __name__ == '__main__':
    if len(sys.argv) != 4 or sys.argv[1] not in ('to-py', 'to-nb'): sys.exit(__doc__)
    cmd, src, dst = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    dst.parent.mkdir(parents=True, exist_ok=True)
    if cmd == 'to-py': dst.write_text(nb_to_text(json.loads(src.read_text())))
    else: dst.write_text(json.dumps(text_to_nb(src.read_text()), indent=1, ensure_ascii=False) + '\n')
