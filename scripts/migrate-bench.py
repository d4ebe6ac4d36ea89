#!/usr/bin/env python3
"""The driver behind scripts/bench-migrate: one `ferry sample` site migrated into a
Cloud twin (80 ms latency, Cloud's default rate limits) twice, once alone and once
watched by ten `ferry status --watch` processes, measuring throughput against the
twin's rate-limit bound, peak RSS, peak threads and CPU time, then `ferry verify`.

Standard library only. Exit status: 0 when every step ran (each target prints PASS
or FAIL and does not change it), 2 on a usage error, 1 on any error.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

TWIN_EMAIL = "twin@example.com"
TWIN_TOKEN = "twin-token"
# Cloud's default burst limits, as the twin applies them by default (per method).
LIMITS = {"GET": 100.0, "POST": 100.0, "PUT": 50.0, "DELETE": 50.0}
RATE_SPEC = "get=100/s,post=100/s,put=50/s,delete=50/s"


class BenchError(Exception):
    pass


def log(message):
    print(message, flush=True)


def run_checked(argv, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise BenchError(
            f"{' '.join(argv[:3])} ... exited {result.returncode}:\n{result.stderr[-2000:]}{result.stdout[-2000:]}"
        )
    return result


class Twin:
    """A `ferry twin cloud` process on a free loopback port."""

    def __init__(self, ferry, latency, workdir):
        self.log_path = os.path.join(workdir, "twin.log")
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [ferry, "twin", "cloud", "--port", "0", "--json", "--latency", latency, "--rate", RATE_SPEC,
             "--email", TWIN_EMAIL, "--token", TWIN_TOKEN, "--log-level", "error"],
            stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        self.url = None
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"the twin exited early ({self.process.returncode}); see {self.log_path}")
            with open(self.log_path) as handle:
                for line in handle:
                    if line.startswith("{") and '"url"' in line:
                        self.url = json.loads(line)["url"]
                        self.admin = json.loads(line)["admin"]
                        break
            if self.url:
                break
            time.sleep(0.1)
        if not self.url:
            self.stop()
            raise BenchError("the twin did not print its URL within 30 s")

    def stats(self):
        with urllib.request.urlopen(self.admin.rstrip("/") + "/stats", timeout=30) as response:
            return json.load(response)

    def set_latency(self, latency):
        request = urllib.request.Request(
            self.admin.rstrip("/") + "/config", data=json.dumps({"latency": latency}).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def loadavg():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def sample_proc(pid, peaks, stop):
    """Every 200 ms: the highest Threads: and VmHWM: of /proc/PID/status, and the thread-count series."""
    path = f"/proc/{pid}/status"
    while not stop.is_set():
        try:
            with open(path) as handle:
                for line in handle:
                    if line.startswith("Threads:"):
                        threads = int(line.split()[1])
                        peaks["threads"] = max(peaks["threads"], threads)
                        peaks["series"].append(threads)
                    elif line.startswith("VmHWM:"):
                        peaks["hwm_kb"] = max(peaks["hwm_kb"], int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
        stop.wait(0.2)


def parse_seconds(text):
    """`80ms`, `0.08s` or `0` as seconds."""
    text = text.strip()
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    if text.endswith("s"):
        return float(text[:-1])
    return float(text or 0)


def method_bound(stats):
    """Requests that reached the handlers (not 429s), summed by method and by the twin's
    rate-limit bucket, and the fastest duration the twin's limits allow for that mix.

    The twin keeps one token bucket per method and endpoint family (`POST:pages`,
    `POST:comments`, ...), as Cloud does per endpoint and method, and reports each
    endpoint's bucket and rate in /__twin/stats; the bound is the busiest bucket's
    requests divided by its rate. Older twins without buckets fall back to one bucket
    per method."""
    by_method = {}
    by_bucket = {}
    for endpoint, entry in stats.get("endpoints", {}).items():
        method = endpoint.split(" ", 1)[0]
        served = entry.get("requests", 0) - entry.get("rateLimited", 0)
        by_method[method] = by_method.get(method, 0) + served
        bucket = entry.get("bucket") or method
        rate = entry.get("bucketRate") if entry.get("bucket") else LIMITS.get(method)
        count, _ = by_bucket.get(bucket, (0, rate))
        by_bucket[bucket] = (count + served, rate)
    seconds = 0.0
    for bucket, (count, rate) in by_bucket.items():
        if rate:
            seconds = max(seconds, count / rate)
    return by_method, by_bucket, seconds


def migrate_once(ferry, export, workdir, name, latency, concurrency, watchers):
    """A fresh twin and workspace; runs `ferry migrate --json` and measures it."""
    workspace = os.path.join(workdir, f"ws-{name}")
    shutil.rmtree(workspace, ignore_errors=True)
    twin = Twin(ferry, latency, workdir)
    watcher_processes = []
    try:
        env = dict(os.environ, FERRY_TARGET_EMAIL=TWIN_EMAIL, FERRY_TARGET_TOKEN=TWIN_TOKEN)
        argv = [ferry, "migrate", "--from", export, "--to", twin.url, "--workspace", workspace, "--json",
                "--log-level", "error"]
        if concurrency:
            argv += ["--concurrency", str(concurrency)]
        out_path = os.path.join(workdir, f"migrate-{name}.json")
        err_path = os.path.join(workdir, f"migrate-{name}.err")
        started = time.time()
        loadavg_start = loadavg()
        with open(out_path, "w") as out, open(err_path, "w") as err:
            process = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
            peaks = {"threads": 0, "hwm_kb": 0, "series": []}
            stop = threading.Event()
            sampler = threading.Thread(target=sample_proc, args=(process.pid, peaks, stop), daemon=True)
            sampler.start()
            if watchers:
                database = os.path.join(workspace, "ferry.sqlite")
                while not os.path.exists(database) and process.poll() is None:
                    time.sleep(0.05)
                for _ in range(watchers):
                    watcher_processes.append(subprocess.Popen(
                        [ferry, "status", "--workspace", workspace, "--watch", "--interval", "1"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            stop.set()
            sampler.join()
        wall = time.time() - started
        watcher_failures = []
        for watcher in watcher_processes:
            try:
                _, stderr = watcher.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                watcher.terminate()
                _, stderr = watcher.communicate()
            if watcher.returncode not in (0, -15):
                watcher_failures.append(f"exit {watcher.returncode}: {stderr.strip()[-300:]}")
        with open(out_path) as handle:
            text = handle.read()
        if process.returncode != 0:
            with open(err_path) as handle:
                raise BenchError(f"ferry migrate ({name}) exited {process.returncode}:\n{handle.read()[-3000:]}\n{text[-2000:]}")
        try:
            outcome = json.loads(text)
        except json.JSONDecodeError as error:
            raise BenchError(f"ferry migrate ({name}) printed no JSON outcome ({error}); see {out_path}")
        stats = twin.stats()
        return {
            "name": name, "workspace": workspace, "twin": twin, "outcome": outcome, "stats": stats,
            "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "user": usage.ru_utime, "sys": usage.ru_stime,
            "maxrss_kb": max(usage.ru_maxrss, peaks["hwm_kb"]), "threads": peaks["threads"],
            "thread_series": peaks["series"], "watcher_failures": watcher_failures,
            "loadavg_start": loadavg_start, "loadavg_end": loadavg(),
        }
    except BaseException:
        for watcher in watcher_processes:
            if watcher.poll() is None:
                watcher.kill()
        twin.stop()
        raise


def verdict(label, ok, detail):
    log(f"  {'PASS' if ok else 'FAIL'}  {label}: {detail}")
    return ok


def report(run, smoke):
    outcome, stats = run["outcome"], run["stats"]
    pages, requests, seconds = outcome["pages"], outcome["requests"], outcome["seconds"]
    per_page = outcome["requestsPerPage"]
    pages_per_s = pages / seconds if seconds > 0 else 0.0
    by_method, by_bucket, bound_seconds = method_bound(stats)
    bound_pages_per_s = pages / bound_seconds if bound_seconds > 0 else float("inf")
    ratio = pages_per_s / bound_pages_per_s if bound_pages_per_s not in (0, float("inf")) else 0.0
    cpu_per_1000 = run["cpu"] / pages * 1000 if pages else 0.0
    rss_mb = run["maxrss_kb"] / 1024
    series = run["thread_series"]
    # Threads are constant when the count reached early on (after the pool has started)
    # is the count held to the end: the peak never exceeds the 10th-percentile sample by more than 2.
    steady = sorted(series)[len(series) // 10] if series else 0
    constant = bool(series) and run["threads"] - steady <= 2
    log(f"  load average (1/5/15 min) at the end: {run['loadavg_end']}; at the start: {run['loadavg_start']}")
    log(f"== {run['name']}: {pages} pages, {requests} requests in {seconds:.1f} s "
        f"(whole command {run['wall']:.1f} s incl. staging)")
    log(f"  pages/s:              {pages_per_s:.2f}")
    log(f"  requests/s:           {requests / seconds if seconds else 0:.2f}")
    log(f"  requests per page:    {per_page:.2f}")
    log(f"  429 responses:        {outcome.get('responses429', 0)}")
    log(f"  writes done/failed:   {outcome['done']}/{outcome['failed']} (skipped {outcome['skipped']})")
    log(f"  twin requests served by method: "
        + ", ".join(f"{m} {c}" for m, c in sorted(by_method.items())))
    endpoints = sorted(stats.get("endpoints", {}).items(), key=lambda item: -item[1].get("requests", 0))
    log("  twin requests per endpoint (per page): " + "; ".join(
        f"{name} {entry.get('requests', 0)} ({entry.get('requests', 0) / pages if pages else 0:.2f})"
        for name, entry in endpoints[:10]))
    busiest = sorted(((c / r if r else 0, b, c, r) for b, (c, r) in by_bucket.items()), reverse=True)[:4]
    log(f"  rate-limit bound:     {bound_seconds:.1f} s = {bound_pages_per_s:.2f} pages/s "
        f"(one token bucket per method and endpoint family; busiest: "
        + ", ".join(f"{b} {c} at {r:.0f}/s = {t:.1f} s" for t, b, c, r in busiest if r) + ")")
    log(f"  achieved / bound:     {ratio * 100:.1f}%")
    log(f"  peak RSS:             {rss_mb:.1f} MB")
    log(f"  peak threads:         {run['threads']} (10th percentile {steady}, {len(series)} samples)")
    log(f"  CPU:                  {run['user']:.1f} s user + {run['sys']:.1f} s sys = "
        f"{cpu_per_1000:.2f} CPU-s per 1,000 pages")
    results = [
        verdict("throughput >= 90% of the rate-limit bound", ratio >= 0.9, f"{ratio * 100:.1f}%"),
        verdict("throughput >= 20 pages/s", pages_per_s >= 20, f"{pages_per_s:.2f} pages/s"),
        verdict("peak RSS <= 250 MB", rss_mb <= 250, f"{rss_mb:.1f} MB"),
        verdict("threads constant", constant, f"peak {run['threads']}, steady {steady}"),
        verdict("<= 2 CPU-s per 1,000 pages", cpu_per_1000 <= 2, f"{cpu_per_1000:.2f}"),
    ]
    return pages_per_s, all(results), {
        "pages": pages, "requests": requests, "seconds": seconds, "pagesPerSecond": pages_per_s,
        "requestsPerSecond": requests / seconds if seconds else 0, "requestsPerPage": per_page,
        "responses429": outcome.get("responses429", 0), "requestsByMethod": by_method,
        "requestsByBucket": {b: c for b, (c, _) in by_bucket.items()},
        "boundSeconds": bound_seconds, "boundPagesPerSecond": bound_pages_per_s, "ratio": ratio,
        "peakRSSMB": rss_mb, "peakThreads": run["threads"], "cpuSecondsPer1000Pages": cpu_per_1000,
        "wallSeconds": run["wall"], "loadAverageStart": run["loadavg_start"], "loadAverageEnd": run["loadavg_end"],
        "endpoints": {name: entry.get("requests", 0) for name, entry in endpoints},
    }


def client_floor(args, workdir, twins, figures):
    """The CPU floor under the migration: `BenchCloud clientcost` sends footer-comment creates
    to a fresh twin (same latency, no rate limit) paced at the migration's request rate, by
    bare AsyncHTTPClient and by Ferry's Cloud client, and reports CPU microseconds per
    request; times the migration's requests per page, that is CPU-s per 1,000 pages."""
    bench_cloud = os.path.join(os.path.dirname(args.ferry), "BenchCloud")
    if not os.path.exists(bench_cloud):
        log(f"== client CPU floor skipped: {bench_cloud} is not built")
        return None
    requests = 300 if args.smoke else 10000
    rate = max(10, round(figures["requestsPerSecond"]))
    workers = args.concurrency or 16
    log(f"== client CPU floor: {requests} footer-comment creates at {rate} requests/s (the migration's rate), "
        f"{workers} workers, fresh twin at {args.latency}")
    twin = Twin(args.ferry, args.latency, workdir)
    twins.append(twin)
    try:
        result = run_checked([bench_cloud, "clientcost", "--url", twin.url, "--requests", str(requests),
                              "--concurrency", str(workers), "--rate", str(rate)])
    finally:
        twin.stop()
    measured = None
    for line in result.stdout.splitlines():
        if line.startswith("json: "):
            measured = json.loads(line[len("json: "):])
        else:
            log(line)
    if not measured:
        raise BenchError("BenchCloud clientcost printed no figures")
    per_page = figures["requestsPerPage"]
    paced = measured["bareMicros"] * per_page / 1000
    net = (measured["bareMicros"] - measured["pacingMicros"]) * per_page / 1000
    client = (measured["ferryClientMicros"] - measured["pacingMicros"]) * per_page / 1000
    ferry = figures["cpuSecondsPer1000Pages"]
    log(f"  at {per_page:.2f} requests per page, CPU-s per 1,000 pages:")
    log(f"    bare AsyncHTTPClient, requests only (pacing subtracted): {net:.2f}")
    log(f"    bare AsyncHTTPClient with pacing:                         {paced:.2f}")
    log(f"    Ferry's Cloud client, requests only:                      {client:.2f}")
    log(f"    ferry migrate (everything: staging, ADF, ledger, client):  {ferry:.2f} = {ferry / paced:.2f}x the paced bare client")
    if net > 2:
        log(f"  the bare HTTP client alone needs {net:.2f} > 2 CPU-s per 1,000 pages on this machine at this mix")
    figures["clientFloor"] = dict(measured, bareCPUPer1000Pages=net, pacedBareCPUPer1000Pages=paced,
                                  ferryClientCPUPer1000Pages=client, ferryOverPacedBare=ferry / paced if paced else 0)
    return figures["clientFloor"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ferry", required=True)
    parser.add_argument("--pages", type=int, required=True)
    parser.add_argument("--attachments", type=int, required=True)
    parser.add_argument("--spaces", type=int, default=5)
    parser.add_argument("--latency", default="80ms")
    parser.add_argument("--concurrency", type=int, default=0, help="0: ferry's default")
    parser.add_argument("--watchers", type=int, default=10,
                        help="status --watch processes for the second run; 0 skips the watched run")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--json-out", help="also write the figures here as JSON")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="ferry-bench-migrate-")
    twins = []
    try:
        export = os.path.join(workdir, "site")
        log(f"== ferry sample: {args.pages} pages, {args.attachments} attachments, {args.spaces} spaces -> {export}")
        started = time.time()
        run_checked([args.ferry, "sample", "--out", export, "--pages", str(args.pages),
                     "--attachments", str(args.attachments), "--spaces", str(args.spaces), "--seed", "7",
                     "--log-level", "error"])
        log(f"   written in {time.time() - started:.1f} s")

        log(f"== migrate alone (twin: latency {args.latency}, rate {RATE_SPEC}, "
            f"--concurrency {args.concurrency or 'default (16)'})")
        alone = migrate_once(args.ferry, export, workdir, "alone", args.latency, args.concurrency, 0)
        twins.append(alone["twin"])
        alone_rate, alone_ok, alone_figures = report(alone, args.smoke)
        # Little's law: N requests in flight, each taking at least the injected latency,
        # cannot exceed N / latency requests per second, whatever the rate limits allow.
        latency_s = parse_seconds(args.latency)
        if latency_s > 0 and alone_figures["requestsPerPage"] > 0:
            workers = args.concurrency or 16
            ceiling = workers / latency_s / alone_figures["requestsPerPage"]
            log(f"  concurrency ceiling:  {workers} in flight / {latency_s * 1000:.0f} ms = "
                f"{workers / latency_s:.0f} requests/s = {ceiling:.1f} pages/s at this mix "
                f"(the bound above needs {alone_figures['requestsPerPage'] * alone_figures['boundPagesPerSecond'] * latency_s:.0f} in flight)")

        # Verify reads back every page, comment, label and attachment; it is not what this
        # benchmark times, so the twin answers it without the injected latency.
        alone["twin"].set_latency("0")
        log("== ferry verify (the unwatched run; twin latency set to 0 for the read-back)")
        verify_started = time.time()
        verify = subprocess.run(
            [args.ferry, "verify", "--workspace", alone["workspace"], "--json", "--log-level", "error"],
            capture_output=True, text=True,
            env=dict(os.environ, FERRY_TARGET_EMAIL=TWIN_EMAIL, FERRY_TARGET_TOKEN=TWIN_TOKEN))
        try:
            verified = json.loads(verify.stdout)
        except json.JSONDecodeError:
            raise BenchError(f"ferry verify printed no JSON (exit {verify.returncode}): {verify.stderr[-2000:]}")
        differences = verified.get("differences", [])
        kinds = {}
        for difference in differences:
            kinds[difference.get("kind", "?")] = kinds.get(difference.get("kind", "?"), 0) + 1
        log(f"  verdict: {'clean' if verified.get('clean') else 'NOT clean'} (exit {verify.returncode}, "
            f"{time.time() - verify_started:.1f} s); "
            f"checked {json.dumps(verified.get('checked', {}), sort_keys=True)}")
        if differences:
            log(f"  differences by kind: {json.dumps(kinds, sort_keys=True)}")
            for difference in differences[:5]:
                log(f"    {json.dumps(difference, sort_keys=True)[:300]}")
        alone["twin"].stop()

        client_floor(args, workdir, twins, alone_figures)

        watched_figures, slowdown, watch_ok = None, None, True
        if args.watchers > 0:
            log(f"== migrate again, watched by {args.watchers} `ferry status --watch --interval 1` (fresh twin and workspace)")
            watched = migrate_once(args.ferry, export, workdir, "watched", args.latency, args.concurrency, args.watchers)
            twins.append(watched["twin"])
            watched_rate, _, watched_figures = report(watched, args.smoke)
            watched["twin"].stop()
            slowdown = (alone_rate - watched_rate) / alone_rate * 100 if alone_rate else 0.0
            log("== watching is free")
            log(f"  alone:   {alone_rate:.2f} pages/s")
            log(f"  watched: {watched_rate:.2f} pages/s ({args.watchers} status --watch processes)")
            if watched["watcher_failures"]:
                log(f"  watcher failures: {len(watched['watcher_failures'])}: {watched['watcher_failures'][0]}")
            watch_ok = verdict("slowdown < 5%", slowdown < 5 and not watched["watcher_failures"],
                               f"{slowdown:+.1f}% (negative: the watched run was faster)")
        else:
            log("== watched run skipped (--watchers 0)")
        if args.json_out:
            with open(args.json_out, "w") as handle:
                json.dump({"pages": args.pages, "attachments": args.attachments, "spaces": args.spaces,
                           "alone": alone_figures, "watched": watched_figures, "slowdownPercent": slowdown,
                           "verifyClean": bool(verified.get("clean")), "verifyDifferences": kinds}, handle, indent=2)
        all_ok = alone_ok and watch_ok and bool(verified.get("clean"))
        log(f"== targets: {'all met' if all_ok else 'NOT all met'}"
            + (" (smoke size: targets are informative only)" if args.smoke else ""))
        return 0
    except BenchError as error:
        print(f"bench-migrate: error: {error}", file=sys.stderr)
        return 1
    finally:
        for twin in twins:
            twin.stop()
        if args.keep:
            log(f"(work folder kept: {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
