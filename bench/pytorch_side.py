"""One benchmark row on PyTorch's side (eager, Debian's python3-torch: the same libtorch 1.13),
reusing the parity model of the tests. Reads what bench/addon-side.ts wrote and prints JSON
{ times: ms[], loss: first step's loss, maxRssKb }.
  python3 bench/pytorch_side.py KIND DIR RUNS THREADS"""
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "parity"))
import mask_vae  # noqa: E402
import safetensors_io  # noqa: E402

KL_WEIGHT = 3.7732e-4
LR = 5e-3
WARM_UP = 2


def mask_vae_train_step(directory, runs):
    with open(os.path.join(directory, "vae", "config.json")) as file:
        config = json.load(file)["config"]
    model = mask_vae.AutoencoderKL(config)
    weights, _ = safetensors_io.read(os.path.join(directory, "vae", "model.safetensors"))
    model.load_state_dict(weights, strict=True)
    inputs, _ = safetensors_io.read(os.path.join(directory, "input.safetensors"))
    masks = inputs["masks"]
    generator = torch.Generator()
    generator.set_state(inputs["rng"])
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    times, loss0 = [], None
    for i in range(WARM_UP + runs):
        started = time.perf_counter()
        optimizer.zero_grad()
        mean, logvar = model.encode(masks)
        z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=generator)
        reconstruction = torch.nn.functional.mse_loss(model.decode(z), masks)
        kl = (-0.5 * (1 + logvar - mean.pow(2) - logvar.exp()).sum(1)).mean()
        loss = reconstruction + KL_WEIGHT * kl
        value = loss.item()
        loss.backward()
        optimizer.step()
        if i == 0:
            loss0 = value
        if i >= WARM_UP:
            times.append((time.perf_counter() - started) * 1000)
    return times, loss0


def main(kind, directory, runs, threads):
    torch.set_num_threads(int(threads))
    if kind != "mask-vae-train-step":
        raise SystemExit(f"unknown workload kind {kind}")
    times, loss = mask_vae_train_step(directory, int(runs))
    print(json.dumps({"times": times, "loss": loss, "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
