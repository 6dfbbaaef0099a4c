// A tiny DOM builder. Text always goes in as text (never as HTML), so nothing a name, a record
// or an error message holds can become markup.

/** `h('button', { class: 'x', onclick }, 'text', child)`: attributes, `on*` handlers, children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let nextId = 0;
/** A labelled input: `[wrapper, input]`. */
export function field(label, attrs = {}) {
  const id = `f${++nextId}`;
  const { tag = 'input', options = [], ...rest } = attrs;
  const input = tag === 'input'
    ? h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...rest, id })
    : h(tag, { ...rest, id }, options);
  return [h('label', { for: id, class: 'field' }, h('span', {}, label), input), input];
}
