#!/usr/bin/env python
"""Prove that every registered run's `full` schedule starts: 1 iteration, checkpoint, resume to 2, FLOPs counted.

    python scripts/full_start.py                  # every paper's every run (CPU: minutes per paper)
    python scripts/full_start.py --papers lcoan   # one paper
    python scripts/full_start.py --papers attention_upsampling --runs nyu_x4_DJF   # one run
    python scripts/full_start.py --device cuda    # on a GPU

Writes `results/full_start/full_start.csv` (one row per run, replacing the rows of the runs it re-ran and keeping the others: parameters, batch, iterations of the schedule, GFLOP per
iteration, PFLOP for the whole schedule, seconds for the 2 iterations here, the data used, hardware, commit) and
prints it; each run's row is saved as soon as it has run, so a stopped script loses none. A run that fails is reported with its error and the script exits non-zero after trying all the others."""
import argparse, sys, traceback, warnings
import pandas as pd
from attnrepro.core import hardware_info, git_commit, get_device
from attnrepro.runs import all_runs, runs_of, check_full_start
from attnrepro.results import update_table

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--papers', nargs='*', default=None); ap.add_argument('--device', default=None)
    ap.add_argument('--out', default=None, help='results root (default results/)')
    ap.add_argument('--runs', nargs='*', default=None, help='only these run names (with --papers)')
    a = ap.parse_args(argv)
    specs = [s for p in a.papers for s in runs_of(p).values()] if a.papers else [s for s in all_runs() if s.paper != 'toy']
    specs = [s for s in specs if 'full' in s.configs]
    if a.runs: specs = [s for s in specs if s.name in a.runs]          # the paper-size specs (reduced ones have no full schedule)
    dev = a.device or str(get_device())
    rows, failed = [], []
    hw, commit = hardware_info(dev), git_commit()
    for s in specs:
        print(f"--> {s.paper} {s.name} ...", flush=True)
        try:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                r = check_full_start(s, device=dev)
            r['notes'] = '; '.join(sorted({str(x.message).split(' — ')[0][:120] for x in w if 'not available' in str(x.message)}))
            rows.append(r); print(f"    ok: {r['gflop_per_iter']:.1f} GFLOP/iteration, {r['pflop_total']:.2f} PFLOP in all", flush=True)
            update_table('full_start', 'full_start', pd.DataFrame([r]).assign(hardware=hw, commit=commit), root=a.out)   # saved at once: a stop loses no finished run
        except Exception as e:
            traceback.print_exc(); failed.append(f"{s.paper}/{s.name}: {type(e).__name__}: {e}")
    if rows: print(pd.DataFrame(rows).to_string(index=False))   # each row is already in the table (other runs' rows stay, with their own commit)
    for f in failed: print('FAILED', f)
    return 1 if failed or not rows else 0

if __name__ == '__main__':
    sys.exit(main())
