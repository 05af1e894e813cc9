#!/usr/bin/env python3
"""Runs faultline's benchmarks and prints markdown tables checked against the issue's targets.

    run.py --bench BUILD/bench/faultline_bench [--loop BUILD/bench/faultline_check_loop --callgrind]
           [--control BUILD/bench/faultline_control_bench]
           [--memory BUILD/bench/faultline_memory_growth]
           [--suite BUILD/bench/faultline_gtest_suite]

Hot path (--bench): times are medians of --repetitions runs of each case (CPU time per check and
thread). Ratios are to the physical-limit model (a relaxed atomic flag load and a branch) and to
libfiu's fiu_fail with the point not enabled and 100 others enabled, each with the same number
of threads. With --callgrind, instruction counts per check, which repeat where times do not,
follow: (Ir(2N) - Ir(N)) / N under valgrind --tool=callgrind.

Control path (--control, --memory, --suite): each row sets a figure beside its baseline measured
in the same run, so that the ratio holds on a shared machine where absolute times do not.
- Rule changes, Explore and a fired exception rule: faultline_control_bench (Google Benchmark,
  medians of --control-repetitions; cases whose one iteration may take seconds run once). The
  baselines are the same work with no sites interned, 1,000 rules on one site (per rule),
  Explore with no other sites, and a plain throw of the same InjectedFault. Allocations are
  operator new calls; the exception object itself comes from the C++ runtime's malloc and is in
  neither count.
- Retained memory: faultline_memory_growth repeats Reset + AddRule + RemoveRule (or a Scope) and
  reads VmRSS after 1e3, 1e5 and 1e6 repetitions in one process; the growth past 1e3 is what is
  retained. Rules on one site: VmRSS growth per rule after 8,000 rules beside after 1,000.
- The gtest suite (200 tests x 5 annotated rules): its peak RSS (VmHWM, which it prints; a
  child's ru_maxrss would start at this interpreter's RSS) under --gtest_repeat=500 beside
  --gtest_repeat=1, and its wall-clock start-up running one test with a 4,000-rule
  --faultline_rules flag beside no flag (best of --startup-runs; a 1,000-rule flag gives the
  per-rule cost that a linear start-up keeps at 4,000).

The interposer (--posix, --posix-plain): faultline_posix_bench and faultline_posix_bench_plain are
one source built with and without faultline::posix. Each of --posix-rounds rounds runs, for
each call, the two binaries back to back in alternating order (plain first in even rounds),
with --posix-repetitions repetitions of each case in random order (CPU time per call). Figures are medians of every repetition of every
round. The ratio is the median over rounds of the interposed median over the plain one, each
round's two runs seconds apart (a paired estimate, robust to a slow spell of a shared machine),
with its quartiles; the ratio of the pooled medians follows. Armed rows add their difference to
the disarmed call in the same process: what counting costs. Two controls: libc
called through dlsym(RTLD_NEXT)'s pointer in the interposed binary, against the interposed call
in the same process, and against the same pointer call in the plain binary (what the two
binaries differ by besides the interposer; ~1.00x when the method is sound).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

MODEL = "model/atomic_flag/threads:1"
COUNTED_MODEL = "model/atomic_flag_and_count"
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


def run_suite(binary, repetitions, min_time, case_filter=None):
    """{case: {threads, cpu, real (ns), counters..., cv}}: the median of each case, or its one
    run when the case sets its own single repetition."""
    command = [binary, "--benchmark_format=json",
               f"--benchmark_repetitions={repetitions}",
               "--benchmark_report_aggregates_only=true",
               f"--benchmark_min_time={min_time}"]
    if case_filter:
        command.append(f"--benchmark_filter={case_filter}")
    print("running:", " ".join(command), file=sys.stderr, flush=True)
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    results = {}
    for bench in json.loads(output)["benchmarks"]:
        aggregate = bench.get("aggregate_name") if bench.get("run_type") == "aggregate" else None
        row = results.setdefault(bench["run_name"], {"threads": bench["threads"]})
        if aggregate in ("median", None):
            unit = NS_PER_UNIT[bench["time_unit"]]
            row["cpu"] = bench["cpu_time"] * unit
            row["real"] = bench["real_time"] * unit
            row["allocs"] = bench.get("allocs/iter")
            for counter in ("rules", "runs/s"):
                if counter in bench:
                    row[counter] = bench[counter]
        elif aggregate == "cv":
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
    counted = cpu(COUNTED_MODEL)
    for case in armed:
        # Armed, every call is counted: the limit is the flag plus one atomic increment.
        if counted:
            ratio = cpu(case) / counted
            add(case, "<= 1.5x flag + count model", ratio <= 1.5, f"{ratio:.2f}x")
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
    one_site = counts.get("control/rules_on_one_site/1000")
    for case, count in counts.items():
        target = ""
        if case.startswith("point/armed/rule_here/"):
            target = verdict(count <= 80, "<= 80 instructions")
        elif case == "control/rules_on_one_site/8000" and one_site:
            target = verdict(count <= 1.5 * one_site,
                             f"linear: {count / one_site:.2f}x the 1,000-rule figure <= 1.5x")
        print(f"| `{case}` | {count:.1f} | " + (f"{count / model:.1f}" if model else "-")
              + f" | {target} |")


# ---- The control path: rule changes, memory, the gtest suite ----

SUITE_TEST = "Suite/Service.HandlesFaults/0"


def control_bench_rows(results):
    """Rows of faultline_control_bench's cases: (what, figure, baseline, ratio, verdict)."""
    # Cases that fix their iterations or repetitions carry it in their name.
    cases = {re.sub(r"/(repeats|iterations):\d+", "", name): row for name, row in results.items()}
    rows = []
    for kind in ("exact", "glob"):
        base = cases.get(f"control/add_remove_100/{kind}/sites:0")
        for sites in (10000, 100000):
            case = cases.get(f"control/add_remove_100/{kind}/sites:{sites}")
            if case and base:
                ms = case["cpu"] / 1e6
                rows.append((f"AddRule + RemoveRule of 100 {kind} rules, {sites:,} sites interned",
                             f"{ms:.3g} ms", f"{base['cpu'] / 1e6:.3g} ms with 0 sites",
                             f"{case['cpu'] / base['cpu']:.0f}x", verdict(ms < 10, "< 10 ms")))
    base, case = cases.get("control/rules_on_one_site/rules:1000"), \
        cases.get("control/rules_on_one_site/rules:8000")
    if base and case:
        per_rule, base_per_rule = case["cpu"] / case["rules"], base["cpu"] / base["rules"]
        ratio = per_rule / base_per_rule
        rows.append(("8,000 rules on one site, added and removed: time per rule",
                     f"{per_rule / 1e3:.3g} us", f"{base_per_rule / 1e3:.3g} us with 1,000 rules",
                     f"{ratio:.2f}x",
                     "memory, not work: linearity is the instruction count's (--callgrind)"))
    base = cases.get("control/explore_5_rules/other_sites:0")
    for sites in (1000, 10000):
        case = cases.get(f"control/explore_5_rules/other_sites:{sites}")
        if base and case:
            slower = base["runs/s"] / case["runs/s"]
            rows.append((f"Explore runs per second, 5 rules, {sites:,} other sites",
                         f"{case['runs/s']:,.0f}", f"{base['runs/s']:,.0f} with 0 other sites",
                         f"{slower:.2f}x slower", verdict(slower <= 1.5, "<= 1.5x slower")))
    base, case = cases.get("control/throw/plain_injected_fault"), \
        cases.get("control/throw/exception_rule_fires")
    if base and case:
        ratio = case["cpu"] / base["cpu"]
        rows.append(("an exception rule firing (Wrap), thrown and caught",
                     f"{case['cpu']:.0f} ns", f"{base['cpu']:.0f} ns plain throw, same exception",
                     f"{ratio:.2f}x", verdict(ratio <= 1.2, "<= 1.2x")))
        rows.append(("  its operator new calls per throw",
                     f"{case['allocs']:g}", f"{base['allocs']:g} plain throw",
                     f"{case['allocs'] - base['allocs']:+g}",
                     verdict(case["allocs"] <= base["allocs"], "none beyond the exception's")))
    return rows


