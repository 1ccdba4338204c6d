// The grammar of referring expressions and their text. Every expression is one of:
//
//   attributes   "the" description                                  the small red circle
//   relation     "the" description relation "the" description       the square left of the blue star
//   ordinal      "the" ordinal description "from the" direction      the second triangle from the left
//   superlative  "the" superlative description                       the leftmost red shape
//
//   description  := [size] [colour] noun        noun := shape name | "shape" (when no shape is named)
//   relation     := left of | right of | above | below
//   ordinal      := first | second | third | fourth     direction := left | right | top | bottom
//   superlative  := leftmost | rightmost | topmost | bottommost | largest | smallest
//
// The head phrase (MDETR's tokens_positive) runs from the first "the" to the head noun: the
// whole expression for attributes and superlatives, "the <ordinal> <description>" for
// ordinals, and the first description with its "the" for relations. Meanings: spatial.ts.
import type { CharSpan } from '../sample';
import { COLOUR_NAMES, SHAPES, SIZES } from './attributes';
import type { ColourName, ShapeName, SizeName } from './attributes';
import { ORDER_DIRECTIONS, ORDINALS, POSITION_SUPERLATIVES, RELATIONS, SIZE_SUPERLATIVES } from './spatial';
import type { OrderDirection, Relation, Superlative } from './spatial';

/** A set of attribute values; an absent attribute is unconstrained. */
export interface Description {
  size?: SizeName;
  colour?: ColourName;
  shape?: ShapeName;
}

export type Referral =
  | { kind: 'attributes'; head: Description }
  | { kind: 'relation'; head: Description; relation: Relation; anchor: Description }
  | { kind: 'ordinal'; head: Description; position: number; from: OrderDirection }
  | { kind: 'superlative'; head: Description; superlative: Superlative };

export type ReferralKind = Referral['kind'];

/** The noun used when a description names no shape. */
const GENERIC_NOUN = 'shape';

export interface Phrasing {
  expression: string;
  /** [start, end) of the head phrase in `expression`. */
  headSpan: CharSpan;
}

/** "small red circle", "red shape", "shape". */
function describe(description: Description): string {
  const words: string[] = [];
  if (description.size !== undefined) words.push(description.size);
  if (description.colour !== undefined) words.push(description.colour);
  words.push(description.shape ?? GENERIC_NOUN);
  return words.join(' ');
}

export function phraseReferral(referral: Referral): Phrasing {
  const head = describe(referral.head);
  let headPhrase: string;
  let rest = '';
  switch (referral.kind) {
    case 'attributes':
      headPhrase = `the ${head}`;
      break;
    case 'relation':
      headPhrase = `the ${head}`;
      rest = ` ${referral.relation} the ${describe(referral.anchor)}`;
      break;
    case 'ordinal':
      headPhrase = `the ${ORDINALS[referral.position - 1]} ${head}`;
      rest = ` from the ${referral.from}`;
      break;
    case 'superlative':
      headPhrase = `the ${referral.superlative} ${head}`;
      break;
  }
  return { expression: headPhrase + rest, headSpan: [0, headPhrase.length] };
}

/** Every word the grammar can produce, sorted: the vocabulary of a word-level tokenizer. */
export function worldVocabulary(): string[] {
  const phrases = ['the', 'from', GENERIC_NOUN, ...SIZES, ...COLOUR_NAMES, ...SHAPES, ...RELATIONS, ...ORDINALS, ...ORDER_DIRECTIONS, ...POSITION_SUPERLATIVES, ...SIZE_SUPERLATIVES];
  return [...new Set(phrases.flatMap((phrase) => phrase.split(' ')))].sort();
}
