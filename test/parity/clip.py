"""An independent PyTorch version of CLIP (Hugging Face CLIPModel's structure and names, as in
transformers' modeling_clip.py), for the parity test. The embeddings keep `position_ids` as a
saved buffer, as transformers did before 4.31, so the weights file must carry them. Usage:
  python3 clip.py CONFIG.json WEIGHTS.safetensors INPUT.safetensors OUTPUT.safetensors
CONFIG holds the model config (lib/config/clip-config.ts keys); INPUT holds "images" (B×3×S×S),
"ids" (B×T int) and "mask" (B×T); OUTPUT gets "image" (B×P, get_image_features), "text" (B×P,
get_text_features) and "image_map" (B×P×g×g: the projected, post-layernormed patch tokens)."""
import json
import sys

import torch
import torch.nn as nn

import safetensors_io


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class CLIPAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.scale = self.head_dim ** -0.5
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def _shape(self, x, length, batch):
        return x.view(batch, length, self.heads, self.head_dim).transpose(1, 2).contiguous()

    def forward(self, hidden, causal_mask=None, padding_mask=None):
        batch, length, width = hidden.shape
        shape = (batch * self.heads, -1, self.head_dim)
        q = self._shape(self.q_proj(hidden) * self.scale, length, batch).view(*shape)
        k = self._shape(self.k_proj(hidden), length, batch).view(*shape)
        v = self._shape(self.v_proj(hidden), length, batch).view(*shape)
        weights = torch.bmm(q, k.transpose(1, 2))  # (B·h)×T×T
        for mask in (causal_mask, padding_mask):
            if mask is not None:
                weights = (weights.view(batch, self.heads, length, length) + mask).view(batch * self.heads, length, length)
        probs = nn.functional.softmax(weights, dim=-1)
        out = torch.bmm(probs, v).view(batch, self.heads, length, self.head_dim).transpose(1, 2).reshape(batch, length, width)
        return self.out_proj(out)


class CLIPMLP(nn.Module):
    def __init__(self, width, intermediate):
        super().__init__()
        self.activation_fn = QuickGELU()
        self.fc1 = nn.Linear(width, intermediate)
        self.fc2 = nn.Linear(intermediate, width)

    def forward(self, x):
        return self.fc2(self.activation_fn(self.fc1(x)))


class CLIPEncoderLayer(nn.Module):
    def __init__(self, width, heads, intermediate):
        super().__init__()
        self.self_attn = CLIPAttention(width, heads)
        self.layer_norm1 = nn.LayerNorm(width, eps=1e-5)
        self.mlp = CLIPMLP(width, intermediate)
        self.layer_norm2 = nn.LayerNorm(width, eps=1e-5)

    def forward(self, hidden, causal_mask=None, padding_mask=None):
        residual = hidden
        hidden = residual + self.self_attn(self.layer_norm1(hidden), causal_mask, padding_mask)
        residual = hidden
        return residual + self.mlp(self.layer_norm2(hidden))


class CLIPEncoder(nn.Module):
    def __init__(self, layers, width, heads, intermediate):
        super().__init__()
        self.layers = nn.ModuleList([CLIPEncoderLayer(width, heads, intermediate) for _ in range(layers)])

    def forward(self, hidden, causal_mask=None, padding_mask=None):
        for layer in self.layers:
            hidden = layer(hidden, causal_mask, padding_mask)
        return hidden


class CLIPVisionEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        width = c["visionWidth"]
        self.class_embedding = nn.Parameter(torch.randn(width))
        self.patch_embedding = nn.Conv2d(3, width, kernel_size=c["patchSize"], stride=c["patchSize"], bias=False)
        positions = (c["imageSize"] // c["patchSize"]) ** 2 + 1
        self.position_embedding = nn.Embedding(positions, width)
        self.register_buffer("position_ids", torch.arange(positions).expand((1, -1)))

    def forward(self, pixels):
        batch = pixels.shape[0]
        patches = self.patch_embedding(pixels).flatten(2).transpose(1, 2)
        classes = self.class_embedding.expand(batch, 1, -1)
        return torch.cat([classes, patches], dim=1) + self.position_embedding(self.position_ids)


class CLIPVisionTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        width = c["visionWidth"]
        self.embeddings = CLIPVisionEmbeddings(c)
        self.pre_layrnorm = nn.LayerNorm(width, eps=1e-5)
        self.encoder = CLIPEncoder(c["visionLayers"], width, c["visionHeads"], c["mlpRatio"] * width)
        self.post_layernorm = nn.LayerNorm(width, eps=1e-5)

    def forward(self, pixels):
        """-> (last_hidden_state B×(1+g²)×D, pooled = post_layernorm(class token) B×D)."""
        last = self.encoder(self.pre_layrnorm(self.embeddings(pixels)))
        return last, self.post_layernorm(last[:, 0, :])


class CLIPTextEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.token_embedding = nn.Embedding(c["vocabSize"], c["textWidth"])
        self.position_embedding = nn.Embedding(c["contextLength"], c["textWidth"])
        self.register_buffer("position_ids", torch.arange(c["contextLength"]).expand((1, -1)))

    def forward(self, ids):
        return self.token_embedding(ids) + self.position_embedding(self.position_ids[:, : ids.shape[-1]])


class CLIPTextTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        width = c["textWidth"]
        self.embeddings = CLIPTextEmbeddings(c)
        self.encoder = CLIPEncoder(c["textLayers"], width, c["textHeads"], c["mlpRatio"] * width)
        self.final_layer_norm = nn.LayerNorm(width, eps=1e-5)

    def forward(self, ids, attention_mask):
        batch, length = ids.shape
        minimum = torch.finfo(torch.float32).min
        causal = torch.full((length, length), minimum).triu(1)[None, None]  # 1×1×T×T
        padding = (1.0 - attention_mask[:, None, None, :].float()).expand(batch, 1, length, length) * minimum
        hidden = self.final_layer_norm(self.encoder(self.embeddings(ids), causal, padding))
        # The end-of-text token has the highest id (OpenAI CLIP, transformers' eos_token_id == 2 path).
        return hidden, hidden[torch.arange(batch), ids.argmax(dim=-1)]


class CLIPModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.text_model = CLIPTextTransformer(c)
        self.vision_model = CLIPVisionTransformer(c)
        self.visual_projection = nn.Linear(c["visionWidth"], c["projectionDim"], bias=False)
        self.text_projection = nn.Linear(c["textWidth"], c["projectionDim"], bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(2.6592))


def main(config_file, weights_file, input_file, output_file):
    with open(config_file) as file:
        config = json.load(file)
    weights, _ = safetensors_io.read(weights_file)
    model = CLIPModel(config)
    model.load_state_dict(weights, strict=True)
    model.eval()
    inputs, _ = safetensors_io.read(input_file)
    with torch.no_grad():
        last, pooled = model.vision_model(inputs["images"])
        image = model.visual_projection(pooled)
        _, text_pooled = model.text_model(inputs["ids"].long(), inputs["mask"])
        text = model.text_projection(text_pooled)
        patches = model.visual_projection(model.vision_model.post_layernorm(last[:, 1:, :]))  # B×g²×P
        grid = config["imageSize"] // config["patchSize"]
        image_map = patches.transpose(1, 2).reshape(patches.shape[0], patches.shape[2], grid, grid)
    safetensors_io.write(output_file, {"image": image, "text": text, "image_map": image_map})


if __name__ == "__main__":
    main(*sys.argv[1:5])
