// Two plain charts drawn with the built-in font, for reports: grouped bars (a score per method
// and split) and line curves (a loss per step per method). Same pixels on every machine.
import type { RgbImage } from '../sample';
import { CHARACTER_ADVANCE, drawText, LINE_ADVANCE } from './bitmap-font';
import { type Colour, createCanvas, fillRect } from './rgb-canvas';

const PALETTE: Colour[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
];
const BACKGROUND: Colour = [255, 255, 255];
const INK: Colour = [30, 30, 30];
const GRID: Colour = [225, 225, 225];

export interface BarGroup {
  label: string;
  /** One value per series, in [0, max]. */
  values: number[];
}

/** Groups of bars (one group per label, one bar per series) on a 0..max scale, with a legend. */
export function drawBarChart(title: string, series: readonly string[], groups: readonly BarGroup[], max = 1): RgbImage {
  const bar = 14;
  const gap = 18;
  const left = 40;
  const top = 30;
  const plotHeight = 200;
  // Each group is as wide as its bars or its label, whichever is wider.
  const labelWidth = Math.max(...groups.map((g) => g.label.length)) * CHARACTER_ADVANCE;
  const groupWidth = Math.max(series.length * bar, labelWidth) + gap;
  const width = left + Math.max(groups.length * groupWidth, 200) + 20;
  const height = top + plotHeight + 14 + LINE_ADVANCE * (series.length + 2);
  const canvas = createCanvas(width, Math.ceil(height), BACKGROUND);
  drawText(canvas, title, left, 8, INK);
  for (let tick = 0; tick <= 4; tick++) {
    const y = top + plotHeight - (tick / 4) * plotHeight;
    fillRect(canvas, left, y, width - left - 10, 1, GRID);
    drawText(canvas, ((tick / 4) * max).toFixed(2), 4, y - 4, INK);
  }
  groups.forEach((group, g) => {
    const x0 = left + gap / 2 + g * groupWidth;
    group.values.forEach((value, s) => {
      const h = Math.max(0, Math.min(1, value / max)) * plotHeight;
      fillRect(canvas, x0 + s * bar, top + plotHeight - h, bar - 2, h, PALETTE[s % PALETTE.length]!);
    });
    drawText(canvas, group.label, x0, top + plotHeight + 4, INK);
  });
  series.forEach((name, s) => {
    const y = top + plotHeight + 20 + s * LINE_ADVANCE;
    fillRect(canvas, left, y, 10, 8, PALETTE[s % PALETTE.length]!);
    drawText(canvas, name, left + 14, y, INK);
  });
  return canvas;
}

/** Curves (y per step) on a shared scale, each smoothed by a running mean of `smooth` steps. */
export function drawLineChart(title: string, curves: readonly { label: string; values: readonly number[] }[], smooth = 10): RgbImage {
  const left = 48;
  const top = 30;
  const plotWidth = 480;
  const plotHeight = 220;
  const smoothed = curves.map(({ label, values }) => ({
    label,
    values: values.map((_, i) => {
      const from = Math.max(0, i - smooth + 1);
      return values.slice(from, i + 1).reduce((a, b) => a + b, 0) / (i + 1 - from);
    }),
  }));
  const all = smoothed.flatMap((c) => c.values).filter(Number.isFinite);
  const [low, high] = all.length ? [Math.min(...all), Math.max(...all)] : [0, 1];
  const span = high - low || 1;
  const longest = Math.max(1, ...smoothed.map((c) => c.values.length));
  const canvas = createCanvas(left + plotWidth + 20, top + plotHeight + 24 + LINE_ADVANCE * (curves.length + 1), BACKGROUND);
  drawText(canvas, title, left, 8, INK);
  for (let tick = 0; tick <= 4; tick++) {
    const y = top + plotHeight - (tick / 4) * plotHeight;
    fillRect(canvas, left, y, plotWidth, 1, GRID);
    drawText(canvas, (low + (tick / 4) * span).toFixed(2), 2, y - 4, INK);
  }
  smoothed.forEach((curve, c) => {
    const colour = PALETTE[c % PALETTE.length]!;
    curve.values.forEach((value, i) => {
      const x = left + (i / Math.max(1, longest - 1)) * plotWidth;
      const y = top + plotHeight - ((value - low) / span) * plotHeight;
      fillRect(canvas, x - 1, y - 1, 2, 2, colour);
    });
    const y = top + plotHeight + 20 + c * LINE_ADVANCE;
    fillRect(canvas, left, y, 10, 8, colour);
    drawText(canvas, curve.label, left + 14, y, INK);
  });
  drawText(canvas, `step (1..${longest})`, left + plotWidth - 90, top + plotHeight + 6, INK);
  return canvas;
}
