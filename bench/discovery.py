"""Benchmark: discovery of a simulated /24 against naive baselines, in one run; memory of a /24 against a /20.

    .venv/bin/python -m bench.discovery [--timeout 1.0] [--sample 32]

Subnet 127.0.4.0/24: 4 cameras, 3 HTTP hosts that are not cameras, 3 hosts that accept and never answer, the rest
closed. As root with iptables, a second scenario also DROPs 127.0.4.128/25 (what absent hosts on a real LAN look
like: the SYN is never answered) and removes the rule afterwards.

(a) ``discover`` (auto, tcp, nmap). (b) a naive sequential ``GET /system/key`` loop with the same timeout,
extrapolated from a stratified sample (each class of host timed on a few members, scaled by its count).
(c) ``nmap -sn -n`` then the same sequential probes on every host it calls up (on loopback: all of them), and
``nmap -n -Pn -p PORT --open`` then sequential probes of the open ones.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import resource
import shutil
import subprocess
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import IPv4Address, IPv4Network
from multiprocessing.synchronize import Event as EventType

import httpx

from recamera_mcp.client import CGI_PREFIX
from recamera_mcp.discovery import discover, parse_targets
from recamera_mcp.simulator.fleet import SimFleet

KEY_PATH = CGI_PREFIX + "/system/key"
PREFIX = "127.0.4."
CAMERAS = range(10, 14)
NOT_CAMERAS = {20: "404", 21: "no_key", 22: "404"}
HANGS = (30, 31, 32)
DROPPED = "127.0.4.128/25"


def naive_probe(http: httpx.Client, ip: str, port: int) -> str:
    """One sequential probe, as an agent left to itself would write it."""
    try:
        response = http.get(f"http://{ip}:{port}{KEY_PATH}")
    except httpx.HTTPError:
        return "unreachable_or_timeout"
    try:
        return "recamera" if response.status_code == 200 and "sPublicKey" in response.json() else "non_recamera"
    except ValueError:
        return "non_recamera"


def classes(hosts: list[str], dropped: bool) -> dict[str, list[str]]:
    """The hosts grouped by what they do (the bench knows the layout it built)."""
    special = {f"{PREFIX}{n}": "camera" for n in CAMERAS}
    special |= {f"{PREFIX}{n}": "http" for n in NOT_CAMERAS} | {f"{PREFIX}{n}": "hang" for n in HANGS}
    drop_net = IPv4Network(DROPPED)
    groups: dict[str, list[str]] = {}
    for ip in hosts:
        kind = special.get(ip) or ("dropped" if dropped and IPv4Address(ip) in drop_net else "closed")
        groups.setdefault(kind, []).append(ip)
    return groups


def naive_extrapolated(hosts: list[str], port: int, timeout_s: float, sample: int, dropped: bool) -> tuple[float, int]:
    """Sequential probes of a stratified sample; the time scaled up to all ``hosts``. Returns (seconds, sampled)."""
    groups = classes(hosts, dropped)
    per_class = max(1, sample // len(groups))
    total, sampled = 0.0, 0
    with httpx.Client(timeout=timeout_s, trust_env=False) as http:
        for members in groups.values():
            chosen = members[:: max(1, len(members) // per_class)][:per_class]
            started = time.perf_counter()
            for ip in chosen:
                naive_probe(http, ip, port)
            total += (time.perf_counter() - started) / len(chosen) * len(members)
            sampled += len(chosen)
    return total, sampled


def nmap_then_probes(
    hosts_arg: str, nmap_args: str, port: int, timeout_s: float, sample: int, dropped: bool
) -> tuple[float, float, int, int]:
    """(nmap seconds, extrapolated probe seconds, hosts nmap reported, sampled)."""
    import nmap

    scanner = nmap.PortScanner()
    started = time.perf_counter()
    scanner.scan(hosts_arg, arguments=nmap_args)
    nmap_s = time.perf_counter() - started
    if "-p" in nmap_args:
        found = [h for h in scanner.all_hosts() if scanner[h].get("tcp", {}).get(port, {}).get("state") == "open"]
    else:
        found = [h for h in scanner.all_hosts() if scanner[h].state() == "up"]
    found.sort(key=lambda h: int(IPv4Address(h)))
    probes_s, sampled = naive_extrapolated(found, port, timeout_s, sample, dropped) if found else (0.0, 0)
    return nmap_s, probes_s, len(found), sampled


@contextmanager
def drop_rule(port: int) -> Iterator[bool]:
    rule = ["INPUT", "-d", DROPPED, "-p", "tcp", "--dport", str(port), "-j", "DROP"]
    ok = os.geteuid() == 0 and shutil.which("iptables") is not None
    ok = ok and subprocess.run(["iptables", "-A", *rule], capture_output=True).returncode == 0
    try:
        yield ok
    finally:
        if ok:
            subprocess.run(["iptables", "-D", *rule], capture_output=True)


def scenario(name: str, port: int, timeout_s: float, sample: int, dropped: bool) -> None:
    subnet = f"{PREFIX}0/24"
    hosts = [str(ip) for ip in parse_targets(subnet)]
    print(f"\n== {name}: {subnet}, port {port}, timeout_s {timeout_s}")
    print("   classes: " + ", ".join(f"{k} {len(v)}" for k, v in classes(hosts, dropped).items()))
    ours: dict[str, float] = {}
    for method in ("auto", "tcp", "nmap") if shutil.which("nmap") else ("auto", "tcp"):
        result = asyncio.run(discover(subnet, port=port, timeout_s=timeout_s, method=method))  # type: ignore[arg-type]
        ours[method] = result.duration_s
        ok = result.recamera_ips == [f"{PREFIX}{n}" for n in CAMERAS] and len(result.non_recamera_ips) == 3
        print(
            f"(a) discover method={method:<4} ({result.method}): {result.duration_s:6.2f} s = "
            f"{result.duration_s / timeout_s:.2f} x timeout_s; {len(result.recamera_ips)} cameras, "
            f"{len(result.non_recamera_ips)} other, {len(result.unreachable_or_timeout_ips)} unreachable"
            f"{'' if ok else '  !! WRONG CLASSIFICATION'}"
        )
    naive_s, sampled = naive_extrapolated(hosts, port, timeout_s, sample, dropped)
    print(
        f"(b) naive sequential probes: {naive_s:6.2f} s (extrapolated from {sampled} hosts sampled per class)"
        f"  -> auto is {naive_s / ours['auto']:.1f}x faster, tcp {naive_s / ours['tcp']:.1f}x"
    )
    if shutil.which("nmap"):
        hosts_arg = f"{PREFIX}1-254"
        for label, args in (("nmap -sn -n", "-sn -n"), (f"nmap -n -Pn -p {port} --open", f"-n -Pn -p {port} --open")):
            nmap_s, probes_s, found, sampled = nmap_then_probes(hosts_arg, args, port, timeout_s, sample, dropped)
            total = nmap_s + probes_s
            print(
                f"(c) {label} ({nmap_s:.2f} s, {found} hosts) + sequential probes ({probes_s:.2f} s"
                f"{', extrapolated from ' + str(sampled) if sampled < found else ''}) = {total:6.2f} s"
                f"  -> auto is {total / ours['auto']:.1f}x faster"
            )


def memory(port: int, timeout_s: float) -> None:
    print("\n== memory (method tcp; tracemalloc peak inside discover; peak RSS of this process, simulator excluded)")
    for subnet in ("127.4.16.0/24", "127.4.16.0/20", "127.4.0.0/16"):
        gc.collect()
        tracemalloc.start()
        started = time.perf_counter()
        result = asyncio.run(discover(subnet, port=port, timeout_s=timeout_s, method="tcp"))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"   {subnet:<15} {result.hosts_total:>6} hosts: {elapsed:5.2f} s (traced), tracemalloc peak "
            f"{peak / 1e6:6.2f} MB ({peak / result.hosts_total:6.0f} B/host), process peak RSS {rss:6.1f} MB, "
            f"cameras {len(result.recamera_ips)}"
        )


def serve_fleet(ports: multiprocessing.Queue[int], stop: EventType) -> None:
    """The simulated hosts, in a child process so that they share no GIL (and no RSS) with the scanner."""
    with SimFleet() as fleet:
        devices = fleet.subnet(PREFIX, cameras=CAMERAS, not_cameras=NOT_CAMERAS, hangs=HANGS)
        port = devices[0].port
        fleet.subnet("127.4.16.", cameras=range(1, 3), port=port, hangs=(3,))  # for the memory runs
        ports.put(port)
        stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--sample", type=int, default=32, help="hosts probed by the sequential baselines")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    ports: multiprocessing.Queue[int] = context.Queue()
    stop = context.Event()
    child = context.Process(target=serve_fleet, args=(ports, stop), daemon=True)
    child.start()
    try:
        port = ports.get(timeout=60)
        scenario("scenario 1: the rest closed", port, args.timeout, args.sample, dropped=False)
        with drop_rule(port) as dropped:
            if dropped:
                scenario(f"scenario 2: {DROPPED} DROPped (absent hosts)", port, args.timeout, args.sample, True)
            else:
                print("\n(scenario 2 skipped: needs root and iptables)")
        memory(port, args.timeout)
    finally:
        stop.set()
        child.join(timeout=30)


if __name__ == "__main__":
    main()
