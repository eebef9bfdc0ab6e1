#!/usr/bin/env python
"""Run the experiment notebooks headlessly with papermill and rebuild results/README.md.

An experiment notebook is an `nbs/NN_name.ipynb` with a code cell tagged `parameters`; its paper key is the name
without the `NN_` prefix (10_bicubic -> bicubic). Each runs with `PROFILE` injected, in `nbs/` as working directory;
the executed copy is kept as `results/_executed/<profile>/<notebook>` (gitignored). Before a notebook runs, its
`results/<paper>/` folder is copied aside (`results/.reproduce-snapshots/<paper>`); when the notebook fails, or the run is
stopped by SIGINT (Ctrl-C) or SIGTERM, the notebook's processes (papermill and its kernel) are ended first and the folder
is put back byte for byte, so no way of stopping leaves half-written results. A run killed outright (SIGKILL) leaves the
snapshot behind, and the next run restores it before anything else. Papermill runs in a child process and streams the
cells' output (`--log-output`), so a long notebook shows its progress. Before and after each notebook a speed probe
times a fixed small training step (`speed_probe`), and `results/notebooks/<profile>/run_times.csv` keeps each notebook's
wall time beside the machine's speed (two machines with the same CPU name can differ by 1.5×). At the end: a summary
with the time of each notebook, `results/README.md` rebuilt with `attnrepro.report.write_summary()`, and a non-zero exit
status when any notebook failed.

    python scripts/reproduce.py --profile quick --papers bicubic lcoan
"""
import argparse, contextlib, json, os, re, shutil, signal, subprocess, sys, time, traceback
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

def expected_minutes(readme: Path) -> dict:
    """{notebook stem: minutes} from the README's expected-numbers table (rows `| \`NN_name\`… | quick | <time> | …`):
    the largest number of minutes in a notebook's time cells ("15 min of the 34" -> 34)."""
    out = {}
    if not readme.exists(): return out
    for line in readme.read_text(encoding='utf-8').splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        m = re.match(r'`(\d+_\w+)`', cells[0]) if len(cells) > 3 and cells[1] == 'quick' else None
        if m:
            mins = [float(x) for x in re.findall(r'(\d+(?:\.\d+)?)\s*min', cells[2])] + \
                   [float(x) for x in re.findall(r'(?:of the|of) (\d+(?:\.\d+)?)', cells[2])]
            if mins: out[m.group(1)] = max(out.get(m.group(1), 0), *mins)
    return out

EXPECTED = expected_minutes(root/'README.md')

def find_notebooks(nbs_dir: Path, papers=None) -> list:
    found = [nb for nb in sorted(nbs_dir.glob('*.ipynb')) if is_experiment(nb)]
    if papers:
        papers, known = list(dict.fromkeys(papers)), {paper_key(nb): nb for nb in found}  # 'x x' runs x once
        unknown = [p for p in papers if p not in known]
        if unknown: sys.exit(f"unknown paper(s) {unknown}; experiment notebooks in {nbs_dir}: {sorted(known)}")
        found = [known[p] for p in papers]
    return found

SNAPSHOTS = '.reproduce-snapshots'   # under the results root (gitignored): a paper's folder as it was before its run

def snapshot(folder: Path, into: Path):
    "Copy `folder` aside into `into` (a marker file records that `folder` did not exist); atomic: a half-made copy is never used."
    tmp = into.with_name(into.name + '.partial'); shutil.rmtree(tmp, ignore_errors=True); tmp.mkdir(parents=True)
    if folder.exists(): shutil.copytree(folder, tmp/'copy', symlinks=True)
    else: (tmp/'absent').touch()
    os.replace(tmp, into)

