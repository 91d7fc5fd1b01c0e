import { allocArray, type DType, type TypedArray } from '../../dtype.js';
import { VarmatError } from '../../errors.js';
import { BufferPool, type BufferKind, type PoolStats } from './buffer-pool.js';
import { MapModeRead, UNIFORM_SLOT_BYTES } from './gpu-constants.js';
import { GpuHandle } from './gpu-handle.js';
import { PipelineCache, type BindingAccess, type OverrideConstants } from './pipeline-cache.js';
import type { ShaderFamily } from './shaders.generated.js';

/** Options for tests and tuning; none is needed in normal use. */
export interface RuntimeOptions {
  /** Dispatches recorded per submit (default 128). */
  dispatchesPerSubmit?: number;
  /** Fill every kernel output with a poison value first (NaN bits for float32), so tests see unwritten elements. */
  poisonOutputs?: boolean;
  /** Lower the workgroups-per-dimension limit the grid folding uses (tests the folding cheaply). */
  maxWorkgroupsPerDimension?: number;
}

/** One dispatch: a kernel of a shader family, its parameters, its buffers and its grid. */
export interface DispatchSpec {
  family: ShaderFamily;
  entry: string;
  constants?: OverrideConstants;
  /** The uniform block (binding 0). */
  uniforms: Uint32Array;
  /** Storage bindings 1, 2, ...: a buffer and whether the kernel writes it. */
  bindings: readonly (readonly [GPUBuffer, 'r' | 'w'])[];
  /** Workgroups wanted (flat); folded into 2-D or 3-D when over the per-dimension limit. */
  groups: number;
}

const POISON_F32 = 0x7fc00000;
const POISON_I32 = 0x80000001;

/**
 * The machinery under the WebGPU backend: the device, the buffer pool, the pipeline cache and the
 * recording of dispatches into one compute pass that is submitted in batches. Errors that WebGPU
 * reports asynchronously (out of memory, validation, device loss) are kept and raised as
 * `VarmatError`s by the next call.
 */
export class GpuRuntime {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private arena: GPUBuffer | null = null;
  private readonly arenaWords: Uint32Array;
  private slot = 0;
  private readonly slots: number;
  private flushScheduled = false;
  private pendingError: VarmatError | null = null;
  private lost: GPUDeviceLostInfo | null = null;
  private destroyed = false;
  private live = 0;
  private liveBytes = 0;
  private submits = 0;
  private readonly maxPerDim: number;
  private readonly poison: boolean;
  /** A small buffer bound where a kernel's optional input is absent. */
  readonly dummy: GPUBuffer;
  /**
   * Error words that kernels set when they meet invalid data they cannot report synchronously
   * (out-of-range gather / scatter indices): [op code, value, bound, 0]. Every read-back copies
   * them along and raises the error; they are then cleared.
   */
  readonly flags: GPUBuffer;

