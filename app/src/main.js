// The ddns web app: connect to a node, find a name, register it, manage it, watch it.
// Every check of a name or a record runs the chain's own rule (./rule.js); every answer comes
// from the node (ddns_* RPC, the runtime APIs, storage) and says which finalized block it is from.

import { decodeAddress, randomAsHex } from '@polkadot/util-crypto';

import { connect, errorText, formatBalance, loadAccounts, send } from './chain.js';
import { field, fill, h } from './dom.js';
import { checkName, checkRecords, loadRule, Mode, recordsText } from './rule.js';
import './style.css';

const $ = (id) => document.getElementById(id);
const PAGE = 20; // names per page of "My names" (each one watched by a subscription; 32 per connection at most)

const state = {
  api: null,
  accounts: [],
  account: null,
  params: null,
  genesis: null,
  blockMs: 6000,
  best: { number: 0, seenAt: Date.now() },
  finalized: { number: 0, hash: '' },
  watching: new Map(), // name -> { unsub, listeners: Set }
  view: 'search',
  namesPage: [null], // start_after of each page
  pageIndex: 0,
};

// ---------------------------------------------------------------------------------------------
// Connection and accounts

function setStatus(text, kind = '') {
  fill($('status'), h('span', { class: kind }, text));
}

async function onConnect(ev) {
  ev?.preventDefault();
  const url = $('rpc-url').value.trim();
  localStorage.setItem('ddns:rpc', url);
  await disconnect();
  setStatus(`connecting to ${url}…`);
  try {
    state.api = await connect(url);
  } catch (e) {
    setStatus(`cannot connect: ${errorText(e)}`, 'error');
    return;
  }
  const api = state.api;
  state.genesis = api.genesisHash.toHex();
  state.params = (await api.rpc.ddns.params('finalized')).toJSON().params;
  state.blockMs = Number(api.consts.aura?.slotDuration?.toString() ?? 6000);
  state.accounts = await loadAccounts(api);
  renderAccounts();
  const chain = (await api.rpc.system.chain()).toString();
  await api.rpc.chain.subscribeNewHeads((head) => {
    state.best = { number: head.number.toNumber(), seenAt: Date.now() };
  });
  await api.rpc.chain.subscribeFinalizedHeads((head) => {
    state.finalized = { number: head.number.toNumber(), hash: head.hash.toHex() };
    fill($('status'), h('span', { class: 'ok' }, `${chain} · finalized #${state.finalized.number}`));
    onFinalized();
  });
  fillPeriods();
  $('app').classList.remove('disconnected');
  await resumeRegistrations();
  onSearchInput();
  if (state.view === 'names') renderNames();
}

async function disconnect() {
  for (const [, w] of state.watching) w.unsub?.();
  state.watching.clear();
  if (state.api) await state.api.disconnect().catch(() => {});
  state.api = null;
  $('app').classList.add('disconnected');
}

function renderAccounts() {
  const select = $('account');
  const saved = localStorage.getItem('ddns:account');
  fill(
    select,
    state.accounts.length ? null : h('option', { value: '' }, 'no account (read only)'),
    state.accounts.map((a) =>
      h(
        'option',
        { value: a.address, selected: a.address === saved },
        a.source === 'development' ? `${a.name} (development account, public key)` : `${a.name} (${a.source})`,
      ),
    ),
  );
  onAccount();
}

function onAccount() {
  state.account = state.accounts.find((a) => a.address === $('account').value) ?? null;
  if (state.account) localStorage.setItem('ddns:account', state.account.address);
  $('dev-warning').hidden = state.account?.source !== 'development';
  state.namesPage = [null];
  state.pageIndex = 0;
  if (state.view === 'names') renderNames();
  onSearchInput();
}

// ---------------------------------------------------------------------------------------------
// Reading names

/** The name's view at `at` ('finalized' by default), or null when nobody holds it. */
async function resolve(name, at = 'finalized') {
  try {
    return (await state.api.rpc.ddns.resolve(name, at)).toJSON();
  } catch (e) {
    if (String(e.message).startsWith('4004')) return null;
    throw e;
  }
}

/**
 * Watches a name over `ddns_subscribeName`: `listener({ view, at })` now and at every finalized
 * block where it changed. Returns a function that stops listening.
 */
function watch(name, listener) {
  let w = state.watching.get(name);
  if (!w) {
    w = { listeners: new Set(), last: null, unsub: null };
    state.watching.set(name, w);
    state.api.rpc.ddns
      .subscribeName(name, (update) => {
        w.last = update.toJSON();
        for (const l of w.listeners) l(w.last);
      })
      .then((unsub) => {
        if (state.watching.get(name) === w) w.unsub = unsub;
        else unsub();
      })
      .catch((e) => {
        // Refused (e.g. 4029, too many watched names): forget it, so a later watcher retries.
        if (state.watching.get(name) === w) state.watching.delete(name);
        for (const l of w.listeners) l({ error: errorText(e) });
      });
  }
  w.listeners.add(listener);
  if (w.last) listener(w.last);
  return () => {
    w.listeners.delete(listener);
    if (w.listeners.size === 0 && state.watching.get(name) === w) {
      state.watching.delete(name);
      w.unsub?.();
    }
  };
}

