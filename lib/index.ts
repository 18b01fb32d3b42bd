// rtk-diffusion: Reverse Transition Kernel samplers (Huang et al., NeurIPS 2024) and the
// standard diffusion baselines, over a C++ core.
export { sample, sampleSync } from './sample';
export { GaussianMixture } from './gaussian-mixture';
export { NativeTarget } from './native-target';
export type { GaussianMixtureOptions } from './gaussian-mixture';
export { loadScorePlugin, ScorePlugin } from './score-plugin';
export type { ScorePluginOptions, NativeScorePlugin } from './score-plugin';
export { marginalAccuracy, marginalAccuracyFloor } from './metrics';
export type { MarginalAccuracyOptions } from './metrics';
export { epsilonScore, x0Score, linearAlphaBar, cosineAlphaBar, timeFromAlphaBar, alphaBarFromTime } from './adapters';
export type { Predictor, AdapterOptions } from './adapters';
export { uniformGrid, geometricGrid } from './schedules';
export { defaultSegments } from './plan';
export { AbortError } from './errors';
export { SAMPLERS } from './options';
export type {
  SampleOptions,
  SampleResult,
  SampleStats,
  SegmentStats,
  SamplerName,
  ScoreFunction,
  EnergyFunction,
  ProgressInfo,
} from './options';
export { addon as native } from './native';
export { cudaInfo } from './device';
export type { CudaInfo, DeviceOption } from './device';
export { onnxScore, OnnxModelError } from './onnx-score';
export type { OnnxScore, OnnxScoreOptions, OnnxTimeInput, OnnxModelInfo, OnnxSessionLike } from './onnx-score';
