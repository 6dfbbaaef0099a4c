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

// One call: input into the module's buffer, `fn(len, ...args)`, the answer out of its buffer.
function call(fn, text, ...args) {
  const bytes = encoder.encode(text);
  if (bytes.length > 32 * 1024) return { ok: false, bytes: encoder.encode('-1\tthe input is too long') };
  new Uint8Array(wasm.memory.buffer, wasm.input_ptr(), bytes.length).set(bytes);
  const ret = wasm[fn](bytes.length, ...args);
  const out = new Uint8Array(wasm.memory.buffer, wasm.output_ptr(), Math.abs(ret)).slice();
  return { ok: ret >= 0, bytes: out };
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
