// diff-prompt: Diff-Prompt (ICLR 2025) for referring expression comprehension, in TypeScript
// over C++ libtorch.
export { DiffPromptError, ERROR_CODES, isDiffPromptError } from './errors';
export type { ErrorCode } from './errors';
export { Tensor } from './tensor';
export type { DType, TensorData, TypedArrayOf } from './tensor';
export { runtimeInfo, setThreads, manualSeed, resolveDevice, releaseCpuBufferCache } from './runtime';
export type { RuntimeInfo } from './runtime';
export type { ProgressEvent, LongJobOptions } from './long-job';
export { readSafetensors, writeSafetensors } from './io/safetensors';
export { Mlp } from './models/mlp';
export type { MlpConfig, MlpConfigInput } from './config/mlp-config';
export type { SaveOptions } from './models/native-model';
export type * from './data/sample';

// Data: the generated world, real formats, masks, images, tokenizers, batching.
export { generateWorld, iterateWorld, worldSample, worldSource, worldVocabulary } from './data/world';
export type { WorldOptions, WorldSample, SceneGraph } from './data/world';
export { readRefcocoEval } from './data/readers/refcoco-eval';
export { readMdetrCoco } from './data/readers/mdetr-coco';
export { readSeqtrInstances } from './data/readers/seqtr-instances';
export { readCocoInstances } from './data/readers/coco-instances';
export type { CocoInstance } from './data/readers/coco-instances';
export { writeMdetrCoco } from './data/writers/mdetr-coco-writer';
export { rasterisePolygons } from './data/masks/polygon-rasterise';
export { decodeRle, encodeRle, compressRle, decompressRle } from './data/masks/coco-rle';
export { loadImage } from './data/images/load-image';
export { encodePng } from './data/images/encode-png';
export { modelFrameTransform, toImageBox, toModelBox } from './data/images/model-frame';
export { resizeToModel } from './data/images/resize-to-model';
export { BertWordPieceTokenizer } from './data/tokenizers/bert-wordpiece-tokenizer';
export { ClipBpeTokenizer } from './data/tokenizers/clip-bpe-tokenizer';
export { WordLevelTokenizer } from './data/tokenizers/word-level-tokenizer';
export { positiveTokenMask } from './data/tokenizers/positive-token-mask';
export { batchStream, makeBatch, epochOrder } from './data/batching';
export type { Batch, BatchOptions, BatchStreamOptions, DataOrderState } from './data/batching';
export { worldMaskSet, cocoMaskSet, concatMaskSets, flippedMaskSet } from './data/mask-sets';
export type { MaskSet } from './data/mask-sets';

// Stage 1: the Mask-VAE.
export { MaskVae } from './models/mask-vae';
export type { VaeEncoding, VaeLosses } from './models/mask-vae';
export { MASK_VAE_PRESETS, maskVaePreset } from './config/mask-vae-config';
export type { MaskVaeConfig, MaskVaeConfigInput } from './config/mask-vae-config';
export { trainMaskVae } from './stages/train-mask-vae';
export type { TrainMaskVaeOptions, VaeEpochReport } from './stages/train-mask-vae';
export { evaluateReconstruction } from './eval/mask-reconstruction';
export type { ReconstructionSummary } from './eval/mask-reconstruction';

