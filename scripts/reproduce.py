#!/usr/bin/env python
"""Run the experiment notebooks headlessly with papermill and rebuild results/README.md.

An experiment notebook is an `nbs/NN_name.ipynb` with a code cell tagged `parameters`; its paper key is the name
without the `NN_` prefix (10_bicubic -> bicubic). Each runs with `PROFILE` injected, in `nbs/` as working directory;
the executed copy is kept as `results/_executed/<profile>/<notebook>` (gitignored). Before a notebook runs, its
`results/<paper>/` folder is copied aside; when the notebook fails the folder is put back as it was, so a failure
never leaves half-written results. At the end: a summary with the time of each notebook, `results/README.md`
rebuilt with `attnrepro.results.write_summary()`, and a non-zero exit status when any notebook failed.

    python scripts/reproduce.py --profile quick --papers bicubic lcoan
"""
import argparse, json, os, re, shutil, sys, tempfile, time, traceback
from pathlib import Path

root = Path(__file__).resolve().parents[1]
PROFILES = ('smoke', 'quick', 'full')

def paper_key(nb: Path) -> str:
    "10_bicubic.ipynb -> bicubic"
    return re.sub(r'^\d+_', '', nb.stem)

def is_experiment(nb: Path) -> bool:
    "Does the notebook have a code cell tagged `parameters`?"
    cells = json.loads(nb.read_text(encoding='utf-8')).get('cells', [])
    return any(c.get('cell_type') == 'code' and 'parameters' in c.get('metadata', {}).get('tags', []) for c in cells)

def find_notebooks(nbs_dir: Path, papers=None) -> list:
    found = [nb for nb in sorted(nbs_dir.glob('*.ipynb')) if is_experiment(nb)]
    if papers:
        known = {paper_key(nb): nb for nb in found}
        unknown = [p for p in papers if p not in known]
        if unknown: sys.exit(f"unknown paper(s) {unknown}; experiment notebooks in {nbs_dir}: {sorted(known)}")
        found = [known[p] for p in papers]
    return found

def snapshot(folder: Path, into: Path):
    "Copy `folder` aside (or note that it did not exist)."
    if folder.exists(): shutil.copytree(folder, into/'copy')

def restore(folder: Path, into: Path):
    "Put `folder` back exactly as `snapshot` saw it."
    if folder.exists(): shutil.rmtree(folder)
    if (into/'copy').exists(): shutil.copytree(into/'copy', folder)

def run_one(nb: Path, profile: str, results: Path, executed: Path) -> tuple:
    import papermill as pm
    folder, t0 = results/paper_key(nb), time.time()
    with tempfile.TemporaryDirectory(prefix='reproduce-') as tmp:
        snapshot(folder, Path(tmp))
        try:
            pm.execute_notebook(str(nb), str(executed/nb.name), parameters={'PROFILE': profile}, kernel_name='python3',
                                cwd=str(nb.parent), progress_bar=False)
            return True, time.time() - t0, ''
        except Exception as e:  # papermill raises PapermillExecutionError (and others) for a failed notebook
            restore(folder, Path(tmp))
            msg = str(e).strip().splitlines()
            return False, time.time() - t0, (msg[-1] if msg else type(e).__name__)

