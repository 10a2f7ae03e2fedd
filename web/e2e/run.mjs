// The web app in Debian's Chromium (playwright-core, never a downloaded browser), against a
// running network described by the JSON file named by argv[2] (browser_test.go writes it):
// every page in light and dark without console errors (screenshots), figures against the
// API's answers, the time to first render of the explorer home, then the wallet flows
// through the localnet wallet. Prints "N passed, M failed"; exits 1 on any failure.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const conf = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = [];
let failed = 0;
const check = async (name, fn) => {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - t0 });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    results.push({ name, ok: false, error: String(e?.message ?? e) });
    console.log(`FAIL ${name}: ${e?.message ?? e}`);
  }
};
const api = async (path) => {
  const r = await fetch(conf.url + path);
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
};
const eq = (got, want, what) => {
  if (got !== want) throw new Error(`${what}: shown ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
};
const group = (s) => s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const errors = [];
async function open(theme) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: theme });
  await ctx.addInitScript(([t, rpc]) => {
    localStorage.setItem("gpunet.theme", t);
    localStorage.setItem("gpunet.rpc", rpc); // the localnet's RPC (the app's default is 127.0.0.1:8899)
  }, [theme, conf.rpc]);
  const page = await ctx.newPage();
  page.on("console", (m) => m.type() === "error" && errors.push(`${page.url()}: ${m.text()}`));
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  return { ctx, page };
}
// settled waits until no loading message is left on the page.
const settled = async (page) => {
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => !document.querySelector(".loading, [aria-busy=true]"), null, { timeout: 20000 });
};

// The wallet flows first, while the oracles' prices are fresh.
const { ctx, page } = await open("light");
// The wallet flows: the page gives the localnet wallet a dev key, then the app connects to it
// through the Wallet Standard like to any extension.
async function connect(path, key) {
  await page.goto(`${conf.url}${path}`);
  await settled(page);
  await page.waitForFunction(() => window.gpunetLocalWallet); // registered once its module loads
  await page.evaluate((k) => window.gpunetLocalWallet.load(k), key);
  await page.getByRole("button", { name: "Connect wallet" }).click();
  await page.getByRole("button", { name: "gpunet localnet" }).click();
  await page.getByTestId("wallet-account").waitFor();
}
const outcome = async (testid) => {
  const ok = page.getByTestId(`${testid}-ok`);
  const bad = page.getByTestId(`${testid}-error`);
  await Promise.race([ok.waitFor({ timeout: 60000 }), bad.waitFor({ timeout: 60000 })]);
  if (await bad.count()) throw new Error(await bad.innerText());
};

await check("cloud: rent 2 h100 with the localnet wallet; the spec goes to the oracle's relay", async () => {
  await connect("/cloud", conf.renter_key); // the relays are the indexer's oracles (/v1/oracles)
  await page.getByTestId("rent-count").fill("2");
  await page.getByTestId("rent-hours").fill("1");
  await page.getByTestId("rent-max").fill("5");
  await page.getByTestId("matched").filter({ hasText: "2 of 2" }).waitFor({ timeout: 20000 });
  await page.getByTestId("rent").click();
  const ok = page.getByTestId("rent-ok");
  const bad = page.getByTestId("rent-error");
  await Promise.race([ok.waitFor({ timeout: 60000 }), bad.waitFor({ timeout: 60000 })]);
  if (await bad.count()) throw new Error(await bad.innerText());
  eq(await page.getByTestId("relay").innerText(), `spec published to ${conf.oracle}.`, "the relay's answer"); // a PUT across origins
  await page.getByTestId("job-state").waitFor({ timeout: 30000 }); // on the explorer
  await page.screenshot({ path: join(conf.out, "cloud-rented-light.png"), fullPage: true });
});
await check("cloud: top up 1 hour, then cancel the job", async () => {
  await page.getByTestId("topup").click();
  await outcome("topup");
  await page.getByTestId("cancel").click();
  await outcome("cancel");
  await page.getByTestId("job-state").filter({ hasText: "cancelled" }).waitFor({ timeout: 30000 }); // the explorer saw it
});
await check("convert: burn 1 IO for IOSD", async () => {
  await connect("/convert", conf.renter_key);
  await page.getByTestId("burn-amount").fill("1");
  const eco = await api("/v1/economy");
  const gives = BigInt(eco.price.lo) - 2n * BigInt(eco.price.conf); // IOSD base units for 1 IO (protocol.IOSDForIO)
  const frac = (gives % 1000000n).toString().padStart(6, "0").replace(/0+$/, "");
  eq(await page.getByTestId("burn-gives").innerText(), `gives about ${group((gives / 1000000n).toString())}${frac ? "." + frac : ""} IOSD`, "IOSD for 1 IO");
  await page.getByTestId("burn").click();
  await outcome("burn");
});
await check("provider dashboard: set asks 2.5 IOSD/h", async () => {
  await connect("/provider", conf.owner_key);
  await page.getByTestId("ask-iosd").fill("2.5");
  await page.getByTestId(`asks-${conf.device}`).click();
  await outcome(`asks-${conf.device}`);
});
await check("provider dashboard: stake 10 IO", async () => {
  await page.getByTestId("stake-amount").fill("10");
  await page.getByTestId(`stake-${conf.device}`).click();
  await outcome(`stake-${conf.device}`);
});
await check("provider dashboard: claim rewards", async () => {
  await page.getByTestId(`claim-${conf.device}`).click();
  await outcome(`claim-${conf.device}`);
});
await check("provider dashboard: unstaking more than the stake fails with the registry's error by its IDL name", async () => {
  await page.getByTestId("unstake-amount").fill("1000000");
  await page.getByTestId(`unstake-${conf.device}`).click();
  const bad = page.getByTestId(`unstake-${conf.device}-error`);
  await bad.waitFor({ timeout: 30000 });
  const text = await bad.innerText();
  if (!text.startsWith("registry: InsufficientStake (")) throw new Error(`shown: ${text}`);
});
await check("provider dashboard: register a webhook signed by the wallet, list it", async () => {
  await page.getByTestId("alert-url").fill(conf.hook);
  await page.getByTestId("alert-register").click();
  const ok = page.getByTestId("alert-secret");
  const bad = page.getByTestId("alert-error");
  await Promise.race([ok.waitFor({ timeout: 20000 }), bad.waitFor({ timeout: 20000 })]);
  if (await bad.count()) throw new Error(await bad.innerText());
  if (!/[0-9a-f]{64}/.test(await ok.innerText())) throw new Error("no secret shown");
  await page.getByTestId("alert-list").click();
  await page.getByTestId("alert-hooks").filter({ hasText: conf.hook }).waitFor({ timeout: 20000 });
  await page.screenshot({ path: join(conf.out, "dashboard-after-light.png"), fullPage: true });
});
await check("no console errors in the wallet flows", async () => {
  if (errors.length) throw new Error(errors.join("; "));
});
await ctx.close();

const pages = [
  ["home", "/"],
  ["devices", "/devices"],
  ["device", `/devices/${conf.device}`],
  ["provider-page", `/providers/${conf.owner}`],
  ["jobs", "/jobs"],
  ["clusters", "/clusters"],
  ["rewards", "/rewards"],
  ["transactions", "/transactions"],
  ["tx", `/tx/${conf.sig}`],
  ["dashboard", "/provider"],
  ["cloud", "/cloud"],
  ["convert", "/convert"],
  ["not-found", "/no/such/page"],
];
const shots = [];
for (const theme of ["light", "dark"]) {
  const { ctx, page } = await open(theme);
  for (const [name, path] of pages) {
    await check(`${name} (${theme}) loads, deep link on reload`, async () => {
      const before = errors.length;
      const res = await page.goto(conf.url + path);
      eq(res.status(), 200, "status");
      await settled(page);
      await page.reload();
      await settled(page);
      const file = join(conf.out, `${name}-${theme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      shots.push(file);
      if (errors.length > before) throw new Error(errors.slice(before).join("; "));
      if (await page.locator(".error").count()) throw new Error(await page.locator(".error").first().innerText());
    });
  }
  await ctx.close();
}

