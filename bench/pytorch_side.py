"""One benchmark row on PyTorch's side (eager, Debian's python3-torch: the same libtorch 1.13),
reusing the parity models of the tests. Reads what bench/addon-side.ts wrote and prints JSON
{ times: ms[], loss: the first call's loss (or the sample's sum of |x| for sampling), maxRssKb }.
  python3 bench/pytorch_side.py KIND DIR RUNS THREADS"""
import copy
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "parity"))
import gaussian_diffusion  # noqa: E402
import grounding_model  # noqa: E402
import mask_dit  # noqa: E402
import mask_vae  # noqa: E402
import diff_prompt  # noqa: E402
import safetensors_io  # noqa: E402

KL_WEIGHT = 3.7732e-4
LR = 5e-3
DIT_LR = 1e-4
GROUNDING_LR = 1e-4
STAGE3_LR = 1e-3
WARM_UP = 2


def time_calls(runs, call):
    """Times call() WARM_UP + runs times; the first result is the row's check value."""
    times, first = [], None
    for i in range(WARM_UP + runs):
        started = time.perf_counter()
        value = call()
        if i == 0:
            first = value
        if i >= WARM_UP:
            times.append((time.perf_counter() - started) * 1000)
    return times, first


def mask_vae_train_step(directory, runs):
    with open(os.path.join(directory, "model", "config.json")) as file:
        config = json.load(file)["config"]
    model = mask_vae.AutoencoderKL(config)
    weights, _ = safetensors_io.read(os.path.join(directory, "model", "model.safetensors"))
    model.load_state_dict(weights, strict=True)
    inputs, _ = safetensors_io.read(os.path.join(directory, "input.safetensors"))
    masks = inputs["masks"]
    generator = torch.Generator()
    generator.set_state(inputs["rng"])
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)

    def step():
        optimizer.zero_grad()
        mean, logvar = model.encode(masks)
        z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=generator)
        reconstruction = torch.nn.functional.mse_loss(model.decode(z), masks)
        kl = (-0.5 * (1 + logvar - mean.pow(2) - logvar.exp()).sum(1)).mean()
        loss = reconstruction + KL_WEIGHT * kl
        value = loss.item()
        loss.backward()
        optimizer.step()
        return value

    return time_calls(runs, step)


class Autocast(torch.nn.Module):
    """The network's forward under CPU autocast (bfloat16), its output back in float32: the addon's bf16 mode."""

    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, *args):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self.network(*args).float()


def mask_dit_setup(directory):
    config_file = os.path.join(directory, "model", "config.json")
    with open(config_file) as file:
        config = json.load(file)["config"]
    model = mask_dit.load(config_file, os.path.join(directory, "model", "model.safetensors"))
    if config.get("precision") == "bf16":
        model = Autocast(model)
    inputs, _ = safetensors_io.read(os.path.join(directory, "input.safetensors"))
    generator = torch.Generator()
    generator.set_state(inputs["rng"])
    cond = {"image_features": inputs["image_features"], "text_features": inputs["text_features"]}
    return config, model, inputs["latents"], cond, generator


def mask_dit_train_step(directory, runs):
    """t ~ U{0..T−1} then ε from the same generator, MSE + VB, AdamW, EMA: the addon's step."""
    config, model, latents, cond, generator = mask_dit_setup(directory)
    model.train()
    diffusion = gaussian_diffusion.create_diffusion(config.get("schedule", "linear"), config.get("diffusionSteps", 100))
    ema = copy.deepcopy(model).requires_grad_(False)
    decay = config.get("emaDecay", 0.9999)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=DIT_LR, weight_decay=0)

    def step():
        optimizer.zero_grad()
        t = torch.randint(0, diffusion.num_timesteps, (latents.shape[0],), generator=generator)
        noise = torch.randn(latents.shape, generator=generator)
        loss = diffusion.training_losses(model, latents, t, cond, noise)["loss"].mean()
        value = loss.item()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for target, source in zip(ema.parameters(), model.parameters()):
                target.mul_(decay).add_(source, alpha=1 - decay)
        return value

    return time_calls(runs, step)


def ddim_trajectory(directory, runs):
    """DDIM-25 (η 0) from x_T = the latents input, the whole trajectory kept."""
    config, model, latents, cond, _ = mask_dit_setup(directory)
    diffusion = gaussian_diffusion.create_diffusion(config.get("schedule", "linear"), config.get("diffusionSteps", 100), "ddim25")

    def sample():
        with torch.inference_mode():
            samples, _ = diffusion.ddim_trajectory(model, latents, cond)
            torch.stack(samples)
            return samples[-1].abs().sum().item()

    return time_calls(runs, sample)


def grounding_train_step(directory, runs):
    """Forward, ATSS, the grounding loss, backward and AdamW over every parameter: the addon's step."""
    with open(os.path.join(directory, "model", "config.json")) as file:
        config = json.load(file)["config"]
    weights, _ = safetensors_io.read(os.path.join(directory, "model", "model.safetensors"))
    model = grounding_model.load(config, weights)
    model.train()
    inputs, _ = safetensors_io.read(os.path.join(directory, "input.safetensors"))
    ids, mask, positive = inputs["ids"].long(), inputs["mask"].long(), inputs["positive"].long()
    optimizer = torch.optim.AdamW(model.parameters(), lr=GROUNDING_LR, weight_decay=config.get("weightDecay", 0.01))

    def step():
        optimizer.zero_grad()
        head = model(inputs["images"], ids, mask)
        loss = grounding_model.grounding_loss(config, head, inputs["boxes"], positive, mask)[0]
        value = loss.item()
        loss.backward()
        optimizer.step()
        return value

    return time_calls(runs, step)


def diff_prompt_train_step(directory, runs):
    """x_T from the addon's generator state, the trajectory → masks → prompts → grounding loss + alignment,
    gradient clipping and AdamW on the adapters and heads: the addon's Diff-Prompt step."""
    with open(os.path.join(directory, "parts.json")) as file:
        model = diff_prompt.DiffPromptModel(json.load(file))
    inputs, _ = safetensors_io.read(os.path.join(directory, "input.safetensors"))
    ids, mask, positive = inputs["ids"].long(), inputs["mask"].long(), inputs["positive"].long()
    generator = torch.Generator()
    generator.set_state(inputs["rng"])
    g, c = model.generator_config, model.config
    parameters = list(model.method.parameters())
    optimizer = torch.optim.AdamW(parameters, lr=STAGE3_LR, weight_decay=c["weightDecay"])

    def step():
        optimizer.zero_grad()
        noise = torch.randn((ids.shape[0], g["inChannels"], g["inputSize"], g["inputSize"]), generator=generator)
        loss = model.loss(inputs["images"], ids, mask, positive, inputs["boxes"], noise, c["alignmentWeight"])
        value = loss.item()
        loss.backward()
        if c["maxGradNorm"] > 0:
            torch.nn.utils.clip_grad_norm_(parameters, c["maxGradNorm"])
        optimizer.step()
        return value

    return time_calls(runs, step)


WORKLOADS = {
    "mask-vae-train-step": mask_vae_train_step,
    "mask-dit-train-step": mask_dit_train_step,
    "ddim-trajectory": ddim_trajectory,
    "grounding-train-step": grounding_train_step,
    "diff-prompt-train-step": diff_prompt_train_step,
}


def main(kind, directory, runs, threads):
    torch.set_num_threads(int(threads))
    if kind not in WORKLOADS:
        raise SystemExit(f"unknown workload kind {kind}")
    times, loss = WORKLOADS[kind](directory, int(runs))
    print(json.dumps({"times": times, "loss": loss, "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