def restore(folder: Path, into: Path):
    "Put `folder` back exactly as `snapshot` saw it, then drop the snapshot. Each step can be redone after a crash."
    if not into.exists(): return
    new, old = folder.with_name(folder.name + '.restoring'), folder.with_name(folder.name + '.replaced')
    shutil.rmtree(new, ignore_errors=True)
    if (into/'copy').exists(): shutil.copytree(into/'copy', new, symlinks=True)
    if folder.exists(): shutil.rmtree(old, ignore_errors=True); os.replace(folder, old)
    if new.exists(): os.replace(new, folder)
    shutil.rmtree(old, ignore_errors=True); shutil.rmtree(into)

def restore_leftovers(results: Path):
    "Snapshots left by a run that was killed outright (SIGKILL, power loss): restore those papers first."
    for into in sorted((results/SNAPSHOTS).glob('*')):
        if into.name.endswith('.partial'): shutil.rmtree(into); continue   # died while copying: the folder is untouched
        print(f"a previous run stopped while {into.name} was running: restoring results/{into.name}/ from its snapshot", flush=True)
        restore(results/into.name, into)

class Stop:
    "SIGINT/SIGTERM only set a flag: the loop then stops the notebook's processes and restores its results."
    def __init__(self): self.signum = None
    def __call__(self, signum, frame):
        if self.signum is None: print(f"\n{signal.Signals(signum).name}: stopping the notebook and restoring its results ...", flush=True)
        self.signum = self.signum or signum
    def install(self):
        for s in (signal.SIGINT, signal.SIGTERM): signal.signal(s, self)

def descendants(pid: int) -> list:
    "All live descendants of `pid` (the Jupyter kernel runs in a session of its own, so a process-group kill misses it)."
    kids = {}
    for st in Path('/proc').glob('[0-9]*/stat'):
        try: fields = st.read_text().rsplit(')', 1)[1].split()
        except OSError: continue
        kids.setdefault(int(fields[1]), []).append(int(st.parent.name))
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []): out.append(k); todo.append(k)
    return out

def _alive(pid: int) -> bool:
    "Running (a zombie waiting for its parent to reap it is not)."
    try: return Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError: return False

