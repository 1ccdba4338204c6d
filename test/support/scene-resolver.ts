// An independent resolver for the generated world's expressions: it parses the text with its
// own word lists and applies the meanings documented at the top of lib/data/world/spatial.ts to
// a scene graph (objects with shape, colour, size and box). It shares no code with the
// generator, so a test that the two agree checks the generator, not the generator against itself.
//
//   centre = (x + w/2, y + h/2) of the box [x, y, w, h]
//   A left of B: centreX(A) < B.x          A right of B: centreX(A) > B.x + B.w
//   A above B:   centreY(A) < B.y          A below B:    centreY(A) > B.y + B.h
//   k-th X from the left / right / top / bottom: X's sorted by centreX ↑ / centreX ↓ / centreY ↑ / centreY ↓
//   leftmost / rightmost / topmost / bottommost X: the 1st from the left / right / top / bottom
//   largest / smallest X: the X with the largest / smallest box area w·h

export interface ResolvableObject {
  id: string;
  shape: string;
  colour: string;
  size: string;
  box: [number, number, number, number];
}

const SHAPE_WORDS = ['circle', 'ring', 'ellipse', 'square', 'diamond', 'triangle', 'star', 'cross', 'hexagon'];
const COLOUR_WORDS = ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'pink'];
const SIZE_WORDS = ['small', 'large'];
const ORDINAL_WORDS = ['first', 'second', 'third', 'fourth'];
const DIRECTION_WORDS = ['left', 'right', 'top', 'bottom'];
const EXTREME_WORDS: Record<string, string> = { leftmost: 'left', rightmost: 'right', topmost: 'top', bottommost: 'bottom' };

interface Phrase {
  size?: string;
  colour?: string;
  shape?: string;
}

/** A cursor over the words of an expression that throws on anything unexpected. */
class Words {
  private position = 0;
  constructor(
    private readonly words: string[],
    private readonly text: string,
  ) {}

  peek(): string | undefined {
    return this.words[this.position];
  }

  take(): string {
    const word = this.words[this.position];
    if (word === undefined) throw new Error(`"${this.text}" ends too early`);
    this.position += 1;
    return word;
  }

  expect(word: string): void {
    const got = this.take();
    if (got !== word) throw new Error(`"${this.text}": expected "${word}", got "${got}"`);
  }

  done(): boolean {
    return this.position === this.words.length;
  }
}

function parsePhrase(words: Words): Phrase {
  const phrase: Phrase = {};
  if (SIZE_WORDS.includes(words.peek() ?? '')) phrase.size = words.take();
  if (COLOUR_WORDS.includes(words.peek() ?? '')) phrase.colour = words.take();
  const noun = words.take();
  if (SHAPE_WORDS.includes(noun)) phrase.shape = noun;
  else if (noun !== 'shape') throw new Error(`unknown noun "${noun}"`);
  return phrase;
}

function matching(objects: readonly ResolvableObject[], phrase: Phrase): ResolvableObject[] {
  return objects.filter(
    (object) =>
      (phrase.size === undefined || object.size === phrase.size) && (phrase.colour === undefined || object.colour === phrase.colour) && (phrase.shape === undefined || object.shape === phrase.shape),
  );
}

const centreX = (object: ResolvableObject): number => object.box[0] + object.box[2] / 2;
const centreY = (object: ResolvableObject): number => object.box[1] + object.box[3] / 2;

/** Sort key: the k-th from `direction` is the k-th smallest. */
function keyFrom(direction: string, object: ResolvableObject): number {
  if (direction === 'left') return centreX(object);
  if (direction === 'right') return -centreX(object);
  if (direction === 'top') return centreY(object);
  return -centreY(object);
}

/** The k-th (1-based) smallest by key; every object sharing that key when there is a tie. */
function kthBy(objects: ResolvableObject[], key: (object: ResolvableObject) => number, k: number): ResolvableObject[] {
  const sorted = [...objects].sort((a, b) => key(a) - key(b));
  const chosen = sorted[k - 1];
  if (chosen === undefined) return [];
  return sorted.filter((object) => key(object) === key(chosen));
}

function related(relation: string, a: ResolvableObject, b: ResolvableObject): boolean {
  if (relation === 'left of') return centreX(a) < b.box[0];
  if (relation === 'right of') return centreX(a) > b.box[0] + b.box[2];
  if (relation === 'above') return centreY(a) < b.box[1];
  return centreY(a) > b.box[1] + b.box[3];
}

/**
 * The ids of the objects the expression refers to: one id when it refers to exactly one object,
 * several when it is ambiguous, none when nothing fits (or a relation's anchor is not exactly
 * one object). Throws on text outside the grammar.
 */
export function resolveExpression(expression: string, objects: readonly ResolvableObject[]): string[] {
  const words = new Words(expression.split(' '), expression);
  words.expect('the');
  let ordinal: number | undefined;
  let extreme: string | undefined;
  const first = words.peek() ?? '';
  if (ORDINAL_WORDS.includes(first)) ordinal = ORDINAL_WORDS.indexOf(words.take()) + 1;
  else if (first in EXTREME_WORDS || first === 'largest' || first === 'smallest') extreme = words.take();
  const head = parsePhrase(words);
  let candidates = matching(objects, head);

  if (ordinal !== undefined) {
    words.expect('from');
    words.expect('the');
    const direction = words.take();
    if (!DIRECTION_WORDS.includes(direction)) throw new Error(`unknown direction "${direction}"`);
    candidates = kthBy(candidates, (object) => keyFrom(direction, object), ordinal);
  } else if (extreme === 'largest' || extreme === 'smallest') {
    const sign = extreme === 'largest' ? -1 : 1;
    candidates = kthBy(candidates, (object) => sign * object.box[2] * object.box[3], 1);
  } else if (extreme !== undefined) {
    candidates = kthBy(candidates, (object) => keyFrom(EXTREME_WORDS[extreme], object), 1);
  } else if (!words.done()) {
    let relation = words.take();
    if (relation === 'left' || relation === 'right') {
      words.expect('of');
      relation = `${relation} of`;
    } else if (relation !== 'above' && relation !== 'below') {
      throw new Error(`unknown relation "${relation}" in "${expression}"`);
    }
    words.expect('the');
    const anchors = matching(objects, parsePhrase(words));
    if (anchors.length !== 1) return [];
    candidates = candidates.filter((object) => related(relation, object, anchors[0]));
  }
  if (!words.done()) throw new Error(`"${expression}" has words after its end`);
  return candidates.map((object) => object.id);
}