function blocksToText(blocks) {
  const s = Math.max(0, Math.round((blocks * state.blockMs) / 1000));
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return [d && `${d}d`, (d || hh) && `${hh}h`, (d || hh || mm) && `${mm}m`, `${ss}s`].filter(Boolean).join(' ');
}

/** A countdown to block `n` (kept ticking by `tick()`). */
function countdown(n) {
  return h('span', { class: 'countdown', 'data-block': n }, '');
}

function tick() {
  for (const el of document.querySelectorAll('.countdown')) {
    const n = Number(el.dataset.block);
    const ms = (n - state.best.number) * state.blockMs - (Date.now() - state.best.seenAt);
    el.textContent = ms > 0 ? `in ${blocksToText(ms / state.blockMs)}` : 'now';
  }
}

function atText(at) {
  return at ? `as of finalized block #${at.number} (${String(at.hash).slice(0, 10)}…)` : '';
}

/** The lifecycle of a view (null: nobody holds it) in words. */
function lifecycleText(view) {
  if (!view) return ['Free', ''];
  const p = state.params;
  if (view.state === 'Active') return [`Active until block #${view.expiresAt}`, view.expiresAt];
  if (view.state === 'Grace') {
    const end = view.expiresAt + p.grace;
    return [`In grace until block #${end}: only its owner can renew it`, end];
  }
  if (view.state === 'Premium') {
    const end = view.expiresAt + p.grace + p.premiumWindow;
    return [`Lapsed: anyone may register it now, with a premium that falls to nothing at block #${end}`, end];
  }
  return [`${view.state}`, ''];
}

/** Whether a name in this state can be registered (nobody holds it, or it is in its premium). */
const registrable = (view) => !view || view.state === 'Premium';

// ---------------------------------------------------------------------------------------------
// Search and register

let searchSeq = 0;
let searchUnwatch = null;
let searchTimer = null;

function fillPeriods() {
  const max = state.params?.maxPeriods ?? 10;
  const select = $('periods');
  const keep = select.value || '1';
  fill(select, Array.from({ length: max }, (_, i) => h('option', { value: i + 1, selected: String(i + 1) === keep }, `${i + 1}`)));
  $('period-len').textContent = state.params ? `(a period is ${blocksToText(state.params.period)})` : '';
}

function onSearchInput() {
  clearTimeout(searchTimer);
  const seq = ++searchSeq; // answers for earlier input are dropped
  state.quote = null;
  const input = $('search-name').value;
  const out = $('search-check');
  $('register').disabled = true;
  fill($('search-result'));
  fill($('search-cost'));
  if (searchUnwatch) {
    searchUnwatch();
    searchUnwatch = null;
  }
  if (!input.trim()) {
    fill(out);
    return;
  }
  const any = checkName(input, Mode.Name);
  if (!any.ok) {
    fill(out, h('span', { class: 'error', role: 'alert' }, `Not a valid name: ${any.message}`), ' ', h('code', {}, any.code));
    return;
  }
  const reg = checkName(input, Mode.Registrable);
  fill(
    out,
    'Canonical form: ',
    h('strong', { id: 'canonical' }, any.name),
    reg.ok ? '' : h('span', { class: 'note' }, any.name.split('.').length > 2
      ? ` — a subdomain: its parent's owner creates it (My names → Subdomains)`
      : [` — cannot be registered: ${reg.message} `, h('code', {}, reg.code)]),
  );
  if (!state.api) return;
  searchTimer = setTimeout(() => lookUp(any.name, reg.ok, seq), 200);
}

async function lookUp(name, canRegister, seq) {
  const periods = Number($('periods').value || 1);
  const result = $('search-result');
  let updates = 0;
  searchUnwatch = watch(name, (update) => {
    if (seq !== searchSeq) return;
    const n = ++updates;
    if (update.error) return fill(result, h('p', { class: 'error' }, update.error));
    const view = update.view;
    const [text, until] = lifecycleText(view);
    fill(
      result,
      h('p', { class: 'state', id: 'search-state' }, h('strong', {}, text), ' ', until ? countdown(until) : ''),
      view ? h('p', {}, view.state === 'Premium' ? 'Last held by: ' : 'Owner: ', h('code', {}, view.owner)) : null,
      h('p', { class: 'at' }, atText(update.at)),
    );
    tick();
    if (canRegister) quote(name, periods, () => seq === searchSeq && n === updates, view);
  });
}

