// A sample's own random seed, from its id: what makes a sample's generated noise the same
// whichever batch it lands in, and whatever the batch size (evaluation seeds per sample).

/** A 48-bit seed from the sample id (FNV-1a over its UTF-16 units) and a base seed. */
export function sampleSeed(id: string, base = 0): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return (hash + base * 0x100000000) % 2 ** 48;
}

/** The seeds of one training step's random draws, one per sample, from its id, the run's seed
 * and the step: a sample's noise, timestep and reparameterisation draw at a step are the same
 * whichever batch it is in and however many processes share the batch. */
export function stepSeeds(ids: readonly string[], base: number, step: number): number[] {
  return ids.map((id) => sampleSeed(`${id}@${step}`, base));
}
