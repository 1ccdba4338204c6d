// The comparison as people read it: a Markdown table (mean ± std over seeds, R@k and UB on the
// target family, counted as the evaluator of record counts them), the same as JSON, a bar chart
// of R@1 per split, and the loss curves of the first seed; beside them, every expression's ranked
// boxes (predictions.json.gz), from which readComparison and rescoreComparison rebuild the table.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { DiffPromptError } from '../errors';
import { barChart, lineChart } from '../pictures/charts';
import { COMPARISON_SPLITS, type ComparisonRow, type MeanStd } from '../stages/compare-methods';

const PREDICTIONS_FILE = 'predictions.json.gz';

const percent = ({ mean, std }: MeanStd, seeds: number) => (seeds > 1 ? `${(100 * mean).toFixed(1)} ± ${(100 * std).toFixed(1)}` : (100 * mean).toFixed(1));

/** One row per method: trainable parameters, R@1/R@5/R@10/UB per split (percent), train seconds, ms per expression. */
export function comparisonMarkdown(rows: readonly ComparisonRow[], seeds: number): string {
  const header = ['method', 'trainable params', 'lr', ...COMPARISON_SPLITS.flatMap((s) => [`${s} R@1`, `${s} R@5`, `${s} R@10`, `${s} UB`]), 'train s', 'ms / expr'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const cells = [
      row.method,
      row.trainableParameters.toLocaleString('en-US'),
      row.lr ? String(Number(row.lr.toPrecision(3))) : '–', // a grid's rate ÷3 prints as 0.000333, not 0.0003333333333333333
      ...COMPARISON_SPLITS.flatMap((split) => {
        const s = row.splits[split];
        return [percent(s.r1, seeds), percent(s.r5, seeds), percent(s.r10, seeds), percent(s.ub, seeds)];
      }),
      row.trainSeconds.mean.toFixed(0),
      row.inferenceMsPerExpression.toFixed(1),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

export interface ComparisonReportFiles {
  markdown: string;
  json: string;
  predictions: string;
  chart: string;
  losses: string;
}

/** Writes comparison.md, comparison.json, comparison.png and loss-curves.png into `dir`. */
export async function writeComparisonReport(dir: string, rows: readonly ComparisonRow[], meta: Record<string, unknown> & { seeds: number }): Promise<ComparisonReportFiles> {
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    markdown: path.join(dir, 'comparison.md'),
    json: path.join(dir, 'comparison.json'),
    predictions: path.join(dir, PREDICTIONS_FILE),
    chart: path.join(dir, 'comparison.png'),
    losses: path.join(dir, 'loss-curves.png'),
  };
  fs.writeFileSync(files.markdown, comparisonMarkdown(rows, meta.seeds));
  const summaries = rows.map(({ predictions: _kept, ...summary }) => summary);
  fs.writeFileSync(files.json, `${JSON.stringify({ ...meta, rows: summaries }, null, 2)}\n`);
  const kept = rows.map(({ method, predictions }) => ({ method, predictions }));
  fs.writeFileSync(files.predictions, zlib.gzipSync(JSON.stringify(kept)));
  const chart = await barChart(
    'R@1 (GIoU ≥ 0.5), target family',
    COMPARISON_SPLITS,
    rows.map((row) => ({ label: row.method, values: COMPARISON_SPLITS.map((split) => row.splits[split].r1.mean) })),
  );
  fs.writeFileSync(files.chart, chart.png);
  const curves = rows.filter((row) => row.losses.length > 0).map((row) => ({ label: row.method, values: row.losses }));
  fs.writeFileSync(files.losses, (await lineChart('training loss (first seed)', curves)).png);
  return files;
}

/** A report folder written by writeComparisonReport: its meta and rows, predictions included. */
export function readComparison(dir: string): { meta: Record<string, unknown> & { seeds: number }; rows: ComparisonRow[] } {
  try {
    const { rows, ...meta } = JSON.parse(fs.readFileSync(path.join(dir, 'comparison.json'), 'utf8')) as { rows: Omit<ComparisonRow, 'predictions'>[]; seeds: number };
    const kept = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, PREDICTIONS_FILE))).toString('utf8')) as Pick<ComparisonRow, 'method' | 'predictions'>[];
    const byMethod = new Map(kept.map((row) => [row.method, row.predictions]));
    return { meta, rows: rows.map((row) => ({ ...row, predictions: byMethod.get(row.method) ?? [] })) };
  } catch (error) {
    throw new DiffPromptError('ERR_DATA', `${dir} is not a comparison report with kept predictions (comparison.json and ${PREDICTIONS_FILE}): ${(error as Error).message}`);
  }
}
