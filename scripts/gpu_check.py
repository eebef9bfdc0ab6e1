#!/usr/bin/env python
"""What to run the day a GPU is lent: needs torch (with CUDA) and the package's own requirements, not nbdev/papermill.

    bash scripts/gpu_check.sh                 # (sets PYTHONPATH and the data root, then runs this)
    python scripts/gpu_check.py --out DIR [--device cuda] [--only kernels benchmarks zoo full_start]

Four parts, each writing `<DIR>/<part>.csv` (every row with the hardware and the commit) and each run even when an
earlier one failed (the exit status is non-zero if any failed):
- kernels: every fused CUDA op against its plain-PyTorch reference — outputs and gradients (max |difference|,
  relative to the reference's scale), under `inference_mode`, and under bf16/fp16 autocast (the op casts at its
  boundary: the result must match the float32 one);
- benchmarks: the attention upsampler against cuDNN's `ConvTranspose2d` and the LCoA windowed attention against its
  reference, time and peak memory side by side in one run (the notebooks' benchmark functions on the GPU);
- zoo: every zoo model's Set5 Y-PSNR in fp32, bf16 and fp16 autocast;
- full_start: every registered run's `full` schedule for 1 iteration, resumed to 2, with FLOPs per schedule.
Data: the data root must hold Set5, T91 and BSDS200 (and NYUv2_samples for the depth runs); on a machine without
../shared, copy them into `shared/data/` of the checkout first (see scripts/gpu_check.sh)."""
import argparse, sys, time, traceback, warnings
from pathlib import Path
import numpy as np
import pandas as pd
import torch

def rel_err(a, b) -> float:
    return float((a.float() - b.float()).abs().max() / b.float().abs().max().clamp_min(1e-12))

def _grads(f, inputs):
    xs = [x.detach().clone().requires_grad_(True) for x in inputs]
    out = f(*xs)
    out.backward(torch.linspace(-1, 1, out.numel(), device=out.device).reshape(out.shape))
    return out.detach(), [x.grad for x in xs]

def check_kernels(device) -> list:
    "Rows: op, check, rel_err (vs the reference), ok."
    from attnrepro.attention_upsampling import AttentionUpsample2d
    from attnrepro.lcoan import window_attention, window_apply
    rows, dev = [], torch.device(device)
    torch.manual_seed(0)
    ref_up = AttentionUpsample2d(32, 32, 5, 2, impl='reference').to(dev)
    fused_up = AttentionUpsample2d(32, 32, 5, 2, impl='cuda').to(dev); fused_up.load_state_dict(ref_up.state_dict())
    x = torch.randn(2, 32, 19, 23, device=dev)
    (o_r, (g_r,)), (o_f, (g_f,)) = _grads(ref_up, [x]), _grads(fused_up, [x])
    rows += [('attention_upsample', 'forward', rel_err(o_f, o_r)), ('attention_upsample', 'grad input', rel_err(g_f, g_r))]
    rows += [('attention_upsample', f'grad {n}', rel_err(a.grad, b.grad))
             for (n, a), b in zip(fused_up.named_parameters(), ref_up.parameters()) if a.grad is not None]
    with torch.inference_mode(): rows.append(('attention_upsample', 'inference_mode', rel_err(fused_up(x), o_r)))
    for dt in (torch.bfloat16, torch.float16):
        with torch.no_grad(), torch.autocast('cuda', dtype=dt): o = fused_up(x)
        rows.append(('attention_upsample', f'autocast {dt}'.replace('torch.', ''), rel_err(o, o_r)))
    N, L, C, W = 2, 500, 32, 64
    q, k, v = torch.randn(N, L, C, device=dev), torch.nn.functional.normalize(torch.randn(N, L, C, device=dev), dim=-1), torch.randn(N, L, C, device=dev)
    perm = torch.cat([torch.argsort(torch.rand(N, L, device=dev), 1), torch.zeros(N, (-L) % W, dtype=torch.long, device=dev)], 1)
    f = lambda impl: (lambda q, k, v: window_attention(q, k, v, perm, W, impl=impl))
    (o_r, g_r), (o_f, g_f) = _grads(f('reference'), [q, k, v]), _grads(f('cuda'), [q, k, v])
    rows += [('window_attention', 'forward', rel_err(o_f, o_r))] + [('window_attention', f'grad {n}', rel_err(a, b)) for n, a, b in zip('qkv', g_f, g_r)]
    with torch.inference_mode():
        o, p = window_attention(q, k, v, perm, W, impl='cuda', return_p=True)
        o2, p2 = window_attention(q, k, v, perm, W, impl='reference', return_p=True)
        rows += [('window_attention', 'inference_mode return_p', rel_err(p, p2)), ('window_apply', 'inference_mode',
                 rel_err(window_apply(p2, v, perm, W, impl='cuda'), window_apply(p2, v, perm, W, impl='reference')))]
    for dt in (torch.bfloat16, torch.float16):
        with torch.no_grad(), torch.autocast('cuda', dtype=dt): o = window_attention(q, k, v, perm, W, impl='cuda')
        rows.append(('window_attention', f'autocast {dt}'.replace('torch.', ''), rel_err(o, o_r)))
    df = pd.DataFrame(rows, columns=['op', 'check', 'rel_err'])
    return df.assign(ok=df.rel_err < np.where(df.check.str.startswith('autocast'), 1e-2, 1e-4))

