// The progress bar of `rtk sample`: cli-progress on stderr, fed by sample's onProgress
// (nfeSpent / nfeBudget, with an ETA). Only on a TTY and without --quiet.
import { SingleBar } from 'cli-progress';
import type { ProgressInfo } from '../options';

export interface ProgressBar {
  update(p: ProgressInfo): void;
  /** Stops and removes the bar (before anything else is printed). */
  stop(): void;
}

const NO_BAR: ProgressBar = { update() {}, stop() {} };

export function createProgressBar(options: { enabled: boolean; rtk: boolean; stream?: NodeJS.WriteStream }): ProgressBar {
  const stream = options.stream ?? process.stderr;
  if (!options.enabled || !stream.isTTY) return NO_BAR;
  const bar = new SingleBar({
    stream,
    format: 'sampling |{bar}| {percentage}% | NFE {value}/{total} | {stage} | ETA {eta_formatted} | {duration_formatted}',
    barCompleteChar: '\u2588',
    barIncompleteChar: '\u2591',
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 20,
    fps: 10,
    autopadding: true,
  });
  let started = false;
  return {
    update(p) {
      const stage = `${options.rtk ? 'segment' : 'step'} ${Math.min(p.segment + 1, p.segments)}/${p.segments}`;
      if (!started) {
        bar.start(p.nfeBudget, p.nfeSpent, { stage });
        started = true;
      } else {
        if (bar.getTotal() !== p.nfeBudget) bar.setTotal(p.nfeBudget);
        bar.update(p.nfeSpent, { stage });
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
