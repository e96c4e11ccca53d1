"""A small load generator: `python -m ops.benchmark.loadgen URL [URL…] [--threads N] [--seconds S]
[--max-requests M] [--header 'Name: value']` keeps N keep-alive HTTP/1.1 connections busy over loopback for
S seconds (or M requests) per URL, one URL after the other, and prints one JSON line per URL: requests,
errors (non-2xx/304 or exceptions), requests per second and latency percentiles. Standard library only,
run in its own process."""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlsplit


def run(url: str, *, threads: int, seconds: float, max_requests: int, headers: dict) -> dict:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    state = {"sent": 0, "errors": 0, "statuses": {}}
    latencies: list[float] = []

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine = []
        while time.monotonic() < deadline:
            with lock:
                if state["sent"] >= max_requests:
                    break
                state["sent"] += 1
            start = time.perf_counter()
            try:
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            mine.append(time.perf_counter() - start)
            with lock:
                state["statuses"][status] = state["statuses"].get(status, 0) + 1
                if not (200 <= status < 300 or status == 304):
                    state["errors"] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    done = len(latencies)
    ordered = sorted(latencies)
    return {
        "requests": done,
        "errors": state["errors"],
        "statuses": {str(k): v for k, v in sorted(state["statuses"].items())},
        "seconds": round(elapsed, 3),
        "requests_per_second": round(done / elapsed, 1) if elapsed else 0.0,
        "latency_median_ms": round(statistics.median(ordered) * 1000, 2) if ordered else None,
        "latency_p95_ms": round(ordered[min(done - 1, int(done * 0.95))] * 1000, 2) if ordered else None,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="+", help="one or more URLs, loaded one after the other")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args(argv)
    headers = dict(h.split(": ", 1) for h in args.header)
    for url in args.url:  # one JSON line per URL, in order
        result = run(
            url, threads=args.threads, seconds=args.seconds, max_requests=args.max_requests, headers=headers
        )
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
