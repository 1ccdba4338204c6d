// The report's two charts as Vega-Lite specs: grouped bars (a score per group and series, e.g.
// R@1 per method and split) and line curves (a loss per step per method, smoothed by a running
// mean). vega-lite compiles a spec to Vega, vega lays it out and writes SVG (no browser, no
// canvas), and render-svg.ts rasterises that in the shipped font.
import type { TopLevelSpec } from 'vega-lite';
import { PICTURE_FONT_FAMILY, type Picture, renderSvg } from './render-svg';

/** Colours of the series in order, named here so a reader can find them in the picture: Vega's
 * tableau10, then two of category20b, so that every prompt method (11) has its own. */
export const SERIES_COLOURS = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac', '#393b79', '#637939'] as const;

// Vega measures text without a canvas by an estimate wider than DejaVu Sans draws it, and would
// cut a long method name ("diff-prompt-no-align") short at its default 160 pixels.
const CONFIG = { font: PICTURE_FONT_FAMILY, background: 'white', view: { stroke: null }, legend: { labelLimit: 400 }, axis: { labelLimit: 400 } } as const;

function seriesColours(count: number): string[] {
  return Array.from({ length: count }, (_, i) => SERIES_COLOURS[i % SERIES_COLOURS.length]!);
}

/** A Vega-Lite spec drawn to a PNG. vega and vega-lite are ES modules only: this CommonJS package loads them with import(). */
async function renderVegaLite(spec: TopLevelSpec): Promise<Picture> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await renderSvg(await view.toSVG());
  } finally {
    view.finalize();
  }
}

export interface BarGroup {
  label: string;
  /** One value per series, in [0, max] (values outside are clamped to it). */
  values: readonly number[];
}

/** Groups of bars (one group per label, one bar per series) on a 0..max scale, with a legend. */
export function barChart(title: string, series: readonly string[], groups: readonly BarGroup[], max = 1): Promise<Picture> {
  return renderVegaLite({
    title,
    data: { values: groups.flatMap((group) => series.map((name, s) => ({ group: group.label, series: name, value: group.values[s] }))) },
    mark: 'bar',
    width: { step: 18, for: 'offset' },
    height: 200,
    encoding: {
      x: { field: 'group', type: 'nominal', sort: null, title: null, axis: { labelAngle: -30 } },
      xOffset: { field: 'series', type: 'nominal', sort: [...series] },
      y: { field: 'value', type: 'quantitative', scale: { domain: [0, max], clamp: true }, title: null, axis: { format: '.2f' } },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: [...series], range: seriesColours(series.length) } },
    },
    config: CONFIG,
  });
}

export interface Curve {
  label: string;
  /** One value per step, from step 1; values that are not finite are left out. */
  values: readonly number[];
}

/** Curves (y per step) on a shared scale, each smoothed by a running mean of its last `smooth` steps. */
export function lineChart(title: string, curves: readonly Curve[], smooth = 10): Promise<Picture> {
  const labels = curves.map((curve) => curve.label);
  return renderVegaLite({
    title,
    data: { values: curves.flatMap(({ label, values }) => values.flatMap((value, i) => (Number.isFinite(value) ? [{ curve: label, step: i + 1, value }] : []))) },
    transform: [{ window: [{ op: 'mean', field: 'value', as: 'smoothed' }], frame: [-(smooth - 1), 0], groupby: ['curve'], sort: [{ field: 'step' }] }],
    mark: { type: 'line', strokeWidth: 2 },
    width: 480,
    height: 220,
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'smoothed', type: 'quantitative', scale: { zero: false }, title: `mean of the last ${smooth} steps` },
      color: { field: 'curve', type: 'nominal', title: null, scale: { domain: labels, range: seriesColours(labels.length) } },
    },
    config: CONFIG,
  });
}
