#!/usr/bin/env python
"""The fused attention-upsampling kernel against `nn.ConvTranspose2d` and its roofline, alone on the machine:

    python scripts/kernel_bench.py                 # C = 128, K = 5, S = 2, batch 4, LR 32/64/128, 9 repetitions

The same measurement the attention_upsampling notebook makes inside its quick run (`upsampler_benchmark`: both
operators and the ceilings — projection GEMMs at `torch.bmm`'s speed, minimal traffic at copy speed — side by side in
one run), without the plain-PyTorch reference (too slow to repeat at LR 128), and with nothing else running. Writes
`results/kernels/upsampler_benchmark.csv` with the hardware column and the commit, replacing only this hardware's rows
(the other machines' rows stay); prints the ratios."""
import argparse, sys
import torch
from attnrepro.attention_upsampling import upsampler_benchmark
from attnrepro.benchmark import benchmark_rows
from attnrepro.results import update_table
from attnrepro.runs import default_threads

def with_targets(df, impl: str):
    "The target of the fused kernel's forward+backward rows (time_ratio ≤ 0.4 of ConvTranspose2d) and whether it is met."
    is_t = (df.name == impl) & (df['mode'] == 'forward+backward')
    return df.assign(target=is_t.map({True: 'time_ratio <= 0.4', False: ''}),
                     target_met=[bool(r <= 0.4) if t else '' for r, t in zip(df.time_ratio, is_t)])

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--sizes', nargs='*', type=int, default=[32, 64, 128]); ap.add_argument('--reps', type=int, default=9)
    ap.add_argument('--impl', default='cuda' if torch.cuda.is_available() else 'cpp')
    ap.add_argument('--out', default=None, help='results root (default results/)')
    a = ap.parse_args(argv)
    torch.set_num_threads(default_threads())
    df = upsampler_benchmark(tuple(a.sizes), impls=[a.impl], reps=a.reps)
    df = benchmark_rows(with_targets(df, a.impl), threads=torch.get_num_threads())
    print(df[['name', 'mode', 'lr_size', 'median_s', 'time_ratio', 'ceiling_fraction', 'target_met']].to_string(index=False))
    print('written', update_table('kernels', 'upsampler_benchmark', df, keys=('hardware', 'name', 'mode', 'lr_size'), root=a.out))
    return 0

if __name__ == '__main__':
    sys.exit(main())
