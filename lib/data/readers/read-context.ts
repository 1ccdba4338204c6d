// What one read of an annotation file carries: the file name for messages, the bad-record
// policy, the records skipped (with why), the images folder and the count of missing images.
// Under onBadRecord 'error' (the default) the first bad record throws ERR_DATA naming the file,
// the record and what to do; under 'skip' it is left out and listed, never silently dropped.
import path from 'node:path';
import { DiffPromptError } from '../../errors';
import type { ReferringSample } from '../sample';
import type { CocoImageFolder } from './coco-image-folder';

export type BadRecordPolicy = 'error' | 'skip';

/** What to do with a record whose image file is not in the folder: as a bad record, or keep it (its path is where the file would be). */
export type MissingImagePolicy = 'error' | 'skip' | 'keep';

export interface ReaderOptions {
  onBadRecord?: BadRecordPolicy;
  /** Default: the same as onBadRecord. */
  onMissingImage?: MissingImagePolicy;
}

export interface SkippedRecord {
  /** Position of the record in its array (for SeqTR, within its split). */
  index: number;
  /** The record's own id, as the file names it. */
  id?: string;
  reason: string;
}

export interface ReadReport {
  skipped: number;
  skippedRecords: SkippedRecord[];
  /** Expressions (or instances) whose image file is not in the images folder, whatever was done with them. */
  missingImages: number;
}

/** What the readers of referring expressions (RefCOCO eval, MDETR, SeqTR) return. */
export interface ReferringReadResult extends ReadReport {
  samples: ReferringSample[];
}

export class ReadContext {
  readonly skippedRecords: SkippedRecord[] = [];
  private missingImages = 0;
  private readonly onBadRecord: BadRecordPolicy;
  private readonly onMissingImage: MissingImagePolicy;

  constructor(
    readonly file: string,
    options: ReaderOptions,
    readonly images?: CocoImageFolder,
  ) {
    this.onBadRecord = options.onBadRecord ?? 'error';
    this.onMissingImage = options.onMissingImage ?? this.onBadRecord;
  }

  /** A bad record: throws under 'error', lists it under 'skip'. */
  bad(index: number, id: string | undefined, reason: string): void {
    if (this.onBadRecord === 'error') {
      throw new DiffPromptError(
        'ERR_DATA',
        `${this.where(index, id)}: ${reason}. Fix or remove the record, or read with { onBadRecord: 'skip' } to skip bad records (they are listed in the result's skippedRecords)`,
      );
    }
    this.skippedRecords.push({ index, ...(id === undefined ? {} : { id }), reason });
  }

  /** "file record 3 (id)", the start of every record message. */
  private where(index: number, id: string | undefined): string {
    return `${this.file} record ${index}${id === undefined ? '' : ` (${id})`}`;
  }

  /** An error that no skipping can get past (the file as a whole is wrong). */
  fileError(reason: string): DiffPromptError {
    return new DiffPromptError('ERR_DATA', `${this.file}: ${reason}`);
  }

  /** The image's path, or undefined when the record is to be skipped for want of it. */
  imagePath(index: number, id: string | undefined, imageId: number, fileName?: string): string | undefined {
    if (!this.images) throw new DiffPromptError('ERR_INTERNAL', 'ReadContext.imagePath was called without an images folder');
    const found = this.images.find(imageId, fileName);
    if (found !== undefined) return found;
    this.missingImages++;
    const expected = this.images.expectedPath(imageId, fileName);
    if (this.onMissingImage === 'keep') return expected;
    const reason = `image ${imageId} is not in ${this.images.dir} (looked for ${path.basename(expected)} and its COCO 2014 name); pass { onMissingImage: 'keep' } to read expressions without their images`;
    if (this.onMissingImage === 'error') {
      throw new DiffPromptError('ERR_DATA', `${this.where(index, id)}: ${reason}`);
    }
    this.skippedRecords.push({ index, ...(id === undefined ? {} : { id }), reason });
    return undefined;
  }

  report(): ReadReport {
    return { skipped: this.skippedRecords.length, skippedRecords: this.skippedRecords, missingImages: this.missingImages };
  }
}