def rss_points(binary, mode, counts):
    """{count: VmRSS kB} after each count of `mode` in one faultline_memory_growth process."""
    print(f"running: {binary} {mode} {' '.join(map(str, counts))}", file=sys.stderr, flush=True)
    output = subprocess.run([binary, mode, *map(str, counts)], check=True,
                            stdout=subprocess.PIPE, text=True).stdout
    return {int(line.split()[0]): int(line.split()[1]) for line in output.splitlines()}


def memory_rows(binary):
    rows = []
    for mode, what in (("cycle", "Reset + AddRule + RemoveRule cycles"),
                       ("scope", "Scopes of one rule, created and destroyed")):
        rss = rss_points(binary, mode, [1000, 100000, 1000000])
        for n in (100000, 1000000):
            growth = rss[n] - rss[1000]
            rows.append((f"{n:,} {what}: VmRSS growth past 1,000",
                         f"{growth / 1024:+.1f} MB ({growth * 1024 / (n - 1000):.0f} B each)",
                         f"{rss[1000] / 1024:.1f} MB after 1,000", f"{rss[n] / rss[1000]:.2f}x",
                         verdict(growth <= 1024, "flat within 1 MB")))
    rss = rss_points(binary, "rules", [0, 1000, 8000])
    per_rule = (rss[8000] - rss[0]) * 1024 / 8000
    base_per_rule = (rss[1000] - rss[0]) * 1024 / 1000
    ratio = per_rule / max(base_per_rule, 1e-9)
    rows.append(("8,000 rules on one site: VmRSS growth per rule", f"{per_rule:.0f} B",
                 f"{base_per_rule:.0f} B with 1,000 rules", f"{ratio:.2f}x",
                 verdict(ratio <= 1.5, "linear: <= 1.5x per rule")))
    return rows