def kill_tree(proc: subprocess.Popen, grace: float = 5.0):
    "SIGTERM the process and every descendant, SIGKILL what still runs after `grace` seconds; reap the process."
    pids = [proc.pid] + descendants(proc.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in pids:
            with contextlib.suppress(ProcessLookupError): os.kill(p, sig)
        deadline = time.time() + grace
        while pids and time.time() < deadline:
            proc.poll(); time.sleep(0.05)                          # poll() reaps our own child
            pids = [p for p in pids if _alive(p)]
        if not pids: break
    proc.wait()

def _die_with_parent():
    """In the child: a new session (the terminal's Ctrl-C reaches only us, and we stop the child in order), and on Linux
    SIGTERM when we die, even by SIGKILL (the kernel then exits too: ipykernel watches its parent)."""
    if sys.platform.startswith('linux'):
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG

def run_one(nb: Path, profile: str, results: Path, executed: Path, stop: Stop) -> tuple:
    """Run one notebook with papermill in a child process, `results/<paper>/` snapshotted before. On failure, SIGINT or
    SIGTERM the child and the kernel are stopped first and the folder is restored byte for byte."""
    folder, into, t0 = results/paper_key(nb), results/SNAPSHOTS/paper_key(nb), time.time()
    snapshot(folder, into)
    cmd = [sys.executable, '-m', 'papermill', str(nb), str(executed/nb.name), '-p', 'PROFILE', profile, '-k', 'python3',
           '--cwd', str(nb.parent), '--log-output', '--no-progress-bar']
    proc = None if stop.signum else subprocess.Popen(cmd, start_new_session=True, preexec_fn=_die_with_parent)
    beat, expect = t0 + 60, EXPECTED.get(nb.stem)
    while proc is not None and proc.poll() is None and not stop.signum:
        time.sleep(0.2)
        if time.time() >= beat:                               # a heartbeat between the cells' own output
            beat += 60
            print(f"[{nb.stem}] {(time.time() - t0)/60:.0f} min elapsed" + (f" (the README's table: ≈ {expect:.0f} min, wall time "
                  "of the run it lists)" if expect and profile == 'quick' else ''), flush=True)
    if proc is not None and proc.poll() is None: kill_tree(proc)
    ok = proc is not None and proc.returncode == 0 and not stop.signum
    if ok: shutil.rmtree(into); return True, time.time() - t0, ''
    restore(folder, into)
    why = signal.Signals(stop.signum).name if stop.signum else f"papermill exited with {proc.returncode} (the error is above)"
    return False, time.time() - t0, why

def speed_probe(steps: int = 20, warmup: int = 5) -> float:
    """Median ms per training step (`attnrepro.benchmark.train_throughput`, fp32) of a fixed ESPCN-shaped network
    (3→64 5×5, 64→32, 32→48 3×3, depth-to-space ×4; batch 16 of 24² LR, MSE, Adam) on this process's threads — the
    machine's speed at the moment, beside a notebook's wall time, so that times from different machines, or from one
    machine on a busier day, compare."""
    import torch
    from attnrepro.benchmark import train_throughput
    nn = torch.nn
    def net():
        torch.manual_seed(0)
        return nn.Sequential(nn.Conv2d(3, 64, 5, padding=2), nn.ReLU(), nn.Conv2d(64, 32, 3, padding=1), nn.ReLU(),
                             nn.Conv2d(32, 48, 3, padding=1), nn.PixelShuffle(4))
    g = torch.Generator().manual_seed(0)
    batch = lambda: ((torch.rand(16, 3, 24, 24, generator=g),), torch.rand(16, 3, 96, 96, generator=g))
    r = train_throughput(net, batch, modes=('fp32',), steps=steps, warmup=warmup, loss_fn=torch.nn.functional.mse_loss, device='cpu')
    return 1e3 * float(r.median_s.iloc[0])

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
    from attnrepro.results import results_root
    from attnrepro.report import write_summary
    results = results_root()
    executed = results/'_executed'/a.profile
    executed.mkdir(parents=True, exist_ok=True)
    stop = Stop(); stop.install()
    restore_leftovers(results)
    print(f"profile {a.profile}: {len(nbs)} notebook(s) -> {results}", flush=True)
    import torch
    from attnrepro.core import hardware_info, git_commit, today
    from attnrepro.runs import default_threads
    torch.set_num_threads(default_threads())          # the notebooks' threads (quick/full; smoke notebooks use one)
    from attnrepro.results import update_table
    hw, commit = hardware_info('cpu'), git_commit()
    done, t_all = [], time.time()
    for nb in nbs:
        before = speed_probe()
        print(f"--> {nb.name} ... (speed probe: {before:.1f} ms per step on {torch.get_num_threads()} thread(s))", flush=True)
        ok, dt, msg = run_one(nb, a.profile, results, executed, stop)
        done.append((nb, ok, dt, msg))
        print(f"    {'ok' if ok else 'FAILED'} in {dt:.0f} s" + ('' if ok else f": {msg}; results/{paper_key(nb)}/ restored as it was"), flush=True)
        if not stop.signum:
            after = speed_probe()
            update_table(a.profile, 'run_times', [dict(notebook=nb.stem, profile=a.profile, ok=ok, minutes=round(dt / 60, 2),
                                                       probe_ms_before=round(before, 2), probe_ms_after=round(after, 2),
                                                       probe_threads=torch.get_num_threads(), hardware=hw, commit=commit, date=today())],
                         keys=('notebook', 'profile', 'commit'), root=results/'notebooks')   # results/notebooks/<profile>/run_times.csv
        if stop.signum:
            print(f"stopped by {signal.Signals(stop.signum).name}: {nb.name} was interrupted and its results restored; "
                  f"{len(nbs) - len(done)} notebook(s) not run; results/README.md not rebuilt", flush=True)
            return 128 + stop.signum
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
