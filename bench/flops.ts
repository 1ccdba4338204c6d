// FLOPs counted analytically (a multiply-add is 2 FLOPs), so a row's GFLOP/s can be set
// against the GEMM rate measured in the same run. A training step is counted as 3× its
// forward pass (forward, gradient of the inputs, gradient of the weights).
import type { GroundingConfig } from '../lib/config/grounding-config';
import type { MaskVaeConfig } from '../lib/config/mask-vae-config';

function conv(cin: number, cout: number, kernel: number, side: number): number {
  return 2 * cin * cout * kernel * kernel * side * side;
}

function resnet(cin: number, cout: number, side: number): number {
  return conv(cin, cout, 3, side) + conv(cout, cout, 3, side) + (cin !== cout ? conv(cin, cout, 1, side) : 0);
}

function midBlock(channels: number, side: number): number {
  const tokens = side * side;
  const attention = 4 * 2 * tokens * channels * channels + 2 * 2 * tokens * tokens * channels;
  return 2 * resnet(channels, channels, side) + attention;
}

type VaeShape = Pick<MaskVaeConfig, 'blockChannels' | 'layersPerBlock' | 'latentChannels' | 'sampleSize' | 'inChannels' | 'outChannels'>;

/** Forward FLOPs of encoding one mask (to the latent mean and log-variance). */
function maskVaeEncodeFlops(config: VaeShape): number {
  const channels = config.blockChannels;
  let side = config.sampleSize;
  let flops = conv(config.inChannels, channels[0], 3, side);
  let width = channels[0];
  channels.forEach((out, i) => {
    for (let j = 0; j < config.layersPerBlock; j++) flops += resnet(j === 0 ? width : out, out, side);
    width = out;
    if (i < channels.length - 1) {
      side /= 2;
      flops += conv(out, out, 3, side);
    }
  });
  flops += midBlock(width, side) + conv(width, 2 * config.latentChannels, 3, side);
  return flops + conv(2 * config.latentChannels, 2 * config.latentChannels, 1, side);
}

/** Forward FLOPs of decoding one latent to a mask. */
export function maskVaeDecodeFlops(config: VaeShape): number {
  const reversed = [...config.blockChannels].reverse();
  let side = config.sampleSize / 2 ** (reversed.length - 1);
  let flops = conv(config.latentChannels, config.latentChannels, 1, side) + conv(config.latentChannels, reversed[0], 3, side) + midBlock(reversed[0], side);
  let width = reversed[0];
  reversed.forEach((out, i) => {
    for (let j = 0; j <= config.layersPerBlock; j++) flops += resnet(j === 0 ? width : out, out, side);
    width = out;
    if (i < reversed.length - 1) {
      side *= 2;
      flops += conv(out, out, 3, side);
    }
  });
  return flops + conv(width, config.outChannels, 3, side);
}

/** Forward FLOPs of encode + decode for one mask. */
export function maskVaeForwardFlops(config: VaeShape): number {
  return maskVaeEncodeFlops(config) + maskVaeDecodeFlops(config);
}

/** Forward FLOPs of MaskDiT for one latent: patch embedding, per block attention (qkv, scores,
 * weighted sum, projection), MLP and adaLN modulation, the final layer. */
export function maskDitForwardFlops(config: { inputSize: number; inChannels: number; patchSize: number; hiddenSize: number; depth: number; mlpRatio?: number }): number {
  const tokens = (config.inputSize / config.patchSize) ** 2;
  const hidden = config.hiddenSize;
  const patch = config.inChannels * config.patchSize ** 2;
  const mlp = (config.mlpRatio ?? 4) * hidden;
  const block = 2 * tokens * hidden * 3 * hidden + 2 * 2 * tokens * tokens * hidden + 2 * tokens * hidden * hidden + 2 * 2 * tokens * hidden * mlp + 2 * 2 * hidden * 6 * hidden;
  const final = 2 * tokens * hidden * patch * 2 + 2 * 2 * hidden * 2 * hidden;
  const time = 2 * 256 * hidden + 2 * hidden * hidden;
  return 2 * tokens * patch * hidden + time + config.depth * block + final;
}

/** A transformer layer over n tokens of width d with an MLP of `hidden`: projections (q, k, v,
 * out), scores and weighted sum, MLP. */
function transformerLayer(tokens: number, width: number, hidden: number): number {
  return 4 * 2 * tokens * width * width + 2 * 2 * tokens * tokens * width + 2 * 2 * tokens * width * hidden;
}

/** Forward FLOPs of the grounding model for one image and expression: the two encoders, the
 * fusion layers (each side's cross-attention and MLP), the pyramid levels and the shared head
 * (tower, box and centerness convolutions, token scores). Text runs at maxLength tokens. */
export function groundingForwardFlops(config: GroundingConfig): number {
  const grid = config.imageSize / config.patchSize;
  const patches = grid * grid;
  const [dv, dt, text] = [config.visionWidth, config.textWidth, config.tokenizer.maxLength];
  let flops = 2 * patches * 3 * config.patchSize ** 2 * dv + config.visionDepth * transformerLayer(patches, dv, config.visionMlpRatio * dv);
  flops += config.textLayers * transformerLayer(text, dt, config.textIntermediate) + 2 * dt * dt;
  const crossAttention = (queries: number, keys: number, queryWidth: number, keyWidth: number) =>
    2 * queries * queryWidth * dv + 2 * 2 * keys * keyWidth * dv + 2 * 2 * queries * keys * dv + 2 * queries * dv * queryWidth;
  const fusionLayer = crossAttention(patches, text, dv, dt) + crossAttention(text, patches, dt, dv) + 2 * 2 * patches * dv * 4 * dv + 2 * 2 * text * dt * 4 * dt;
  flops += config.fusionLayers * fusionLayer;
  const channels = config.headChannels;
  for (const stride of config.pyramidStrides) {
    const side = config.imageSize / stride;
    let width = dv;
    for (let s = config.patchSize; s > stride; s /= 2) {
      flops += 2 * width * (width / 2) * 4 * (grid * (config.patchSize / s)) ** 2; // 2×2 stride-2 transposed convolution
      width /= 2;
    }
    flops += conv(width, channels, 1, side) + conv(channels, channels, 3, side);
    flops += config.headConvs * conv(channels, channels, 3, side) + conv(channels, 5, 3, side) + 2 * side * side * channels * text;
  }
  return flops + 2 * text * dt * channels;
}
