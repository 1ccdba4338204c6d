"""Independent PyTorch Gaussian diffusion (OpenAI improved-diffusion / DiT `diffusion/gaussian_diffusion.py` and
`respace.py` semantics: ε-prediction, learned-range variance, MSE + VB loss, DDIM with respacing) around the
MaskDiT of mask_dit.py, for the diffusion parity test. Usage:
  python3 gaussian_diffusion.py schedule NAME T OUTPUT.safetensors
      NAME is "linear" or "squaredcos_cap_v2"; OUTPUT gets "betas" and "alphas_cumprod" (T, float64).
  python3 gaussian_diffusion.py loss CONFIG.json WEIGHTS.safetensors INPUT.safetensors OUTPUT.safetensors
      INPUT holds "x0", "noise" (B×C×S×S), "t" (B int64), "image_features", "text_features" and the metadata
      "schedule", "steps" (T); OUTPUT gets "mse", "vb", "loss" (B, float32: as in DiT, the float64 tables are
      gathered at t and cast to float32 before they meet the float32 tensors).
  python3 gaussian_diffusion.py ddim CONFIG.json WEIGHTS.safetensors INPUT.safetensors OUTPUT.safetensors
      INPUT holds "noise" (x_T, B×C×S×S), "image_features", "text_features", for eta > 0 "step_noise"
      (K×B×C×S×S, the fresh noise of each step in order) and the metadata "schedule", "steps", "respacing"
      (e.g. "ddim25"), "eta"; OUTPUT gets "trajectory" (K×B×C×S×S float32: x after each step, x_T excluded,
      last = final sample) and "timesteps" (K int64: the original timestep fed to the model at each step).

Reference values (checked with this file):
  linear, T=100:   ᾱ_4 = 0.975130 (β = linspace(0.001, 0.2, 100)), ᾱ_48 = 0.0824, ᾱ_99 = 2.04e-5
  cosine, T=100:   ᾱ_48 = 0.509429, ᾱ_96 = 0.0021843 (squaredcos_cap_v2, β_0 = 6.31e-4)
  ddim25 of T=100: stride 4, kept t = 0, 4, 8, …, 96 (25 steps; sampling feeds 96, 92, …, 0)."""
import math
import sys

import numpy as np
import torch

import mask_dit
import safetensors_io


# ----------------------------------------------------------------------------------------------------------------
# Schedules and respacing (float64)


def beta_schedule(name, steps):
    """-> float64 numpy (steps,)."""
    if name == "linear":
        scale = 1000 / steps
        return np.linspace(scale * 0.0001, scale * 0.02, steps, dtype=np.float64)
    if name == "squaredcos_cap_v2":
        def alpha_bar(t):
            return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
        return np.array([min(1 - alpha_bar((i + 1) / steps) / alpha_bar(i / steps), 0.999) for i in range(steps)],
                        dtype=np.float64)
    raise ValueError(f"unknown schedule {name!r}")


def space_timesteps(steps, spacing):
    """respace.space_timesteps -> sorted list of kept original timesteps. "ddimN": the smallest integer stride
    with len(range(0, steps, stride)) == N; "a,b,...": per-section counts, evenly spaced with rounding;
    "" keeps every step."""
    if not spacing:
        return list(range(steps))
    if spacing.startswith("ddim"):
        count = int(spacing[len("ddim"):])
        for stride in range(1, steps):
            if len(range(0, steps, stride)) == count:
                return list(range(0, steps, stride))
        raise ValueError(f"cannot create exactly {count} steps with an integer stride")
    counts = [int(n) for n in spacing.split(",")]
    size_per, extra = divmod(steps, len(counts))
    start, kept = 0, []
    for i, count in enumerate(counts):
        size = size_per + (1 if i < extra else 0)
        if size < count:
            raise ValueError(f"cannot divide section of {size} steps into {count}")
        stride = 1 if count <= 1 else (size - 1) / (count - 1)
        kept += [start + round(stride * j) for j in range(count)]
        start += size
    return sorted(set(kept))


def respaced_betas(betas, kept):
    """β'_k = 1 − ᾱ_{S_k}/ᾱ_{S_{k−1}}, ᾱ_{S_{−1}} = 1."""
    alphas_cumprod, last, new = np.cumprod(1.0 - betas), 1.0, []
    for i, alpha_cumprod in enumerate(alphas_cumprod):
        if i in kept:
            new.append(1 - alpha_cumprod / last)
            last = alpha_cumprod
    return np.array(new, dtype=np.float64)


# ----------------------------------------------------------------------------------------------------------------
# Distributions


def mean_flat(x):
    return x.mean(dim=list(range(1, x.dim())))


def normal_kl(mean1, logvar1, mean2, logvar2):
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2) + (mean1 - mean2) ** 2 * torch.exp(-logvar2))


