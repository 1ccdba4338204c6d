"""Independent PyTorch version of the whole grounding model and its loss, for the parity test and the
benchmark: the encoders of grounding_encoders.py, cross-modal fusion, the simple feature pyramid, the
dense head with GLIP's dot-product token scores, ATSS assignment and the focal + GIoU + centerness loss.
It also builds the baselines' own prompts (`prompts.visual`, `prompts.textual`, MaPLe's
`prompts.coupling.j`, FedTPG's `prompts.generators.j`) and CLIP-Adapter's `adapter.l` when the
config asks for them. Usage:
  python3 grounding_model.py CONFIG.json WEIGHTS.safetensors INPUT.safetensors OUTPUT.safetensors
INPUT holds "images" (B×3×S×S), "ids" (B×T int), "mask" (B×T), "positive" (B×T) and "boxes" (B×4);
OUTPUT gets "boxes" (B×A×4), "centerness" (B×A), "token_logits" (B×A×T) and "loss" (the total, token,
box and centerness terms, 4)."""
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import grounding_encoders as encoders
import safetensors_io


class CrossAttention(nn.Module):
    def __init__(self, query_width, key_width, width, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(query_width, width)
        self.k_proj = nn.Linear(key_width, width)
        self.v_proj = nn.Linear(key_width, width)
        self.out_proj = nn.Linear(width, query_width)

    def forward(self, queries, keys, mask=None):
        return self.out_proj(encoders.attention(self.q_proj(queries), self.k_proj(keys), self.v_proj(keys), self.heads, mask))


def additive_mask(mask):
    """B×T 0/1 → B×1×1×T, 0 where kept and −10000 where padded (BERT's)."""
    return (1.0 - mask[:, None, None, :].float()) * -10000.0


class FeedForward(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.norm = nn.LayerNorm(width, eps=1e-6)
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(self.norm(x))))


class FusionLayer(nn.Module):
    def __init__(self, image_width, text_width, heads):
        super().__init__()
        self.image_norm = nn.LayerNorm(image_width, eps=1e-6)
        self.text_norm = nn.LayerNorm(text_width, eps=1e-6)
        self.image_from_text = CrossAttention(image_width, text_width, image_width, heads)
        self.text_from_image = CrossAttention(text_width, image_width, image_width, heads)
        self.image_mlp = FeedForward(image_width, 4 * image_width)
        self.text_mlp = FeedForward(text_width, 4 * text_width)

    def forward(self, image, text, text_mask):
        normed_text = self.text_norm(text)
        image = image + self.image_from_text(self.image_norm(image), normed_text, text_mask)
        text = text + self.text_from_image(normed_text, self.image_norm(image))
        return image + self.image_mlp(image), text + self.text_mlp(text)


