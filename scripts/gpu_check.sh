#!/usr/bin/env bash
# The day a GPU is lent (the device tool's machine: torch with CUDA, no nbdev or papermill): CUDA kernels against the
# reference, benchmarks against cuDNN, fp16/bf16 against fp32 on every zoo model, one `full` iteration per paper.
# Before the call, copy the data it needs into the checkout (shared/ travels with it; keep it under 64 MiB):
#   mkdir -p shared/data shared/weights && cp -r ../shared/data/{Set5,T91,BSDS200,NYUv2_samples} shared/data/ \
#     && cp ../shared/weights/vgg_normalised_conv3_1.pth ../shared/weights/MANIFEST.tsv shared/weights/
# Then run this script with OUT set (the device tool sets it); it writes OUT/{kernels,benchmarks,zoo,full_start}.csv.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"        # the package, without installing it
[ -d shared/data ] && export ATTNREPRO_DATA="${ATTNREPRO_DATA:-$PWD/shared/data}"
export TORCH_EXTENSIONS_DIR="${TORCH_EXTENSIONS_DIR:-$PWD/build/torch_extensions}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null || echo "no nvidia-smi"
python3 scripts/gpu_check.py --out "${OUT:-results/gpu_check}" "$@"