def keep_notebook(src: Path, dest: Path, max_side: int = 1600) -> Path:
    """Write the executed notebook `src` with its outputs to `dest` (results/notebooks/<profile>/NN_name.ipynb,
    tracked), atomically (tmp + os.replace). Images are made small: PNG/JPEG outputs downscaled to at most `max_side`
    pixels a side and re-encoded (optimised PNG, or JPEG quality 90 where that is under 4/5 of the PNG: photo-like
    crops); progress-bar streams keep only their final state (text after the last carriage return of each line);
    paths under the repository (or beside it) are written relative to it."""
    import base64, io
    from PIL import Image
    nb = json.loads(src.read_text(encoding='utf-8'))
    def small(b64: str) -> tuple:
        im = Image.open(io.BytesIO(base64.b64decode(b64)))
        im.load()
        if max(im.size) > max_side: im.thumbnail((max_side, max_side), Image.LANCZOS)
        png = io.BytesIO(); im.save(png, 'PNG', optimize=True)
        flat = im.convert('RGBA') if im.mode not in ('RGB', 'RGBA') else im
        if flat.mode == 'RGBA' and flat.getextrema()[3][0] < 255: return 'image/png', png.getvalue()  # transparency
        jpg = io.BytesIO(); flat.convert('RGB').save(jpg, 'JPEG', quality=90, optimize=True)
        return ('image/jpeg', jpg.getvalue()) if jpg.tell() < 0.8 * png.tell() else ('image/png', png.getvalue())
    for cell in nb.get('cells', []):
        for out in cell.get('outputs', []):
            if out.get('output_type') == 'stream':
                text = ''.join(out.get('text', ''))
                out['text'] = '\n'.join(next((p for p in reversed(l.split('\r')) if p), '') for l in text.split('\n'))
            data = out.get('data', {})
            for mime in [m for m in ('image/png', 'image/jpeg') if m in data]:
                kind, raw = small(''.join(data.pop(mime)))
                data[kind] = base64.b64encode(raw).decode('ascii')
                if mime in out.get('metadata', {}): out['metadata'][kind] = out['metadata'].pop(mime)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp{os.getpid()}")
    text = json.dumps(nb, indent=1, ensure_ascii=False) + '\n'
    # the copy is committed: machine paths (papermill's input/output paths, printed file names) become repo-relative
    for old, new in [(f"{root}/", ''), (str(root), '.')] + ([(f"{root.parent}/", '../')] if root.parent.parent != root.parent else []):
        text = text.replace(old, new)
    tmp.write_text(text, encoding='utf-8')
    os.replace(tmp, dest)
    return dest

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--profile', default='quick', choices=PROFILES)
    ap.add_argument('--papers', nargs='*', default=None, help='paper keys (notebook names without NN_); default: all')
    ap.add_argument('--nbs-dir', type=Path, default=root/'nbs', help='where the notebooks are (default: nbs/)')
    ap.add_argument('--results-dir', type=Path, default=None,
                    help='results root (default: results/, for smoke build/smoke_results/reproduce/; exported as $ATTNREPRO_RESULTS to the notebooks)')
    ap.add_argument('--list', action='store_true', help='list the experiment notebooks and exit')
    a = ap.parse_args(argv)
    nbs = find_notebooks(a.nbs_dir.resolve(), a.papers)
    if a.list:
        for nb in nbs: print(f"{paper_key(nb):28s} {nb}")
        return 0
    if not nbs: sys.exit(f"no experiment notebooks (a code cell tagged 'parameters') in {a.nbs_dir}")
    # The notebooks write where $ATTNREPRO_RESULTS points. A smoke run is a check that everything runs: by default it
    # writes its tables and summary to build/smoke_results/reproduce/, leaving the committed quick/full results alone.
    if a.results_dir is None and 'ATTNREPRO_RESULTS' not in os.environ:
        a.results_dir = root/'build'/'smoke_results'/'reproduce' if a.profile == 'smoke' else root/'results'
    if a.results_dir is not None: os.environ['ATTNREPRO_RESULTS'] = str(a.results_dir.resolve())
    os.environ.setdefault('MPLBACKEND', 'Agg')
    from attnrepro.results import results_root, write_summary
    results = results_root()
    executed = results/'_executed'/a.profile
    executed.mkdir(parents=True, exist_ok=True)
    print(f"profile {a.profile}: {len(nbs)} notebook(s) -> {results}", flush=True)
    done, t_all = [], time.time()
    for nb in nbs:
        print(f"--> {nb.name} ...", flush=True)
        ok, dt, msg = run_one(nb, a.profile, results, executed)
        done.append((nb, ok, dt, msg))
        print(f"    {'ok' if ok else 'FAILED'} in {dt:.0f} s" + ('' if ok else f": {msg}"), flush=True)
        if ok: print(f"    kept {keep_notebook(executed/nb.name, results/'notebooks'/a.profile/nb.name)}", flush=True)
    print(f"\nsummary (profile {a.profile}, executed notebooks in {executed}):")
    for nb, ok, dt, msg in done:
        print(f"  {'ok    ' if ok else 'FAILED'}  {nb.name:40s} {dt:8.1f} s" + ('' if ok else f"  {msg[:120]}"))
    print(f"  total {time.time() - t_all:.0f} s")
    try:
        print(f"summary table: {write_summary()}")
    except Exception:
        traceback.print_exc(); print("FAILED to rebuild results/README.md"); return 1
    failed = [nb.name for nb, ok, _, _ in done if not ok]
    if failed:
        print(f"{len(failed)} notebook(s) failed, their previous results were kept: {', '.join(failed)}")
        return 1
    return 0

if __name__ == '__main__':
    sys.exit(main())
