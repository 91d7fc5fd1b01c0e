// Clean training: the loop, evaluation, progress, model construction for the CLI.
export { trainClassifier, epochSeed, type TrainOptions, type TrainResult, type EpochRecord, type OptimizerSpec } from './train-classifier.js';
export { evaluate, MetricSums, type EvalResult } from './evaluate.js';
export { formatProgress, formatDuration, type ProgressState } from './progress.js';
export { modelSpecFor, buildModel, type ModelKind, type ModelSpec } from './model-factory.js';
export { selectModalities } from './select-modalities.js';
