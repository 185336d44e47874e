#!/usr/bin/env bash
# One device run (issue 16's GPU row): install monoverify with no dependencies from the network
# (the device has none; array-api-compat and array-api-strict travel as wheels in .whl/, the package
# is laid out by links), run the
# CuPy tests (backends, device-resident history), then CuPy against NumPy at batch 10^6. Output lands in $OUT.
set -o pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
# the package layout of pyproject's package-dir, without a build: monoverify = _monoverify + the folders
mkdir -p /tmp/mv && cp -r _monoverify /tmp/mv/monoverify && for d in operators solvers theory figures; do
  ln -s "$PWD/$d" "/tmp/mv/monoverify/$d"; done
export PYTHONPATH=/tmp/mv:/tmp/site
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c "import cupy, numpy, monoverify.solvers; print('cupy', cupy.__version__, 'numpy', numpy.__version__)" || exit 1
# the benchmark first (it compares CuPy with NumPy on 4096 instances before timing), then the tests
python3 benchmarks/bench_gpu.py --batch 1000000 --repeat "${REPEAT:-2}" 2>&1 | tee "$OUT/bench_gpu.log"
python3 -m pytest -q -p no:cacheprovider -p no:monoverify tests/test_backends.py tests/test_device_history.py 2>&1 | tee "$OUT/cupy_tests.log" | tail -15
