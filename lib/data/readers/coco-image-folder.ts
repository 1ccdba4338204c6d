// Finding a COCO photograph in a folder by its image id or file name. COCO folders name the
// same photo differently by release: "000000580957.jpg" (2017) or "COCO_train2014_000000580957.jpg"
// (2014, what RefCOCO's files and the reference use); both are accepted.
import fs from 'node:fs';
import path from 'node:path';
import { DiffPromptError } from '../../errors';

export class CocoImageFolder {
  private constructor(
    readonly dir: string,
    private readonly names: ReadonlySet<string>,
  ) {}

  /** Lists the folder once. Throws ERR_DATA when it does not exist. */
  static open(dir: string): CocoImageFolder {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (error) {
      throw new DiffPromptError(
        'ERR_DATA',
        `images folder ${dir} cannot be listed (${(error as NodeJS.ErrnoException).code ?? String(error)}): pass the folder that holds the COCO images as imagesDir`,
        { cause: error },
      );
    }
    return new CocoImageFolder(path.resolve(dir), new Set(names));
  }

  /** Names to try, the record's own file name first. */
  private candidates(imageId: number, fileName?: string): string[] {
    const digits = String(imageId).padStart(12, '0');
    const names = [`${digits}.jpg`, `COCO_train2014_${digits}.jpg`, `COCO_val2014_${digits}.jpg`];
    return fileName === undefined ? names : [fileName, path.basename(fileName), ...names];
  }

  /** The image's path, or undefined when the folder holds none of its names. */
  find(imageId: number, fileName?: string): string | undefined {
    const found = this.candidates(imageId, fileName).find((name) => this.names.has(name));
    return found === undefined ? undefined : path.join(this.dir, found);
  }

  /** Where the image would be: its first candidate name (for samples kept without their image). */
  expectedPath(imageId: number, fileName?: string): string {
    return path.join(this.dir, this.candidates(imageId, fileName)[0]!);
  }
}
