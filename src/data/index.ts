/**
 * The data layer's public API: named datasets (AV-MNIST from MNIST + FSDD or the embedded synthetic
 * pool; CMU-MOSEI / UR-FUNNY from the neutral format), the `Dataset` batch iterator, and the readers
 * and front ends they are built from.
 */

export { Dataset, type Batch, type BatchOptions, type DatasetSpec, type DatasetSplits, type ModalityArray } from './dataset.js';
export { toTensors, type TensorBatch } from './batch-tensors.js';
export { DATASET_NAMES, loadDataset, type DatasetName, type LoadDatasetOptions, type NamedDataset } from './registry.js';
export { AVMNIST_BUILD_VERSION, AVMNIST_FULL_SIZES, buildAvMnist, type AvMnist, type AvMnistInfo, type AvMnistOptions } from './avmnist.js';
export { BENCHMARK_MODALITIES, loadBenchmark, type Benchmark, type BenchmarkManifest, type LoadBenchmarkOptions, type ManifestModality } from './multimodal-benchmark.js';
export { preprocessMosei, preprocessUrFunny, type AffectSplit, type Sequence3 } from './affect-preprocess.js';
export { MNIST_FILES, loadMnist, type LoadMnistOptions, type Mnist, type MnistSplit } from './mnist.js';
export { FSDD_HELP, isFsddTest, loadFsdd, type LoadFsddOptions } from './fsdd.js';
export { SYNTH_POOL_INDEX_SHA256, loadSynthPool, parseSynthPool, type LoadSynthPoolOptions, type SynthPool, type SynthPoolIndex, type SynthVoice } from './synth-pool.js';
export type { SpokenDigit, SpokenDigitSplits } from './spoken-digit.js';
export { spokenDigitDatasets } from './spoken-digit-dataset.js';
export { LogMelSpectrogram, type LogMelOptions } from './log-mel-spectrogram.js';
export { hzToMel, melFilterBank, melToHz, type MelFilterBank, type MelFilterBankOptions } from './mel-filter-bank.js';
export { Fft } from './fft.js';
export { mixNoise } from './audio-noise.js';
export { applyPcaEnergyFilter, fitPcaEnergyFilter, type PcaEnergyFilter, type PcaFitOptions } from './pca.js';
export { encodeWav16, parseWav, type WavAudio } from './wav.js';
export { parseIdx, type IdxArray } from './idx.js';
export { encodeNpy, npyToFloat32, parseNpy, type NpyArray, type NpyData, type NpyDType } from './npy.js';
export { parseNpz } from './npz.js';
export { extractZipEntry, inflateRaw, readZipEntries, type ZipEntry } from './zip.js';
export { crc32 } from './crc32.js';
export { decodeImaAdpcm, encodeImaAdpcm } from './ima-adpcm.js';
export { decodeDatasets, encodeDatasets, type DecodedDatasets } from './dataset-file.js';
export { cachedBuild, type CacheOption, type CachedBuild } from './dataset-cache.js';
export { probeAccuracy, trainLinearProbe, type LinearProbe, type LinearProbeOptions } from './linear-probe.js';
export { sha256Hex, verifySha256 } from './sha256.js';
export { defaultDataIO, type DataIO, type DataLocations } from './data-io.js';
export { nodeDataIO } from './node-fs.js';
export { detCos, detExp, detLog, detLog10, detPow10, detSin } from './det-math.js';
