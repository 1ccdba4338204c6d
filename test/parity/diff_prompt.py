"""Independent PyTorch version of a Diff-Prompt training step (stage 3), for the benchmark: the frozen
backbone's features condition a DDIM trajectory of the generator's EMA weights from x_T; layer j reads the
latent stride·j steps before the end, decoded by the frozen Mask-VAE; the adapters (conv trunk + head →
L/2 specific tokens, L/2 global tokens per layer) prompt the frozen backbone; the loss is the grounding
loss + weight × the symmetric InfoNCE alignment; gradients clipped, then AdamW on the adapters and heads.
Built from the folders of a saved Diff-Prompt model and its parts (the addon's names)."""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

import gaussian_diffusion
import grounding_model
import mask_dit
import mask_vae
import safetensors_io


class DiffPromptAdapter(nn.Module):
    """masks B×1×S×S per layer → prompts B×L×D per layer and the pooled specific tokens B×D."""

    def __init__(self, mask_size, width, depth, length, base_channels, specific=True, shared=True):
        super().__init__()
        self.half, self.width, self.specific = length // 2, width, specific
        if specific:
            self.trunk = nn.ModuleList()
            side, channels, out = mask_size, 1, base_channels
            while side > 7:
                self.trunk.append(nn.Conv2d(channels, out, 3, stride=2, padding=1))
                side, channels, out = (side + 1) // 2, out, out * 2
            self.head = nn.Linear(channels * side * side, self.half * width)
        self.global_prompts = nn.ParameterList([nn.Parameter(torch.zeros(self.half, width)) for _ in range(depth)] if shared else [])

    def forward(self, masks):
        prompts, specifics = [], []
        for j, mask in enumerate(masks):
            parts = []
            if self.specific:
                x = mask
                for conv in self.trunk:
                    x = F.silu(conv(x))
                specific = self.head(x.flatten(1)).view(mask.shape[0], self.half, self.width)
                specifics.append(specific)
                parts.append(specific)
            if len(self.global_prompts):
                parts.append(self.global_prompts[j].unsqueeze(0).expand(mask.shape[0], -1, -1))
            prompts.append(torch.cat(parts, 1))
        return prompts, torch.stack(specifics).mean((0, 2)) if specifics else None


def symmetric_info_nce(a, b, temperature):
    logits = F.normalize(a, dim=1) @ F.normalize(b, dim=1).t() / temperature
    labels = torch.arange(a.shape[0])
    return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels))


class DiffPromptAdapters(nn.Module):
    def __init__(self, config, backbone, mask_size):
        super().__init__()
        adapter = lambda width, depth: DiffPromptAdapter(mask_size, width, depth, config["length"], config["baseChannels"], config["specific"], config["global"])  # noqa: E731
        if config["visualDepth"]:
            self.visual_adapter = adapter(backbone["visionWidth"], config["visualDepth"])
        if config["textualDepth"]:
            self.textual_adapter = adapter(backbone["textWidth"], config["textualDepth"])
        if config["specific"]:
            self.align = nn.Module()
            if config["visualDepth"]:
                self.align.visual_prompts = nn.Linear(backbone["visionWidth"], config["alignWidth"])
                self.align.text_features = nn.Linear(backbone["textWidth"], config["alignWidth"])
            if config["textualDepth"]:
                self.align.textual_prompts = nn.Linear(backbone["textWidth"], config["alignWidth"])
                self.align.image_features = nn.Linear(backbone["visionWidth"], config["alignWidth"])


def read_folder(directory):
    with open(os.path.join(directory, "config.json")) as file:
        config = json.load(file)["config"]
    return config, safetensors_io.read(os.path.join(directory, "model.safetensors"))[0]


class DiffPromptModel:
    """parts: {"model", "backbone", "vae", "generator"} folders."""

    def __init__(self, parts):
        self.config, weights = read_folder(parts["model"])
        self.backbone_config, backbone_weights = read_folder(parts["backbone"])
        self.backbone = grounding_model.load(self.backbone_config, backbone_weights).eval().requires_grad_(False)
        vae_config, vae_weights = read_folder(parts["vae"])
        self.vae = mask_vae.AutoencoderKL(vae_config)
        self.vae.load_state_dict(vae_weights, strict=True)
        self.vae.eval().requires_grad_(False)
        self.generator_config, _ = read_folder(parts["generator"])
        self.generator = mask_dit.load(os.path.join(parts["generator"], "config.json"), os.path.join(parts["generator"], "ema.safetensors")).requires_grad_(False)
        g = self.generator_config
        self.diffusion = gaussian_diffusion.create_diffusion(g.get("schedule", "linear"), g.get("diffusionSteps", 100), f"ddim{self.config['samplingSteps']}")
        self.method = DiffPromptAdapters(self.config, self.backbone_config, vae_config["sampleSize"])
        self.method.load_state_dict(weights, strict=True)

    def layer_masks(self, images, ids, mask, noise):
        """The decoded trajectory masks per layer, and the backbone's pooled features (no grad)."""
        with torch.no_grad():
            b = self.backbone
            tokens = b.vision(images, None)
            hidden, pooled = b.text(ids, mask, None)
            cond = {"image_features": tokens.mean(1), "text_features": pooled}
            if self.generator_config.get("spatialConditionWidth", 0) > 0:
                fused = b.fusion(tokens, hidden, grounding_model.additive_mask(mask))[0] if self.generator_config.get("spatialMap") == "fused" else tokens
                grid = self.backbone_config["imageSize"] // self.backbone_config["patchSize"]
                cond["image_map"] = fused.transpose(1, 2).reshape(fused.shape[0], fused.shape[2], grid, grid)
            samples, _ = self.diffusion.ddim_trajectory(self.generator, noise, cond, self.config["eta"])
            layers = max(self.config["visualDepth"], self.config["textualDepth"])
            kept = [samples[len(samples) - 1 - self.config["stride"] * j] for j in range(layers)]
            decoded = self.vae.decode(torch.cat(kept) / self.generator_config.get("latentScale", 1.0))
        return decoded.split(images.shape[0]), cond

    def loss(self, images, ids, mask, positive, boxes, noise, alignment_weight):
        masks, cond = self.layer_masks(images, ids, mask, noise)
        m, c = self.method, self.config
        visual, pooled_visual = m.visual_adapter(masks[: c["visualDepth"]]) if c["visualDepth"] else ([], None)
        textual, pooled_textual = m.textual_adapter(masks[: c["textualDepth"]]) if c["textualDepth"] else ([], None)
        head = self.backbone(images, ids, mask, visual, textual)
        grounding = grounding_model.grounding_loss(self.backbone_config, head, boxes, positive, mask)[0]
        terms = []
        if c["specific"] and images.shape[0] > 1:
            if c["visualDepth"]:
                terms.append(symmetric_info_nce(m.align.visual_prompts(pooled_visual), m.align.text_features(cond["text_features"]), c["temperature"]))
            if c["textualDepth"]:
                terms.append(symmetric_info_nce(m.align.textual_prompts(pooled_textual), m.align.image_features(cond["image_features"]), c["temperature"]))
        aligned = torch.stack(terms).mean() if terms else torch.zeros(())
        return grounding + alignment_weight * aligned