class Fusion(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layers = nn.ModuleList([FusionLayer(c["visionWidth"], c["textWidth"], c["fusionHeads"]) for _ in range(c["fusionLayers"])])

    def forward(self, image, text, text_mask):
        for layer in self.layers:
            image, text = layer(image, text, text_mask)
        return image, text


class PyramidLevel(nn.Module):
    def __init__(self, width, channels, groups, scale_log2):
        super().__init__()
        self.scale_log2 = scale_log2
        inner = width
        self.upsample = nn.ModuleList()
        for _ in range(max(scale_log2, 0)):
            self.upsample.append(nn.ConvTranspose2d(inner, inner // 2, 2, stride=2))
            inner //= 2
        self.lateral = nn.Conv2d(inner, channels, 1)
        self.lateral_norm = nn.GroupNorm(groups, channels)
        self.output = nn.Conv2d(channels, channels, 3, padding=1)
        self.output_norm = nn.GroupNorm(groups, channels)

    def forward(self, x):
        for i, up in enumerate(self.upsample):
            x = up(F.gelu(x) if i > 0 else x)
        for _ in range(max(-self.scale_log2, 0)):
            x = F.max_pool2d(x, 2, 2)
        return self.output_norm(self.output(self.lateral_norm(self.lateral(x))))


class Pyramid(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.grid = c["imageSize"] // c["patchSize"]
        self.levels = nn.ModuleList([PyramidLevel(c["visionWidth"], c["headChannels"], c["normGroups"], round(math.log2(c["patchSize"] / s))) for s in c["pyramidStrides"]])

    def forward(self, tokens):
        b, n, d = tokens.shape
        x = tokens.transpose(1, 2).reshape(b, d, self.grid, self.grid)
        return [level(x) for level in self.levels]


class PyramidAdapter(nn.Module):
    """CLIP-Adapter over channels: f' = ratio·relu(fc2(relu(fc1(f)))) + (1 − ratio)·f."""

    def __init__(self, channels, reduction, ratio):
        super().__init__()
        self.ratio = ratio
        self.fc1 = nn.Linear(channels, max(1, channels // reduction), bias=False)
        self.fc2 = nn.Linear(max(1, channels // reduction), channels, bias=False)

    def forward(self, x):
        adapted = F.relu(self.fc2(F.relu(self.fc1(x.permute(0, 2, 3, 1))))).permute(0, 3, 1, 2)
        return self.ratio * adapted + (1 - self.ratio) * x


def location_grid(c):
    centers, strides = [], []
    for stride in c["pyramidStrides"]:
        side = c["imageSize"] // stride
        steps = (torch.arange(side, dtype=torch.float32) + 0.5) * stride
        y, x = torch.meshgrid(steps, steps, indexing="ij")
        centers.append(torch.stack([x.flatten(), y.flatten()], 1))
        strides.append(torch.full((side * side,), float(stride)))
    return torch.cat(centers), torch.cat(strides), [len(s) for s in strides]


class Head(nn.Module):
    def __init__(self, c):
        super().__init__()
        channels = c["headChannels"]
        self.strides = c["pyramidStrides"]
        self.centers = location_grid(c)[0]
        layers = []
        for _ in range(c["headConvs"]):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.GroupNorm(c["normGroups"], channels), nn.ReLU()]
        self.tower = nn.Sequential(*layers)
        self.bbox_pred = nn.Conv2d(channels, 4, 3, padding=1)
        self.centerness = nn.Conv2d(channels, 1, 3, padding=1)
        self.scales = nn.Parameter(torch.ones(len(c["pyramidStrides"])))
        self.dot_product_projection_text = nn.Linear(c["textWidth"], channels)
        self.log_scale = nn.Parameter(torch.zeros(1))
        self.bias_lang = nn.Parameter(torch.zeros(c["textWidth"]))
        self.bias0 = nn.Parameter(torch.zeros(1))

    def forward(self, levels, text):
        distances, centerness, features = [], [], []
        for l, level in enumerate(levels):
            tower = self.tower(level)
            logits = (self.bbox_pred(tower) * self.scales[l]).clamp_max(8.0)
            distances.append(torch.exp(logits).flatten(2).transpose(1, 2) * self.strides[l])
            centerness.append(self.centerness(tower).flatten(1))
            features.append(tower.flatten(2).transpose(1, 2))
        sides = torch.cat(distances, 1)
        centers = self.centers.unsqueeze(0)
        boxes = torch.cat([centers - sides[..., :2], centers + sides[..., 2:]], 2)
        embedded = F.normalize(text, p=2, dim=-1)
        tokens = self.dot_product_projection_text(embedded / 2.0)
        token_bias = embedded @ self.bias_lang + self.bias0
        logits = torch.cat(features, 1) @ tokens.transpose(1, 2) / self.log_scale.exp() + token_bias.unsqueeze(1)
        return boxes, torch.cat(centerness, 1), logits.clamp(-50000.0, 50000.0)


class ExpressionPromptGenerator(nn.Module):
    """FedTPG, one text layer: learned queries attend over the expression's tokens, then a residual MLP."""

    def __init__(self, width, length, heads):
        super().__init__()
        self.queries = nn.Parameter(torch.zeros(length, width))
        self.attention = CrossAttention(width, width, width, heads)
        self.mlp = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width))

    def forward(self, tokens, mask):
        queries = self.queries.unsqueeze(0).expand(tokens.shape[0], -1, -1)
        attended = queries + self.attention(queries, tokens, additive_mask(mask))
        return attended + self.mlp(attended)


class Prompts(nn.Module):
    def __init__(self, c):
        super().__init__()
        visual = c.get("visualPromptDepth", 0) > 0 and c.get("visualPromptLength", 0) > 0
        textual = c.get("textPromptDepth", 0) > 0 and c.get("textPromptLength", 0) > 0
        coupled, generated = c.get("coupledVisualPrompts", False), c.get("expressionTextPrompts", False)
        if visual and not coupled:
            self.visual = nn.Parameter(torch.zeros(c["visualPromptDepth"], c["visualPromptLength"], c["visionWidth"]))
        if textual and not generated:
            self.textual = nn.Parameter(torch.zeros(c["textPromptDepth"], c["textPromptLength"], c["textWidth"]))
        self.coupling = nn.ModuleList([nn.Linear(c["textWidth"], c["visionWidth"]) for _ in range(c["visualPromptDepth"] if visual and coupled else 0)])
        heads = c.get("expressionPromptHeads", 4)
        self.generators = nn.ModuleList([ExpressionPromptGenerator(c["textWidth"], c["textPromptLength"], heads) for _ in range(c["textPromptDepth"] if textual and generated else 0)])

    def forward(self, batch, expression, mask):
        textual = [p.unsqueeze(0).expand(batch, -1, -1) for p in self.textual] if hasattr(self, "textual") else []
        textual += [generator(expression, mask) for generator in self.generators]
        visual = [p.unsqueeze(0).expand(batch, -1, -1) for p in self.visual] if hasattr(self, "visual") else []
        visual += [coupling(textual[j]) for j, coupling in enumerate(self.coupling)]
        return visual, textual


class GroundingNetwork(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.vision = encoders.VisionEncoder(c)
        self.text = encoders.Bert(c)
        self.fusion = Fusion(c)
        self.pyramid = Pyramid(c)
        self.head = Head(c)
        self.prompts = Prompts(c)
        reduction = c.get("pyramidAdapterReduction", 0)
        self.adapter = nn.ModuleList([PyramidAdapter(c["headChannels"], reduction, c.get("pyramidAdapterRatio", 0.2)) for _ in c["pyramidStrides"]] if reduction else [])

    def own_prompts(self, images, ids, mask):
        expression = None
        if len(self.prompts.generators):
            with torch.no_grad():
                expression, _ = self.text(ids, mask, None)
        return self.prompts(images.shape[0], expression, mask)

    def forward(self, images, ids, mask, visual=None, textual=None):
        """visual, textual: the caller's prompts per layer (stage 3); per modality, an empty or missing
        list means the model's own prompts, as the addon."""
        own_visual, own_textual = self.own_prompts(images, ids, mask) if not visual or not textual else ([], [])
        visual = visual or own_visual
        textual = textual or own_textual
        image = self.vision(images, visual or None)
        hidden, _ = self.text(ids, mask, textual or None)
        fused_image, fused_text = self.fusion(image, hidden, additive_mask(mask))
        levels = self.pyramid(fused_image)
        levels = [adapter(level) for adapter, level in zip(self.adapter, levels)] if len(self.adapter) else levels
        return self.head(levels, fused_text)


def box_area(b):
    return (b[..., 2] - b[..., 0]).clamp_min(0) * (b[..., 3] - b[..., 1]).clamp_min(0)


def overlap(a, b):
    size = (torch.min(a[..., 2:], b[..., 2:]) - torch.max(a[..., :2], b[..., :2])).clamp_min(0)
    intersection = size[..., 0] * size[..., 1]
    return intersection, box_area(a) + box_area(b) - intersection


def safe_ratio(numerator, denominator):
    return torch.where(denominator > 0, numerator / denominator.clamp_min(1e-12), torch.zeros_like(numerator))


def paired_iou(a, b):
    intersection, union = overlap(a, b)
    return safe_ratio(intersection, union)


def paired_giou(a, b):
    intersection, union = overlap(a, b)
    hull_size = (torch.max(a[..., 2:], b[..., 2:]) - torch.min(a[..., :2], b[..., :2])).clamp_min(0)
    hull = hull_size[..., 0] * hull_size[..., 1]
    return safe_ratio(intersection, union) - safe_ratio(hull - union, hull)


def centerness_of(centers, boxes):
    x, y = centers[:, 0].unsqueeze(0), centers[:, 1].unsqueeze(0)
    left, right = x - boxes[:, 0:1], boxes[:, 2:3] - x
    top, bottom = y - boxes[:, 1:2], boxes[:, 3:4] - y
    inside = torch.min(torch.min(left, right), torch.min(top, bottom)) > 0.01
    horizontal = torch.min(left, right) / torch.max(left, right).clamp_min(1e-6)
    vertical = torch.min(top, bottom) / torch.max(top, bottom).clamp_min(1e-6)
    return torch.where(inside, torch.sqrt((horizontal * vertical).clamp_min(0)), torch.zeros_like(horizontal))


def atss_assign(c, boxes):
    """ATSS: per level the topK locations nearest the box centre; positive when IoU ≥ mean + std of the
    candidates' IoUs and inside the box; a box with none gets its inside candidate of highest IoU."""
    centers, strides, sizes = location_grid(c)
    half = (strides * (c["anchorScale"] / 2)).unsqueeze(1)
    anchors = torch.cat([centers - half, centers + half], 1)
    box_centers = (boxes[:, :2] + boxes[:, 2:]) / 2
    distance = (centers.unsqueeze(0) - box_centers.unsqueeze(1)).pow(2).sum(-1)
    candidates, offset = [], 0
    for size in sizes:
        candidates.append(distance[:, offset:offset + size].topk(min(c["atssTopK"], size), 1, largest=False).indices + offset)
        offset += size
    candidate = torch.cat(candidates, 1)
    b, k = candidate.shape
    iou = paired_iou(anchors[candidate.flatten()].view(b, k, 4), boxes.unsqueeze(1).expand(b, k, 4))
    threshold = iou.mean(1, keepdim=True) + iou.std(1, unbiased=True, keepdim=True)
    centerness = centerness_of(centers, boxes)
    inside = centerness.gather(1, candidate) > 0
    chosen = (iou >= threshold) & inside
    none = ~chosen.any(1, keepdim=True)
    best = torch.where(inside, iou, torch.full_like(iou, -1)).argmax(1, keepdim=True)
    fallback = torch.zeros_like(chosen).scatter_(1, best, True) & inside
    chosen = chosen | (fallback & none)
    positive = torch.zeros(b, centers.shape[0], dtype=torch.bool).scatter_(1, candidate, chosen)
    return positive, torch.where(positive, centerness, torch.zeros_like(centerness))


def sigmoid_focal_loss(logits, targets, alpha, gamma):
    probability = torch.sigmoid(logits)
    cross_entropy = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = probability * targets + (1 - probability) * (1 - targets)
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    return alpha_t * cross_entropy * (1 - p_t).pow(gamma)


def grounding_loss(c, head, boxes, positive_tokens, mask):
    predicted_boxes, centerness_logits, token_logits = head
    positive, centerness_target = atss_assign(c, boxes)
    positives = int(positive.sum())
    normaliser = float(max(positives, 1))
    token_targets = positive.unsqueeze(2).float() * positive_tokens.unsqueeze(1).float()
    real = mask.unsqueeze(1).float().expand_as(token_targets)
    token = (sigmoid_focal_loss(token_logits, token_targets, c.get("focalAlpha", 0.25), c.get("focalGamma", 2.0)) * real).sum() / normaliser
    sample, location = positive.nonzero(as_tuple=True)
    weight = centerness_target[sample, location]
    if positives == 0:
        box, center = predicted_boxes.sum() * 0.0, centerness_logits.sum() * 0.0
    else:
        giou = paired_giou(predicted_boxes[sample, location], boxes[sample])
        box = c.get("regressionWeight", 2.0) * ((1 - giou) * weight).sum() / weight.sum().clamp_min(1e-6)
        center = F.binary_cross_entropy_with_logits(centerness_logits[sample, location], weight, reduction="sum") / normaliser
    return token + box + center, token, box, center


def load(config, weights):
    model = GroundingNetwork(config)
    model.load_state_dict(weights, strict=True)
    return model


def main(config_file, weights_file, input_file, output_file):
    import json

    with open(config_file) as file:
        config = json.load(file)["config"]
    weights, _ = safetensors_io.read(weights_file)
    model = load(config, weights)
    inputs, _ = safetensors_io.read(input_file)
    ids, mask = inputs["ids"].long(), inputs["mask"].long()
    head = model(inputs["images"], ids, mask)
    loss = grounding_loss(config, head, inputs["boxes"], inputs["positive"].long(), mask)
    with torch.no_grad():
        safetensors_io.write(output_file, {"boxes": head[0], "centerness": head[1], "token_logits": head[2], "loss": torch.stack(loss).detach()})


if __name__ == "__main__":
    main(*sys.argv[1:5])
