#!/usr/bin/env python
"""Run `nbdev_test` on every notebook (one process each, `--workers` at a time) and end with the plain line
`N passed, N failed` (nbdev_test itself prints no counts). Cells flagged `slow` or `gpu` are skipped as
settings.ini says; `--flags "slow"` runs them too."""
import argparse, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

root = Path(__file__).resolve().parents[1]
bindir = Path(sys.executable).parent

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
    t0, passed, failed = time.time(), 0, 0
    with ThreadPoolExecutor(a.workers) as ex:
        for nb, ok, dt, out in ex.map(lambda n: run(n, a.flags, a.timeout), nbs):
            print(f"{'PASS' if ok else 'FAIL'}  {nb.name:40s} {dt:7.1f} s", flush=True)
            if ok: passed += 1
            else:
                failed += 1
                print('\n'.join('      ' + l for l in out.strip().splitlines()[-60:]), flush=True)
    print(f"total {time.time() - t0:.0f} s on {os.cpu_count()} cores")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not passed else 0)