/** Shows the price; `current()` says whether this quote is still the newest (else it is dropped). */
async function quote(name, periods, current, view) {
  const api = state.api;
  let price;
  try {
    price = (await api.rpc.ddns.price(name, periods, 'best')).toJSON();
  } catch (e) {
    if (current()) fill($('search-cost'), h('p', { class: 'error' }, errorText(e)));
    return;
  }
  if (!current()) return;
  const next = price.next ?? price;
  const free = registrable(view);
  const p = state.params;
  const rows = [
    ['Rent', `${formatBalance(api, next.rent)} for ${periods} period${periods > 1 ? 's' : ''}`],
    BigInt(next.premium) > 0n
      ? ['Premium (recently lapsed name)', `${formatBalance(api, next.premium)}, halving every ${p.premiumHalving} blocks`]
      : null,
    ['Deposit (held, returned on release)', formatBalance(api, next.deposit)],
    ['Commitment deposit (held until the reveal)', formatBalance(api, p.commitmentDeposit)],
    ['Total paid for the name', h('strong', { id: 'price-total' }, formatBalance(api, next.total))],
  ].filter(Boolean);
  const table = h('dl', { class: 'cost' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  fill($('search-cost'), table, h('p', { class: 'note', id: 'fees' }, 'Network fees: estimating…'));
  const pending = loadRegs().some((r) => r.name === name);
  $('register').disabled = !free || !state.account || pending;
  $('register').title = !state.account ? 'choose an account first' : pending ? 'a registration of it is in progress' : free ? '' : 'the name is taken';
  // What the button registers: exactly what this quote showed, for this account.
  state.quote = free && state.account ? { name, periods, account: state.account.address, total: next.total } : null;
  if (!state.account) return;
  try {
    const owner = state.account.address;
    const commit = await api.tx.registry.commit(randomAsHex(32)).paymentInfo(owner);
    const register = await api.tx.registry.register(name, owner, randomAsHex(32), periods).paymentInfo(owner);
    if (!current()) return;
    fill(
      $('fees'),
      `Network fees: about ${formatBalance(api, commit.partialFee)} (commit) + ${formatBalance(api, register.partialFee)} (register).`,
    );
  } catch (e) {
    fill($('fees'), `Network fees: ${errorText(e)}`);
  }
}

// Registrations in progress are kept in localStorage (with their secret), per chain, so that a
// reload, a closed tab or a lost connection between the steps does not lose them.
const regKey = (genesis) => `ddns:registrations:${genesis}`;
function loadRegs(genesis = state.genesis) {
  try {
    const regs = JSON.parse(localStorage.getItem(regKey(genesis)) ?? '[]');
    return Array.isArray(regs) ? regs.filter((r) => r && typeof r.name === 'string' && typeof r.secret === 'string') : [];
  } catch {
    return [];
  }
}
function saveReg(reg) {
  const regs = loadRegs(reg.genesis).filter((r) => r.name !== reg.name || r.owner !== reg.owner);
  if (!reg.done) regs.push(reg);
  localStorage.setItem(regKey(reg.genesis), JSON.stringify(regs));
}

const STEPS = ['Commit', 'Wait for the commitment to age', 'Register', 'Done'];

function regCard(reg) {
  let card = document.querySelector(`[data-registration="${CSS.escape(reg.name)}"]`);
  if (!card) {
    card = h('li', { class: 'registration', 'data-registration': reg.name });
    $('registrations').append(card);
  }
  const step = { commit: 0, wait: 1, register: 2, done: 3 }[reg.step];
  fill(
    card,
    h('h3', {}, `Registering ${reg.name}`),
    h('p', { class: 'note' }, `for ${reg.periods} period${reg.periods > 1 ? 's' : ''}, paid by ${accountLabel(reg.signer)}, owned by ${accountLabel(reg.owner)}`),
    h(
      'ol',
      { class: 'steps' },
      STEPS.map((s, i) =>
        h('li', { class: i < step ? 'past' : i === step ? 'current' : '', 'aria-current': i === step ? 'step' : null }, `${i + 1}. ${s}${i < step ? ' ✓' : ''}`)),
    ),
    h('p', { class: reg.error ? 'error' : 'progress', role: 'status', 'data-step': reg.step }, reg.error ?? reg.status ?? ''),
    reg.error ? h('button', { type: 'button', onclick: () => runRegistration(reg) }, 'Try again') : null,
    reg.error ? h('button', { type: 'button', onclick: () => forget(reg, card) }, 'Forget it') : null,
  );
}

function accountLabel(address) {
  const a = state.accounts.find((x) => x.address === address);
  return a ? `${a.name} (${address.slice(0, 8)}…)` : address;
}

function forget(reg, card) {
  saveReg({ ...reg, done: true });
  card.remove();
}

async function onRegister() {
  const name = $('canonical')?.textContent;
  const q = state.quote;
  const periods = Number($('periods').value || 1);
  if (!name || !state.account || !q || q.name !== name || q.periods !== periods || q.account !== state.account.address) return;
  if (loadRegs().some((r) => r.name === name)) return;
  const reg = {
    genesis: state.genesis,
    name,
    owner: state.account.address,
    signer: state.account.address,
    secret: randomAsHex(32),
    periods,
    quoted: q.total,
    step: 'commit',
  };
  saveReg(reg);
  $('register').disabled = true;
  await runRegistration(reg);
}

const running = new Set();

/**
 * Commit, wait `minCommitmentAge`, register, wait for finality: from whatever step `reg` is at.
 * It runs against the node it started on, and stops if the app connects elsewhere. A lock (per
 * chain and name, shared by the tabs of this browser) keeps two tabs from running one twice.
 */
async function runRegistration(reg) {
  const key = `${reg.genesis}:${reg.name}`;
  if (running.has(key)) return;
  running.add(key);
  try {
    if (navigator.locks) {
      await navigator.locks.request(`ddns:registration:${key}`, { ifAvailable: true }, async (lock) => {
        if (lock) await registrationSteps(reg);
        else regCard({ ...reg, error: 'in progress in another tab of this browser; try again once that tab is closed' });
      });
    } else {
      await registrationSteps(reg);
    }
  } finally {
    running.delete(key);
  }
}

async function registrationSteps(reg) {
  const api = state.api;
  const p = state.params;
  const alive = () => {
    if (state.api !== api) throw new Error('the app connected to another node; reconnect to finish');
    if (!api.isConnected) throw new Error('the connection to the node was lost; try again once it is back');
  };
  const update = (patch) => {
    Object.assign(reg, patch);
    saveReg(reg);
    if (state.genesis === reg.genesis) regCard(reg);
  };
  // Held by the owner and registered after the commitment (or, before committing, at all).
  const ours = (v) => v && v.state === 'Active' && v.owner === reg.owner && v.registeredAt >= (reg.committedAt ?? 0);
  try {
    if (reg.genesis !== state.genesis) throw new Error('this registration is for another chain');
    update({ error: undefined });
    const account = state.accounts.find((a) => a.address === reg.signer);
    if (!account) throw new Error(`the account that started it (${reg.signer}) is not available here`);
    const commitment = (await api.call.registryApi.commitment(reg.name, reg.owner, reg.secret)).toHex();
    alive();
    if (reg.step === 'commit') {
      if (ours(await resolve(reg.name, 'best'))) {
        update({ step: 'done', status: `${reg.name} is yours already.`, done: true });
        return;
      }
      let c = await api.query.registry.commitments(commitment);
      if (c.isNone && reg.sent) {
        update({ status: 'looking for the commitment sent before the reload…' });
        for (let i = 0; i < 3 && c.isNone; i++) {
          await waitBlocks(api, 1);
          alive();
          c = await api.query.registry.commitments(commitment);
        }
      }
      if (c.isNone) {
        update({ sent: true });
        await send(api, api.tx.registry.commit(commitment), account, (st) => update({ status: `Commit: ${st}` }));
        alive();
        c = await api.query.registry.commitments(commitment);
      }
      if (c.isNone) throw new Error('the commitment is not on chain');
      update({ step: 'wait', committedAt: c.unwrap().at.toNumber() });
    }
    // The register lands a block or two after the best block: leave a margin.
    const expired = () => state.best.number + 2 > reg.committedAt + p.maxCommitmentAge;
    const restart = () => {
      // A commitment past maxCommitmentAge cannot be revealed: start over with a new secret
      // (the old commitment's deposit comes back to whoever clears it: registry.clearCommitment).
      update({ step: 'commit', secret: randomAsHex(32), sent: false, committedAt: undefined });
      throw new Error(`the commitment is older than ${p.maxCommitmentAge} blocks; try again to commit anew`);
    };
    if (reg.step === 'wait') {
      const ready = reg.committedAt + p.minCommitmentAge;
      while (state.best.number < ready) {
        update({ status: `committed at block #${reg.committedAt}; register from block #${ready} (${ready - state.best.number} to go)` });
        await waitBlocks(api, 1);
        alive();
      }
      update({ step: 'register' });
    }
    if (reg.step === 'register') {
      if (!reg.registeredIn && !ours(await resolve(reg.name, 'best'))) {
        if (expired()) restart();
        const tx = api.tx.registry.register(reg.name, reg.owner, reg.secret, reg.periods);
        try {
          const { blockNumber } = await send(api, tx, account, (st) => update({ status: `Register: ${st}` }));
          update({ registeredIn: blockNumber });
        } catch (e) {
          // A register sent before a reload may have landed meanwhile (and used the commitment).
          alive();
          if (!ours(await resolve(reg.name, 'best'))) {
            if (/CommitmentTooOld/.test(e.message)) restart();
            throw e;
          }
        }
      }
      // Kept (secret and all) until the registration is final.
      const inBlock = reg.registeredIn ?? state.best.number;
      while (state.finalized.number < inBlock) {
        update({ status: `registered in block #${inBlock}; waiting for it to be finalized` });
        await waitBlocks(api, 1);
        alive();
      }
      if (!ours(await resolve(reg.name, 'finalized'))) {
        update({ registeredIn: undefined });
        throw new Error('the registration is not in the finalized chain; try again');
      }
      update({ step: 'done', status: `${reg.name} is yours (block #${inBlock}, finalized).`, done: true });
    }
  } catch (e) {
    update({ error: `${STEPS[{ commit: 0, wait: 1, register: 2 }[reg.step] ?? 0]} failed: ${errorText(e)}` });
  }
}

async function resumeRegistrations() {
  fill($('registrations'));
  for (const reg of loadRegs()) {
    reg.genesis = state.genesis;
    regCard(reg);
    runRegistration(reg);
  }
}

/** Resolves once `n` more blocks are seen, or at once when the app is no longer on `api`. */
function waitBlocks(api, n) {
  const target = state.best.number + n;
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (state.best.number >= target || state.api !== api || !api.isConnected) {
        clearInterval(t);
        resolve();
      }
    }, 250);
  });
}

