import type { Finding, Severity } from '../controls/types';
import { SEVERITIES } from '../controls/types';
import { problemLine, type ReplaySummary } from './output';
import type { ReplayResult } from './replay';

/**
 * `--format html`: one self-contained page (inline CSS and SVG, no script, no external
 * asset) with a timeline of findings and breakdowns by control, severity, actor and
 * resource, then the findings themselves. Same input, same bytes: nothing time-dependent.
 */

/** Rows of the findings table; beyond this the page says how many more there are. */
export const MAX_FINDING_ROWS = 2000;
const TOP = 20;

const COLORS: Record<Severity, string> = {
  critical: '#b42318',
  high: '#dc6803',
  medium: '#b54708',
  low: '#1570ef',
  info: '#667085',
};

const HOUR = 3600 * 1000;
const BUCKETS = [
  { ms: HOUR, label: 'hour' },
  { ms: 6 * HOUR, label: '6 hours' },
  { ms: 24 * HOUR, label: 'day' },
  { ms: 7 * 24 * HOUR, label: 'week' },
  { ms: 30 * 24 * HOUR, label: '30 days' },
] as const;
const MAX_BARS = 120;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const n = (count: number) => count.toLocaleString('en-US');

function countBy(findings: readonly Finding[], key: (f: Finding) => string): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(key(f), (counts.get(key(f)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function breakdown(title: string, rows: Array<[string, number]>, total: number, color?: (label: string) => string): string {
  const shown = rows.slice(0, TOP);
  const max = Math.max(1, ...shown.map(([, c]) => c));
  const body = shown
    .map(
      ([label, count]) =>
        `<tr><td class="label" title="${escapeHtml(label)}">${escapeHtml(label)}</td><td class="num">${n(count)}</td>` +
        `<td class="barcell"><div class="bar" style="width:${((count / max) * 100).toFixed(1)}%;background:${color?.(label) ?? '#475467'}"></div></td></tr>`,
    )
    .join('');
  const more = rows.length > TOP ? `<p class="note">Top ${TOP} of ${n(rows.length)}.</p>` : '';
  return `<section class="card"><h3>${escapeHtml(title)}</h3>${total === 0 ? '<p class="note">No findings.</p>' : `<table class="breakdown">${body}</table>${more}`}</section>`;
}

function timeline(findings: readonly Finding[]): string {
  let first = Infinity;
  let last = -Infinity;
  for (const f of findings) {
    const t = Date.parse(f.event.time);
    if (t < first) first = t;
    if (t > last) last = t;
  }
  if (first === Infinity) return '<p class="note">No findings to plot.</p>';
  const bucket = BUCKETS.find((b) => (last - first) / b.ms < MAX_BARS) ?? BUCKETS[BUCKETS.length - 1]!;
  const start = Math.floor(first / bucket.ms) * bucket.ms;
  const bars = Math.floor((last - start) / bucket.ms) + 1;
  const stacks = Array.from({ length: bars }, () => Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>);
  for (const f of findings) {
    const t = Date.parse(f.event.time);
    if (!Number.isNaN(t)) stacks[Math.floor((t - start) / bucket.ms)]![f.severity] += 1;
  }
  const width = 960;
  const height = 200;
  const left = 40;
  const bottom = 24;
  const plotWidth = width - left - 8;
  const plotHeight = height - bottom - 8;
  const max = Math.max(1, ...stacks.map((s) => SEVERITIES.reduce((sum, k) => sum + s[k], 0)));
  const barWidth = plotWidth / bars;
  const rects: string[] = [];
  stacks.forEach((stack, i) => {
    let y = 8 + plotHeight;
    const from = new Date(start + i * bucket.ms).toISOString().replace(/:00\.000Z$/, 'Z');
    for (const severity of [...SEVERITIES].reverse()) {
      const count = stack[severity];
      if (count === 0) continue;
      const h = (count / max) * plotHeight;
      y -= h;
      rects.push(
        `<rect x="${(left + i * barWidth + 0.5).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barWidth - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[severity]}"><title>${escapeHtml(`${from} (${bucket.label}): ${count} ${severity}`)}</title></rect>`,
      );
    }
  });
  const day = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  const axis =
    `<line x1="${left}" y1="${8 + plotHeight}" x2="${width - 8}" y2="${8 + plotHeight}" stroke="#98a2b3"/>` +
    `<text x="${left - 6}" y="16" text-anchor="end">${max}</text><text x="${left - 6}" y="${8 + plotHeight}" text-anchor="end">0</text>` +
    `<text x="${left}" y="${height - 6}">${escapeHtml(day(start))}</text>` +
    `<text x="${width - 8}" y="${height - 6}" text-anchor="end">${escapeHtml(day(start + bars * bucket.ms))}</text>`;
  const legend = SEVERITIES.map((s) => `<span class="key"><i style="background:${COLORS[s]}"></i>${s}</span>`).join('');
  return (
    `<svg class="timeline" viewBox="0 0 ${width} ${height}" role="img" aria-label="findings per ${bucket.label}">${axis}${rects.join('')}</svg>` +
    `<p class="note">Findings per ${bucket.label} (UTC), stacked by severity. ${legend}</p>`
  );
}

function findingsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return '<p class="note">No findings.</p>';
  const rows = findings
    .slice(0, MAX_FINDING_ROWS)
    .map(
      (f) =>
        `<tr><td class="mono">${escapeHtml(f.event.time)}</td><td><span class="sev" style="background:${COLORS[f.severity]}">${f.severity}</span></td>` +
        `<td class="mono">${escapeHtml(f.control)}</td><td>${escapeHtml(f.event.name)}<div class="sub mono">${escapeHtml(f.event.id)}</div></td>` +
        `<td class="mono wrap">${escapeHtml(f.resource)}</td><td class="mono wrap">${escapeHtml(f.actor.arn ?? 'unknown')}<div class="sub">${escapeHtml(f.actor.sourceIp ?? '')}</div></td>` +
        `<td title="${escapeHtml(f.remediation.reason)}">${escapeHtml(f.remediation.status)}</td><td class="wrap">${escapeHtml(f.evidence.summary)}</td></tr>`,
    )
    .join('');
  const more =
    findings.length > MAX_FINDING_ROWS
      ? `<p class="note">First ${n(MAX_FINDING_ROWS)} of ${n(findings.length)} findings; <code>--format ndjson</code> lists them all.</p>`
      : '';
  return `<table class="findings"><thead><tr><th>time (UTC)</th><th>severity</th><th>control</th><th>event</th><th>resource</th><th>actor</th><th>response</th><th>evidence</th></tr></thead><tbody>${rows}</tbody></table>${more}`;
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#101828;background:#f2f4f7}
header{background:#101828;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#d0d5dd}
main{padding:20px 32px;max-width:1400px}h2{font-size:17px;margin:28px 0 10px}h3{font-size:14px;margin:0 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.card{background:#fff;border:1px solid #eaecf0;border-radius:8px;padding:14px 16px}
.stat b{display:block;font-size:24px}.stat span{color:#475467}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:12px}
table{border-collapse:collapse;width:100%}td,th{padding:5px 8px;border-bottom:1px solid #eaecf0;text-align:left;vertical-align:top}
th{background:#f9fafb;font-weight:600;position:sticky;top:0}
.breakdown{table-layout:fixed}.breakdown td.label{width:60%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.num{text-align:right;width:70px}.bar{height:10px;border-radius:3px;min-width:2px}
.findings{background:#fff;font-size:12px}.mono{font-family:ui-monospace,Menlo,Consolas,monospace}.wrap{word-break:break-all}
.sub{color:#667085;font-size:11px}.sev{color:#fff;border-radius:10px;padding:1px 8px;font-size:11px}
.note{color:#475467;font-size:12px}.key{margin-left:10px}.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.timeline{width:100%;height:auto;background:#fff;border:1px solid #eaecf0;border-radius:8px}.timeline text{font-size:11px;fill:#475467}
.problems{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;background:#fff;padding:12px;border-radius:8px;border:1px solid #eaecf0;white-space:pre-wrap}
`;

export function toHtml(result: ReplayResult, summary: ReplaySummary): string {
  const { findings } = result;
  const window = [summary.window.since && `since ${summary.window.since}`, summary.window.until && `until ${summary.window.until}`].filter(Boolean).join(', ');
  const stat = (value: number, label: string, color?: string) =>
    `<div class="card stat"><b${color ? ` style="color:${color}"` : ''}>${n(value)}</b><span>${escapeHtml(label)}</span></div>`;
  const severityRows = SEVERITIES.map((s) => [s, summary.findings.bySeverity[s]] as [string, number]).filter(([, c]) => c > 0);
  const controlRows = Object.entries(summary.findings.byControl)
    .map(([control, counts]) => [control, SEVERITIES.reduce((sum, s) => sum + counts[s], 0)] as [string, number])
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const severityOfControl = new Map(findings.map((f) => [f.control, f.severity]));
  const problems =
    result.problems.length > 0
      ? `<h2>Input problems (${n(summary.problems.total)})</h2><div class="problems">${result.problems.map((p) => escapeHtml(problemLine(p))).join('\n')}${
          summary.problems.total > result.problems.length ? `\n... and ${n(summary.problems.total - result.problems.length)} more` : ''
        }</div>`
      : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>drift-responder backtest: ${n(findings.length)} finding(s)</title><style>${STYLE}</style></head>
<body><header><h1>drift-responder backtest</h1>
<p>Policy ${escapeHtml(summary.policy)} &middot; ${summary.controls.length} control(s) &middot; ${n(summary.records.total)} record(s) from ${n(summary.files.read)} of ${n(summary.files.total)} file(s)${window ? ` &middot; ${escapeHtml(window)}` : ''}. Offline: nothing was changed in AWS.</p></header>
<main>
<div class="cards">${stat(findings.length, 'findings')}${SEVERITIES.map((s) => stat(summary.findings.bySeverity[s], s, COLORS[s])).join('')}${stat(summary.findings.suppressed, 'suppressed by exemptions')}${stat(summary.records.outsideWindow, 'records outside the window')}${stat(summary.problems.total, 'input problems', summary.problems.total > 0 ? COLORS.critical : undefined)}</div>
<h2>Timeline</h2>${timeline(findings)}
<h2>Breakdown</h2><div class="grid">
${breakdown('By control', controlRows, findings.length, (c) => COLORS[severityOfControl.get(c) ?? 'info'])}
${breakdown('By severity', severityRows, findings.length, (s) => COLORS[s as Severity])}
${breakdown('By actor', countBy(findings, (f) => f.actor.arn ?? f.actor.principalId ?? 'unknown'), findings.length)}
${breakdown('By resource', countBy(findings, (f) => f.resource), findings.length)}
</div>
<h2>Findings</h2>${findingsTable(findings)}
${problems}
</main></body></html>
`;
}
