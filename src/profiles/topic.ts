/**
 * MQTT topic patterns for device profiles: `+` and `#` as in MQTT, plus `{name}`,
 * a single-level wildcard whose value is captured (e.g. the line or station id).
 */

export interface TopicPattern {
  source: string;
  /** The MQTT filter form (`{name}` → `+`), e.g. for subscribing in client mode. */
  filter: string;
  captures: string[];
  match(topic: string): Record<string, string> | undefined;
}

const CAPTURE = /^\{([a-z][a-z0-9_]*)\}$/;

/** Returns a problem description, or undefined when the pattern is valid. */
export function topicPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'must not be empty';
  const levels = pattern.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    if (level === '#' && i !== levels.length - 1) return "'#' may only be the last level";
    if (level.includes('#') && level !== '#') return "'#' must fill a whole level";
    if (level.includes('+') && level !== '+') return "'+' must fill a whole level";
    if ((level.includes('{') || level.includes('}')) && !CAPTURE.test(level))
      return `'${level}' must be a whole level like {line} (lower-case name)`;
  }
  return undefined;
}

export function compileTopicPattern(source: string): TopicPattern {
  const levels = source.split('/');
  const captures: string[] = [];
  const parts = levels.map((level) => {
    const m = CAPTURE.exec(level);
    if (m) {
      captures.push(m[1] as string);
      return { kind: 'capture' as const, name: m[1] as string };
    }
    if (level === '+') return { kind: 'any' as const };
    if (level === '#') return { kind: 'rest' as const };
    return { kind: 'literal' as const, value: level };
  });
  const filter = parts.map((p, i) => (p.kind === 'capture' ? '+' : levels[i])).join('/');
  return {
    source,
    filter,
    captures,
    match(topic) {
      const got = topic.split('/');
      const out: Record<string, string> = {};
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        if (part.kind === 'rest') return out;
        const level = got[i];
        if (level === undefined) return undefined;
        if (part.kind === 'literal' && part.value !== level) return undefined;
        if (part.kind === 'capture') {
          if (level === '') return undefined;
          out[part.name] = level;
        }
      }
      return got.length === parts.length ? out : undefined;
    },
  };
}

/** Fills `{name}` placeholders from topic captures; constants pass through. */
export function fillTemplate(template: string, captures: Record<string, string>): string {
  return template.replace(/\{([a-z][a-z0-9_]*)\}/g, (_, name: string) => captures[name] ?? '');
}
