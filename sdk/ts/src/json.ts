// JSON with u64s: the node writes integers up to 2^63-1 as JSON numbers, which JSON.parse would
// round above 2^53. parseJson gives such integers as bigint (safe ones stay numbers);
// stringifyJson writes bigints as plain integers.

export type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json };

export function parseJson(text: string): Json {
  let i = 0;
  const fail = (why: string): never => {
    throw new SyntaxError(`JSON: ${why} at offset ${i}`);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const value = (depth: number): Json => {
    if (depth > 256) fail("nested too deep");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const o: { [k: string]: Json } = {};
      ws();
      if (text[i] === "}") return i++, o;
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const k = str();
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        o[k] = value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return i++, o;
        else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const a: Json[] = [];
      ws();
      if (text[i] === "]") return i++, a;
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return i++, a;
        else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) return (i += 4), true;
    if (text.startsWith("false", i)) return (i += 5), false;
    if (text.startsWith("null", i)) return (i += 4), null;
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail("unexpected character");
    i += m[0].length;
    if (m[2] || m[3]) return Number(m[0]);
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail("unterminated string");
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail("trailing characters");
  return v;
}

export function stringifyJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `__big__${x}` : x)).replace(
    /"__big__(\d+)"/g,
    "$1",
  );
}
