// The top self-time functions of a V8 `.cpuprofile` (as written by `node --cpu-prof`).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly share: number;
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const source = url.search(/\/(src|bin|scripts)\//);
  return source >= 0 ? url.slice(source + 1) : url.replace(/^file:\/\//, '');
}

/** Self time per function (summed over call sites), largest first, with the profile's total in ms. */
export function topSelfTimes(path: string, limit = 20): { totalMs: number; rows: SelfTime[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const microsByNode = new Map<number, number>();
  for (const [index, id] of profile.samples.entries()) microsByNode.set(id, (microsByNode.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  const byFunction = new Map<string, { name: string; where: string; micros: number }>();
  let totalMicros = 0;
  for (const node of profile.nodes) {
    const micros = microsByNode.get(node.id) ?? 0;
    totalMicros += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { name, where, micros: 0 };
    entry.micros += micros;
    byFunction.set(key, entry);
  }
  const rows = [...byFunction.values()]
    .sort((a, b) => b.micros - a.micros)
    .slice(0, limit)
    .map(({ name, where, micros }) => ({ name, where, ms: micros / 1000, share: micros / totalMicros }));
  return { totalMs: totalMicros / 1000, rows };
}

/**
 * Self time (ms) by where the code comes from: a package under node_modules, Node's own modules
 * (`node:`), V8's entries such as `(garbage collector)` and `(idle)`, native functions without a script,
 * and the profiled program's own code (scripts under `ownCode`, which may itself be under node_modules).
 */
export function selfTimeByOrigin(path: string, ownCode: string): Map<string, number> {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const microsByNode = new Map<number, number>();
  for (const [index, id] of profile.samples.entries()) microsByNode.set(id, (microsByNode.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  const byOrigin = new Map<string, number>();
  for (const node of profile.nodes) {
    const micros = microsByNode.get(node.id) ?? 0;
    if (micros === 0) continue;
    const { url } = node.callFrame;
    const origin = url.startsWith(ownCode) || url.startsWith(`file://${ownCode}`) ? 'own code' : originOf(node.callFrame);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + micros / 1000);
  }
  return byOrigin;
}

function originOf({ functionName, url }: ProfileNode['callFrame']): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'native (no script)';
  if (url.startsWith('node:')) return 'node: (Node internals)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules < 0) return 'other scripts';
  const [scope, name] = url.slice(modules + 'node_modules/'.length).split('/');
  return scope.startsWith('@') ? `${scope}/${name}` : scope;
}
