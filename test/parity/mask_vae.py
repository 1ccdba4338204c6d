"""An independent PyTorch AutoencoderKL (diffusers semantics, diffusers parameter names) for the
Mask-VAE parity test and benchmark. Usage:
  python3 mask_vae.py CONFIG.json WEIGHTS.safetensors INPUT.safetensors OUTPUT.safetensors
INPUT holds "masks" (B×in×S×S) and "latents"; OUTPUT gets "mean", "logvar", "decoded"."""
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import safetensors_io

EPS = 1e-6


class Resnet(nn.Module):
    def __init__(self, cin, cout, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=EPS)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, cout, eps=EPS)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.conv_shortcut(x) if self.conv_shortcut is not None else x) + h


class Attention(nn.Module):
    def __init__(self, channels, groups):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, channels, eps=EPS)
        self.to_q = nn.Linear(channels, channels)
        self.to_k = nn.Linear(channels, channels)
        self.to_v = nn.Linear(channels, channels)
        self.to_out = nn.ModuleList([nn.Linear(channels, channels), nn.Dropout(0.0)])

    def forward(self, x):
        b, c, h, w = x.shape
        t = self.group_norm(x).view(b, c, h * w).transpose(1, 2)
        q, k, v = self.to_q(t), self.to_k(t), self.to_v(t)
        weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=-1)
        out = self.to_out[0](weights @ v)
        return out.transpose(1, 2).reshape(b, c, h, w) + x


class Mid(nn.Module):
    def __init__(self, channels, groups):
        super().__init__()
        self.resnets = nn.ModuleList([Resnet(channels, channels, groups), Resnet(channels, channels, groups)])
        self.attentions = nn.ModuleList([Attention(channels, groups)])

    def forward(self, x):
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class Down(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Up(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Block(nn.Module):
    def __init__(self, cin, cout, layers, groups, sampler, name):
        super().__init__()
        self.resnets = nn.ModuleList([Resnet(cin if j == 0 else cout, cout, groups) for j in range(layers)])
        if sampler is not None:
            setattr(self, name, nn.ModuleList([sampler(cout)]))
        self.sampler_name = name if sampler is not None else None

    def forward(self, x):
        for resnet in self.resnets:
            x = resnet(x)
        return getattr(self, self.sampler_name)[0](x) if self.sampler_name else x


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        ch = c["blockChannels"]
        self.conv_in = nn.Conv2d(c["inChannels"], ch[0], 3, padding=1)
        blocks, width = [], ch[0]
        for i, out in enumerate(ch):
            last = i == len(ch) - 1
            blocks.append(Block(width, out, c["layersPerBlock"], c["normGroups"], None if last else Down, "downsamplers"))
            width = out
        self.down_blocks = nn.ModuleList(blocks)
        self.mid_block = Mid(width, c["normGroups"])
        self.conv_norm_out = nn.GroupNorm(c["normGroups"], width, eps=EPS)
        self.conv_out = nn.Conv2d(width, 2 * c["latentChannels"], 3, padding=1)

    def forward(self, x):
        x = self.conv_in(x)
        for block in self.down_blocks:
            x = block(x)
        return self.conv_out(F.silu(self.conv_norm_out(self.mid_block(x))))


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        ch = list(reversed(c["blockChannels"]))
        self.conv_in = nn.Conv2d(c["latentChannels"], ch[0], 3, padding=1)
        self.mid_block = Mid(ch[0], c["normGroups"])
        blocks, width = [], ch[0]
        for i, out in enumerate(ch):
            last = i == len(ch) - 1
            blocks.append(Block(width, out, c["layersPerBlock"] + 1, c["normGroups"], None if last else Up, "upsamplers"))
            width = out
        self.up_blocks = nn.ModuleList(blocks)
        self.conv_norm_out = nn.GroupNorm(c["normGroups"], width, eps=EPS)
        self.conv_out = nn.Conv2d(width, c["outChannels"], 3, padding=1)

    def forward(self, z):
        z = self.mid_block(self.conv_in(z))
        for block in self.up_blocks:
            z = block(z)
        return self.conv_out(F.silu(self.conv_norm_out(z)))


class AutoencoderKL(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.encoder = Encoder(c)
        self.decoder = Decoder(c)
        self.quant_conv = nn.Conv2d(2 * c["latentChannels"], 2 * c["latentChannels"], 1)
        self.post_quant_conv = nn.Conv2d(c["latentChannels"], c["latentChannels"], 1)

    def encode(self, x):
        mean, logvar = self.quant_conv(self.encoder(x)).chunk(2, dim=1)
        return mean, torch.clamp(logvar, -30.0, 20.0)

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))


def main(config_file, weights_file, input_file, output_file):
    with open(config_file) as file:
        config = json.load(file)["config"]
    model = AutoencoderKL(config)
    weights, _ = safetensors_io.read(weights_file)
    model.load_state_dict(weights, strict=True)
    inputs, _ = safetensors_io.read(input_file)
    with torch.no_grad():
        mean, logvar = model.encode(inputs["masks"])
        decoded = model.decode(inputs["latents"])
    safetensors_io.write(output_file, {"mean": mean, "logvar": logvar, "decoded": decoded,
                                       "parameters": torch.tensor([sum(p.numel() for p in model.parameters())])})


if __name__ == "__main__":
    main(*sys.argv[1:5])
