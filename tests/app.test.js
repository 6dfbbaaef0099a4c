// The web app (app/) in a real browser: headless Chromium (Debian's package) driven by
// puppeteer-core, against a real dev node and a real resolver daemon. The journey: search →
// register → set records → the name resolves over ddns_resolve and DNS → renew → transfer →
// the other account sees it; invalid input refused with its reason; a chain error in words;
// a reload in the middle of a registration finishes it; the phone-width layout.
// Screenshots of each step go to tests/artifacts/app/ (or $DDNS_ARTIFACTS/app).
//
// Needs app/dist (scripts/build-app.sh; scripts/test.sh builds it) and /usr/bin/chromium
// (scripts/setup.sh installs it; DDNS_CHROMIUM points elsewhere).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { hexToU8a, stringToU8a, u8aConcat } from '@polkadot/util';
import { ed25519PairFromSeed, ed25519Sign } from '@polkadot/util-crypto';
import puppeteer from 'puppeteer-core';

import {
  DevNode,
  connectApi,
  devPairs,
  freePort,
  live,
  registerName,
  rpcCall,
  signAndSendFinalized,
  sleep,
} from './lib/node.js';
import { Resolver, dig } from './lib/resolver.js';

const MINUTE = 60_000;
const root = path.resolve(import.meta.dirname, '..');
const artifacts = path.join(process.env.DDNS_ARTIFACTS ?? path.join(root, 'tests', 'artifacts'), 'app');
const chromium = process.env.DDNS_CHROMIUM ?? '/usr/bin/chromium';

const NAME = 'app-journey.ddns';
const RELOADED = 'app-reload.ddns';
const LAPSED = 'app-lapsed.ddns';

let node;
let resolver;
let server;
let browser;
let page;
let appUrl;
let alice;
let bob;
let shot = 0;

