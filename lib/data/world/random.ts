// Seeded randomness for the generated world. Every random choice of a sample comes from a
// stream derived from a key such as (seed, split, scene index, attempt, purpose), so any scene
// can be regenerated alone, in any order, and with the same bytes on every machine (integer
// math only: Math.imul, shifts and additions modulo 2^32).

/** One component of a stream key: a non-negative safe integer or a string. */
export type SeedPart = number | string;

/** murmur3's 32-bit finaliser: every input bit flips each output bit with probability ≈ 1/2. */
function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** murmur3's body step: folds one 32-bit word into the running hash. */
function absorb(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * murmur3 of the key's words, seeded with `lane`. Each part is tagged with its type and numbers
 * keep both 32-bit halves, so different keys give different word sequences; four lanes give the
 * four words of a 128-bit stream state, so two keys collide only if all four hashes do.
 */
function hashKey(lane: number, parts: readonly SeedPart[]): number {
  let h = avalanche(lane + 0x9e3779b9);
  let words = 0;
  const fold = (word: number): void => {
    h = absorb(h, word);
    words += 1;
  };
  for (const part of parts) {
    if (typeof part === 'number') {
      fold(1);
      fold(part >>> 0);
      fold(Math.floor(part / 0x100000000) >>> 0);
    } else {
      fold(2);
      fold(part.length);
      for (let i = 0; i < part.length; i += 1) fold(part.charCodeAt(i));
    }
  }
  return avalanche(h ^ words);
}

/**
 * A stream of pseudo-random numbers: Chris Doty-Humphrey's sfc32 (128-bit state with a counter,
 * passes PractRand and BigCrush), seeded from a key and warmed up by twelve discarded outputs.
 */
export class RandomStream {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...key: SeedPart[]) {
    this.a = hashKey(0, key);
    this.b = hashKey(1, key);
    this.c = hashKey(2, key);
    this.d = hashKey(3, key);
    for (let i = 0; i < 12; i += 1) this.uint32();
  }

  /** A uniform integer in [0, 2^32). */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1) with 32 random bits. */
  float(): number {
    return this.uint32() / 0x100000000;
  }

  /** A uniform number in [low, high). */
  between(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** A uniform integer in [0, n) for 0 < n ≤ 2^32 (bias below n / 2^32, negligible here). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A uniform element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i -= 1) {
      const j = this.below(i + 1);
      const swap = items[i];
      items[i] = items[j];
      items[j] = swap;
    }
    return items;
  }
}
