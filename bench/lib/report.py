#!/usr/bin/env python3
"""Turn bench/proxy.sh's raw TSV (round, mode, workers, proxy, metric, value) into the
markdown table (stdout) and the gnuplot data file (median req/s per scenario)."""
import argparse
import collections
import statistics

PROXIES = [("gateway", "gateway"), ("nginx", "nginx"), ("haproxy", "HAProxy")]
LOAD_METRICS = [
    ("rps", "req/s (higher is better)", 0),
    ("p50_us", "latency p50, µs", 0),
    ("p99_us", "latency p99, µs", 0),
    ("p999_us", "latency p99.9, µs", 0),
    ("cpu_us_per_req", "proxy CPU per request, µs", 1),
    ("proxy_cpu_cores", "proxy CPU used, cores", 2),
]
IDLE_METRICS = [
    ("rss_before_kib", "RSS before idle conns, KiB", 0),
    ("rss_idle_kib", "RSS with {idle} idle conns, KiB", 0),
    ("kib_per_idle_conn", "KiB per idle conn", 2),
]


def fmt(value, digits):
    if value is None:
        return "–"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def scenario_name(mode, workers):
    """"tls", "2p" -> "tls, 2 workers, pinned"."""
    count = int(workers.rstrip("p"))
    return f"{mode}, {count} worker{'s' if count > 1 else ''}{', pinned' if workers.endswith('p') else ''}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--idle", type=int, required=True)
    ap.add_argument("--idle-tls", type=int, required=True)
    ap.add_argument("--plot-data", required=True)
    args = ap.parse_args()
    idle_count = {"plain": args.idle, "tls": args.idle_tls}

    values = collections.defaultdict(list)  # (mode, workers, proxy, metric) -> [float]
    by_round = {}  # (round, mode, workers, proxy, metric) -> float
    scenarios = []  # (mode, workers) in the order run
    with open(args.raw) as f:
        next(f)
        for line in f:
            rnd, mode, workers, proxy, metric, value = line.rstrip("\n").split("\t")
            values[(mode, workers, proxy, metric)].append(float(value))
            by_round[(rnd, mode, workers, proxy, metric)] = float(value)
            if (mode, workers) not in scenarios:
                scenarios.append((mode, workers))
    # "2p": 2 workers, each pinned to a CPU; after the unpinned 2.
    scenarios.sort(key=lambda s: (s[0] != "plain", int(s[1].rstrip("p")), s[1].endswith("p")))

    def median(mode, workers, proxy, metric):
        v = values.get((mode, workers, proxy, metric))
        return statistics.median(v) if v else None

    rounds = max((len(v) for k, v in values.items() if k[3] == "rps"), default=0)
    out = []
    out.append(f"Median of {rounds} round(s). Ratios are gateway ÷ peer: above 1 is better for "
               "the gateway on req/s, below 1 is better on latency and memory.")
    out.append("")
    out.append("| scenario | metric | gateway | nginx | HAProxy | gateway/nginx | gateway/HAProxy |")
    out.append("|---|---|--:|--:|--:|--:|--:|")
    for mode, workers in scenarios:
        name = scenario_name(mode, workers)
        for metric, label, digits in LOAD_METRICS + IDLE_METRICS:
            med = {p: median(mode, workers, p, metric) for p, _ in PROXIES}
            if all(v is None for v in med.values()):
                continue
            cells = [fmt(med[p], digits) for p, _ in PROXIES]
            gw = med["gateway"]
            for peer in ("nginx", "haproxy"):
                ratio = gw / med[peer] if gw is not None and med[peer] else None
                cells.append(fmt(ratio, 2))
            out.append(f"| {name} | {label.format(idle=f'{idle_count[mode]:,}')} | " + " | ".join(cells) + " |")

    # The proxies of one scenario run seconds apart in each round, so a round's ratio is not
    # moved by the shared machine's speed changing from one round to the next (which moves
    # each proxy's own median).
    round_names = sorted({k[0] for k in by_round}, key=int)

    def round_ratios(mode, workers, peer, metric):
        ratios = []
        for rnd in round_names:
            gw = by_round.get((rnd, mode, workers, "gateway", metric))
            other = by_round.get((rnd, mode, workers, peer, metric))
            if gw is not None and other:
                ratios.append(gw / other)
        return ratios

    def paired(mode, workers, peer, metric, ahead_when_above):
        ratios = round_ratios(mode, workers, peer, metric)
        if not ratios:
            return ["–", "–"]
        ahead = sum(1 for r in ratios if (r > 1 if ahead_when_above else r < 1))
        return [fmt(statistics.median(ratios), 2), f"{ahead} of {len(ratios)}"]

    out.append("")
    out.append("Per-round ratios: the median over the rounds of each round's gateway ÷ peer, and in how many "
               "rounds the gateway was ahead (more req/s, lower p99). A round runs the proxies one after "
               "another, so its ratio does not move with the machine's speed between rounds.")
    out.append("")
    out.append("| scenario | req/s ÷ nginx | ahead | p99 ÷ nginx | ahead | req/s ÷ HAProxy | ahead | p99 ÷ HAProxy | ahead |")
    out.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for mode, workers in scenarios:
        name = scenario_name(mode, workers)
        cells = []
        for peer in ("nginx", "haproxy"):
            cells += paired(mode, workers, peer, "rps", True) + paired(mode, workers, peer, "p99_us", False)
        out.append(f"| {name} | " + " | ".join(cells) + " |")

    notes = []
    for (mode, workers, proxy, metric), v in sorted(values.items()):
        if metric.startswith("err_") and sum(v) > 0:
            notes.append(f"- {proxy} {mode} {workers}w: wrk {metric} = {sum(v):.0f} over all rounds")
        if metric == "idle_ok" and min(v) < idle_count[mode]:
            notes.append(f"- {proxy} {mode} {workers}w: only {min(v):.0f} of {idle_count[mode]} idle "
                         "connections could be set up in some round (KiB per conn uses the count that worked)")
        if metric == "bytes_per_req" and min(v) < 1024:
            notes.append(f"- {proxy} {mode} {workers}w: {min(v):.0f} bytes per response, below the 1 KiB body")
    def spread(metric):
        v = [x for k, vs in values.items() if k[3] == metric for x in vs]
        return f"{min(v):.2f}–{max(v):.2f}" if v else "?"
    out.append("")
    out.append(f"CPU during the measured runs, in cores (min–max over all runs): upstream nginx {spread('upstream_cpu_cores')}, "
               f"wrk {spread('wrk_cpu_cores')}, everything else on the machine {spread('other_cpu_cores')} "
               "(other jobs; near 0 means the run was not disturbed).")
    out.append("")
    size = {p: median("plain", scenarios[0][1], p, "bytes_per_req") for p, _ in PROXIES}
    out.append("Bytes per response as wrk read them (headers + 1024-byte body): "
               + ", ".join(f"{label} {fmt(size[p], 0)}" for p, label in PROXIES) + ".")
    if notes:
        out.append("")
        out.append("Problems seen:")
        out.extend(notes)
    else:
        out.append("No wrk errors (connect, read, write, status, timeout) and every idle connection was set up.")
    print("\n".join(out))

    with open(args.plot_data, "w") as f:
        f.write("# scenario gateway nginx haproxy (median req/s)\n")
        for mode, workers in scenarios:
            row = [median(mode, workers, p, "rps") for p, _ in PROXIES]
            label = f"{mode}-{workers.rstrip('p')}w" + ("-pinned" if workers.endswith("p") else "")
            f.write(f"{label} " + " ".join("0" if r is None else f"{r:.0f}" for r in row) + "\n")


if __name__ == "__main__":
    main()
