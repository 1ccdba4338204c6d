// The comparison as people read it: a Markdown table (mean ± std over seeds, R@k and UB at
// IoU ≥ 0.5 on the target family), the same as JSON, a bar chart of R@1 per split, and the
// loss curves of the first seed.
import fs from 'node:fs';
import path from 'node:path';
import { drawBarChart, drawLineChart } from '../data/drawing/charts';
import { encodePng } from '../data/images/encode-png';
import { COMPARISON_SPLITS, type ComparisonRow, type MeanStd } from '../stages/compare-methods';

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
  chart: string;
  losses: string;
}

/** Writes comparison.md, comparison.json, comparison.png and loss-curves.png into `dir`. */
export async function writeComparisonReport(dir: string, rows: readonly ComparisonRow[], meta: Record<string, unknown> & { seeds: number }): Promise<ComparisonReportFiles> {
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    markdown: path.join(dir, 'comparison.md'),
    json: path.join(dir, 'comparison.json'),
    chart: path.join(dir, 'comparison.png'),
    losses: path.join(dir, 'loss-curves.png'),
  };
  fs.writeFileSync(files.markdown, comparisonMarkdown(rows, meta.seeds));
  fs.writeFileSync(files.json, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
  const chart = drawBarChart(
    'R@1 (IoU >= 0.5), target family',
    COMPARISON_SPLITS,
    rows.map((row) => ({ label: row.method, values: COMPARISON_SPLITS.map((split) => row.splits[split].r1.mean) })),
  );
  fs.writeFileSync(files.chart, await encodePng(chart));
  const curves = rows.filter((row) => row.losses.length > 0).map((row) => ({ label: row.method, values: row.losses }));
  fs.writeFileSync(files.losses, await encodePng(drawLineChart('training loss (first seed)', curves)));
  return files;
}