def approx_standard_normal_cdf(x):
    return 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def discretized_gaussian_log_likelihood(x, means, log_scales):
    """Log-likelihood of data in [−1, 1] quantised to 256 bins (bin ±1/255, open-ended edge bins)."""
    centered = x - means
    inv_stdv = torch.exp(-log_scales)
    cdf_plus = approx_standard_normal_cdf(inv_stdv * (centered + 1.0 / 255.0))
    cdf_min = approx_standard_normal_cdf(inv_stdv * (centered - 1.0 / 255.0))
    log_cdf_plus = torch.log(cdf_plus.clamp(min=1e-12))
    log_one_minus_cdf_min = torch.log((1.0 - cdf_min).clamp(min=1e-12))
    log_cdf_delta = torch.log((cdf_plus - cdf_min).clamp(min=1e-12))
    return torch.where(x < -0.999, log_cdf_plus, torch.where(x > 0.999, log_one_minus_cdf_min, log_cdf_delta))


# ----------------------------------------------------------------------------------------------------------------
# Diffusion


class GaussianDiffusion:
    """ε-prediction, LEARNED_RANGE variance, MSE loss (+ VB), no timestep rescaling. `timestep_map[k]` is the
    original timestep fed to the model for (respaced) step k; identity without respacing."""

    def __init__(self, betas, timestep_map=None):
        self.betas = betas
        self.num_timesteps = len(betas)
        self.timestep_map = list(range(len(betas))) if timestep_map is None else list(timestep_map)
        alphas_cumprod = np.cumprod(1.0 - betas)
        alphas_cumprod_prev = np.append(1.0, alphas_cumprod[:-1])
        self.alphas_cumprod = alphas_cumprod
        self.alphas_cumprod_prev = alphas_cumprod_prev
        self.sqrt_alphas_cumprod = np.sqrt(alphas_cumprod)
        self.sqrt_one_minus_alphas_cumprod = np.sqrt(1.0 - alphas_cumprod)
        self.sqrt_recip_alphas_cumprod = np.sqrt(1.0 / alphas_cumprod)
        self.sqrt_recipm1_alphas_cumprod = np.sqrt(1.0 / alphas_cumprod - 1)
        posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)
        self.posterior_log_variance_clipped = (np.log(np.append(posterior_variance[1], posterior_variance[1:]))
                                               if len(posterior_variance) > 1 else np.array([]))
        self.posterior_mean_coef1 = betas * np.sqrt(alphas_cumprod_prev) / (1.0 - alphas_cumprod)
        self.posterior_mean_coef2 = (1.0 - alphas_cumprod_prev) * np.sqrt(1.0 - betas) / (1.0 - alphas_cumprod)
        self.log_betas = np.log(betas)

    @staticmethod
    def extract(table, t, shape):
        """float64 table gathered at t (B), cast to float32 and broadcast to B×1×1×1 (DiT _extract_into_tensor)."""
        values = torch.from_numpy(table)[t].float()
        return values.view(-1, *([1] * (len(shape) - 1))).expand(shape)

    def run_model(self, model, x, t, cond):
        """Model at the original timestep timestep_map[t] -> B×2C×S×S."""
        original = torch.tensor(self.timestep_map, dtype=t.dtype)[t]
        return model(x, original, cond["image_features"], cond["text_features"], cond.get("image_map"))

    def q_sample(self, x0, t, noise):
        return (self.extract(self.sqrt_alphas_cumprod, t, x0.shape) * x0
                + self.extract(self.sqrt_one_minus_alphas_cumprod, t, x0.shape) * noise)

    def q_posterior(self, x0, xt, t):
        """-> (mean, log variance clipped) of q(x_{t−1} | x_t, x_0)."""
        mean = (self.extract(self.posterior_mean_coef1, t, xt.shape) * x0
                + self.extract(self.posterior_mean_coef2, t, xt.shape) * xt)
        return mean, self.extract(self.posterior_log_variance_clipped, t, xt.shape)

    def p_mean_variance(self, output, x, t):
        """Model output B×2C×S×S (ε̂ ‖ v) -> dict mean, log_variance, pred_xstart (no clipping)."""
        eps, v = output.split(x.shape[1], dim=1)
        min_log = self.extract(self.posterior_log_variance_clipped, t, x.shape)
        max_log = self.extract(self.log_betas, t, x.shape)
        frac = (v + 1) / 2
        log_variance = frac * max_log + (1 - frac) * min_log
        pred_xstart = (self.extract(self.sqrt_recip_alphas_cumprod, t, x.shape) * x
                       - self.extract(self.sqrt_recipm1_alphas_cumprod, t, x.shape) * eps)
        mean, _ = self.q_posterior(pred_xstart, x, t)
        return {"mean": mean, "log_variance": log_variance, "pred_xstart": pred_xstart}

    def vb_terms_bpd(self, output, x0, xt, t):
        """-> B: KL(q ‖ p) in bits per dim for t > 0, decoder NLL in bits per dim at t == 0."""
        true_mean, true_log_variance = self.q_posterior(x0, xt, t)
        out = self.p_mean_variance(output, xt, t)
        kl = mean_flat(normal_kl(true_mean, true_log_variance, out["mean"], out["log_variance"])) / np.log(2.0)
        nll = -discretized_gaussian_log_likelihood(x0, out["mean"], 0.5 * out["log_variance"])
        nll = mean_flat(nll) / np.log(2.0)
        return torch.where(t == 0, nll, kl)

    def training_losses(self, model, x0, t, cond, noise):
        """-> dict mse, vb, loss (each B). The VB term sees ε̂ detached and v live (only matters for gradients)."""
        xt = self.q_sample(x0, t, noise)
        output = self.run_model(model, xt, t, cond)
        eps, v = output.split(x0.shape[1], dim=1)
        vb = self.vb_terms_bpd(torch.cat([eps.detach(), v], dim=1), x0, xt, t)
        mse = mean_flat((noise - eps) ** 2)
        return {"mse": mse, "vb": vb, "loss": mse + vb}

    def ddim_step(self, model, x, t, cond, eta, noise):
        """One DDIM step from respaced index t (B) -> x at the previous kept step."""
        out = self.p_mean_variance(self.run_model(model, x, t, cond), x, t)
        eps = ((self.extract(self.sqrt_recip_alphas_cumprod, t, x.shape) * x - out["pred_xstart"])
               / self.extract(self.sqrt_recipm1_alphas_cumprod, t, x.shape))
        alpha_bar = self.extract(self.alphas_cumprod, t, x.shape)
        alpha_bar_prev = self.extract(self.alphas_cumprod_prev, t, x.shape)
        sigma = eta * torch.sqrt((1 - alpha_bar_prev) / (1 - alpha_bar)) * torch.sqrt(1 - alpha_bar / alpha_bar_prev)
        mean = out["pred_xstart"] * torch.sqrt(alpha_bar_prev) + torch.sqrt(1 - alpha_bar_prev - sigma ** 2) * eps
        nonzero = (t != 0).float().view(-1, *([1] * (x.dim() - 1)))
        return mean + nonzero * sigma * noise

    def ddim_trajectory(self, model, x, cond, eta=0.0, step_noise=None):
        """x_T B×C×S×S -> (list of K samples, list of K original timesteps), steps K−1 … 0."""
        samples, timesteps = [], []
        for n, i in enumerate(reversed(range(self.num_timesteps))):
            t = torch.full((x.shape[0],), i, dtype=torch.int64)
            noise = step_noise[n] if step_noise is not None else torch.zeros_like(x)
            x = self.ddim_step(model, x, t, cond, eta, noise)
            samples.append(x)
            timesteps.append(self.timestep_map[i])
        return samples, timesteps


