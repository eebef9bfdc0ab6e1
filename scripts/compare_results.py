#!/usr/bin/env python
"""Compare two results folders table by table (e.g. the committed results/<paper>/ against the same notebook re-run on a
clean clone): `python scripts/compare_results.py results/aldnet /path/to/clone/results/aldnet`. Exit status 1 when a
result value changed; provenance and timing columns are skipped (attnrepro.results.compare_results says which)."""
import argparse, sys
import pandas as pd
from attnrepro.report import compare_results

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument('a'); ap.add_argument('b')
ap.add_argument('--rtol', type=float, default=1e-9)
args = ap.parse_args()
r = compare_results(args.a, args.b, rtol=args.rtol)
with pd.option_context('display.width', 200, 'display.max_colwidth', 90):
    print(r[['file', 'compared', 'changed', 'note']].to_string(index=False))
print(f"{int(r.compared.sum())} values compared, {int(r.changed.sum())} changed")
sys.exit(1 if r.changed.sum() else 0)
