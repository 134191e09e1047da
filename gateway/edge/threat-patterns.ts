/**
 * Every quantifier is bounded or unambiguous, so no value can make a pattern backtrack for long.
 *
 * What an injection attempt looks like in a GraphQL variable or argument. Each pattern needs the
 * structure of an attack, not a single character: an apostrophe (O'Brien's), an ampersand
 * (Rock & Roll) or a decimal point (12.50) alone score nothing. Weights are points out of 100;
 * a value's score is the sum of its matches, capped at 100.
 */
export type ThreatKind = 'sql_injection' | 'script_injection' | 'path_traversal' | 'bot_rate';

export interface ThreatPattern {
  kind: Exclude<ThreatKind, 'bot_rate'>;
  name: string;
  weight: number;
  pattern: RegExp;
}

export const THREAT_PATTERNS: readonly ThreatPattern[] = [
  // A quote that closes a string literal, then a tautology: ' OR '1'='1, " or 1=1
  { kind: 'sql_injection', name: 'tautology', weight: 60, pattern: /['"`)]\s*(?:or|and|\|\||&&)\s+['"`(]?\w+['"`]?\s*(?:=|like|<>|!=)\s*['"`(]?\w/i },
  { kind: 'sql_injection', name: 'union_select', weight: 60, pattern: /\bunion\b(\s+all)?\s+(distinct\s+)?select\b/i },
  // A statement stacked after a quote or semicolon: '; DROP TABLE users
  { kind: 'sql_injection', name: 'stacked_statement', weight: 60, pattern: /;\s*(drop|delete|insert|update|alter|create|truncate|exec|execute|grant|shutdown)\b\s+\w/i },
  // A quote then a comment that cuts the rest of the statement off: admin'--, x' #, ' /*
  { kind: 'sql_injection', name: 'quote_comment', weight: 40, pattern: /['"`]\s*(--|#|\/\*)/ },
  { kind: 'sql_injection', name: 'time_delay', weight: 60, pattern: /\b(pg_sleep|sleep|benchmark|waitfor\s+delay)\s*\(/i },
  { kind: 'sql_injection', name: 'catalogue', weight: 40, pattern: /\b(information_schema|pg_catalog|pg_shadow|sysobjects|xp_cmdshell)\b/i },
  // Prose says "select ... from" too, so alone this stays below any sensible block score.
  { kind: 'sql_injection', name: 'select_from', weight: 15, pattern: /\bselect\b[\s\S]{1,200}?\bfrom\b/i },
  { kind: 'script_injection', name: 'script_tag', weight: 80, pattern: /<\s*\/?\s*script\b/i },
  { kind: 'script_injection', name: 'event_handler', weight: 60, pattern: /<[^<>]{0,200}?\bon[a-z]{3,20}\s*=/i },
  { kind: 'script_injection', name: 'javascript_url', weight: 60, pattern: /\b(javascript|vbscript)\s*:/i },
  { kind: 'script_injection', name: 'data_html_url', weight: 50, pattern: /\bdata\s*:\s*text\/html/i },
  { kind: 'script_injection', name: 'active_tag', weight: 50, pattern: /<\s*(iframe|object|embed|svg|math|base|meta|link|style)\b/i },
  { kind: 'script_injection', name: 'dom_sink', weight: 30, pattern: /\b(document\.(cookie|write|location)|window\.location|eval\s*\(|new\s+Function\s*\()/i },
  { kind: 'path_traversal', name: 'dot_dot_slash', weight: 50, pattern: /(\.\.|%2e%2e|%252e%252e|\.%2e|%2e\.)(\/|\\|%2f|%5c|%252f)/i },
  { kind: 'path_traversal', name: 'system_file', weight: 60, pattern: /(\/etc\/(passwd|shadow|hosts)|\/proc\/self\/|[a-z]:\\windows\\|\\win\.ini|boot\.ini)/i },
  { kind: 'path_traversal', name: 'null_byte', weight: 40, pattern: /(%00|\u0000)/ },
];

export interface PatternMatch {
  kind: ThreatPattern['kind'];
  name: string;
  weight: number;
}

/** Values longer than this are scored on their first part only (bodies are already size-limited). */
const MAX_SCANNED_LENGTH = 4096;

export function scanValue(value: string): PatternMatch[] {
  const text = value.length > MAX_SCANNED_LENGTH ? value.slice(0, MAX_SCANNED_LENGTH) : value;
  const matches: PatternMatch[] = [];
  for (const p of THREAT_PATTERNS) if (p.pattern.test(text)) matches.push({ kind: p.kind, name: p.name, weight: p.weight });
  return matches;
}