// ---------------------------------------------------------------------------------------------
// My names

const cards = new Map(); // name -> { el, unwatch }

/**
 * Shows the current page of the account's names. With `reset` (another account or page) every
 * card is made anew; otherwise cards of names still listed are kept as they are, open forms
 * and all, and only names that came or went are added or removed.
 */
let namesSeq = 0;
async function renderNames(reset = true) {
  const seq = ++namesSeq;
  const list = $('names');
  if (reset) {
    for (const [, c] of cards) c.unwatch();
    cards.clear();
    fill(list);
  }
  if (!state.api) return;
  if (!state.account) return fill(list, h('p', {}, 'Choose an account to see its names.'));
  const owner = state.account.address;
  const start = state.namesPage[state.pageIndex];
  const names = (await state.api.call.registryApi.namesOf(owner, start, PAGE + 1)).map((n) => n.toUtf8());
  if (seq !== namesSeq || owner !== state.account?.address) return; // a later call owns the list
  const more = names.length > PAGE;
  const page = names.slice(0, PAGE);
  lastListed = names.join(',');
  state.namesPage[state.pageIndex + 1] = more ? page[page.length - 1] : undefined;
  renderPrimary();
  $('names-prev').disabled = state.pageIndex === 0;
  $('names-next').disabled = !more;
  $('names-count').textContent = page.length
    ? `names ${state.pageIndex * PAGE + 1}–${state.pageIndex * PAGE + page.length}`
    : 'no names yet: find one under "Search"';
  for (const [name, c] of cards) {
    if (!page.includes(name)) {
      c.unwatch();
      c.el.remove();
      cards.delete(name);
    }
  }
  for (const [i, name] of page.entries()) {
    let c = cards.get(name);
    if (!c) {
      const el = h('li', { class: 'name-card', 'data-name': name });
      c = { el, view: null, summary: h('div'), actions: null };
      const card = c;
      card.unwatch = watch(name, (update) => {
        card.view = update.view;
        renderSummary(card, name, update);
        if (!card.actions) {
          card.actions = actions(card, name);
          fill(el, card.summary, card.actions);
        }
      });
      cards.set(name, c);
    }
    // In the page's order; a card already in place is not moved (that would take its focus).
    if (list.children[i] !== c.el) list.insertBefore(c.el, list.children[i] ?? null);
  }
}

