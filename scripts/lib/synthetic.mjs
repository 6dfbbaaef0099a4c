// The names and records of the `scale-<N>` chains, computed the way the registry's synthetic
// genesis makes them (pallets/registry/src/synthetic.rs), so that benchmarks and tests know what
// the chain holds without reading a million entries. `checkAgainstChain` compares the two.

const MASK = (1n << 64n) - 1n;
const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';

/** SplitMix64's finalizer, as `mix` in synthetic.rs. */
export function mix(x) {
  let z = (BigInt(x) + 0x9e3779b97f4a7c15n) & MASK;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return z ^ (z >> 31n);
}

/** How many base-36 digits the names of a registry of `names` names start with. */
export function width(names) {
  let [w, reach] = [1, 36];
  while (reach < names) {
    w += 1;
    reach *= 36;
  }
  return Math.max(w, 4);
}

/** The `index`-th second-level name. */
export function nameOf(index, w) {
  let label = index.toString(36).padStart(w, '0');
  let h = mix(index);
  const extra = Number(h % 13n);
  for (let i = 0; i < extra; i++) {
    h = mix(h);
    label += String.fromCharCode(97 + Number(h % 26n));
  }
  return `${label}.ddns`;
}

/** The records of name `index` (A, AAAA, TXT), as the daemon and `ddns_resolve` render them. */
export function recordsOf(index, count) {
  const [b, c, d] = [(index >>> 16) & 255, (index >>> 8) & 255, index & 255];
  // Rust's `Ipv6Addr` text: the longest run of zero groups as `::`.
  const [hi, lo] = [(index >>> 16) & 0xffff, index & 0xffff];
  const six = hi ? `${hi.toString(16)}:${lo.toString(16)}` : lo ? lo.toString(16) : '';
  const all = [
    { type: 'A', value: `10.${b}.${c}.${d}` },
    { type: 'AAAA', value: `2001:db8::${six}` },
    { type: 'TXT', value: `v=ddns-synthetic ${index}` },
  ];
  return all.slice(0, Math.min(count, 3));
}

/** Everything about the `index`-th name of a `scale-<names>` chain. */
export function entry(index, names) {
  const h = mix(BigInt(index) ^ 0xdd75n);
  const k = Number((h >> 8n) % 10n);
  const count = k <= 1 ? 0 : 1 + Math.floor(k / 4);
  const name = nameOf(index, width(names));
  const subdomains = [];
  if (index % 20 === 0) subdomains.push(`www.${name}`);
  if (index % 100 === 0) subdomains.push(`api.${name}`, `v1.api.${name}`, `eu.v1.api.${name}`);
  return {
    name,
    records: recordsOf(index, count),
    nodeKey: h % 10n === 3n,
    spike: index < spikeOf(names),
    subdomains,
  };
}

/** How many names of a `scale-<names>` chain expire in the spike (node/src/chain_spec.rs). */
export function spikeOf(names) {
  return Math.min(Math.floor(names / 10), 100_000);
}

/** The block of the spike (`SCALE_SPIKE_AT`). */
export const SPIKE_AT = 40;

/** The record every synthetic subdomain has. */
export const SUBDOMAIN_RECORDS = [{ type: 'A', value: '10.255.255.255' }];

/**
 * Checks `sample` indices against the chain through `resolve(name)` (a `ddns_resolve` call):
 * every name and subdomain is there with the records computed here. Throws on the first
 * difference.
 */
export async function checkAgainstChain(resolve, names, sample) {
  const same = (view, records, what) => {
    if (!view) throw new Error(`${what}: not on the chain`);
    const got = JSON.stringify(view.records.map(({ type, value }) => ({ type, value })));
    const want = JSON.stringify(records);
    if (got !== want) throw new Error(`${what}: the chain has ${got}, the generator says ${want}`);
  };
  for (const index of sample) {
    const e = entry(index, names);
    same(await resolve(e.name), e.records, e.name);
    for (const sub of e.subdomains) same(await resolve(sub), SUBDOMAIN_RECORDS, sub);
  }
}
