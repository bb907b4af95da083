import { relative } from 'node:path';

import type { CheckReport } from './check.ts';
import type { SchemaChange } from './schemaChanges.ts';

export type ReportFormat = 'text' | 'json' | 'markdown';

const VERDICT_LINE: Record<CheckReport['verdict'], string> = {
  pass: 'PASS: the change composes, breaks no registered operation and no protobuf consumer',
  composition: 'FAIL: the subgraphs do not compose',
  breaking: 'FAIL: breaking schema changes affect registered operations',
  operations: 'FAIL: registered operations do not validate against the new schema',
  proto: 'FAIL: protobuf contracts have lint errors or breaking changes',
};

/** Renders a check for a person (text), for a pull request (markdown) or for tools (json). */
export function renderReport(report: CheckReport, format: ReportFormat, cwd = process.cwd()): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  const md = format === 'markdown';
  const out: string[] = [];
  const heading = (text: string) => out.push('', md ? `### ${text}` : `== ${text}`);
  const item = (text: string) => out.push(md ? `- ${text}` : `  ${text}`);
  const code = (text: string) => (md ? `\`${text}\`` : text);
  const file = (path: string) => relative(cwd, path) || path;

  out.push(
    md
      ? `## Schema check: ${report.verdict === 'pass' ? '✅' : '❌'} ${VERDICT_LINE[report.verdict]}`
      : VERDICT_LINE[report.verdict],
  );
  out.push(`${md ? '' : ''}subgraphs: ${report.subgraphs.join(', ')}${report.strict ? ' (strict)' : ''}`);

  heading('Composition');
  if (report.composition.ok) item('composes');
  for (const p of report.composition.problems) {
    item(`✗ ${code(p.code)} in ${p.subgraphs.join(', ') || 'supergraph'}: ${p.message}`);
    for (const at of p.locations) item(`    at ${code(`${file(at.file)}:${at.line}:${at.column}`)}`);
    item(`    hint: ${p.hint}`);
  }

  if (report.composition.ok) {
    heading(`Schema changes (${report.changes.length})`);
    if (report.changes.length === 0) item('none');
    const bySeverity = (severity: SchemaChange['severity']) => report.changes.filter((c) => c.severity === severity);
    for (const severity of ['breaking', 'dangerous', 'safe'] as const) {
      for (const c of bySeverity(severity)) {
        item(`${severity.toUpperCase().padEnd(md ? 0 : 9)} ${c.message}${c.path ? ` (${code(c.path)})` : ''}`);
      }
    }

    heading('Affected operations');
    if (report.impacts.length === 0) item('none of the registered operations is affected');
    for (const impact of report.impacts) {
      item(`✗ ${code(impact.operation)} (${file(impact.file)})`);
      for (const c of impact.changes) item(`    broken by: ${c.message}`);
      for (const e of impact.errors) item(`    invalid: ${e}`);
    }
    if (report.unusedBreaking.length > 0) {
      item(
        `${report.unusedBreaking.length} breaking change(s) used by no registered operation` +
          (report.strict
            ? ' fail because of --strict'
            : ' are reported but do not fail the check (use --strict to fail them)'),
      );
    }
  }

  heading('Protobuf');
  if (report.proto.length === 0) item('lint clean; wire- and JSON-compatible with the published contracts');
  for (const f of report.proto) {
    item(`✗ ${f.kind} ${code(f.rule)} ${code(`${file(f.file)}:${f.line}`)}: ${f.message}`);
  }
  return out.join('\n');
}
