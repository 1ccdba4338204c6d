"""fp32 GEMM rate of PyTorch on this machine: python3 bench/gemm.py THREADS → GFLOP/s."""
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]))
a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
for _ in range(2):
    a @ b
best = float("inf")
for _ in range(5):
    started = time.perf_counter()
    a @ b
    best = min(best, time.perf_counter() - started)
print(2 * 2048 ** 3 / best / 1e9)
