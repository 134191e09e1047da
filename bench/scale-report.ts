import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { costPlotSvg } from './plot';

/** The scale bench's outputs: bench/results/scale.json, the cost plot, and its section of latest.md. */

const RESULTS = path.join(PROJECT_ROOT, 'bench', 'results');
const fmt = (v: unknown) =>
  v === undefined || v === null ? '—' : typeof v === 'number' ? String(Math.round(v * 100) / 100) : String(v);

export function writeScaleResults(results: any): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'scale.json'), JSON.stringify(results, null, 2) + '\n');
  const series = (ops: string[], procs: string[], name: (op: string, proc: string) => string) =>
    ops.flatMap((op) =>
      procs.map((proc) => ({
        name: name(op, proc),
        points: results.scales.map((s: any) => ({ x: s.listings, y: s.operations[op]?.cpuMsPerOp?.[proc] ?? 0 })),
      })),
    );
  const catalogue = series(
    ['catalogue (anonymous)', 'catalogue (signed-in)'],
    ['gateway', 'subgraphs', 'postgres'],
    (op, proc) => `${proc}, ${op.replace('catalogue ', '').replace(/[()]/g, '')}`,
  );
  writeFileSync(
    path.join(RESULTS, 'cost-vs-size.svg'),
    costPlotSvg({ title: 'CPU ms per catalogue request vs catalogue size (50 connections)', series: catalogue }),
  );
  const others = series(
    [
      'search text + filters (signed-in)',
      'requestMatches (signed-in)',
      'listing (signed-in)',
      'placeOrder (signed-in)',
    ],
    ['postgres'],
    (op) => op.replace(' text + filters', '').replace(' (signed-in)', ''),
  );
  writeFileSync(
    path.join(RESULTS, 'other-operations-vs-size.svg'),
    costPlotSvg({ title: 'PostgreSQL CPU ms per request vs catalogue size (50 connections)', series: others }),
  );
}

/** Issue 15: the Hive comparison (fair first), then CPU per operation for every process at each size. */
export function scaleSection(scale: any): string[] {
  if (!scale?.scales?.length) return [];
  const out: string[] = [
    '## Cost per operation as the catalogue grows',
    '',
    `${scale.settings.connections} connections, ${scale.settings.secondsPerRun} s per run, our gateway as ${scale.settings.gatewayWorkers ?? 1} process(es), PostgreSQL over ${scale.settings.database ?? 'tcp'}${scale.settings.sharedBuffers ? ` with shared_buffers ${scale.settings.sharedBuffers}` : ''}; CPU from /proc for each process (PostgreSQL: the backends serving the bench database). Raw: bench/results/scale.json.`,
    '',
    '![CPU ms per catalogue request vs catalogue size](cost-vs-size.svg)',
    '',
    '![PostgreSQL CPU ms per request of the other operations vs catalogue size](other-operations-vs-size.svg)',
    '',
  ];
  const speeds: any[] = scale.scales.filter((s: any) => s.machineSpeedMs);
  if (speeds.length) {
    out.push(
      "Machine speed while each size was measured: CPU ms of a fixed piece of work (bench/machine-speed.ts; lower is faster), read with the stack idle before the size's first run and after its last. This kind of machine changes speed by about twice within minutes, and every process's CPU per request moves with it. Idle CPU: ms per second each process spent with no load at all, over 5 s before the size's first run (elsewhere: the machine's busy time outside the bench's processes and our gateway's stack).",
      '',
      '| listings | speed before | speed after | idle CPU ms/s: gateway / subgraphs / PostgreSQL / bench client / elsewhere |',
      '|---|---|---|---|',
      ...speeds.map((s) => {
        const i = s.idleCpuMsPerSecond ?? {};
        return `| ${s.listings.toLocaleString('en')} | ${fmt(s.machineSpeedMs.before)} | ${fmt(s.machineSpeedMs.after)} | ${fmt(i.gateway)} / ${fmt(i.subgraphs)} / ${fmt(i.postgres)} / ${fmt(i.bench)} / ${fmt(i.elsewhere)} |`;
      }),
      '',
    );
  }
  out.push(...targetRows(scale));
  const peerRows: string[] = [];
  for (const s of scale.scales) {
    for (const [mode, p] of Object.entries<any>(s.peer ?? {})) {
      peerRows.push(
        `| ${s.listings.toLocaleString('en')} | ${mode} | ${fmt(p.oursRps)} | ${fmt(p.hiveRps)} | ${fmt(p.ratio)} | ${fmt(p.oursP95)} / ${fmt(p.hiveP95)} | ${fmt(p.oursGatewayCpuMsPerOp)} / ${fmt(p.hiveGatewayCpuMsPerOp)} |`,
      );
    }
  }
  if (peerRows.length) {
    out.push(
      '### Ours vs Hive Gateway on the catalogue (fair = unique bodies, no dedupe across identities: the headline; dedupe reported apart)',
      '',
      'Our gateway here runs without its entity cache (`ENTITY_CACHE_TTL_MS=0`), which Hive Gateway lacks: both make the same subgraph calls. The other tables measure ours as deployed, with it.',
      '',
      '| listings | mode | ours RPS | Hive RPS | ratio | p95 ms ours / Hive | gateway CPU ms/op ours / Hive |',
      '|---|---|---|---|---|---|---|',
      ...peerRows,
      '',
    );
  }
  out.push(
    '### Every operation through our gateway',
    '',
    "CPU elsewhere: the machine's busy time per request outside these three and the bench client (other gateways idling, the kernel, anything outside the bench).",
    '',
    '| listings | operation | RPS | p50 / p95 ms | CPU ms/op gateway / subgraphs / PostgreSQL | bench client / elsewhere | errors |',
    '|---|---|---|---|---|---|---|',
  );
  for (const s of scale.scales) {
    for (const [op, r] of Object.entries<any>(s.operations)) {
      const c = r.cpuMsPerOp ?? {};
      out.push(
        `| ${s.listings.toLocaleString('en')} | ${op} | ${fmt(r.rps)} | ${fmt(r.p50)} / ${fmt(r.p95)} | ${fmt(c.gateway)} / ${fmt(c.subgraphs)} / ${fmt(c.postgres)} | ${fmt(c.bench)} / ${fmt(c.elsewhere)} | ${r.errors + r.non2xx + (r.graphqlErrors ?? 0)} |`,
      );
    }
  }
  out.push('');
  const mixed = scale.scales.filter((s: any) => s.mixed);
  if (mixed.length) {
    out.push(
      '### Mixed load: every operation at once (bench/mix.ts, shares in MARKETPLACE_MIX)',
      '',
      `${scale.settings.connections} connections, ${scale.settings.requestMatchesSeconds} s; each operation's latency while the others run beside it.`,
      `"priority": our gateway as deployed on one host (GATEWAY_PRIORITY_OTHERS=${scale.settings.priorityOthers ?? '?'}: searches, match requests and orders first);`,
      '"none": a second gateway of ours on the same subgraphs with it off (GATEWAY_PRIORITY_OTHERS=0), run right after.',
      '',
      '| listings | gateway | all: RPS, CPU ms/op gateway / subgraphs / PostgreSQL | operation | share | requests | p50 / p95 / p99 ms |',
      '|---|---|---|---|---|---|---|',
    );
    for (const s of mixed) {
      const runs: Array<[string, any]> = [['priority', s.mixed]];
      if (s.mixedWithoutPriority) runs.push(['none', s.mixedWithoutPriority]);
      runs.forEach(([label, m], r) => {
        const c = m.cpuMsPerOp ?? {};
        const all = `${fmt(m.rps)} RPS, ${fmt(c.gateway)} / ${fmt(c.subgraphs)} / ${fmt(c.postgres)}, errors ${m.errors}`;
        Object.entries<any>(m.operations).forEach(([op, o], i) => {
          out.push(
            `| ${i || r ? '' : s.listings.toLocaleString('en')} | ${i ? '' : label} | ${i ? '' : all} | ${op} | ${fmt(o.share)} | ${o.requests} | ${fmt(o.p50)} / ${fmt(o.p95)} / ${fmt(o.p99)} |`,
          );
        });
      });
    }
    out.push('');
  }
  return out;
}

