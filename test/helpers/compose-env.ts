/**
 * The two parts of Docker Compose v2 that turn an `.env` file into container environments, for
 * tests on a machine without a Docker engine: the `.env` parser and `${...}` interpolation, both
 * as the Compose specification describes them (compose-go). Only the forms the spec defines are
 * accepted; anything else throws, so a compose file that Compose would read differently fails here.
 */

/** Parses `.env` text: comments, `export`, single quotes (literal), double quotes (escapes), unquoted (trimmed, ` #` comment). */
export function parseDotEnv(
  text: string,
  lookup: (name: string) => string | undefined = () => undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(trimmed);
    if (!match) throw new Error(`.env line ${i + 1} is not KEY=VALUE: ${line}`);
    const [, key, rest] = match;
    let value: string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw new Error(`.env line ${i + 1}: unterminated single quote`);
      value = rest.slice(1, end);
    } else if (rest.startsWith('"')) {
      let j = 1;
      value = '';
      for (; j < rest.length && rest[j] !== '"'; j++) {
        if (rest[j] === '\\' && j + 1 < rest.length) {
          j += 1;
          value +=
            ({ n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', $: '$' } as Record<string, string>)[rest[j]] ??
            `\\${rest[j]}`;
        } else value += rest[j];
      }
      if (j >= rest.length) throw new Error(`.env line ${i + 1}: unterminated double quote`);
      value = interpolate(value, (n) => out[n] ?? lookup(n));
    } else {
      value = interpolate(rest.replace(/\s+#.*$/, '').trim(), (n) => out[n] ?? lookup(n));
    }
    out[key] = value;
  }
  return out;
}

/** Compose interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`. */
export function interpolate(text: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$') {
      out += text[i];
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 1;
    } else if (next === '{') {
      const end = matchingBrace(text, i + 1);
      const expr = text.slice(i + 2, end);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(expr);
      if (!m) throw new Error(`invalid interpolation format for \${${expr}}`);
      const [, name, op, arg = ''] = m;
      const value = lookup(name);
      const unsetOrEmpty = value === undefined || value === '';
      if (!op) out += value ?? '';
      else if (op === ':-') out += unsetOrEmpty ? interpolate(arg, lookup) : value;
      else if (op === '-') out += value === undefined ? interpolate(arg, lookup) : value;
      else if (op === ':?' || op === '?') {
        if (op === ':?' ? unsetOrEmpty : value === undefined)
          throw new MissingVariableError(name, interpolate(arg, lookup));
        out += value;
      } else if (op === ':+') out += unsetOrEmpty ? '' : interpolate(arg, lookup);
      else out += value === undefined ? '' : interpolate(arg, lookup);
      i = end;
    } else if (next !== undefined && /[A-Za-z_]/.test(next)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))![0];
      out += lookup(name) ?? '';
      i += name.length;
    } else {
      throw new Error(`invalid interpolation: a lone "$" in ${JSON.stringify(text)} (write $$ for a literal dollar)`);
    }
  }
  return out;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === '{') depth += 1;
    else if (text[j] === '}' && --depth === 0) return j;
  }
  throw new Error(`unterminated \${ in ${JSON.stringify(text)}`);
}

export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    readonly hint: string,
  ) {
    super(`required variable ${variable} is missing a value: ${hint}`);
  }
}

/** Interpolates every string in a parsed compose document (keys are left alone, as Compose does). */
export function interpolateDocument<T>(doc: T, lookup: (name: string) => string | undefined): T {
  if (typeof doc === 'string') return interpolate(doc, lookup) as T;
  if (Array.isArray(doc)) return doc.map((d) => interpolateDocument(d, lookup)) as T;
  if (doc && typeof doc === 'object')
    return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, interpolateDocument(v, lookup)])) as T;
  return doc;
}