async function renderPrimary() {
  let reverse;
  try {
    reverse = (await state.api.rpc.ddns.reverse(state.account.address, 'finalized')).toJSON();
  } catch (e) {
    return fill($('primary'), h('span', { class: 'error' }, errorText(e)));
  }
  fill(
    $('primary'),
    'Primary name: ',
    reverse.name ? h('strong', {}, reverse.name) : h('em', {}, 'none'),
    reverse.name ? [' ', txButton('Clear primary', () => state.api.tx.registry.setPrimary(null))] : null,
  );
}

// The names list follows finalized heads: a name registered, received or lost appears or goes.
let lastListed = '';
async function onFinalized() {
  tick();
  if (state.view === 'names' && state.account && state.api) {
    const names = (await state.api.call.registryApi.namesOf(state.account.address, state.namesPage[state.pageIndex], PAGE + 1))
      .map((n) => n.toUtf8())
      .join(',');
    if (names !== lastListed) renderNames(false);
  }
  if (state.view === 'operators') renderOperators(false);
}

function renderSummary(card, name, update) {
  if (update.error) return fill(card.summary, h('h3', {}, name), h('p', { class: 'error' }, update.error));
  const view = update.view;
  const [text, until] = lifecycleText(view);
  const mine = view && view.owner === state.account?.address;
  fill(
    card.summary,
    h('h3', {}, name),
    h('p', { class: 'state' }, h('strong', {}, text), ' ', until ? countdown(until) : ''),
    view && !mine ? h('p', { class: 'note' }, 'Owned by ', h('code', {}, view.owner)) : null,
    view?.parent ? h('p', {}, `Subdomain of ${view.parent}${view.locked ? ' (locked: the parent cannot take it back)' : ''}`) : null,
    view ? h('p', {}, 'Node key: ', view.nodeKey ? h('code', {}, view.nodeKey) : h('em', {}, 'none')) : null,
    view
      ? h('ul', { class: 'records', 'aria-label': `records of ${name}` },
          view.records.length ? view.records.map((r) => h('li', {}, h('code', {}, r.type), ' ', recordText(r))) : h('li', {}, h('em', {}, 'no records')))
      : null,
    h('p', { class: 'at' }, atText(update.at)),
  );
  tick();
}

function recordText(r) {
  const v = r.value;
  switch (r.type) {
    case 'MX':
      return `${v.preference} ${v.exchange}`;
    case 'SRV':
      return `${v.service}.${v.protocol} ${v.priority} ${v.weight} ${v.port} ${v.target}`;
    case 'CAA':
      return `${v.flags} ${v.tag} "${v.value}"`;
    case 'P2P':
      return `${v.peerId} ${v.multiaddrs.join(' ')}`;
    default:
      return String(v);
  }
}

