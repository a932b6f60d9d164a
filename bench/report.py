#!/usr/bin/env python3
"""Reads bench/results/results.csv (the newest run of each database, size, cache mode and scenario),
prints the README's tables in Markdown, and draws bench/results/chart.png with matplotlib."""

import csv
import os
import sys
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = ["slug_hot", "slug_random", "list_first", "list_deep", "list_rubrique", "related_similar",
             "related_rubrique", "search", "write_mix"]
# The targets for the computed path at 100k articles (ratio to /health/live).
TARGETS = {"slug_random": 0.3, "list_first": 0.2, "list_deep": 0.2, "list_rubrique": 0.2,
           "related_similar": 0.15, "related_rubrique": 0.15, "search": 0.05}


def load(path):
    newest = OrderedDict()
    with open(path) as f:
        for row in csv.DictReader(f):
            newest[(row["db"], int(row["articles"]), row["cache"], row["scenario"])] = row
    return newest


def table(rows):
    keys = sorted({(k[0], k[1]) for k in rows}, key=lambda k: (k[0], k[1]))
    out = []
    for db, size in keys:
        any_row = next(r for k, r in rows.items() if k[:2] == (db, size))
        seeded = float(any_row["seed_s"])
        seed = f"seeded in {seeded:.0f} s by this run" if seeded >= 1 else "seeded by an earlier run"
        stored = float(any_row.get("related_s") or 0)
        if stored >= 1:
            seed += f"; related lists stored by `kiosque related` in {stored:.0f} s"
        elif any_row.get("related_s") is None or any_row.get("related_s") == "":
            seed += "; before related lists were stored"
        out.append(f"\n**{db}, {size:,} articles** ({seed}; /health/live {any_row['health_rps']} req/s "
                   f"before the last scenario)\n")
        out.append("| scenario | cache off: req/s | ratio | p50 ms | p99 ms | cache as shipped: req/s | ratio | p99 ms | peak RSS MB |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for s in SCENARIOS:
            off = rows.get((db, size, "off", s))
            on = rows.get((db, size, "shipped", s))
            if not off or not on:
                continue
            target = TARGETS.get(s)
            mark = ""
            if target and size == 100000:
                mark = " ✓" if float(off["ratio"]) >= target else f" ✗ (target {target})"
            name = s
            if s == "write_mix":
                name += f" (writes {off['write_rps']}/s, p99 {off['write_p99_ms']} ms)"
            out.append(f"| {name} | {off['rps']} | {float(off['ratio']):.3f}{mark} | {float(off['p50_ms']):.2f} | "
                       f"{float(off['p99_ms']):.2f} | {on['rps']} | {float(on['ratio']):.3f} | "
                       f"{float(on['p99_ms']):.2f} | {float(off['peak_mb']):.0f} |")
    return "\n".join(out)


def chart(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing: no chart (bench/run installs it in a venv)", file=sys.stderr)
        return
    groups = sorted({(k[0], k[1]) for k in rows}, key=lambda k: (k[0], k[1]))
    fig, axes = plt.subplots(3, 1, figsize=(12, 12))
    width = 0.8 / max(len(groups), 1)
    for ax, (cache, field, title, log) in zip(axes, [
        ("off", "ratio", "computed path (response cache off): share of /health/live", True),
        ("off", "p99_ms", "computed path: p99 latency, ms (32 connections)", True),
        ("shipped", "ratio", "response cache as shipped: share of /health/live", True),
    ]):
        for i, (db, size) in enumerate(groups):
            vals = [float(rows[(db, size, cache, s)][field]) if (db, size, cache, s) in rows else 0 for s in SCENARIOS]
            ax.bar([x + i * width for x in range(len(SCENARIOS))], vals, width, label=f"{db} {size:,}")
        ax.set_title(title)
        ax.set_xticks([x + width * (len(groups) - 1) / 2 for x in range(len(SCENARIOS))])
        ax.set_xticklabels(SCENARIOS, rotation=20, fontsize=8)
        if log:
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=8, ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    print(f"chart written to {path}", file=sys.stderr)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "results", "results.csv")
    rows = load(path)
    print(table(rows))
    chart(rows, os.path.join(os.path.dirname(path), "chart.png"))


if __name__ == "__main__":
    main()