def create_diffusion(schedule, steps, respacing=""):
    betas = beta_schedule(schedule, steps)
    kept = space_timesteps(steps, respacing)
    return GaussianDiffusion(respaced_betas(betas, set(kept)), kept)


# ----------------------------------------------------------------------------------------------------------------
# Command line


def schedule_main(name, steps, output_file):
    betas = beta_schedule(name, int(steps))
    safetensors_io.write(output_file, {"betas": torch.from_numpy(betas),
                                       "alphas_cumprod": torch.from_numpy(np.cumprod(1.0 - betas))})


def loss_main(config_file, weights_file, input_file, output_file):
    model = mask_dit.load(config_file, weights_file)
    inputs, meta = safetensors_io.read(input_file)
    diffusion = create_diffusion(meta["schedule"], int(meta["steps"]))
    cond = {"image_features": inputs["image_features"], "text_features": inputs["text_features"]}
    with torch.no_grad():
        terms = diffusion.training_losses(model, inputs["x0"], inputs["t"], cond, inputs["noise"])
    safetensors_io.write(output_file, terms)


def ddim_main(config_file, weights_file, input_file, output_file):
    model = mask_dit.load(config_file, weights_file)
    inputs, meta = safetensors_io.read(input_file)
    diffusion = create_diffusion(meta["schedule"], int(meta["steps"]), meta.get("respacing", ""))
    eta = float(meta.get("eta", "0.0"))
    if eta > 0 and "step_noise" not in inputs:
        raise ValueError("eta > 0 needs INPUT \"step_noise\" (K×B×C×S×S)")
    cond = {"image_features": inputs["image_features"], "text_features": inputs["text_features"]}
    with torch.no_grad():
        samples, timesteps = diffusion.ddim_trajectory(model, inputs["noise"], cond, eta, inputs.get("step_noise"))
    safetensors_io.write(output_file, {"trajectory": torch.stack(samples),
                                       "timesteps": torch.tensor(timesteps, dtype=torch.int64)})


if __name__ == "__main__":
    commands = {"schedule": (schedule_main, 3), "loss": (loss_main, 4), "ddim": (ddim_main, 4)}
    command, count = commands[sys.argv[1]]
    command(*sys.argv[2:2 + count])
