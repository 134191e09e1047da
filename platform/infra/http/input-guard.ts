/**
 * Input that no field may hold, refused as BAD_USER_INPUT before any resolver or database sees it
 * (PostgreSQL rejects NUL in text with an error that would otherwise surface as a masked 500).
 */

/**
 * C0 controls except tab, newline and carriage return; DEL and the C1 controls; the bidi
 * embeddings, overrides and isolates (text that renders differently from what it says); and
 * lone UTF-16 surrogates (they have no UTF-8 encoding).
 */
const FORBIDDEN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|\p{Surrogate}/u;

/** Zero-width and other invisible format characters: a title made only of these says nothing. */
// Combining joiners and variation selectors are listed on purpose: alone they are invisible too.
const INVISIBLE =
  // eslint-disable-next-line no-misleading-character-class
  /[\s\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180E\u200B-\u200F\u2028-\u202F\u205F-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/gu;

export function hasForbiddenText(text: string): boolean {
  return FORBIDDEN_TEXT.test(text);
}

/** True when the text holds at least one character a reader can see. */
export function hasVisibleText(text: string): boolean {
  return text.replace(INVISIBLE, '').length > 0;
}

export interface InputProblem {
  message: string;
  /** Where in the variables (`input.title`, `items.3`), when the problem has a place. */
  field?: string;
}

/**
 * Walks a JSON value without recursion (so a hostile depth cannot overflow the stack) and reports
 * the first problem: nesting deeper than `maxDepth`, or a string (value or key) with forbidden
 * characters. Depth counts objects and arrays: `{"a":{"b":1}}` is 2 deep.
 */
export function inspectJsonInput(value: unknown, maxDepth: number, root = 'variables'): InputProblem | null {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: '' }];
  while (stack.length) {
    const { value: v, depth, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (hasForbiddenText(v))
        return {
          message: `${path || root} contains control characters, bidi overrides or invalid Unicode`,
          field: path || undefined,
        };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > maxDepth) return { message: `${root} are nested deeper than ${maxDepth} levels` };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++)
        stack.push({ value: v[i], depth: depth + 1, path: path ? `${path}.${i}` : String(i) });
    } else {
      for (const [key, child] of Object.entries(v as Record<string, unknown>)) {
        if (hasForbiddenText(key))
          return { message: `${root} hold a key with control characters, bidi overrides or invalid Unicode` };
        stack.push({ value: child, depth: depth + 1, path: path ? `${path}.${key}` : key });
      }
    }
  }
  return null;
}