// The frozen foundation: the grounding model, its pretraining, evaluation and serving.
export { GroundingModel, TRAINABLE_SETS, GROUNDING_NORMALIZATION } from './models/grounding-model';
export type { DeepPrompts, GroundingLosses, ModelFrameBox, PredictOptions, TrainableSet } from './models/grounding-model';
export { GROUNDING_PRESETS, groundingPreset } from './config/grounding-config';
export type { GroundingConfig, GroundingConfigInput } from './config/grounding-config';
export { pretrainGrounding, warmupCosineLr } from './stages/pretrain-grounding';
export type { GroundingEpochReport, PretrainGroundingOptions, GroundingStepProgress } from './stages/pretrain-grounding';
export { evaluateGrounding } from './eval/evaluate-grounding';
export type { EvaluateGroundingOptions, GroundingEvaluation } from './eval/evaluate-grounding';
export { RecallCounter, boxOverlap, firstHitRank } from './eval/grounding-recall';
export type { OverlapCriterion, RecallSummary, ScoredBox } from './eval/grounding-recall';
export { GroundingPipeline } from './serving/grounding-pipeline';
export type { GroundedBox, ImageInput, PreparedRequest, PromptMasks } from './serving/grounding-pipeline';
export { createGroundingServer } from './serving/grounding-server';
export type { GroundingServer, ServedModelInfo } from './serving/grounding-server';
export { serve } from './serving/serve';
export type { RunningServer } from './serving/serve';
export { resolveServeOptions } from './serving/serve-options';
export type { ServeOptions, ServeOptionsInput } from './serving/serve-options';
export { readReferringFile } from './data/readers/referring-file';
export * as groundingOps from './ops/grounding-ops';

// Stage 2: the prompt generator.
export { ClipModel, CLIP_NORMALIZATION, CLIP_TOKENS } from './models/clip-model';
export type { ClipEncoding } from './models/clip-model';
export { CLIP_PRESETS, clipPreset } from './config/clip-config';
export type { ClipConfig, ClipConfigInput } from './config/clip-config';
export { PromptGenerator, diffusionSchedule } from './models/prompt-generator';
export type {
  DiffusionLossTerms,
  GenerateBatchOptions,
  GenerateOptions,
  GeneratedMasks,
  GeneratorCondition,
  GeneratorParts,
  GeneratorStepLosses,
  TrainedWith,
  TrajectoryOptions,
} from './models/prompt-generator';
export type { ConditionWidths, GeneratorConditioner } from './models/generator-conditioner';
export { trainPromptGenerator } from './stages/train-prompt-generator';
export type { GeneratorCheckpointReport, GeneratorStepProgress, TrainPromptGeneratorOptions, TrainPromptGeneratorResult } from './stages/train-prompt-generator';
export { evaluateGenerator, maskIou } from './eval/evaluate-generator';
export type { EvaluateGeneratorOptions, GeneratorEvaluation } from './eval/evaluate-generator';
export { sampleSeed } from './data/sample-seed';
export { PROMPT_GENERATOR_PRESETS, promptGeneratorPreset } from './config/prompt-generator-config';
export type { PromptGeneratorConfig, PromptGeneratorConfigInput } from './config/prompt-generator-config';

// Stage 3: Diff-Prompt, the baselines on the same frozen backbone, tuning and the comparison.
export { DiffPrompt } from './models/diff-prompt';
export type { DiffPromptLosses, DiffPromptPartDirs, DiffPromptParts } from './models/diff-prompt';
export { DIFF_PROMPT_PRESETS, diffPromptPreset } from './config/diff-prompt-config';
export type { DiffPromptConfig, DiffPromptConfigInput, DiffPromptPresetName } from './config/diff-prompt-config';
export type { PromptMethod } from './models/prompt-method';
export { BASELINE_LEARNING_RATES, BaselineMethod, PROMPT_METHODS, buildPromptMethod, isPromptMethod, methodLearningRate } from './models/prompt-methods';
export type { MethodSettings, PromptMethodName } from './models/prompt-methods';
export { tunePrompts } from './stages/tune-prompts';
export type { Tunable, TuneProgress, TunePromptsOptions, TunePromptsResult } from './stages/tune-prompts';
export { COMPARISON_SPLITS, compareMethods, meanStd } from './stages/compare-methods';
export type { CompareOptions, CompareProgress, ComparisonRow, ComparisonSplit, MeanStd, SplitScores } from './stages/compare-methods';
export { comparisonMarkdown, writeComparisonReport } from './report/comparison-report';
export type { ComparisonReportFiles } from './report/comparison-report';
export { SHIPPED_PART_NAMES, shippedPart, shippedParts } from './io/shipped-parts';
