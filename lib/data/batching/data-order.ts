// Where a batch stream stands in its data: the seed of the epoch orders, the epoch, and the
// position within that epoch's order of the next sample to batch. Saved with a checkpoint
// (state.json), it lets a resumed run yield exactly the batches the uninterrupted run would have.
// A state is kept normalised: when an epoch has no batch left, it reads (epoch + 1, 0).
import { DiffPromptError } from '../../errors';

export interface DataOrderState {
  seed: number;
  epoch: number;
  position: number;
}

/** The layout every epoch is cut into batches with. */
export interface BatchLayout {
  /** Samples per epoch. */
  count: number;
  batchSize: number;
  /** Leave out an epoch's last batch when it would be short. */
  dropLast: boolean;
}

/** One planned batch: positions [start, end) of the epoch's order, and the state once it is consumed. */
export interface BatchPlan {
  epoch: number;
  start: number;
  end: number;
  after: DataOrderState;
}

/** True when no batch starts at this position of an epoch. */
function epochDone(position: number, layout: BatchLayout): boolean {
  const left = layout.count - position;
  return left <= 0 || (layout.dropLast && left < layout.batchSize);
}

export function normaliseState(state: DataOrderState, layout: BatchLayout): DataOrderState {
  return epochDone(state.position, layout) ? { seed: state.seed, epoch: state.epoch + 1, position: 0 } : { ...state };
}

/** The batch that starts at a normalised state. */
export function planBatch(state: DataOrderState, layout: BatchLayout): BatchPlan {
  const end = Math.min(state.position + layout.batchSize, layout.count);
  return { epoch: state.epoch, start: state.position, end, after: normaliseState({ seed: state.seed, epoch: state.epoch, position: end }, layout) };
}

/** Throws ERR_CONFIG when a saved state cannot belong to this stream. */
export function checkState(state: DataOrderState, seed: number, layout: BatchLayout): void {
  const { epoch, position } = state;
  if (state.seed !== seed) {
    throw new DiffPromptError('ERR_CONFIG', `the saved data order has seed ${state.seed} but the stream's seed is ${seed}: resume with the seed the run was started with`);
  }
  if (!(Number.isSafeInteger(epoch) && epoch >= 0 && Number.isSafeInteger(position) && position >= 0 && position <= layout.count)) {
    throw new DiffPromptError('ERR_CONFIG', `the saved data order {epoch: ${epoch}, position: ${position}} is not a place in epochs of ${layout.count} samples`);
  }
}
