// Seeded mutations of a good file: bytes flipped, cut, repeated or inserted; or, for JSON, a value
// anywhere in the tree replaced by a hostile one (wrong type, huge, negative, deep, long), a key
// removed, or an array emptied or multiplied.
export type Random = (n: number) => number;

export function seeded(seed: number): Random {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };
}

export function mutateBytes(original: Buffer, random: Random): Buffer {
  const bytes = Buffer.from(original);
  switch (random(5)) {
    case 0:
      for (let k = 0; k <= random(16); k++) bytes[random(bytes.length)] = random(256);
      return bytes;
    case 1:
      return bytes.subarray(0, random(bytes.length));
    case 2: {
      const at = random(bytes.length);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(Array.from({ length: 1 + random(64) }, () => random(256))), bytes.subarray(at)]);
    }
    case 3: {
      const at = random(bytes.length);
      const length = 1 + random(Math.min(4096, bytes.length - at));
      return Buffer.concat([bytes.subarray(0, at + length), bytes.subarray(at, at + length), bytes.subarray(at)]);
    }
    default: {
      // a run of one byte value, as a corrupt disk block leaves
      const at = random(bytes.length);
      bytes.fill([0, 0xff, 0x7f, 0x80][random(4)]!, at, Math.min(bytes.length, at + 1 + random(512)));
      return bytes;
    }
  }
}

const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  -1e308,
  1e308,
  2 ** 53 + 1,
  0.5,
  '',
  'x'.repeat(100_000),
  '\u0000\ud800',
  [],
  {},
  [[[[[[[[[[[]]]]]]]]]]],
  [1e308, -1e308, 0, 0],
  JSON.parse('{"__proto__": {"polluted": true}}'),
  ['a', 1, null],
];

/** A deep copy of `value` with one hostile change at a random place. */
function mutateValue(value: unknown, random: Random, depth = 0): unknown {
  if (value !== null && typeof value === 'object' && depth < 12 && random(4) !== 0) {
    if (Array.isArray(value)) {
      if (value.length === 0) return [HOSTILE_VALUES[random(HOSTILE_VALUES.length)]];
      const at = random(value.length);
      const copy = [...value];
      const choice = random(10);
      if (choice === 0) return [];
      if (choice === 1) return Array.from({ length: 1 + random(200) }, () => value[at]);
      if (choice === 2) copy.splice(at, 1);
      else copy[at] = mutateValue(value[at], random, depth + 1);
      return copy;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) return HOSTILE_VALUES[random(HOSTILE_VALUES.length)];
    const key = keys[random(keys.length)]!;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    if (random(8) === 0) delete copy[key];
    else copy[key] = mutateValue(copy[key], random, depth + 1);
    return copy;
  }
  return HOSTILE_VALUES[random(HOSTILE_VALUES.length)];
}

export function mutateJson(original: Buffer, random: Random): Buffer {
  return Buffer.from(JSON.stringify(mutateValue(JSON.parse(original.toString('utf8')), random)));
}
