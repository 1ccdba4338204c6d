"""An independent PyTorch MaskDiT (facebookresearch/DiT `models.py` semantics and parameter names, class
embedder removed, CLIP image/text features as the adaLN condition) for the DiT parity test. Usage:
  python3 mask_dit.py CONFIG.json WEIGHTS.safetensors INPUT.safetensors OUTPUT.safetensors
CONFIG.json holds {"config": {inputSize, patchSize, inChannels, hiddenSize, depth, numHeads, mlpRatio (4),
learnSigma (true), imageConditionWidth, textConditionWidth}}. INPUT holds "x" (B×C×S×S float32), "t" (B int64),
"image_features" (B×Di), "text_features" (B×Dt); OUTPUT gets "output" (B×outC×S×S float32, outC = 2·C when
learnSigma: ε̂ then v) and "parameters" (int64 [1], every parameter including pos_embed).

Condition: c = concat([img' + t_emb, txt' + t_emb], dim=1), B×2·hidden, where img' = cond_proj_image(img)
when imageConditionWidth != hiddenSize (else img itself), likewise txt' with cond_proj_text."""
import json
import math
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import safetensors_io

EPS = 1e-6


# ----------------------------------------------------------------------------------------------------------------
# Fixed embeddings


def sincos_pos_embed(dim, grid):
    """MAE get_2d_sincos_pos_embed -> float32 (grid², dim). Token index = row·grid + col; dims 0..dim/2-1
    encode the column, dim/2.. the row; each half is [sin(p·ω_k), cos(p·ω_k)], ω_k = 1/10000^(k/(dim/4))."""
    def one_axis(d, positions):
        omega = 1.0 / 10000 ** (np.arange(d // 2, dtype=np.float64) / (d / 2.0))
        out = np.einsum("m,d->md", positions.reshape(-1), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    rows, cols = np.meshgrid(np.arange(grid, dtype=np.float64), np.arange(grid, dtype=np.float64), indexing="ij")
    embed = np.concatenate([one_axis(dim // 2, cols), one_axis(dim // 2, rows)], axis=1)
    return torch.from_numpy(embed).float()


def timestep_embedding(t, dim=256, max_period=10000):
    """t (B) -> B×dim float32: [cos(t·f), sin(t·f)], f = exp(−ln(max_period)·arange(dim/2)/(dim/2))."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


# ----------------------------------------------------------------------------------------------------------------
# Modules (names follow DiT / timm so a DiT state_dict loads strictly)


class PatchEmbed(nn.Module):
    """B×C×S×S -> B×N×hidden (Conv2d kernel = stride = patch, then flatten)."""

    def __init__(self, patch, cin, hidden):
        super().__init__()
        self.proj = nn.Conv2d(cin, hidden, patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class TimestepEmbedder(nn.Module):
    """t (B) -> B×hidden: Linear(256, hidden), SiLU, Linear(hidden, hidden)."""

    def __init__(self, hidden, frequency_dim=256):
        super().__init__()
        self.frequency_dim = frequency_dim
        self.mlp = nn.Sequential(nn.Linear(frequency_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))

    def forward(self, t):
        return self.mlp(timestep_embedding(t, self.frequency_dim))


class Attention(nn.Module):
    """timm Attention(qkv_bias=True): B×N×D -> B×N×D."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        weights = torch.softmax((q * (d // self.heads) ** -0.5) @ k.transpose(-2, -1), dim=-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class DiTBlock(nn.Module):
    """adaLN-Zero block: x B×N×D, c B×Dc -> B×N×D."""

    def __init__(self, dim, heads, mlp_ratio, cond_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=False, eps=EPS)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False, eps=EPS)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(cond_dim, 6 * dim))

    def forward(self, x, c):
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = self.adaLN_modulation(c).chunk(6, dim=1)
        x = x + gate_msa.unsqueeze(1) * self.attn(modulate(self.norm1(x), shift_msa, scale_msa))
        return x + gate_mlp.unsqueeze(1) * self.mlp(modulate(self.norm2(x), shift_mlp, scale_mlp))


class FinalLayer(nn.Module):
    """x B×N×D, c B×Dc -> B×N×(patch²·outC)."""

    def __init__(self, dim, patch, cout, cond_dim):
        super().__init__()
        self.norm_final = nn.LayerNorm(dim, elementwise_affine=False, eps=EPS)
        self.linear = nn.Linear(dim, patch * patch * cout)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(cond_dim, 2 * dim))

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)
        return self.linear(modulate(self.norm_final(x), shift, scale))


class MaskDiT(nn.Module):
    def __init__(self, c):
        super().__init__()
        hidden, patch = c["hiddenSize"], c["patchSize"]
        self.in_channels = c["inChannels"]
        self.out_channels = 2 * c["inChannels"] if c.get("learnSigma", True) else c["inChannels"]
        self.patch = patch
        self.grid = c["inputSize"] // patch
        image_width = c.get("imageConditionWidth", hidden)
        text_width = c.get("textConditionWidth", hidden)
        cond_dim = 2 * hidden

        self.x_embedder = PatchEmbed(patch, self.in_channels, hidden)
        self.t_embedder = TimestepEmbedder(hidden)
        self.cond_proj_image = nn.Linear(image_width, hidden) if image_width != hidden else None
        self.cond_proj_text = nn.Linear(text_width, hidden) if text_width != hidden else None
        spatial_width = c.get("spatialConditionWidth", 0)
        self.cond_proj_spatial = nn.Linear(spatial_width, hidden) if spatial_width > 0 else None
        self.pos_embed = nn.Parameter(sincos_pos_embed(hidden, self.grid).unsqueeze(0), requires_grad=False)
        self.blocks = nn.ModuleList([DiTBlock(hidden, c["numHeads"], c.get("mlpRatio", 4), cond_dim)
                                     for _ in range(c["depth"])])
        self.final_layer = FinalLayer(hidden, patch, self.out_channels, cond_dim)

    def unpatchify(self, x):
        """B×N×(p²·outC) -> B×outC×S×S (reshape (B,h,w,p,p,c), einsum nhwpqc->nchpwq)."""
        b, p, h, c = x.shape[0], self.patch, self.grid, self.out_channels
        x = torch.einsum("nhwpqc->nchpwq", x.reshape(b, h, h, p, p, c))
        return x.reshape(b, c, h * p, h * p)

    def condition(self, t, image_features, text_features):
        """-> B×2·hidden."""
        t_emb = self.t_embedder(t)
        if self.cond_proj_image is not None:
            image_features = self.cond_proj_image(image_features)
        if self.cond_proj_text is not None:
            text_features = self.cond_proj_text(text_features)
        return torch.cat([image_features + t_emb, text_features + t_emb], dim=1)

    def spatial_tokens(self, image_map):
        """B×Ds×h×w -> B×N×hidden: the map on the token grid (adaptive average pooling when larger,
        bilinear without corner alignment when smaller), then cond_proj_spatial."""
        if image_map.shape[-1] > self.grid:
            image_map = F.adaptive_avg_pool2d(image_map, self.grid)
        elif image_map.shape[-1] < self.grid:
            image_map = F.interpolate(image_map, size=(self.grid, self.grid), mode="bilinear", align_corners=False)
        return self.cond_proj_spatial(image_map.flatten(2).transpose(1, 2))

    def forward(self, x, t, image_features, text_features, image_map=None):
        """x B×C×S×S, t B (int) -> B×outC×S×S."""
        c = self.condition(t, image_features, text_features)
        h = self.x_embedder(x) + self.pos_embed
        if self.cond_proj_spatial is not None:
            h = h + self.spatial_tokens(image_map)
        for block in self.blocks:
            h = block(h, c)
        return self.unpatchify(self.final_layer(h, c))


def build(config):
    return MaskDiT(config)


def load(config_file, weights_file):
    """-> MaskDiT in eval mode with the weights loaded strictly."""
    with open(config_file) as file:
        model = build(json.load(file)["config"])
    weights, _ = safetensors_io.read(weights_file)
    model.load_state_dict(weights, strict=True)
    return model.eval()


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def main(config_file, weights_file, input_file, output_file):
    model = load(config_file, weights_file)
    inputs, _ = safetensors_io.read(input_file)
    with torch.no_grad():
        output = model(inputs["x"], inputs["t"], inputs["image_features"], inputs["text_features"], inputs.get("image_map"))
    safetensors_io.write(output_file, {"output": output, "parameters": torch.tensor([parameter_count(model)])})


if __name__ == "__main__":
    main(*sys.argv[1:5])
