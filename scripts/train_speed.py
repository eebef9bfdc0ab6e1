#!/usr/bin/env python
"""Training-step time of one quick run per network family of each paper, in float32, bfloat16 autocast, channels_last
and both — side by side, on this machine, in one run (`attnrepro.runs.run_throughput`).

    python scripts/train_speed.py                       # every run below
    python scripts/train_speed.py --papers cbam_sr      # one paper's

Writes `results/train_speed/train_speed.csv` (rows of the runs measured here replace earlier ones of the same hardware;
the others stay, so that machines compare side by side),
with the hardware column (CPU, threads, native bfloat16 support) and the commit. Under bfloat16 autocast the custom
kernels compute in float32 at their boundary (`attnrepro.kernels.kernel_inputs`): a mode that is slower there says so."""
import argparse, sys
import pandas as pd
import torch
from attnrepro.runs import get_run, run_throughput, default_threads
from attnrepro.benchmark import benchmark_rows
from attnrepro.results import update_table

RUNS = {'attention_upsampling': ('tableIV_x2_attention_cpu', 'tableIV_x2_deconv_cpu'),
        'cbam_sr': ('ESPCN_off_quick', 'ESPCN_working_quick', 'EDSR_off_quick', 'LapSRN_off_quick'),
        'aldnet': ('dw_rdn_small', 'ald_rdn_det_small'),
        'lcoan': ('backbone_reduced', 'lcoa_reduced'),
        'amrsr': ('psnr_refs_quick',)}

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--papers', nargs='*', default=list(RUNS)); ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--out', default=None, help='results root (default results/)')
    a = ap.parse_args(argv)
    torch.set_num_threads(default_threads())
    frames = []
    for p in a.papers:
        for name in RUNS[p]:
            print(f"--> {p} {name}", flush=True)
            df = run_throughput(get_run(p, name), 'quick', steps=a.steps)
            print(df[['mode', 'median_s', 'time_ratio', 'final_loss']].round(4).to_string(index=False), flush=True)
            frames.append(df)
    df = benchmark_rows(pd.concat(frames, ignore_index=True), profile='quick', threads=torch.get_num_threads(), what='training step')
    print(update_table('train_speed', 'train_speed', df, keys=('paper', 'run', 'hardware'), root=a.out))
    return 0

if __name__ == '__main__':
    sys.exit(main())