async function screenshot(step) {
  const file = path.join(artifacts, `${String(++shot).padStart(2, '0')}-${step}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const text = (selector) => page.$eval(selector, (e) => e.innerText);

/** Waits until `selector`'s text matches `re` (the page updates on its own: heads, subscriptions). */
async function waitText(selector, re, timeout = 60_000) {
  try {
    await waitTextOnce(selector, re, timeout);
  } catch (e) {
    const seen = await page.$$eval(selector, (els) => els.map((x) => x.innerText).join(' | ')).catch(() => '(none)');
    await screenshot(`failed-waiting-for-${selector.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`).catch(() => {});
    throw new Error(`${selector} never matched ${re} within ${timeout} ms; it reads: ${seen.slice(0, 600)}`);
  }
}

async function waitTextOnce(selector, re, timeout) {
  await page.waitForFunction(
    (sel, source, flags) => {
      const els = [...document.querySelectorAll(sel)];
      return els.some((e) => new RegExp(source, flags).test(e.innerText));
    },
    { timeout, polling: 200 },
    selector,
    re.source,
    re.flags,
  );
}

async function resolveName(name) {
  const res = await rpcCall(node.rpcPort, 'ddns_resolve', [name]);
  return res.result ?? null;
}

/** Picks the account whose name (Alice, Bob, …) starts the option's label. */
async function chooseAccount(who) {
  const value = await page.$$eval('#account option', (opts, w) => opts.find((o) => o.textContent.startsWith(w))?.value, who);
  assert.ok(value, `account ${who} is offered`);
  await page.select('#account', value);
}

async function view(name) {
  await page.click(`nav button[data-view="${name}"]`);
}

const card = (name) => `li.name-card[data-name="${name}"]`;

/** Opens the action section `title` of a name's card; returns the section's selector. */
async function openSection(name, title) {
  await page.waitForSelector(`${card(name)} details.action`, { timeout: 60_000 });
  const index = await page.$$eval(`${card(name)} details.action`, (ds, t) => {
    const i = ds.findIndex((d) => d.querySelector('summary').textContent === t);
    ds[i].open = true;
    return i;
  }, title);
  assert.ok(index >= 0, `section ${title}`);
  return `${card(name)} details.action:nth-of-type(${index + 1})`;
}

/** Clicks the button labelled `label` inside `scope` and waits for its transaction's outcome. */
async function clickTx(scope, label, { confirm, expect = /done in block/ } = {}) {
  const clickButton = (l) =>
    page.$$eval(`${scope} button`, (bs, want) => {
      const b = bs.find((x) => x.textContent === want) ?? bs.find((x) => x.textContent.startsWith(want));
      if (!b) return false;
      b.click();
      return true;
    }, l);
  assert.ok(await clickButton(label), `button ${label} in ${scope}`);
  if (confirm) assert.ok(await clickButton(confirm), `confirm button ${confirm}`);
  await waitText(`${scope} output.tx`, expect, 90_000);
}

async function setField(selector, value) {
  await page.$eval(selector, (e) => {
    e.value = '';
  });
  await page.type(selector, value);
}

before(async () => {
  assert.ok(existsSync(path.join(root, 'app', 'dist', 'index.html')), 'app/dist is built (scripts/build-app.sh)');
  assert.ok(existsSync(chromium), `${chromium} exists (scripts/setup.sh installs Debian's chromium)`);
  mkdirSync(artifacts, { recursive: true });
  ({ alice, bob } = await devPairs());
  node = await DevNode.start();
  resolver = await Resolver.start({ chainWs: node.wsUrl });
  // A name that lapses during the journey: its premium window is made long enough (100 blocks,
  // halving every 20) that the last test finds it there whatever the journey's pace.
  {
    const api = await connectApi(node);
    try {
      const params = (await api.query.registry.registryParams()).unwrap().toJSON();
      const longer = api.tx.registry.setParams({ ...params, premiumWindow: 100, premiumHalving: 20 });
      await signAndSendFinalized(api, api.tx.sudo.sudo(longer), alice);
      await registerName(api, LAPSED, alice.address, 1, alice);
    } finally {
      await api.disconnect();
    }
  }
  const port = await freePort();
  server = spawn(process.execPath, [path.join(root, 'scripts', 'serve-app.mjs'), String(port)], { stdio: 'ignore' });
  live.add(server);
  appUrl = `http://127.0.0.1:${port}/?rpc=${encodeURIComponent(node.wsUrl)}`;
  for (let i = 0; i < 50; i++) {
    if ((await fetch(`http://127.0.0.1:${port}/`).catch(() => null))?.ok) break;
    await sleep(100);
  }
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.setViewport({ width: 1100, height: 900 });
});

after(async () => {
  await browser?.close();
  server?.kill();
  await resolver?.cleanup();
  await node?.cleanup();
});

describe('the web app', { timeout: 15 * MINUTE }, () => {
  it('says in words when the node cannot be reached', async () => {
    const closed = await freePort();
    await page.goto(appUrl.replace(/\?rpc=.*/, `?rpc=${encodeURIComponent(`ws://127.0.0.1:${closed}`)}`));
    await page.waitForFunction(() => document.body.dataset.ready === 'offline', { timeout: 60_000 });
    assert.match(await text('#status'), new RegExp(`cannot connect: no WebSocket connection to ws://127\\.0\\.0\\.1:${closed}`));
  });

  it('connects and offers the development accounts, marked as such', async () => {
    const started = Date.now();
    await page.goto(appUrl);
    await page.waitForFunction(() => document.body.dataset.ready === 'connected', { timeout: 60_000 });
    console.log(`time to interactive (navigation to connected and accounts loaded): ${Date.now() - started} ms`);
    await waitText('#status', /ddns Development · finalized #\d+/);
    const options = await page.$$eval('#account option', (o) => o.map((x) => x.textContent));
    assert.ok(options.includes('Alice (development account, public key)'), options.join(', '));
    await chooseAccount('Alice');
    assert.equal(await page.$eval('#dev-warning', (e) => e.hidden), false);
    await screenshot('connected');
  });

  it('refuses invalid names with the chain rule’s reason, and shows the canonical form', async () => {
    const cases = [
      ['ab.ddns', /at least 3/, 'too_short'],
      ['bad name.ddns', /not allowed/, 'invalid_character'],
      ['example.com', /does not end in '\.ddns'/, 'wrong_tld'],
      ['-lead.ddns', /starts with '-'/, 'leading_hyphen'],
    ];
    for (const [input, reason, code] of cases) {
      await setField('#search-name', input);
      await waitText('#search-check', reason, 5000);
      assert.match(await text('#search-check'), new RegExp(code));
      assert.equal(await page.$eval('#register', (b) => b.disabled), true);
    }
    await screenshot('invalid-name');
    // Unicode goes through the same rule as the chain's: lowercased, then punycode.
    await setField('#search-name', 'Bücher.DDNS');
    await waitText('#search-check', /Canonical form: xn--bcher-kva\.ddns/, 5000);
  });

  it('finds a free name with its price and registers it in one click (commit, wait, register)', async () => {
    await setField('#search-name', 'App-Journey.DDNS.');
    await waitText('#search-check', /Canonical form: app-journey\.ddns/, 5000);
    await waitText('#search-state', /^Free/);
    await waitText('#search-cost', /Total paid for the name\s*5\.268 DDNS/);
    await waitText('#fees', /about [\d.]+ DDNS \(commit\) \+ [\d.]+ DDNS \(register\)/);
    await page.waitForFunction(() => !document.getElementById('register').disabled, { timeout: 30_000 });
    await screenshot('search-free');
    await page.click('#register');
    await waitText(`[data-registration="${NAME}"]`, /Commit|committed/, 30_000);
    await screenshot('registering');
    await waitText(`[data-registration="${NAME}"]`, /app-journey\.ddns is yours/, 2 * MINUTE);
    await screenshot('registered');
    const v = await resolveName(NAME);
    assert.equal(v?.owner, alice.address);
    // The search view follows the name: once finalized, it says who holds it.
    await waitText('#search-state', /Active until block #\d+/, MINUTE);
  });

  it('edits records with the chain rule’s checks before signing; they resolve over RPC and DNS', async () => {
    await view('names');
    const scope = await openSection(NAME, 'Records');
    await waitText(`${scope} .verdict`, /0 records, valid/, 10_000);
    await page.$$eval(`${scope} button`, (bs) => bs.find((b) => b.textContent === 'Add record').click());
    await page.type(`${scope} .record-row:nth-child(1) [data-key=value]`, '300.1.1.1');
    await waitText(`${scope} .verdict`, /record 1: '300\.1\.1\.1' is not a valid IPv4 address/, 5000);
    // Save refuses without asking for a signature.
    await page.$$eval(`${scope} button`, (bs) => bs.find((b) => b.textContent === 'Save records').click());
    await waitText(`${scope} output.tx`, /not valid yet/, 5000);
    await screenshot('records-invalid');
    await setField(`${scope} .record-row:nth-child(1) [data-key=value]`, '192.0.2.7');
    await page.$$eval(`${scope} button`, (bs) => bs.find((b) => b.textContent === 'Add record').click());
    await page.select(`${scope} .record-row:nth-child(2) select`, 'TXT');
    // A line break is written \n (the editor's escape; the chain takes any bytes in a TXT).
    await page.type(`${scope} .record-row:nth-child(2) [data-key=value]`, 'hello from the app\\nline two');
    await page.$$eval(`${scope} button`, (bs) => bs.find((b) => b.textContent === 'Add record').click());
    await page.select(`${scope} .record-row:nth-child(3) select`, 'MX');
    await page.type(`${scope} .record-row:nth-child(3) [data-key=preference]`, '10');
    await page.type(`${scope} .record-row:nth-child(3) [data-key=exchange]`, 'Mail.Example.com');
    await waitText(`${scope} .verdict`, /3 records, valid/, 5000);
    await clickTx(scope, 'Save records');
    await screenshot('records-saved');
    const v = await resolveName(NAME);
    assert.deepEqual(v.records, [
      { type: 'A', value: '192.0.2.7' },
      { type: 'TXT', value: 'hello from the app\nline two' },
      { type: 'MX', value: { preference: 10, exchange: 'mail.example.com' } },
    ]);
    // The card follows the name over ddns_subscribeName once the block is finalized.
    await waitText(`${card(NAME)} .records`, /192\.0\.2\.7/, MINUTE);
    // Loaded back from storage, the set shows as typed, and is valid unchanged.
    await page.$$eval(`${scope} button`, (bs) => bs.find((b) => b.textContent === 'Reload from chain').click());
    await waitText(`${scope} .verdict`, /3 records, valid/, 10_000);
    assert.equal(await page.$eval(`${scope} .record-row:nth-child(2) [data-key=value]`, (e) => e.value), 'hello from the app\\nline two');
    // And the daemon's DNS face answers it (from the finalized head).
    let answer = [];
    for (let i = 0; i < 60 && !answer.includes('192.0.2.7'); i++) {
      answer = (await dig(resolver.dnsPort, NAME, 'A')).answer?.map((r) => r.data) ?? [];
      if (!answer.includes('192.0.2.7')) await sleep(1000);
    }
    assert.deepEqual(answer, ['192.0.2.7']);
  });

  it('renews the name', async () => {
    const before = (await resolveName(NAME)).expiresAt;
    const scope = await openSection(NAME, 'Renew');
    await setField(`${scope} input`, '2');
    await clickTx(scope, 'Renew');
    const period = (await rpcCall(node.rpcPort, 'ddns_params', [])).result.params.period;
    assert.equal((await resolveName(NAME)).expiresAt, before + 2 * period);
    await screenshot('renewed');
  });

  it('shows a chain error in words (a subdomain created twice)', async () => {
    const scope = await openSection(NAME, 'Subdomains');
    await page.type(`${scope} input`, 'WWW');
    await waitText(`${scope}`, /→ www\.app-journey\.ddns/, 5000);
    await clickTx(scope, 'Create subdomain');
    await clickTx(scope, 'Create subdomain', { expect: /registry\.NameTaken/ });
    const out = await text(`${scope} output.tx`);
    assert.doesNotMatch(out, /index|Module\s*\{/i, out);
    await screenshot('chain-error-in-words');
  });

  it('transfers the name, and the other account sees it', async () => {
    const scope = await openSection(NAME, 'Transfer');
    await page.type(`${scope} input`, 'not-an-address');
    await page.$$eval(`${scope} button`, (bs) => bs.find((b) => b.textContent === 'Transfer').click());
    await waitText(`${scope} output.tx`, /is not an SS58 address/, 5000);
    await setField(`${scope} input`, bob.address);
    await clickTx(scope, 'Transfer', { confirm: `Confirm transfer to ${bob.address.slice(0, 10)}…` });
    await screenshot('transferred');
    assert.equal((await resolveName(NAME)).owner, bob.address);
    await chooseAccount('Bob');
    await page.waitForSelector(card(NAME), { timeout: MINUTE });
    await waitText(`${card(NAME)} .records`, /hello from the app/, MINUTE);
    await screenshot('other-account-sees-it');
  });

  it('finishes a registration after a reload in the middle of it', async () => {
    await chooseAccount('Alice');
    await view('search');
    await setField('#search-name', RELOADED);
    await page.waitForFunction(() => !document.getElementById('register').disabled, { timeout: 30_000 });
    await page.click('#register');
    // The commitment is on chain and the app waits for it to age: reload now.
    await page.waitForSelector(`[data-registration="${RELOADED}"] [data-step="wait"]`, { timeout: MINUTE });
    await screenshot('before-reload');
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'connected', { timeout: 60_000 });
    await waitText(`[data-registration="${RELOADED}"]`, /app-reload\.ddns is yours/, 2 * MINUTE);
    await screenshot('reload-finished');
    assert.equal((await resolveName(RELOADED))?.owner, alice.address);
    const pending = await page.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.startsWith('ddns:registrations:')).map((k) => JSON.parse(localStorage[k])).flat());
    assert.deepEqual(pending, [], 'nothing left pending');
  });

  it('lists the operators’ services from the chain', async () => {
    await view('operators');
    await waitText('#operators', /No services registered yet/, 30_000);
    // The daemon's key registers it as a resolver service (Charlie's), as an operator would.
    const api = await connectApi(node);
    try {
      const { charlie } = await devPairs();
      const pair = ed25519PairFromSeed(hexToU8a(readFileSync(resolver.keyFile, 'utf8').trim()));
      const payload = u8aConcat(stringToU8a('ddns/operator/register/v1'), api.genesisHash, [2], charlie.publicKey);
      const addr = `/ip4/127.0.0.1/tcp/${resolver.p2pPort}`;
      const tx = api.tx.operators.registerService('Resolver', pair.publicKey, addr, ed25519Sign(payload, pair));
      await signAndSendFinalized(api, tx, charlie);
      await waitText('#operators tr[data-service]', new RegExp(`resolver.*${addr.replace(/[./]/g, '\\$&')}.*active`, 's'), MINUTE);
      assert.match(await text('#operators tr[data-service]'), /no scores yet/);
    } finally {
      await api.disconnect();
    }
    await screenshot('operators');
  });

  it('shows a lapsed name with its premium, and registers it with the premium paid', async () => {
    await chooseAccount('Bob');
    await view('search');
    await setField('#search-name', LAPSED);
    // Active for a period (2 min on dev), then grace (1 min), then the premium window.
    await waitText('#search-state', /^Lapsed: anyone may register it now, with a premium that falls to nothing at block #\d+/, 4 * MINUTE);
    await waitText('#search-cost', /Premium \(recently lapsed name\)\s*[\d,.]+ DDNS, halving every 20 blocks/);
    await page.waitForFunction(() => !document.getElementById('register').disabled, { timeout: 30_000 });
    await screenshot('premium');
    await page.click('#register');
    await waitText(`[data-registration="${LAPSED}"]`, /app-lapsed\.ddns is yours/, 2 * MINUTE);
    assert.equal((await resolveName(LAPSED))?.owner, bob.address);
  });

  it('fits a phone-width screen, with every control labelled', async () => {
    await page.setViewport({ width: 390, height: 844 });
    await view('names');
    await page.waitForSelector(card(LAPSED), { timeout: MINUTE });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || (e.tagName === 'BUTTON' && e.textContent.trim())))
        .map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(unlabelled, []);
    await screenshot('phone');
  });
});
