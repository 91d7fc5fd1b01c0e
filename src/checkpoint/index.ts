// Checkpoints: safetensors (reader and writer), atomic writes, the JSON sidecar. Node-only parts
// (files) live in checkpoint.ts and atomic-write.ts; the safetensors codec runs anywhere.
export {
  parseSafetensors, encodeSafetensors, SAFETENSORS_MAX_HEADER,
  type SafetensorsDType, type SafetensorsData, type SafetensorsEntry, type SafetensorsFile, type SafetensorsInput,
} from './safetensors.js';
export { writeFileAtomic } from './atomic-write.js';
export {
  saveCheckpoint, readCheckpoint, loadCheckpoint, sidecarPath,
  type CheckpointContent, type CheckpointSidecar, type LoadedCheckpoint, type JsonValue,
} from './checkpoint.js';