def run_benchmarks(device) -> pd.DataFrame:
    from attnrepro.attention_upsampling import upsampler_benchmark
    return upsampler_benchmark(sizes=(32, 64, 128, 256), batch=4, device=device).assign(what='attention upsampling vs cuDNN ConvTranspose2d')

def zoo_precision(device) -> pd.DataFrame:
    from attnrepro import zoo
    from attnrepro.runs import evaluate_run
    rows = []
    for e in zoo.manifest():
        if e['task'] != 'sr': continue
        model, _ = zoo.load(e['name'], device)
        for prec, dt in (('fp32', None), ('bf16', torch.bfloat16), ('fp16', torch.float16)):
            kind = torch.device(device).type
            ctx = torch.autocast(kind, dtype=dt) if dt else torch.autocast(kind, enabled=False)
            with ctx: ev = evaluate_run(model, e['scale'], ['Set5'], e['value_range'], device=device)
            rows.append({'model': e['name'], 'precision': prec, 'set5_psnr': float(ev[ev.name == 'mean'].psnr.iloc[0])})
    df = pd.DataFrame(rows)
    if len(df): df['delta_vs_fp32'] = df.set5_psnr - df.groupby('model').set5_psnr.transform('first')
    return df

def full_start(device) -> pd.DataFrame:
    from attnrepro.runs import all_runs, check_full_start
    return pd.DataFrame([check_full_start(s, device=device) for s in all_runs() if s.paper != 'toy' and 'full' in s.configs])

PARTS = {'kernels': check_kernels, 'benchmarks': run_benchmarks, 'zoo': zoo_precision, 'full_start': full_start}

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default='results/gpu_check'); ap.add_argument('--device', default='cuda')
    ap.add_argument('--only', nargs='*', choices=list(PARTS), default=list(PARTS))
    a = ap.parse_args(argv)
    from attnrepro.core import hardware_info, git_commit
    out, failed = Path(a.out), []
    out.mkdir(parents=True, exist_ok=True)
    hw = hardware_info(a.device); print(hw, flush=True)
    for name in a.only:
        t0 = time.time(); print(f"--> {name}", flush=True)
        try:
            df = PARTS[name](a.device).assign(hardware=hw, commit=git_commit())
            df.to_csv(out/f'{name}.csv', index=False); print(df.to_string(index=False), flush=True)
            if 'ok' in df and not df.ok.all(): failed.append(f"{name}: {int((~df.ok).sum())} check(s) out of tolerance")
        except Exception as e:
            traceback.print_exc(); failed.append(f"{name}: {type(e).__name__}: {e}")
        print(f"    {name}: {time.time() - t0:.0f} s", flush=True)
    for f in failed: print('FAILED', f)
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main())
