#!/usr/bin/env python
"""Does bfloat16 autocast change a quick run's result? The same registered run, the same seeds, trained in float32 and
with `precision='bf16'`, evaluated the same way (Y-PSNR on Set5, the run's scale, crop = scale):

    python scripts/precision_check.py cbam_sr ESPCN_off_quick aldnet dw_rdn_small     # PAPER RUN pairs
    python scripts/precision_check.py toy tinysr_x2 --profile smoke --seeds 0           # a check of the script

Writes `results/train_speed/precision_check.csv`: per run and seed the two PSNRs, their difference, the two training
times; and per run the mean difference with its t-interval (`attnrepro.results.t_interval`). The project's rule: a profile
uses a faster mode only where it moves Set5 by at most 0.05 dB."""
import argparse, sys, tempfile
import pandas as pd
import torch
from attnrepro.runs import get_run, train_run, evaluate_run, default_threads
from attnrepro.results import update_table, t_interval
from attnrepro.core import hardware_info, git_commit, today

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('pairs', nargs='+', help='PAPER RUN [PAPER RUN ...]')
    ap.add_argument('--profile', default='quick'); ap.add_argument('--seeds', nargs='*', type=int, default=None)
    ap.add_argument('--out', default=None, help='results root (default results/)')
    a = ap.parse_args(argv)
    if len(a.pairs) % 2: ap.error('give PAPER RUN pairs')
    torch.set_num_threads(default_threads())
    rows = []
    for paper, name in zip(a.pairs[::2], a.pairs[1::2]):
        spec = get_run(paper, name)
        seeds = a.seeds if a.seeds is not None else spec.seeds[a.profile]
        for seed in seeds:
            r = {}
            for prec in ('fp32', 'bf16'):
                run = train_run(spec, a.profile, seed, out=tempfile.mkdtemp(prefix='prec-'), progress=False, precision=prec)
                ev = evaluate_run(run.model, spec.scale, ['Set5'], getattr(spec.data, 'value_range', 1.0), gray='replicate')
                r[prec] = (float(ev[ev.name == 'mean'].psnr.iloc[0]), run.summary['seconds'])
            rows.append(dict(paper=paper, run=name, seed=seed, profile=a.profile, psnr_fp32=r['fp32'][0], psnr_bf16=r['bf16'][0],
                             delta_db=r['bf16'][0] - r['fp32'][0], seconds_fp32=r['fp32'][1], seconds_bf16=r['bf16'][1]))
            print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    for (p, n), g in df.groupby(['paper', 'run']):
        m, lo, hi = t_interval(g.delta_db) if len(g) > 1 else (float(g.delta_db.iloc[0]), float('nan'), float('nan'))
        df.loc[g.index, ['mean_delta_db', 'ci_low', 'ci_high']] = m, lo, hi
    df = df.assign(hardware=hardware_info('cpu'), commit=git_commit(), date=today(), metric='Set5 Y-PSNR (crop = scale)')
    print(update_table('train_speed', 'precision_check', df, root=a.out))
    return 0

if __name__ == '__main__':
    sys.exit(main())