/** Issue 15's targets, each with what this run measured and whether it met it. */
function targetRows(scale: any): string[] {
  const rows: string[] = [];
  const mark = (ok: boolean | null) => (ok === null ? '—' : ok ? 'met' : 'missed');
  const add = (target: string, measured: string, ok: boolean | null) =>
    rows.push(`| ${target} | ${measured} | ${mark(ok)} |`);
  const at = (n: number) => scale.scales.find((s: any) => s.listings === n);
  const s100 = at(100_000);
  if (s100) {
    const signed = s100.operations['catalogue (signed-in)'];
    if (signed)
      add(
        '100k signed-in catalogue: ≥ 400 RPS, p95 < 200 ms',
        `${fmt(signed.rps)} RPS, p95 ${fmt(signed.p95)} ms`,
        signed.rps >= 400 && signed.p95 < 200,
      );
    const cached = s100.operations['catalogue (anonymous, one body: response cache)'];
    if (cached)
      add(
        '100k anonymous catalogue from the cache: ≥ 2,000 RPS, p95 < 50 ms',
        `${fmt(cached.rps)} RPS, p95 ${fmt(cached.p95)} ms`,
        cached.rps >= 2000 && cached.p95 < 50,
      );
    const mix = s100.mixed?.operations;
    for (const op of ['search text + filters (signed-in)', 'requestMatches (signed-in)']) {
      const o = mix?.[op];
      if (o)
        add(
          `100k ${op.replace(' (signed-in)', '')} under the mixed load: p95 < 150 ms`,
          `p95 ${fmt(o.p95)} ms`,
          o.p95 < 150,
        );
    }
  }
  for (const s of scale.scales) {
    for (const viewer of ['anonymous', 'signed-in']) {
      const c = s.operations[`catalogue (${viewer})`]?.cpuMsPerOp;
      if (!c) continue;
      const size = s.listings.toLocaleString('en');
      add(`${size} ${viewer} catalogue: PostgreSQL CPU ≤ 1 ms per request`, `${fmt(c.postgres)} ms`, c.postgres <= 1);
      add(
        `${size} ${viewer} catalogue: subgraph CPU ≤ 1.5 ms per request`,
        `${fmt(c.subgraphs)} ms`,
        c.subgraphs <= 1.5,
      );
    }
    for (const [mode, p] of Object.entries<any>(s.peer ?? {})) {
      if (!mode.startsWith('fair')) continue;
      add(
        `${s.listings.toLocaleString('en')} ${mode.split(' (')[0]}: ≥ 1.1 × Hive's RPS, gateway CPU ≤ Hive's`,
        `${fmt(p.ratio)} ×, ${fmt(p.oursGatewayCpuMsPerOp)} / ${fmt(p.hiveGatewayCpuMsPerOp)} ms`,
        p.ratio >= 1.1 && p.oursGatewayCpuMsPerOp <= p.hiveGatewayCpuMsPerOp,
      );
    }
  }
  if (!rows.length) return [];
  return [
    '### Targets of issue 15, as this run measured them',
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...rows,
    '',
  ];
}
