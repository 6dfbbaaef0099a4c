// The chain's own name and record rules, compiled from Rust (app/name-rule, which calls
// ddns-primitives, the code the runtime runs) to wasm. Nothing here re-implements a rule: it
// moves text in and answers out.

import wasmUrl from './generated/name_rule.wasm?url';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let wasm;

export const Mode = { Name: 0, Registrable: 1, Target: 2 };

/** Loads the module once. */
export async function loadRule() {
  if (!wasm) {
    const bytes = await (await fetch(wasmUrl)).arrayBuffer();
    ({ instance: { exports: wasm } } = await WebAssembly.instantiate(bytes, {}));
  }
}

const failed = (text) => ({ ok: false, bytes: encoder.encode(`-1\t${text}`) });

// One call: input (text or bytes) into the module's buffer, `fn(len, ...args)`, the answer out
// of its buffer. A trap (which the module's bounds should make unreachable) is an error too.
function call(fn, input, ...args) {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  if (bytes.length > 32 * 1024) return failed('the input is too long');
  try {
    new Uint8Array(wasm.memory.buffer, wasm.input_ptr(), bytes.length).set(bytes);
    const ret = wasm[fn](bytes.length, ...args);
    const out = new Uint8Array(wasm.memory.buffer, wasm.output_ptr(), Math.abs(ret)).slice();
    return { ok: ret >= 0, bytes: out };
  } catch (e) {
    return failed(`the rule module failed on this input (${e.message})`);
  }
}

/**
 * `{ ok: true, name }` with the canonical spelling, or `{ ok: false, code, message }` with the
 * rule that failed (`code` as the chain's `NameError::code`, e.g. `too_short`).
 */
export function checkName(input, mode = Mode.Name) {
  if (input.length > 1024) return { ok: false, code: 'too_long', message: 'the name is far too long' };
  const { ok, bytes } = call('name', input, mode);
  const text = decoder.decode(bytes);
  if (ok) return { ok: true, name: text };
  const [code, message] = text.split('\t');
  return { ok: false, code, message: message ?? code };
}

/**
 * `lines`: one record per entry, fields separated by tabs (see app/name-rule). Answers
 * `{ ok: true, scale }` with the set SCALE-encoded as `registry.setRecords` takes it, or
 * `{ ok: false, line, message }` (`line` is -1 when the set as a whole is refused).
 */
export function checkRecords(lines) {
  const { ok, bytes } = call('records', lines.join('\n'));
  if (ok) return { ok: true, scale: bytes };
  const [line, message] = decoder.decode(bytes).split('\t');
  return { ok: false, line: Number(line), message };
}

/**
 * A stored record set (SCALE bytes of `Vec<Record>`) as record lines, each an array of its
 * fields: `{ ok: true, rows: [['A', '192.0.2.1'], ['TXT', 'a\\nb'], …] }`. `checkRecords` of
 * the joined lines gives back the same bytes.
 */
export function recordsText(scale) {
  const { ok, bytes } = call('text', scale);
  const text = decoder.decode(bytes);
  if (!ok) return { ok: false, message: text.split('\t')[1] ?? text };
  return { ok: true, rows: text ? text.split('\n').map((line) => line.split('\t')) : [] };
}
