// Chooses which of a scene's candidate expressions become samples. As in RefCOCO, an object is
// referred to by several expressions: referents are taken in random order, each giving up to
// EXPRESSIONS_PER_OBJECT distinct expressions, until the scene's quota is met. Within an object,
// each expression first draws its kind (relation, ordinal, superlative; or attributes) uniformly
// among the kinds left, so that relations, which are the most numerous, do not crowd out the rest.
import type { ReferralKind } from './expressions';
import type { RandomStream } from './random';
import type { Candidate } from './referrals';

const EXPRESSIONS_PER_OBJECT = 3;

/**
 * `quota` distinct candidates whose referents pass `isReferable`, or null when the scene has
 * fewer (the caller then draws another scene).
 */
export function chooseReferrals(candidates: readonly Candidate[], isReferable: (objectIndex: number) => boolean, stream: RandomStream, quota: number): Candidate[] | null {
  const byObject = new Map<number, Map<ReferralKind, Candidate[]>>();
  let available = 0;
  for (const candidate of candidates) {
    if (!isReferable(candidate.objectIndex)) continue;
    const byKind = byObject.get(candidate.objectIndex) ?? new Map<ReferralKind, Candidate[]>();
    byObject.set(candidate.objectIndex, byKind);
    const pool = byKind.get(candidate.referral.kind) ?? [];
    byKind.set(candidate.referral.kind, pool);
    pool.push(candidate);
    available += 1;
  }
  if (available < quota) return null;

  const chosen: Candidate[] = [];
  for (const objectIndex of stream.shuffle([...byObject.keys()])) {
    const byKind = byObject.get(objectIndex)!;
    for (let taken = 0; taken < EXPRESSIONS_PER_OBJECT && chosen.length < quota; taken += 1) {
      const kinds = [...byKind.keys()];
      if (kinds.length === 0) break;
      const kind = stream.pick(kinds);
      const pool = byKind.get(kind)!;
      chosen.push(pool.splice(stream.below(pool.length), 1)[0]);
      if (pool.length === 0) byKind.delete(kind);
    }
    if (chosen.length === quota) break;
  }
  return chosen.length === quota ? chosen : null;
}
