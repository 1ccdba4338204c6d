"""Independent PyTorch versions of the grounding model's two encoders, for the parity test: a timm-style
ViT without class token (patch_embed.proj, pos_embed, blocks.i.*, norm) whose first blocks take
VPT-deep prompts, and Hugging Face BERT (embeddings.*, encoder.layer.i.*, pooler.dense) whose first layers
take prepended prompts. Usage:
  python3 grounding_encoders.py CONFIG.json WEIGHTS.safetensors INPUT.safetensors OUTPUT.safetensors
INPUT holds "images" (B×3×S×S), "ids" (B×T int), "mask" (B×T) and optionally "visual_prompts"
(depth×B×L×Dv) and "text_prompts" (depth×B×L×Dt); OUTPUT gets "image_tokens", "text_hidden", "text_pooled"."""
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import safetensors_io


def attention(q, k, v, heads, mask=None):
    b, n, d = q.shape
    m = k.shape[1]
    q = q.reshape(b, n, heads, d // heads).permute(0, 2, 1, 3)
    k = k.reshape(b, m, heads, d // heads).permute(0, 2, 1, 3)
    v = v.reshape(b, m, heads, d // heads).permute(0, 2, 1, 3)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d // heads)
    if mask is not None:
        scores = scores + mask
    return (scores.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(b, n, d)


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        return self.proj(attention(q, k, v, self.heads))


class Mlp(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, width, heads, ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(width, eps=1e-6)
        self.attn = Attention(width, heads)
        self.norm2 = nn.LayerNorm(width, eps=1e-6)
        self.mlp = Mlp(width, ratio * width)

    def forward(self, x, prompts=None):
        n = x.shape[1]
        if prompts is not None:
            x = torch.cat([x, prompts], dim=1)  # VPT-deep: appended, outputs dropped
        x = x + self.attn(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return x[:, :n]


class PatchEmbed(nn.Module):
    def __init__(self, patch, width):
        super().__init__()
        self.proj = nn.Conv2d(3, width, patch, stride=patch)


class VisionEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        grid = c["imageSize"] // c["patchSize"]
        self.patch_embed = PatchEmbed(c["patchSize"], c["visionWidth"])
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid, c["visionWidth"]))
        self.blocks = nn.ModuleList([Block(c["visionWidth"], c["visionHeads"], c["visionMlpRatio"]) for _ in range(c["visionDepth"])])
        self.norm = nn.LayerNorm(c["visionWidth"], eps=1e-6)

    def forward(self, images, prompts):
        x = self.patch_embed.proj(images).flatten(2).transpose(1, 2) + self.pos_embed
        for i, block in enumerate(self.blocks):
            x = block(x, prompts[i] if prompts is not None and i < len(prompts) else None)
        return self.norm(x)


class BertSelfAttention(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.query = nn.Linear(width, width)
        self.key = nn.Linear(width, width)
        self.value = nn.Linear(width, width)


class BertOutput(nn.Module):
    def __init__(self, cin, width):
        super().__init__()
        self.dense = nn.Linear(cin, width)
        self.LayerNorm = nn.LayerNorm(width, eps=1e-12)


class BertAttention(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.self = BertSelfAttention(width)
        self.output = BertOutput(width, width)


class BertIntermediate(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.dense = nn.Linear(width, hidden)


class BertLayer(nn.Module):
    def __init__(self, width, heads, hidden):
        super().__init__()
        self.heads = heads
        self.attention = BertAttention(width)
        self.intermediate = BertIntermediate(width, hidden)
        self.output = BertOutput(hidden, width)

    def forward(self, h, mask):
        s = self.attention.self
        attended = attention(s.query(h), s.key(h), s.value(h), self.heads, mask)
        h = self.attention.output.LayerNorm(h + self.attention.output.dense(attended))
        return self.output.LayerNorm(h + self.output.dense(F.gelu(self.intermediate.dense(h))))


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocabSize"], c["textWidth"])
        self.position_embeddings = nn.Embedding(c["maxPositions"], c["textWidth"])
        self.token_type_embeddings = nn.Embedding(c["typeVocabSize"], c["textWidth"])
        self.LayerNorm = nn.LayerNorm(c["textWidth"], eps=1e-12)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c["textWidth"], c["textHeads"], c["textIntermediate"]) for _ in range(c["textLayers"])])


class BertPooler(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.dense = nn.Linear(width, width)


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c["textWidth"])

    def forward(self, ids, mask, prompts):
        e = self.embeddings
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        h = e.LayerNorm(e.word_embeddings(ids) + e.position_embeddings(positions) + e.token_type_embeddings(torch.zeros_like(ids)))
        additive = (1.0 - mask[:, None, None, :].float()) * -10000.0
        for i, layer in enumerate(self.encoder.layer):
            if prompts is not None and i < len(prompts):
                p = prompts[i]
                extended = torch.cat([torch.zeros(additive.shape[0], 1, 1, p.shape[1]), additive], dim=-1)
                h = layer(torch.cat([p, h], dim=1), extended)[:, p.shape[1]:]
            else:
                h = layer(h, additive)
        return h, torch.tanh(self.pooler.dense(h[:, 0]))


def sub_state(weights, prefix):
    return {name[len(prefix):]: value for name, value in weights.items() if name.startswith(prefix)}


def main(config_file, weights_file, input_file, output_file):
    with open(config_file) as file:
        config = json.load(file)["config"]
    weights, _ = safetensors_io.read(weights_file)
    vision, bert = VisionEncoder(config), Bert(config)
    vision.load_state_dict(sub_state(weights, "vision."), strict=True)
    bert.load_state_dict(sub_state(weights, "text."), strict=True)
    inputs, _ = safetensors_io.read(input_file)
    with torch.no_grad():
        tokens = vision(inputs["images"], inputs.get("visual_prompts"))
        hidden, pooled = bert(inputs["ids"].long(), inputs["mask"], inputs.get("text_prompts"))
    safetensors_io.write(output_file, {"image_tokens": tokens, "text_hidden": hidden, "text_pooled": pooled})


if __name__ == "__main__":
    main(*sys.argv[1:5])
