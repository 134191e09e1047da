/**
 * Every quantifier is bounded or unambiguous, so no value can make a pattern backtrack for long.
 *
 * What an injection attempt looks like in a GraphQL variable or argument. Each pattern needs the
 * structure of an attack, not a single character: an apostrophe (O'Brien's), an ampersand
 * (Rock & Roll) or a decimal point (12.50) alone score nothing. Weights are points out of 100;
 * a value's score is the sum of its matches, capped at 100.
 */
export type ThreatKind = 'sql_injection' | 'script_injection' | 'path_traversal' | 'bot_rate' | 'scan_budget';

export interface ThreatPattern {
  kind: Exclude<ThreatKind, 'bot_rate' | 'scan_budget'>;
  name: string;
  weight: number;
  pattern: RegExp;
  /** A linear-time test to use instead of `pattern.test` (for patterns a regex would rescan). */
  test?: (text: string) => boolean;
}

const SELECT = /\bselect\b/gi;
const FROM = /\bfrom\b/gi;
/**
 * `select` followed within 200 characters by `from`, in one pass over each word's positions: the
 * regex form (`select[\s\S]{1,200}?from`) rescans up to 200 characters from every `select`.
 */
function selectThenFrom(text: string): boolean {
  const froms: number[] = [];
  for (const m of text.matchAll(FROM)) froms.push(m.index);
  if (froms.length === 0) return false;
  let j = 0;
  for (const m of text.matchAll(SELECT)) {
    const end = m.index + m[0].length;
    while (j < froms.length && froms[j] <= end) j++;
    if (j === froms.length) return false;
    if (froms[j] - end <= 200) return true;
  }
  return false;
}

export const THREAT_PATTERNS: readonly ThreatPattern[] = [
  // A quote that closes a string literal, then a tautology: ' OR '1'='1, " or 1=1
  {
    kind: 'sql_injection',
    name: 'tautology',
    weight: 60,
    pattern: /['"`)]\s*(?:or|and|\|\||&&)\s+['"`(]?\w+['"`]?\s*(?:=|like|<>|!=)\s*['"`(]?\w/i,
  },
  { kind: 'sql_injection', name: 'union_select', weight: 60, pattern: /\bunion\b(\s+all)?\s+(distinct\s+)?select\b/i },
  // A statement stacked after a quote or semicolon: '; DROP TABLE users
  {
    kind: 'sql_injection',
    name: 'stacked_statement',
    weight: 60,
    pattern: /;\s*(drop|delete|insert|update|alter|create|truncate|exec|execute|grant|shutdown)\b\s+\w/i,
  },
  // A quote then a comment that cuts the rest of the statement off: admin'--, x' #, ' /*
  { kind: 'sql_injection', name: 'quote_comment', weight: 40, pattern: /['"`]\s*(--|#|\/\*)/ },
  {
    kind: 'sql_injection',
    name: 'time_delay',
    weight: 60,
    pattern: /\b(pg_sleep|sleep|benchmark|waitfor\s+delay)\s*\(/i,
  },
  {
    kind: 'sql_injection',
    name: 'catalogue',
    weight: 40,
    pattern: /\b(information_schema|pg_catalog|pg_shadow|sysobjects|xp_cmdshell)\b/i,
  },
  // Prose says "select ... from" too, so alone this stays below any sensible block score.
  {
    kind: 'sql_injection',
    name: 'select_from',
    weight: 15,
    pattern: /\bselect\b[\s\S]{1,200}?\bfrom\b/i,
    test: selectThenFrom,
  },
  { kind: 'script_injection', name: 'script_tag', weight: 80, pattern: /<\s*\/?\s*script\b/i },
  { kind: 'script_injection', name: 'event_handler', weight: 60, pattern: /<[^<>]{0,200}?\bon[a-z]{3,20}\s*=/i },
  { kind: 'script_injection', name: 'javascript_url', weight: 60, pattern: /\b(javascript|vbscript)\s*:/i },
  { kind: 'script_injection', name: 'data_html_url', weight: 50, pattern: /\bdata\s*:\s*text\/html/i },
  {
    kind: 'script_injection',
    name: 'active_tag',
    weight: 50,
    pattern: /<\s*(iframe|object|embed|svg|math|base|meta|link|style)\b/i,
  },
  {
    kind: 'script_injection',
    name: 'dom_sink',
    weight: 30,
    pattern: /\b(document\.(cookie|write|location)|window\.location|eval\s*\(|new\s+Function\s*\()/i,
  },
  {
    kind: 'path_traversal',
    name: 'dot_dot_slash',
    weight: 50,
    pattern: /(\.\.|%2e%2e|%252e%252e|\.%2e|%2e\.)(\/|\\|%2f|%5c|%252f)/i,
  },
  {
    kind: 'path_traversal',
    name: 'system_file',
    weight: 60,
    pattern: /(\/etc\/(passwd|shadow|hosts)|\/proc\/self\/|[a-z]:\\windows\\|\\win\.ini|boot\.ini)/i,
  },
  { kind: 'path_traversal', name: 'null_byte', weight: 40, pattern: /(%00|\u0000)/ },
];

export interface PatternMatch {
  kind: ThreatPattern['kind'];
  name: string;
  weight: number;
}

/**
 * Every pattern over the whole value: a payload cannot hide behind padding. The request's scan
 * budget (threats.ts) bounds the total; each pattern is linear in the value's length.
 */
export function scanValue(value: string): PatternMatch[] {
  const matches: PatternMatch[] = [];
  for (const p of THREAT_PATTERNS)
    if (p.test ? p.test(value) : p.pattern.test(value)) matches.push({ kind: p.kind, name: p.name, weight: p.weight });
  return matches;
}
