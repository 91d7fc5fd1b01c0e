import { BufferUsage } from './gpu-constants.js';
import { sizeClass } from './size-class.js';

/** What a pooled buffer is for; each kind has its own usage flags and free lists. */
export type BufferKind = 'storage' | 'uniform' | 'readback';

const USAGE: Record<BufferKind, number> = {
  storage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
  uniform: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
  readback: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
};

interface Entry {
  buffer: GPUBuffer;
  kind: BufferKind;
}

/** Counts of the pool, for `describe()`, tests and benchmarks. */
export interface PoolStats {
  /** Buffers handed out and not yet released. */
  inUse: number;
  /** Buffers released but possibly still read or written by submitted GPU work. */
  pending: number;
  /** Buffers free for reuse. */
  free: number;
  /** Bytes of all GPU buffers the pool owns (in use, pending and free). */
  allocatedBytes: number;
}

/**
 * GPU buffers pooled by kind and size class. A released buffer becomes reusable only after the
 * submit that may use it has completed: `release` parks it with the batch being recorded,
 * `takePending` hands that batch's parked buffers to the submitter, and `recycle` returns them
 * once the queue reports the work done. Free buffers beyond `maxFreeBytes` are destroyed.
 */
export class BufferPool {
  private readonly freeLists = new Map<string, GPUBuffer[]>();
  private parked: Entry[] = [];
  private inFlight = 0;
  private inUse = 0;
  private freeCount = 0;
  private freeBytes = 0;
  private allocated = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly onCreate: (bytes: number, create: () => GPUBuffer) => GPUBuffer,
    private readonly maxFreeBytes = 256 * 1024 * 1024,
  ) {}

  /** A buffer of at least `bytes` bytes (its size class) for `kind`. */
  acquire(kind: BufferKind, bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.freeLists.get(`${kind}:${size}`);
    let buffer = list?.pop();
    if (buffer) {
      this.freeCount--;
      this.freeBytes -= size;
    } else {
      buffer = this.onCreate(size, () => this.device.createBuffer({ size, usage: USAGE[kind] }));
      this.allocated += size;
    }
    this.inUse++;
    return buffer;
  }

  /** Gives a buffer back; it is reused only after the work recorded so far has completed. */
  release(kind: BufferKind, buffer: GPUBuffer): void {
    this.inUse--;
    this.parked.push({ buffer, kind });
  }

  /** Gives back a buffer that no GPU work uses any more (e.g. a mapped staging buffer). */
  releaseIdle(kind: BufferKind, buffer: GPUBuffer): void {
    this.inUse--;
    this.putFree({ buffer, kind });
  }

  /** The buffers parked since the last call: the submitter recycles them when its work is done. */
  takePending(): Entry[] {
    const out = this.parked;
    this.parked = [];
    this.inFlight += out.length;
    return out;
  }

  /** Returns buffers of completed work to the free lists. */
  recycle(entries: readonly Entry[]): void {
    this.inFlight -= entries.length;
    for (const e of entries) this.putFree(e);
  }

  private putFree(e: Entry): void {
    const size = e.buffer.size;
    if (this.freeBytes + size > this.maxFreeBytes) {
      e.buffer.destroy();
      this.allocated -= size;
      return;
    }
    const key = `${e.kind}:${size}`;
    let list = this.freeLists.get(key);
    if (!list) this.freeLists.set(key, (list = []));
    list.push(e.buffer);
    this.freeCount++;
    this.freeBytes += size;
  }

  /** Destroys every free buffer (in-use ones belong to live handles). */
  trim(): void {
    for (const list of this.freeLists.values()) {
      for (const b of list) {
        this.allocated -= b.size;
        b.destroy();
      }
    }
    this.freeLists.clear();
    this.freeCount = 0;
    this.freeBytes = 0;
  }

  stats(): PoolStats {
    return { inUse: this.inUse, pending: this.parked.length + this.inFlight, free: this.freeCount, allocatedBytes: this.allocated };
  }
}