def peak_rss_kb(command):
    """The peak RSS of the gtest suite run by `command`, as it reports it on stderr (kB)."""
    print("running:", " ".join(command), file=sys.stderr, flush=True)
    stderr = subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True).stderr
    peaks = [int(value) for value in re.findall(r"^peak_rss_kb=(\d+)$", stderr, re.MULTILINE)]
    if not peaks:
        sys.exit(f"run.py: {command[0]} reported no peak_rss_kb")
    return max(peaks)


def startup_seconds(command, runs):
    """The best wall-clock time of `runs` runs of `command`; one run once it takes a second."""
    print("running:", " ".join(command)[:200], file=sys.stderr, flush=True)
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
        if elapsed > 1.0:
            break
    return best


def suite_rows(binary, startup_runs):
    rows = []
    repeats = 500
    once, many = peak_rss_kb([binary, "--gtest_repeat=1"]), \
        peak_rss_kb([binary, f"--gtest_repeat={repeats}"])
    ratio = many / once
    rows.append((f"gtest suite, 200 tests x 5 rules, --gtest_repeat={repeats}: peak RSS",
                 f"{many / 1024:.1f} MB ({(many - once) * 1024 / (200 * (repeats - 1)):.0f} B"
                 " per test run)", f"{once / 1024:.1f} MB with --gtest_repeat=1",
                 f"{ratio:.2f}x", verdict(ratio <= 1.2, "<= 1.2x")))

    def flag(n):
        return "--faultline_rules=" + ";".join(f"r{i}=t{i}:0%exception" for i in range(n))
    one_test = [binary, f"--gtest_filter={SUITE_TEST}"]
    none = startup_seconds(one_test, startup_runs)
    some = startup_seconds(one_test + [flag(1000)], startup_runs)
    many = startup_seconds(one_test + [flag(4000)], startup_runs)
    per_rule, base_per_rule = (many - none) / 4000, (some - none) / 1000
    linear = per_rule <= 1.5 * base_per_rule or many - none < 0.05
    rows.append(("gtest suite start-up, one test, 4,000-rule --faultline_rules",
                 f"{many:.3g} s ({per_rule * 1e6:.0f} us per rule; 1,000 rules: {some:.3g} s, "
                 f"{base_per_rule * 1e6:.0f} us per rule)", f"{none:.3g} s with no flag",
                 f"{many / none:.0f}x",
                 verdict(linear, "linear: <= 1.5x per rule of 1,000, or within 50 ms")))
    return rows


