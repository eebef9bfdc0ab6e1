#!/usr/bin/env python
"""Run `nbdev_test` on every notebook (one process each, `--workers` at a time) and end with the plain line
`N passed, N failed` (nbdev_test itself prints no counts). Cells flagged `slow` or `gpu` are skipped as
settings.ini says; `--flags "slow"` runs them too.

The longest notebooks start first (so two workers finish together): the order comes from the times of the last run on
this machine (`build/test_times.json`), else from `scripts/test_times.json` (a reference run, committed); a notebook
neither knows starts first."""
import argparse, json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

root = Path(__file__).resolve().parents[1]
bindir = Path(sys.executable).parent
TIMES = (root/'build'/'test_times.json', root/'scripts'/'test_times.json')   # this machine's last run; the reference run

def longest_first(nbs: list) -> list:
    "`nbs` ordered by their last known test time, longest first (unknown ones first of all)."
    known = next((json.loads(p.read_text()) for p in TIMES if p.exists()), {})
    return sorted(nbs, key=lambda n: -known.get(n.name, float('inf')))

def run(nb: Path, flags: str, timeout: int):
    t0 = time.time()
    cmd = [str(bindir/'nbdev_test'), '--path', str(nb), '--n_workers', '0'] + (['--flags', flags] if flags else [])
    try:
        env = {k: v for k, v in os.environ.items() if k != 'ATTNREPRO_RESULTS'}  # tests never write to results/
        r = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=timeout, env=env)
        ok, out = r.returncode == 0, r.stdout + r.stderr
    except subprocess.TimeoutExpired:
        ok, out = False, f"timed out after {timeout} s"
    return nb, ok, time.time() - t0, out

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('paths', nargs='*', help='notebooks (default: nbs/*.ipynb)')
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--flags', default='')
    ap.add_argument('--timeout', type=int, default=900, help='seconds per notebook')
    a = ap.parse_args()
    nbs = [Path(p).resolve() for p in a.paths] or sorted((root/'nbs').glob('*.ipynb'))
    t0, passed, failed, times = time.time(), 0, 0, {}
    with ThreadPoolExecutor(a.workers) as ex:
        for f in as_completed([ex.submit(run, n, a.flags, a.timeout) for n in longest_first(nbs)]):
            nb, ok, dt, out = f.result()
            print(f"{'PASS' if ok else 'FAIL'}  {nb.name:40s} {dt:7.1f} s", flush=True)
            times[nb.name] = round(dt, 1)
            if ok: passed += 1
            else:
                failed += 1
                print('\n'.join('      ' + l for l in out.strip().splitlines()[-60:]), flush=True)
    if not a.paths and not a.flags:                      # a whole run: its times order the next one
        TIMES[0].parent.mkdir(exist_ok=True); TIMES[0].write_text(json.dumps(dict(sorted(times.items())), indent=1) + '\n')
    print(f"total {time.time() - t0:.0f} s on {os.cpu_count()} cores")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not passed else 0)
