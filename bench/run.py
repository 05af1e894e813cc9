#!/usr/bin/env python3
"""Runs faultline's benchmarks and prints a markdown table checked against the issue's targets.

    run.py --bench BUILD/bench/faultline_bench [--loop BUILD/bench/faultline_check_loop --callgrind]

Times are medians of --repetitions runs of each case (CPU time per check and thread). Ratios are
to the physical-limit model (a relaxed atomic flag load and a branch) and to libfiu's fiu_fail
with the point not enabled and 100 others enabled, each with the same number of threads.
With --callgrind, instruction counts per check, which repeat where times do not, follow:
(Ir(2N) - Ir(N)) / N under valgrind --tool=callgrind.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

MODEL = "model/atomic_flag/threads:1"
FIU = "libfiu/fiu_fail/100_others/threads:1"
BASELINE = "baseline/empty_loop"
GROUPS = ["baseline", "model", "point/compiled_out", "point/disarmed", "point/armed/no_rule",
          "point/armed/rule_here", "point/armed/fires", "call", "gmock", "threads", "libfiu",
          "naive"]
NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def busy_cpus(seconds=1.0):
    """How many CPUs other processes kept busy over `seconds` (Linux), or None."""
    def sample():
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait
    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        return None
    return os.cpu_count() * (1 - (idle1 - idle0) / max(1, total1 - total0))


def run_suite(args):
    command = [args.bench, "--benchmark_format=json",
               f"--benchmark_repetitions={args.repetitions}",
               "--benchmark_report_aggregates_only=true",
               f"--benchmark_min_time={args.min_time}"]
    if args.filter:
        command.append(f"--benchmark_filter={args.filter}")
    print("running:", " ".join(command), file=sys.stderr, flush=True)
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    results = {}
    for bench in json.loads(output)["benchmarks"]:
        if bench.get("run_type") != "aggregate":
            continue
        row = results.setdefault(bench["run_name"], {"threads": bench["threads"]})
        if bench["aggregate_name"] == "median":
            unit = NS_PER_UNIT[bench["time_unit"]]
            row["cpu"] = bench["cpu_time"] * unit
            row["real"] = bench["real_time"] * unit
            row["allocs"] = bench.get("allocs/iter")
        elif bench["aggregate_name"] == "cv":
            row["cv"] = bench["cpu_time"]
    return results


def group(name):
    return next((i for i, prefix in enumerate(GROUPS) if name.startswith(prefix)), len(GROUPS))


def reference(results, name, threads):
    two = name.replace("threads:1", "threads:2")
    if threads == 2 and two in results:
        return results[two]["cpu"]
    return results[name]["cpu"] if name in results else None


def check_targets(results):
    """Returns {case: [(target, passed, measured)]} for the issue's targets."""
    checks = {}

    def add(case, target, passed, measured):
        if case in results:
            checks.setdefault(case, []).append((target, passed, measured))

    def cpu(case):
        return results[case]["cpu"] if case in results else None

    model, fiu, baseline = cpu(MODEL), cpu(FIU), cpu(BASELINE)
    for case in ["point/disarmed/no_rules", "point/disarmed/disabled_101_rules"]:
        if case in results and model:
            ratio = cpu(case) / model
            add(case, "<= 1.5x model", ratio <= 1.5, f"{ratio:.2f}x")
    if "point/compiled_out" in results and baseline:
        delta = cpu("point/compiled_out") - baseline
        add("point/compiled_out", "= baseline (within 10% or 0.05 ns)",
            abs(delta) <= max(0.05, 0.1 * baseline), f"{delta:+.3f} ns")
    armed = [c for c in results if c.startswith("point/armed/no_rule_here/")]
    for case in armed:
        add(case, "<= 3 ns", cpu(case) <= 3.0, f"{cpu(case):.2f} ns")
        if fiu:
            add(case, ">= 3x faster than libfiu", fiu / cpu(case) >= 3.0,
                f"{fiu / cpu(case):.0f}x")
    if armed:
        flat = max(cpu(c) for c in armed) / min(cpu(c) for c in armed)
        for case in armed:
            if "1000" in case:
                add(case, "flat 1..1000 rules (max/min <= 1.2)", flat <= 1.2, f"{flat:.2f}")
    for case in ["point/armed/rule_here/p=0", "point/armed/rule_here/p=0.001"]:
        if case in results:
            add(case, "<= 25 ns", cpu(case) <= 25.0, f"{cpu(case):.1f} ns")
    for prefix in ["threads/point/armed/no_rule_here/different_targets",
                   "threads/point/armed/rule_here_p=0/different_targets"]:
        one, two = results.get(prefix + "/threads:1"), results.get(prefix + "/threads:2")
        if one and two:
            wall = one["real"] / two["real"]
            per_thread = 2 * one["cpu"] / two["cpu"]
            add(prefix + "/threads:2", ">= 1.8x one thread's throughput", wall >= 1.8,
                f"{wall:.2f}x wall, {per_thread:.2f}x by CPU time")
    for case in results:
        if case.startswith("point/armed/fires/"):
            allocs = results[case].get("allocs")
            add(case, "no allocation per event", allocs == 0, f"{allocs:g} allocs/iter")
    return checks


