import { VarmatError } from '../../errors.js';

/** Where the GPU object came from, and how to let go of it. */
export interface GpuSource {
  gpu: GPU;
  /** 'given', 'navigator.gpu' or "node package 'webgpu'". */
  origin: string;
}

/** What a Node `webgpu` package module offers (Dawn's bindings). */
interface NodeWebgpuModule {
  create(flags: string[]): GPU;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * Finds a WebGPU implementation: the one given, `navigator.gpu` (browsers, Deno), or in Node the
 * optional dependency `webgpu` (Dawn), imported dynamically so that bundles for browsers and Deno
 * never load it. Returns null with the list of what was tried when none is found.
 */
export async function findGpu(given?: GPU): Promise<{ source: GpuSource | null; tried: string[] }> {
  const tried: string[] = [];
  if (given) return { source: { gpu: given, origin: 'given' }, tried };
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { source: { gpu: nav.gpu, origin: 'navigator.gpu' }, tried };
  tried.push('navigator.gpu (absent)');
  if (isNode()) {
    const specifier = 'webgpu';
    try {
      const mod = (await import(/* @vite-ignore */ specifier)) as NodeWebgpuModule & { default?: NodeWebgpuModule };
      const create = mod.create ?? mod.default?.create;
      if (typeof create !== 'function') throw new Error('it has no create()');
      return { source: { gpu: create([]), origin: "node package 'webgpu' (Dawn)" }, tried };
    } catch (e) {
      tried.push(`node package 'webgpu' (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    }
  }
  return { source: null, tried };
}

/** A device with the adapter's real limits, and the adapter's description. */
export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** The GPU object: keep it referenced as long as the device lives (Dawn frees its instance with it). */
  gpu: GPU;
  description: string;
  /** Whether the adapter is a CPU implementation (SwiftShader, llvmpipe / lavapipe, a fallback adapter). */
  software: boolean;
}

/** The limits varmat raises to the adapter's maxima. */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

/** Whether an adapter runs on the CPU: a fallback adapter, SwiftShader or Mesa's llvmpipe. */
function isSoftware(adapter: GPUAdapter): boolean {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  if ((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter) return true;
  if ((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter) return true;
  const text = [info?.vendor, info?.architecture, info?.device, info?.description].join(' ');
  return /swiftshader|llvmpipe|lavapipe|software/i.test(text);
}

function describeAdapter(adapter: GPUAdapter, origin: string): string {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s): s is string => !!s);
  const fallback = (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ? ', software fallback' : '';
  return `webgpu (${parts.length > 0 ? [...new Set(parts)].join(' / ') : 'unnamed adapter'}${fallback}; via ${origin})`;
}

/**
 * Requests an adapter and a device with the adapter's real limits. Throws a BACKEND error naming
 * everything that was tried when there is no adapter.
 */
export async function acquireDevice(given?: GPU): Promise<AcquiredDevice> {
  const { source, tried } = await findGpu(given);
  const hint = isNode()
    ? "; in Node install the optional dependency 'webgpu' and a Vulkan driver (without a GPU: Debian's chromium package, then VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)"
    : '';
  if (!source) {
    throw new VarmatError('BACKEND', 'createWebGPUBackend', `no WebGPU implementation found; tried ${tried.join(', ')}${hint}`);
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await source.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    tried.push(`${source.origin}.requestAdapter() threw ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!adapter) {
    throw new VarmatError('BACKEND', 'createWebGPUBackend', `no WebGPU adapter: ${source.origin} offered none (tried ${[...tried, source.origin].join(', ')})${hint}`);
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number | undefined>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  const device = await adapter.requestDevice({ requiredLimits, label: 'varmat' });
  return { device, adapter, gpu: source.gpu, description: describeAdapter(adapter, source.origin), software: isSoftware(adapter) };
}