def print_control_table(rows):
    print("\n| control path | figure | baseline (same run) | ratio | goal |")
    print("| --- | ---: | ---: | ---: | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    met = [row[0] for row in rows if row[4].startswith("PASS")]
    failed = [row[0] for row in rows if row[4].startswith("FAIL")]
    print(f"\n{len(met)} control-path goals met, {len(failed)} missed"
          + "".join(f"\n- missed: {what.strip()}" for what in failed))


# ---- The interposer: faultline::posix against plain libc, two binaries in alternation ----

POSIX_CALLS = [("write_devnull_1B", "`write(fd, 1 byte)` to /dev/null"),
               ("malloc_free_32B", "`malloc(32)` + `free`")]
POSIX_ROWS = [("disarmed", "interposed, disarmed (no test running)"),
              ("model", "model: a flag load and a jump through libc's pointer (the limit)"),
              ("armed/no_rule", "armed: in a test, no rule (every call counted)"),
              ("armed/rule_elsewhere", "armed: in a test, a rule on another target")]
POSIX_GOAL = 1.05


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def posix_samples(binary, call, repetitions, min_time):
    """{case: [CPU ns per call of each repetition]} of one run of `binary` on `call`'s cases."""
    command = [binary, "--benchmark_format=json", f"--benchmark_filter=^posix/{call}/",
               f"--benchmark_repetitions={repetitions}",
               "--benchmark_enable_random_interleaving=true",
               f"--benchmark_min_time={min_time}"]
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    samples = {}
    for bench in json.loads(output)["benchmarks"]:
        if bench.get("run_type") == "iteration":
            samples.setdefault(bench["run_name"], []).append(
                bench["cpu_time"] * NS_PER_UNIT[bench["time_unit"]])
    return samples


def run_posix(args):
    """[{binary: {case: [samples]}}], one entry per round."""
    binaries = {"plain": args.posix_plain, "interposed": args.posix}
    print(f"running: {args.posix_rounds} rounds of {args.posix_plain} and {args.posix}, "
          f"alternating", file=sys.stderr, flush=True)
    rounds = []
    for number in range(args.posix_rounds):
        # One call at a time, so that the two runs a ratio divides are seconds apart.
        order = ["plain", "interposed"] if number % 2 == 0 else ["interposed", "plain"]
        one = {label: {} for label in order}
        for call, _ in POSIX_CALLS:
            for label in order:
                one[label].update(posix_samples(binaries[label], call, args.posix_repetitions,
                                                args.posix_min_time))
        rounds.append(one)
    return rounds


def print_posix_table(rounds):
    def pooled(label, case):
        return [x for one in rounds for x in one[label].get(case, [])]

    def quartiles(values):
        ordered = sorted(values)
        return ordered[len(ordered) // 4], ordered[(3 * len(ordered)) // 4]

    def spread(values):
        """The middle half of `values` around their median, in percent."""
        low, high = quartiles(values)
        middle = median(values)
        return f"{100 * (low / middle - 1):+.0f}/{100 * (high / middle - 1):+.0f}%"

    failed = []

    def row(what, case, base_label, base_case, base_what, goal=None):
        """A row: `case` of the interposed binary over `base_case` of `base_label`'s."""
        values, bases = pooled("interposed", case), pooled(base_label, base_case)
        if not values or not bases:
            return
        # The two runs of a round are seconds apart: their ratio is the paired estimate.
        per_round = [median(one["interposed"][case]) / median(one[base_label][base_case])
                     for one in rounds]
        ratio, (low, high) = median(per_round), quartiles(per_round)
        cells = [what, f"{median(values):.1f} ({spread(values)})",
                 f"{median(bases):.1f} {base_what}", f"{ratio:.3f}x ({low:.3f}-{high:.3f})",
                 f"{median(values) / median(bases):.3f}x"]
        if goal == "limit":
            # Rounds that disagree by more than the margin the goal allows decide nothing.
            noisy = high - low > 2 * (POSIX_GOAL - 1)
            cells.append(verdict(ratio <= POSIX_GOAL, f"<= {POSIX_GOAL}x")
                         + (" (noisy rounds: rerun on a quieter machine)" if noisy else ""))
            if ratio > POSIX_GOAL:
                failed.append(what)
        elif goal == "counting":
            disarmed = case.rsplit("/", 2)[0] + "/disarmed"
            extra = median([median(one["interposed"][case]) - median(one["interposed"][disarmed])
                            for one in rounds])
            cells.append(f"{extra:+.1f} ns over disarmed, same process")
        else:
            cells.append(goal or "")
        print("| " + " | ".join(cells) + " |")

    samples = len(pooled("plain", f"posix/{POSIX_CALLS[0][0]}/disarmed"))
    print("\n| interposer: call, state | ns/call, median (IQR) | baseline, same run "
          "| ratio, median of rounds (IQR) | ratio of medians | goal |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for call, what in POSIX_CALLS:
        plain = (f"posix/{call}/disarmed", "plain libc")
        row(f"{what}, interposed, disarmed (no test running)", f"posix/{call}/disarmed",
            "plain", *plain, goal="limit")
        row(f"{what}, model: a flag load and a jump through libc's pointer (the limit)",
            f"posix/{call}/model", "plain", *plain, goal="limit of the design")
        for state, description in (("armed/no_rule", "in a test, no rule (every call counted)"),
                                   ("armed/rule_elsewhere", "in a test, a rule on another target")):
            row(f"{what}, armed: {description}", f"posix/{call}/{state}", "plain", *plain,
                goal="counting")
        # The controls: the interposed call against libc through its own pointer and against
        # the model in the same process; the pointer call in one binary against the other.
        pointer = f"posix/{call}/libc_pointer"
        row(f"{what}, interposed, disarmed; same process", f"posix/{call}/disarmed",
            "interposed", pointer, "libc via pointer", goal="control")
        row(f"{what}, interposed, disarmed; same process", f"posix/{call}/disarmed",
            "interposed", f"posix/{call}/model", "model", goal="control")
        row(f"{what}, libc via pointer: interposed binary over plain", pointer, "plain", pointer,
            "plain binary", goal="control: ~1.00x")
    print(f"\n{len(rounds)} rounds, {samples} repetitions per case and binary. "
          + (f"Missed: {'; '.join(failed)}." if failed else "Interposer goals met."))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", help="the faultline_bench binary (the hot-path table)")
    parser.add_argument("--loop", help="the faultline_check_loop binary (for --callgrind)")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.1, help="seconds per repetition")
    parser.add_argument("--filter", help="regex of the cases to run")
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    parser.add_argument("--valgrind", default="valgrind")
    parser.add_argument("--callgrind-n", type=int, default=20000)
    parser.add_argument("--control", help="the faultline_control_bench binary")
    parser.add_argument("--control-repetitions", type=int, default=3)
    parser.add_argument("--control-min-time", type=float, default=0.2,
                        help="seconds per repetition of a control-path case")
    parser.add_argument("--memory", help="the faultline_memory_growth binary")
    parser.add_argument("--suite", help="the faultline_gtest_suite binary")
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--posix", help="faultline_posix_bench (linked with faultline::posix)")
    parser.add_argument("--posix-plain", help="faultline_posix_bench_plain (libc's own calls)")
    parser.add_argument("--posix-rounds", type=int, default=30)
    parser.add_argument("--posix-repetitions", type=int, default=2)
    parser.add_argument("--posix-min-time", type=float, default=0.05,
                        help="seconds per repetition of an interposer case")
    args = parser.parse_args()
    if bool(args.posix) != bool(args.posix_plain):
        parser.error("--posix and --posix-plain go together")
    if args.callgrind and not args.loop:
        parser.error("--callgrind needs --loop")

    if args.bench:
        busy = busy_cpus()
        results = run_suite(args.bench, args.repetitions, args.min_time, args.filter)
        checks = check_targets(results)
        print_table(results, checks)
        failed = [(case, target) for case, rows in checks.items()
                  for target, ok, _ in rows if not ok]
        print(f"\n{sum(len(rows) for rows in checks.values()) - len(failed)} target checks met, "
              f"{len(failed)} missed" + "".join(f"\n- missed: `{c}`: {t}" for c, t in failed))
        if busy is not None:
            print(f"\nCPUs busy with other work before the run: {busy:.1f} of {os.cpu_count()}."
                  + (" Two-thread wall-clock scaling needs idle cores: rerun." if busy > 0.3
                     else ""))
    if args.callgrind:
        run_callgrind(args)
    rows = []
    if args.memory:
        rows += memory_rows(args.memory)
    if args.suite:
        rows += suite_rows(args.suite, args.startup_runs)
    if args.control:
        rows += control_bench_rows(run_suite(args.control, args.control_repetitions,
                                             args.control_min_time))
    if rows:
        print_control_table(rows)
    if args.posix:
        print_posix_table(run_posix(args))


if __name__ == "__main__":
    main()