def print_table(results, checks):
    print("| case | ns/op (median) | cv | x flag model | x libfiu fiu_fail | targets |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name in sorted(results, key=group):
        row = results[name]
        model = reference(results, MODEL, row["threads"])
        fiu = reference(results, FIU, row["threads"])
        cells = [f"`{name}`", f"{row['cpu']:.2f}", f"{100 * row.get('cv', 0):.0f}%",
                 f"{row['cpu'] / model:.1f}" if model else "-",
                 f"{row['cpu'] / fiu:.3f}" if fiu else "-",
                 "<br>".join(f"{'PASS' if ok else 'FAIL'}: {target} ({measured})"
                             for target, ok, measured in checks.get(name, []))]
        print("| " + " | ".join(cells) + " |")


def collected(valgrind, loop, case, n):
    completed = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", loop, case, str(n)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    match = re.search(r"Collected\s*:\s*(\d+)", completed.stderr)
    if match is None:
        sys.exit(f"run.py: no instruction count from callgrind for case {case}")
    return int(match.group(1))


def verdict(ok, goal):
    return f"{'PASS' if ok else 'FAIL'}: {goal}"


def run_callgrind(args):
    cases = subprocess.run([args.loop, "--list"], check=True, stdout=subprocess.PIPE,
                           text=True).stdout.split()
    n = args.callgrind_n
    print(f"callgrind: {len(cases)} cases, N = {n}", file=sys.stderr, flush=True)
    counts = {c: (collected(args.valgrind, args.loop, c, 2 * n) -
                  collected(args.valgrind, args.loop, c, n)) / n for c in cases}
    model = counts.get("model/atomic_flag")
    print("\n| case (callgrind) | instructions/call | x flag model | target |")
    print("| --- | ---: | ---: | --- |")
    for case, count in counts.items():
        target = (verdict(count <= 80, "<= 80 instructions")
                  if case.startswith("point/armed/rule_here/") else "")
        print(f"| `{case}` | {count:.1f} | " + (f"{count / model:.1f}" if model else "-")
              + f" | {target} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", required=True, help="the faultline_bench binary")
    parser.add_argument("--loop", help="the faultline_check_loop binary (for --callgrind)")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.1, help="seconds per repetition")
    parser.add_argument("--filter", help="regex of the cases to run")
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    parser.add_argument("--valgrind", default="valgrind")
    parser.add_argument("--callgrind-n", type=int, default=20000)
    args = parser.parse_args()

    busy = busy_cpus()
    results = run_suite(args)
    checks = check_targets(results)
    print_table(results, checks)
    failed = [(case, target) for case, rows in checks.items()
              for target, ok, _ in rows if not ok]
    print(f"\n{sum(len(rows) for rows in checks.values()) - len(failed)} target checks met, "
          f"{len(failed)} missed" + "".join(f"\n- missed: `{c}`: {t}" for c, t in failed))
    if busy is not None:
        print(f"\nCPUs busy with other work before the run: {busy:.1f} of {os.cpu_count()}."
              + (" Two-thread wall-clock scaling needs idle cores: rerun." if busy > 0.3 else ""))
    if args.callgrind:
        if not args.loop:
            parser.error("--callgrind needs --loop")
        run_callgrind(args)


if __name__ == "__main__":
    main()
