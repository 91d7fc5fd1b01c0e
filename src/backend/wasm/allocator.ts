import { VarmatError } from '../../errors.js';

const PAGE = 65536;
const MIN_BLOCK = 64;
const ALIGN = 64;

/**
 * Rounds a request up to its size class: 64 bytes, then four classes per power of two
 * (2^e * 1.25, 1.5, 1.75, 2), so no block wastes more than a fifth of itself.
 *
 * @example
 * sizeClass(100); // 112
 */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_BLOCK) return MIN_BLOCK;
  const e = 31 - Math.clz32(bytes - 1); // 2^e < bytes <= 2^(e + 1)
  const base = 2 ** e;
  const step = base / 4;
  return base + Math.ceil((bytes - base) / step) * step;
}

/** Counters of a `SizeClassAllocator`. */
export interface AllocatorStats {
  /** Bytes in blocks handed out and not yet freed (class sizes). */
  liveBytes: number;
  /** Blocks handed out and not yet freed. */
  liveBlocks: number;
  /** Bytes in freed blocks kept for reuse. */
  cachedBytes: number;
  /** Size of linear memory. */
  heapBytes: number;
  /** Times linear memory grew. */
  grows: number;
}

/**
 * A size-class allocator over WebAssembly linear memory. Freed blocks go to a free list per class
 * and are reused by later requests of the same class; new blocks are carved from the top of the
 * heap, growing memory when needed. Memory never shrinks. Growing detaches every view of the old
 * `memory.buffer`: callers take views only after their allocations (see `WasmBackend`).
 *
 * @example
 * const a = new SizeClassAllocator(memory, 1024);
 * const p = a.alloc(400);
 * a.free(p);
 */
export class SizeClassAllocator {
  private readonly free_ = new Map<number, number[]>();
  private readonly live = new Map<number, number>();
  private top: number;
  private liveBytes = 0;
  private cachedBytes = 0;
  private grows = 0;

  constructor(private readonly memory: WebAssembly.Memory, base: number) {
    this.top = Math.ceil(Math.max(base, ALIGN) / ALIGN) * ALIGN;
  }

  /** Returns the address of a block of at least `bytes` bytes (64-byte aligned, never 0). */
  alloc(bytes: number): number {
    const size = sizeClass(bytes);
    const list = this.free_.get(size);
    let ptr: number;
    if (list !== undefined && list.length > 0) {
      ptr = list.pop()!;
      this.cachedBytes -= size;
    } else {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top = ptr + size;
    }
    this.live.set(ptr, size);
    this.liveBytes += size;
    return ptr;
  }

  /** Returns a block to its free list. Freeing an address twice, or one never allocated, throws. */
  free(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) {
      throw new VarmatError('BACKEND', 'wasm.free', `address ${ptr} is not a live block (double free?)`);
    }
    this.live.delete(ptr);
    this.liveBytes -= size;
    this.cachedBytes += size;
    let list = this.free_.get(size);
    if (list === undefined) {
      list = [];
      this.free_.set(size, list);
    }
    list.push(ptr);
  }

  /** Current counters. */
  stats(): AllocatorStats {
    return {
      liveBytes: this.liveBytes,
      liveBlocks: this.live.size,
      cachedBytes: this.cachedBytes,
      heapBytes: this.memory.buffer.byteLength,
      grows: this.grows,
    };
  }

  /** Grows memory so that addresses below `end` exist: at least a quarter more each time. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const maxBytes = 65536 * PAGE;
    if (end > maxBytes) {
      throw new VarmatError('BACKEND', 'wasm.alloc', `out of memory: ${end} bytes exceed the 4 GiB of wasm32 memory`);
    }
    const needed = Math.ceil((end - have) / PAGE);
    const wanted = Math.min(Math.max(needed, Math.ceil(have / PAGE / 4)), 65536 - have / PAGE);
    try {
      this.memory.grow(wanted);
    } catch {
      try {
        this.memory.grow(needed);
      } catch (e) {
        throw new VarmatError('BACKEND', 'wasm.alloc', `could not grow memory by ${needed} pages: ${String(e)}`);
      }
    }
    this.grows++;
  }
}