let firstRender = {};
{
const { ctx, page } = await open("light");
await check("home: figures equal the API's; time to first render", async () => {
  await page.goto(conf.url + "/");
  await page.waitForSelector("[data-testid=providers]");
  firstRender = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const paint = Object.fromEntries(performance.getEntriesByType("paint").map((p) => [p.name, Math.round(p.startTime)]));
    return { ...paint, figures_ms: Math.round(performance.now()), dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd) };
  });
  const st = await api("/v1/stats");
  eq(await page.getByTestId("providers").innerText(), group(String(st.providers)), "providers");
  eq(await page.getByTestId("devices-active").innerText(), group(String(st.devices.active ?? 0)), "devices active");
  eq(await page.getByTestId("jobs-running").innerText(), group(String(st.jobs_running)), "jobs running");
  const tokens = (base, dec) => {
    const v = BigInt(base);
    const unit = 10n ** BigInt(dec - 2);
    const r = (v + unit / 2n) / unit; // 2 decimals, half up (non-negative)
    const whole = group((r / 100n).toString());
    const frac = (r % 100n).toString().padStart(2, "0").replace(/0+$/, "");
    return whole + (frac ? "." + frac : "");
  };
  eq(await page.getByTestId("io-emitted").innerText(), `${tokens(st.supply.io_emitted, 8)} IO`, "IO emitted");
  eq(await page.getByTestId("iosd-minted").innerText(), `${tokens(st.supply.iosd_minted, 6)} IOSD`, "IOSD minted");
  // the price chart's series is the API's: the job rented above is its latest h100 point
  const to = Math.ceil(Date.now() / 3600000) * 3600;
  const ps = await api(`/v1/prices/series?token=iosd&step=1h&from=${to - 168 * 3600}&to=${to}`);
  const h100 = ps.classes.find((c) => c.class === "h100");
  if (!h100) throw new Error(`no h100 price after the rent: ${JSON.stringify(ps)}`);
  const shown = page.getByTestId("price-latest-h100");
  await shown.waitFor({ timeout: 20000 });
  eq(await shown.innerText(), `${tokens(h100.points[h100.points.length - 1].avg_price, 6)} IOSD/h`, "h100 price");
});
await check("home on a phone (390 px): no horizontal overflow", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(conf.url + "/");
  await settled(page);
  await page.screenshot({ path: join(conf.out, "home-phone-light.png"), fullPage: true });
  shots.push(join(conf.out, "home-phone-light.png"));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (overflow > 0) throw new Error(`the page is ${overflow} px wider than the screen`);
  await page.setViewportSize({ width: 1280, height: 900 });
});
await check("device page: the reasons equal the API's", async () => {
  await page.goto(`${conf.url}/devices/${conf.device}`);
  await settled(page);
  const d = await api(`/v1/devices/${conf.device}`);
  const shown = await page.getByTestId("reasons").innerText();
  for (const r of d.reasons) if (!shown.includes(r.name)) throw new Error(`reason ${r.name} not shown: ${shown}`);
  eq(await page.getByTestId("stake").innerText(), `${tokens2(d.stake)} IO`, "stake");
});
await ctx.close();
}
function tokens2(base) {
  const v = BigInt(base);
  const r = (v + 500000n) / 1000000n;
  const frac = (r % 100n).toString().padStart(2, "0").replace(/0+$/, "");
  return group((r / 100n).toString()) + (frac ? "." + frac : "");
}

await check("no console errors at all", async () => {
  if (errors.length) throw new Error(errors.join("; "));
});
await browser.close();

writeFileSync(join(conf.out, "results.json"), JSON.stringify({ results, first_render: firstRender, screenshots: shots }, null, 2));
console.log(`first render of the explorer home: ${JSON.stringify(firstRender)}`);
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
