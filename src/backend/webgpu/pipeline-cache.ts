import { ShaderStageCompute } from './gpu-constants.js';
import { WGSL, type ShaderFamily } from './shaders.generated.js';

/** How a kernel uses each storage binding (binding i + 1): 'r' read-only, 'w' read-write. */
export type BindingAccess = readonly ('r' | 'w')[];

/** Override constants of a pipeline (WGSL `override` declarations). */
export type OverrideConstants = Readonly<Record<string, number | boolean>>;

/** A compiled kernel: its pipeline and the layout its bind groups follow. */
export interface Kernel {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/**
 * Shader modules per family and compute pipelines per (family, entry point, override constants,
 * binding layout). Shapes travel in uniforms, so one pipeline serves every shape.
 */
export class PipelineCache {
  private readonly modules = new Map<ShaderFamily, GPUShaderModule>();
  private readonly layouts = new Map<string, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
  private readonly kernels = new Map<string, Kernel>();

  constructor(private readonly device: GPUDevice) {}

  /** Number of pipelines compiled so far. */
  get size(): number {
    return this.kernels.size;
  }

  get(family: ShaderFamily, entry: string, constants: OverrideConstants, access: BindingAccess): Kernel {
    const accessKey = access.join('');
    const constKey = Object.keys(constants).sort().map((k) => `${k}=${Number(constants[k])}`).join(',');
    const key = `${family}/${entry}/${constKey}/${accessKey}`;
    let kernel = this.kernels.get(key);
    if (kernel) return kernel;
    const layout = this.layout(accessKey);
    const numeric: Record<string, number> = {};
    for (const [k, v] of Object.entries(constants)) numeric[k] = Number(v);
    const pipeline = this.device.createComputePipeline({
      label: key,
      layout: layout.pipeline,
      compute: { module: this.module(family), entryPoint: entry, constants: numeric },
    });
    kernel = { pipeline, layout: layout.group };
    this.kernels.set(key, kernel);
    return kernel;
  }

  private module(family: ShaderFamily): GPUShaderModule {
    let m = this.modules.get(family);
    if (!m) {
      m = this.device.createShaderModule({ label: family, code: `${WGSL.common}\n${WGSL[family]}` });
      this.modules.set(family, m);
    }
    return m;
  }

  private layout(accessKey: string): { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout } {
    let l = this.layouts.get(accessKey);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: ShaderStageCompute, buffer: { type: 'uniform' } },
        ...[...accessKey].map((a, i): GPUBindGroupLayoutEntry => ({
          binding: i + 1,
          visibility: ShaderStageCompute,
          buffer: { type: a === 'w' ? 'storage' : 'read-only-storage' },
        })),
      ];
      const group = this.device.createBindGroupLayout({ label: `layout ${accessKey}`, entries });
      l = { group, pipeline: this.device.createPipelineLayout({ bindGroupLayouts: [group] }) };
      this.layouts.set(accessKey, l);
    }
    return l;
  }
}