/** A button that sends a transaction as the chosen account and shows how it went. */
function txButton(label, makeTx, { confirm: confirmText, before, after } = {}) {
  const out = h('output', { class: 'tx' });
  const button = h('button', { type: 'button' }, label);
  let armed = null; // the confirmation shown, while one is awaited
  let timer;
  const disarm = () => {
    armed = null;
    clearTimeout(timer);
    button.textContent = label;
    button.classList.remove('danger');
  };
  button.addEventListener('click', async () => {
    if (!state.account) return fill(out, h('span', { class: 'error' }, 'choose an account first'));
    if (confirmText) {
      // The confirmation names what will be sent (e.g. the recipient); a second click sends
      // only if that is still what it names.
      let words;
      try {
        words = typeof confirmText === 'function' ? confirmText() : confirmText;
      } catch (e) {
        disarm();
        return fill(out, h('span', { class: 'error', role: 'alert' }, errorText(e)));
      }
      if (armed !== words) {
        disarm();
        armed = words;
        button.textContent = words;
        button.classList.add('danger');
        timer = setTimeout(disarm, 10_000); // a confirmation is for now, not for later
        return;
      }
    }
    disarm();
    let tx;
    try {
      if (before) await before();
      tx = await makeTx();
    } catch (e) {
      return fill(out, h('span', { class: 'error', role: 'alert' }, errorText(e)));
    }
    if (!tx) return;
    button.disabled = true;
    try {
      const { blockNumber } = await send(state.api, tx, state.account, (s) => fill(out, s));
      fill(out, h('span', { class: 'ok' }, `done in block #${blockNumber}`));
      after?.();
    } catch (e) {
      fill(out, h('span', { class: 'error', role: 'alert' }, errorText(e)));
    } finally {
      button.disabled = false;
    }
  });
  return h('span', { class: 'txbutton' }, button, ' ', out);
}

function section(title, ...body) {
  return h('details', { class: 'action' }, h('summary', {}, title), h('div', { class: 'body' }, body));
}

function actions(card, name) {
  const api = state.api;
  const [renewField, renewPeriods] = field('Periods', { type: 'number', min: 1, max: state.params.maxPeriods, value: 1 });
  const [toField, toInput] = field('Recipient (SS58 address)');
  const [keyField, keyInput] = field('Node key (0x + 64 hex digits, empty to clear)', { value: card.view?.nodeKey ?? '' });
  const checkAddress = (v) => {
    try {
      decodeAddress(v.trim());
    } catch {
      throw new Error(`'${v.trim().slice(0, 60)}' is not an SS58 address`);
    }
    return v.trim();
  };
  return h(
    'div',
    { class: 'actions' },
    section('Records', recordsEditor(card, name)),
    section(
      'Renew',
      renewField,
      txButton('Renew', () => {
        const n = Number(renewPeriods.value);
        if (!Number.isInteger(n) || n < 1 || n > state.params.maxPeriods) throw new Error(`periods must be 1 to ${state.params.maxPeriods}`);
        return api.tx.registry.renew(name, n);
      }),
    ),
    section(
      'Transfer',
      toField,
      txButton('Transfer', () => api.tx.registry.transfer(name, checkAddress(toInput.value)), {
        confirm: () => `Confirm transfer to ${checkAddress(toInput.value).slice(0, 10)}…`,
      }),
    ),
    section(
      'Node key',
      keyField,
      txButton('Set node key', () => {
        const v = keyInput.value.trim();
        if (v && !/^0x[0-9a-fA-F]{64}$/.test(v)) throw new Error('a node key is 0x followed by 64 hex digits (ddns-resolver --print-key shows it)');
        return api.tx.registry.setNodeKey(name, v || null);
      }),
    ),
    section('Primary name', h('p', {}, 'Your primary name is what reverse lookups of your account return.'), txButton('Make primary', () => api.tx.registry.setPrimary(name), { after: renderPrimary })),
    section('Subdomains', subdomains(name)),
    section(
      'Release',
      h('p', {}, 'Gives the name and its subdomains up at once; deposits come back, rent does not.'),
      txButton('Release', () => api.tx.registry.release(name), { confirm: 'Confirm: release for good' }),
    ),
  );
}

// The records editor: one row per record, typed fields, checked by the chain's rule as you type.
const RECORD_FIELDS = {
  A: [['value', 'IPv4 address']],
  AAAA: [['value', 'IPv6 address']],
  CNAME: [['value', 'Target host']],
  TXT: [['value', 'Text']],
  MX: [['preference', 'Preference'], ['exchange', 'Mail exchange host']],
  SRV: [['service', 'Service (_http)'], ['protocol', 'Protocol (_tcp)'], ['priority', 'Priority'], ['weight', 'Weight'], ['port', 'Port'], ['target', 'Target host']],
  CAA: [['flags', 'Flags (0 or 128)'], ['tag', 'Tag (issue)'], ['value', 'Value']],
  P2P: [['peerId', 'Peer id'], ['multiaddrs', 'Multiaddrs (one per line)']],
};

// Fields that may hold any bytes: shown and edited in the escaped form (\n, \t, \\, \xHH).
const ESCAPED = new Set(['TXT.value', 'CAA.value']);