  /**
   * @param keepAlive objects the device depends on (the GPU object and adapter): held here so that
   *   garbage collection cannot free Dawn's instance under a live device (which crashes Node).
   */
  constructor(readonly device: GPUDevice, options: RuntimeOptions = {}, private readonly keepAlive: readonly object[] = []) {
    this.slots = options.dispatchesPerSubmit ?? 128;
    this.arenaWords = new Uint32Array((this.slots * UNIFORM_SLOT_BYTES) / 4);
    this.poison = options.poisonOutputs ?? false;
    this.maxPerDim = Math.min(options.maxWorkgroupsPerDimension ?? Infinity, device.limits.maxComputeWorkgroupsPerDimension);
    this.pool = new BufferPool(device, (bytes, create) => this.createBuffer(bytes, create));
    this.pipelines = new PipelineCache(device);
    device.lost.then((info) => {
      this.lost = info;
    });
    const onError = (ev: Event): void => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      this.pendingError ??= new VarmatError('BACKEND', 'webgpu', `the GPU reported an error: ${err?.message ?? String(err)}`);
    };
    if (typeof device.addEventListener === 'function') device.addEventListener('uncapturederror', onError);
    else (device as { onuncapturederror?: unknown }).onuncapturederror = onError;
    this.dummy = this.pool.acquire('storage', 64);
    this.flags = this.pool.acquire('storage', 64);
    device.queue.writeBuffer(this.flags, 0, new Uint32Array(16));
  }

  /** Throws the pending asynchronous error, or a device-loss error, naming `op`. */
  check(op: string): void {
    if (this.destroyed) throw new VarmatError('BACKEND', op, 'the WebGPU backend was destroyed');
    if (this.lost) {
      throw new VarmatError('BACKEND', op, `the WebGPU device was lost (${this.lost.reason}): ${this.lost.message || 'no message'}; create a new backend`);
    }
    if (this.pendingError) {
      const e = this.pendingError;
      this.pendingError = null;
      throw new VarmatError(e.code, op, e.message.replace(/^webgpu: /, ''));
    }
  }

  private createBuffer(bytes: number, create: () => GPUBuffer): GPUBuffer {
    const limit = Math.min(this.device.limits.maxBufferSize, this.device.limits.maxStorageBufferBindingSize);
    if (bytes > limit) {
      throw new VarmatError('BACKEND', 'webgpu', `cannot allocate ${bytes} bytes: the adapter allows buffers of at most ${limit} bytes`);
    }
    this.device.pushErrorScope('out-of-memory');
    const buffer = create();
    this.device.popErrorScope().then((err) => {
      if (err) {
        this.pendingError ??= new VarmatError('BACKEND', 'webgpu', `out of GPU memory allocating ${bytes} bytes (${err.message}); free tensors or use smaller batches`);
      }
    });
    return buffer;
  }

  // ---- storage -------------------------------------------------------------------------------

  /** Handles made inside the current `guard`, released if it throws. */
  private guarded: GpuHandle[] | null = null;

  /** Runs a kernel call; if it throws, the outputs it allocated are released (no leaks on errors). */
  guard<T>(fn: () => T): T {
    const outer = this.guarded;
    const mine: GpuHandle[] = [];
    this.guarded = mine;
    try {
      return fn();
    } catch (e) {
      for (const h of mine) this.releaseHandle(h);
      throw e;
    } finally {
      this.guarded = outer;
      outer?.push(...mine);
    }
  }

  /** A new handle of `size` elements; poisoned first when the option is on. */
  output(dtype: DType, size: number): GpuHandle {
    const h = new GpuHandle(dtype, size, this.pool.acquire('storage', size * 4));
    this.guarded?.push(h);
    this.live++;
    this.liveBytes += h.bytes;
    if (this.poison && size > 0) this.fillWords(h.buffer, size, dtype === 'int32' ? POISON_I32 : POISON_F32);
    return h;
  }

  /** Frees a handle: its buffer returns to the pool once the work recorded so far is done. */
  releaseHandle(h: GpuHandle): void {
    if (h.released) return;
    h.released = true;
    this.live--;
    this.liveBytes -= h.bytes;
    if (!this.destroyed) this.pool.release('storage', h.buffer);
  }

  /** A temporary storage buffer for one kernel's intermediate results. */
  scratch(bytes: number): GPUBuffer {
    return this.pool.acquire('storage', bytes);
  }

  /** Returns a scratch buffer (after the dispatches that use it have been recorded). */
  releaseScratch(buffer: GPUBuffer): void {
    this.pool.release('storage', buffer);
  }

  /** Copies host values into a new handle. */
  upload(values: TypedArray, dtype: DType): GpuHandle {
    const h = new GpuHandle(dtype, values.length, this.pool.acquire('storage', values.length * 4));
    this.live++;
    this.liveBytes += h.bytes;
    if (values.length > 0) {
      const data = dtype === 'int32'
        ? (values instanceof Int32Array ? values : Int32Array.from(values))
        : (values instanceof Float32Array ? values : Float32Array.from(values));
      this.device.queue.writeBuffer(h.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    }
    return h;
  }

  /** Records a fill of the first `size` words of `buffer` with `word`. */
  fillWords(buffer: GPUBuffer, size: number, word: number): void {
    this.dispatch({
      family: 'movement',
      entry: 'fill',
      uniforms: new Uint32Array([size, 0, 0, word >>> 0]),
      bindings: [[this.dummy, 'r'], [buffer, 'w']],
      groups: this.strideGroups(size, 256),
    });
  }

  /** Live handles (not released by their owner): the leak tests' count. */
  get liveHandles(): number {
    return this.live;
  }

  /** Bytes of live handles' elements. */
  get bytesInUse(): number {
    return this.liveBytes;
  }

  poolStats(): PoolStats {
    return this.pool.stats();
  }

  // ---- recording and submitting ----------------------------------------------------------------

  /** Workgroups for a grid-stride kernel of `n` elements at `perGroup` invocations per group. */
  strideGroups(n: number, perGroup: number): number {
    return Math.max(1, Math.min(Math.ceil(n / perGroup), 4096));
  }

  /** Folds a flat workgroup count into a grid within the per-dimension limit. */
  grid(groups: number): [number, number, number] {
    const max = this.maxPerDim;
    if (groups <= max) return [groups, 1, 1];
    const y = Math.ceil(groups / max);
    if (y <= max) return [max, y, 1];
    const z = Math.ceil(y / max);
    if (z > max) throw new VarmatError('BACKEND', 'webgpu', `a grid of ${groups} workgroups exceeds ${max}^3`);
    return [max, max, z];
  }

  /** Records one dispatch into the open compute pass (opening one if needed). */
  dispatch(spec: DispatchSpec): void {
    this.check(spec.entry);
    if (spec.groups <= 0) return;
    const access: BindingAccess = spec.bindings.map((b) => b[1]);
    const kernel = this.pipelines.get(spec.family, spec.entry, spec.constants ?? {}, access);
    if (this.slot === this.slots) this.flush();
    const pass = this.openPass();
    const offset = this.slot * UNIFORM_SLOT_BYTES;
    this.arenaWords.set(spec.uniforms, offset / 4);
    this.slot++;
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.arena!, offset, size: UNIFORM_SLOT_BYTES } },
      ...spec.bindings.map(([buffer], i): GPUBindGroupEntry => ({ binding: i + 1, resource: { buffer } })),
    ];
    const group = this.device.createBindGroup({ layout: kernel.layout, entries });
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, group);
    const [x, y, z] = this.grid(spec.groups);
    pass.dispatchWorkgroups(x, y, z);
    this.scheduleFlush();
  }

  private openPass(): GPUComputePassEncoder {
    if (!this.encoder) {
      this.encoder = this.device.createCommandEncoder();
      this.arena = this.pool.acquire('uniform', this.slots * UNIFORM_SLOT_BYTES);
      this.slot = 0;
    }
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    return this.pass;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      if (!this.destroyed) this.flush();
    });
  }

  /** Records a buffer-to-buffer copy after the dispatches so far. */
  private copy(src: GPUBuffer, dst: GPUBuffer, bytes: number): void {
    this.openPass();
    this.pass!.end();
    this.pass = null;
    this.encoder!.copyBufferToBuffer(src, 0, dst, 0, bytes);
  }

  /** Submits what has been recorded; parked buffers return to the pool when it completes. */
  flush(): void {
    if (!this.encoder) return;
    if (this.pass) this.pass.end();
    this.pass = null;
    if (this.slot > 0) this.device.queue.writeBuffer(this.arena!, 0, this.arenaWords.buffer, 0, this.slot * UNIFORM_SLOT_BYTES);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pool.release('uniform', this.arena!);
    this.arena = null;
    this.slot = 0;
    this.submits++;
    const done = this.pool.takePending();
    this.device.queue.onSubmittedWorkDone().then(() => this.pool.recycle(done), () => undefined);
  }

  /** Submits so far, for tests and benchmarks. */
  get submitCount(): number {
    return this.submits;
  }

  /** Copies a handle's elements to the host after all work recorded before the call. */
  async read(h: GpuHandle, op = 'read'): Promise<TypedArray> {
    this.check(op);
    if (h.released) throw new VarmatError('DISPOSED', op, 'the storage was released');
    if (h.size === 0) return allocArray(h.dtype, 0);
    const bytes = h.size * 4;
    // The error words travel in the same staging buffer, after the values.
    const staging = this.pool.acquire('readback', bytes + 16);
    this.copy(h.buffer, staging, bytes);
    this.encoder!.copyBufferToBuffer(this.flags, 0, staging, bytes, 16);
    this.flush();
    try {
      await staging.mapAsync(MapModeRead, 0, bytes + 16);
    } catch (e) {
      this.check(op);
      throw new VarmatError('BACKEND', op, `reading back ${bytes} bytes failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const words = staging.getMappedRange(0, bytes + 16).slice(0);
    staging.unmap();
    this.pool.releaseIdle('readback', staging);
    this.check(op);
    this.raiseFlags(new Uint32Array(words, bytes, 4));
    return h.dtype === 'int32' ? new Int32Array(words, 0, h.size) : new Float32Array(words, 0, h.size);
  }

  /** Throws (once) the error a kernel flagged on the GPU. */
  private raiseFlags(w: Uint32Array): void {
    if (w[0] === 0) return;
    this.device.queue.writeBuffer(this.flags, 0, new Uint32Array(4));
    const op = w[0] === 1 ? 'gather' : w[0] === 2 ? 'scatterAdd' : 'webgpu';
    const index = w[1] | 0;
    throw new VarmatError(
      'VALUE', op,
      `argument 'indices' expected values in [0, ${w[2] - 1}], received ${index} (found on the GPU; raised at the next read-back)`,
    );
  }

  /** Waits until the GPU has finished everything submitted so far (benchmarks). */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.check('sync');
  }

  /** Releases the device; the backend is unusable afterwards. Lets Node exit. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.encoder = null;
    this.pass = null;
    this.pool.trim();
    this.device.destroy();
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }
}

export type { BufferKind };
