import { describe, expect, it } from "vitest";
import { formatAgo, formatBps, formatCount, formatDuration, formatSI, formatTime, formatToken, formatUnits, IO, IOSD, parseUnits, shortKey } from "../src/lib/format";
import { dense, priceLines, window } from "../src/lib/series";

describe("formatUnits", () => {
  it("writes base units as tokens, rounded half away from zero, trailing zeros dropped", () => {
    expect(formatUnits("123456789", 8, 4)).toBe("1.2346");
    expect(formatUnits("123450000", 8, 4)).toBe("1.2345");
    expect(formatUnits("100000000", 8, 4)).toBe("1");
    expect(formatUnits("0", 8)).toBe("0");
    expect(formatUnits("1999999", 6, 2)).toBe("2");
    expect(formatUnits("1994999", 6, 2)).toBe("1.99");
    expect(formatUnits("123456789012345678", 8, 2)).toBe("1,234,567,890.12");
  });
  it("keeps u64 exact beyond 2^53", () => {
    expect(formatUnits("18446744073709551615", 0)).toBe("18,446,744,073,709,551,615");
    expect(formatUnits("18446744073709551615", 8, 8)).toBe("184,467,440,737.09551615");
  });
  it("says when an amount is too small to show instead of 0", () => {
    expect(formatUnits("1", 8, 4)).toBe("<0.0001");
    expect(formatUnits("-1", 8, 4)).toBe(">-0.0001");
  });
  it("handles signed differences and bad input", () => {
    expect(formatUnits("-250000000", 8, 2)).toBe("-2.5");
    expect(formatUnits("abc", 8)).toBe("?");
    expect(formatUnits("1.5", 8)).toBe("?");
  });
  it("names the token", () => {
    expect(formatToken("150000000", IO, 2)).toBe("1.5 IO");
    expect(formatToken("2500000", IOSD, 2)).toBe("2.5 IOSD");
  });
});

describe("parseUnits", () => {
  it("reads what a person types as base units", () => {
    expect(parseUnits("1.5", 8)).toBe(150000000n);
    expect(parseUnits(" 2 ", 6)).toBe(2000000n);
    expect(parseUnits(".25", 6)).toBe(250000n);
    expect(parseUnits("3.", 6)).toBe(3000000n);
    expect(parseUnits("184467440737.09551615", 8)).toBe(18446744073709551615n);
  });
  it("refuses what it cannot read exactly", () => {
    for (const bad of ["", "-1", "1e3", "abc", "1.2.3", "1,5", "0x10"]) expect(() => parseUnits(bad, 8)).toThrow(/not an amount/);
    expect(() => parseUnits("1.123456789", 8)).toThrow("at most 8 decimals");
    expect(() => parseUnits("184467440737.09551616", 8)).toThrow("too large");
  });
  it("round-trips with formatUnits", () => {
    for (const v of ["0", "1", "99999999", "123456789012", "18446744073709551615"]) expect(parseUnits(formatUnits(v, 8, 8).replace(/,/g, ""), 8)).toBe(BigInt(v));
  });
});

describe("figures", () => {
  it("counts, SI prefixes, durations, percentages", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatCount("98765432109876543210")).toBe("98,765,432,109,876,543,210");
    expect(formatSI(999)).toBe("999");
    expect(formatSI(100000)).toBe("100 k");
    expect(formatSI(50000)).toBe("50 k");
    expect(formatSI(1.5)).toBe("1.5");
    expect(formatSI(1234, "OPS")).toBe("1.23 kOPS");
    expect(formatSI("2500000000000", "OPS")).toBe("2.5 TOPS");
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(59)).toBe("59 s");
    expect(formatDuration(3600)).toBe("1 h");
    expect(formatDuration(90061)).toBe("1 d 1 h");
    expect(formatDuration("302")).toBe("5 min 2 s");
    expect(formatDuration(-1)).toBe("?");
    expect(formatBps(250)).toBe("2.5%");
    expect(formatBps(10000)).toBe("100%");
    expect(formatBps(1000)).toBe("10%");
  });
  it("times in UTC and keys abbreviated", () => {
    expect(formatTime("2026-12-02T03:37:02.5Z")).toBe("2026-12-02 03:37 UTC");
    expect(formatTime(0)).toBe("1970-01-01 00:00 UTC");
    expect(formatTime(null)).toBe("—");
    expect(formatAgo("2026-12-02T03:00:00Z", Date.parse("2026-12-02T03:05:00Z"))).toBe("5 min ago");
    expect(shortKey("9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin")).toBe("9xQe…VFin");
  });
});

describe("series", () => {
  it("fills every bucket of the window, in tokens", () => {
    const w = window("1h", 3, Date.parse("2026-01-01T10:30:00Z"));
    expect(w).toEqual({ from: Date.parse("2026-01-01T08:00:00Z") / 1000, to: Date.parse("2026-01-01T11:00:00Z") / 1000 });
    const d = dense({ metric: "io_burned", step: "1h", from: w.from, to: w.to, points: [{ t: w.from + 3600, value: "250000000" }] }, 8);
    expect(d.x).toEqual([w.from, w.from + 3600, w.from + 7200]);
    expect(d.y).toEqual([0, 2.5, 0]);
  });
  it("prices: a bucket without jobs is a gap, not a price of 0", () => {
    const w = window("1h", 3, Date.parse("2026-01-01T10:30:00Z"));
    const p = priceLines(
      { token: "iosd", step: "1h", from: w.from, to: w.to, classes: [{ class: "h100", points: [{ t: w.from + 7200, jobs: 2, avg_price: "2500000" }] }, { class: "rtx4090", points: [] }] },
      6,
    );
    expect(p.x).toEqual([w.from, w.from + 3600, w.from + 7200]);
    expect(p.lines).toEqual([
      { label: "h100", values: [null, null, 2.5] },
      { label: "rtx4090", values: [null, null, null] },
    ]);
  });
});