function recordsEditor(card, name) {
  const rows = h('ol', { class: 'record-rows' });
  const verdict = h('p', { class: 'verdict', role: 'status' });
  const editor = h('div', { class: 'records-editor' });
  const add = h('button', { type: 'button' }, 'Add record');
  let current = null;
  let loaded = false; // Save stays refused until the stored set is in the rows
  let loads = 0;

  /** A row of `type` with its fields in `RECORD_FIELDS` order (P2P: the peer id, then addresses). */
  const addRow = (type = 'A', values = []) => {
    const [typeField, typeSelect] = field('Type', { tag: 'select', options: Object.keys(RECORD_FIELDS).map((t) => h('option', { value: t, selected: t === type }, t)) });
    const inputs = h('span', { class: 'inputs' });
    const error = h('span', { class: 'error row-error', role: 'alert' });
    const remove = h('button', { type: 'button', class: 'remove', 'aria-label': 'remove this record' }, '✕');
    const row = h('li', { class: 'record-row' }, typeField, inputs, remove, error);
    remove.addEventListener('click', () => {
      row.remove();
      check();
    });
    const build = (vals) => {
      fill(inputs, RECORD_FIELDS[typeSelect.value].map(([key, label], i) => {
        const multi = key === 'multiaddrs';
        const [f, input] = field(label, multi ? { tag: 'textarea', rows: 2 } : {});
        input.dataset.key = key;
        input.value = multi ? vals.slice(i).join('\n') : (vals[i] ?? '');
        input.addEventListener('input', check);
        return f;
      }));
    };
    typeSelect.addEventListener('change', () => {
      build([]);
      check();
    });
    build(values);
    rows.append(row);
  };

  // The set as stored (SCALE), turned into rows by the rule module: saving it unedited stores
  // the same bytes, whatever they hold.
  const load = async () => {
    const seq = ++loads;
    loaded = false;
    fill(rows);
    fill(verdict, 'loading…');
    add.disabled = true;
    const stored = await state.api.query.registry.records(name);
    if (seq !== loads) return; // a later load owns the rows
    if (stored.isSome) {
      const text = recordsText(stored.unwrap().records.toU8a());
      if (!text.ok) return fill(verdict, h('span', { class: 'error' }, text.message));
      for (const [type, ...values] of text.rows) addRow(type, values);
    }
    loaded = true;
    add.disabled = false;
    check();
  };

  // Each row as one line of tab-separated fields, the form the rule module reads; or the index
  // of a row with a field that cannot be put on a line.
  const lines = () => {
    const out = [];
    for (const [i, row] of [...rows.children].entries()) {
      const type = row.querySelector('select').value;
      const values = [];
      for (const input of row.querySelectorAll('[data-key]')) {
        const key = input.dataset.key;
        if (key === 'multiaddrs') values.push(...input.value.split(/\s+/).filter(Boolean));
        else if (ESCAPED.has(`${type}.${key}`)) values.push(input.value.replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r'));
        else if (/[\t\n\r]/.test(input.value)) return { bad: i };
        else values.push(input.value);
      }
      out.push([type, ...values].join('\t'));
    }
    return { lines: out };
  };

  function check() {
    for (const e of rows.querySelectorAll('.row-error')) e.textContent = '';
    current = null;
    if (!loaded) return;
    const { lines: texts, bad } = lines();
    if (bad !== undefined) {
      rows.children[bad].querySelector('.row-error').textContent = 'this field may not hold tabs or line breaks';
      return fill(verdict, h('span', { class: 'error' }, `record ${bad + 1}: fix the marked field`));
    }
    const answer = checkRecords(texts);
    if (!answer.ok) {
      if (answer.line >= 0) rows.children[answer.line].querySelector('.row-error').textContent = answer.message;
      return fill(verdict, h('span', { class: 'error' }, answer.line >= 0 ? `record ${answer.line + 1}: ${answer.message}` : answer.message));
    }
    current = answer.scale;
    fill(verdict, h('span', { class: 'ok' }, `${texts.length} record${texts.length === 1 ? '' : 's'}, valid`));
  }

  const save = txButton('Save records', () => {
    if (!loaded) throw new Error('the stored records are not loaded; reload them first');
    check();
    if (!current) throw new Error('the records are not valid yet');
    const type = state.api.tx.registry.setRecords.meta.args[1].type.toString();
    return state.api.tx.registry.setRecords(name, state.api.createType(type, current));
  });
  add.addEventListener('click', () => {
    addRow();
    check();
  });
  const reload = h('button', { type: 'button' }, 'Reload from chain');
  reload.addEventListener('click', () => load().catch((e) => fill(verdict, h('span', { class: 'error' }, errorText(e)))));
  fill(
    editor,
    rows,
    add,
    ' ',
    reload,
    h('p', { class: 'note' }, 'In TXT and CAA values, write \\n for a line break, \\t for a tab, \\\\ for a backslash and \\xHH for any byte.'),
    verdict,
    save,
  );
  load().catch((e) => fill(verdict, h('span', { class: 'error' }, errorText(e))));
  return editor;
}

function subdomains(parent) {
  const api = state.api;
  const list = h('ul', { class: 'subdomains' });
  const [labelField, labelInput] = field('New subdomain label');
  const [ownerField, ownerInput] = field('Owner (SS58 address; empty: you)');
  const check = h('span', { class: 'note' });
  const childName = () => {
    const label = labelInput.value.trim();
    if (!label || label.includes('.')) throw new Error('a label is one part of a name, without dots');
    const r = checkName(`${label}.${parent}`, Mode.Name);
    if (!r.ok) throw new Error(`not a valid name: ${r.message}`);
    return r.name;
  };
  labelInput.addEventListener('input', () => {
    try {
      check.textContent = labelInput.value ? `→ ${childName()}` : '';
      check.className = 'note';
    } catch (e) {
      check.textContent = e.message;
      check.className = 'error';
    }
  });
  const refresh = async () => {
    const keys = await api.query.registry.subdomains.keys(parent);
    const names = keys.map((k) => k.args[1].toUtf8()).sort();
    fill(list, names.length ? null : h('li', {}, h('em', {}, 'none')));
    for (const child of names) {
      const view = await resolve(child, 'best');
      list.append(
        h(
          'li',
          {},
          h('strong', {}, child),
          view ? ` — ${view.owner === state.account?.address ? 'yours' : `owned by ${view.owner}`}${view.locked ? ', locked' : ''} ` : ' ',
          view && !view.locked && view.owner !== state.account?.address ? txButton('Take back', () => api.tx.registry.takeBackSubdomain(child), { after: refresh }) : null,
          view && !view.locked ? txButton('Lock', () => api.tx.registry.lockSubdomain(child), { confirm: 'Confirm: lock for good', after: refresh }) : null,
        ),
      );
    }
  };
  refresh().catch(() => {});
  return h(
    'div',
    {},
    list,
    labelField,
    check,
    ownerField,
    txButton('Create subdomain', () => {
      const name = childName();
      const owner = ownerInput.value.trim() || state.account.address;
      decodeAddress(owner);
      return api.tx.registry.createSubdomain(parent, name.split('.')[0], owner);
    }, { after: refresh }),
  );
}

// ---------------------------------------------------------------------------------------------
// Operators

let operatorsBusy = false;
async function renderOperators(full = true) {
  const api = state.api;
  if (!api || operatorsBusy) return;
  if (!api.call.operatorsApi) return fill($('operators'), h('p', {}, 'This chain has no operators pallet.'));
  operatorsBusy = true;
  try {
    const at = state.finalized.hash ? await api.at(state.finalized.hash) : api;
    const services = await at.call.operatorsApi.services();
    const rows = [];
    for (const [id] of services) {
      const detail = (await api.rpc.ddns.operator(String(id.toNumber()), 'finalized')).toJSON();
      const svc = detail.services?.[0];
      if (!svc) continue;
      const status = typeof svc.status === 'string' ? svc.status : `unbonding until era ${svc.status?.unbonding?.until}`;
      rows.push(
        h(
          'tr',
          { 'data-service': svc.id },
          h('td', {}, String(svc.id)),
          h('td', {}, svc.kind),
          h('td', {}, h('code', { title: svc.owner }, `${svc.owner.slice(0, 8)}…`)),
          h('td', {}, h('code', {}, svc.addr)),
          h('td', {}, status, svc.strikes ? ` (${svc.strikes} strikes)` : ''),
          h('td', {}, formatBalance(api, svc.bond)),
          h(
            'td',
            {},
            svc.scores?.length
              ? svc.scores.map((sc) =>
                  h('div', {}, `era ${sc.era}: up ${sc.up}/${sc.counted}, payout ${formatBalance(api, sc.payout)}${sc.paid ? ' (paid)' : ''}`))
              : 'no scores yet',
          ),
        ),
      );
    }
    fill(
      $('operators'),
      h('p', { class: 'at' }, `as of finalized block #${state.finalized.number}`),
      rows.length
        ? h('table', {}, h('thead', {}, h('tr', {}, ['id', 'kind', 'owner', 'address', 'status', 'bond', 'scores per era'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows))
        : h('p', {}, 'No services registered yet.'),
    );
  } catch (e) {
    if (full) fill($('operators'), h('p', { class: 'error' }, errorText(e)));
  } finally {
    operatorsBusy = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Navigation and start

function show(view) {
  state.view = view;
  for (const b of document.querySelectorAll('nav button')) b.setAttribute('aria-pressed', String(b.dataset.view === view));
  for (const s of document.querySelectorAll('#app > section')) s.hidden = s.id !== `view-${view}`;
  if (view === 'names') renderNames();
  if (view === 'operators') renderOperators();
}

async function start() {
  await loadRule();
  const params = new URLSearchParams(location.search);
  $('rpc-url').value = params.get('rpc') ?? localStorage.getItem('ddns:rpc') ?? 'ws://127.0.0.1:9944';
  $('connect').addEventListener('submit', onConnect);
  $('account').addEventListener('change', onAccount);
  $('search-name').addEventListener('input', onSearchInput);
  $('periods').addEventListener('change', onSearchInput);
  $('register').addEventListener('click', onRegister);
  $('names-prev').addEventListener('click', () => {
    state.pageIndex = Math.max(0, state.pageIndex - 1);
    renderNames();
  });
  $('names-next').addEventListener('click', () => {
    state.pageIndex += 1;
    renderNames();
  });
  for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.view));
  setInterval(tick, 1000);
  document.body.dataset.ready = 'rule';
  await onConnect();
  document.body.dataset.ready = state.api ? 'connected' : 'offline';
}

start().catch((e) => setStatus(`the app failed to start: ${errorText(e)}`, 'error'));

