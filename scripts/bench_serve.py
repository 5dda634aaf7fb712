"""Benchmark of `chainer-spiral serve`: paint requests alone and 32 at once, against the real CLI.

Starts ``chainer-spiral serve`` in a subprocess with one painter, then
1. paints ``--sequential`` pictures one after the other: the time from the request to its first
   stroke (the first ``step`` line of the stream) and to the whole drawing (``done``);
2. sends ``--concurrent`` paint requests at once, ``--rounds`` times: every one must be answered,
   painted (200) or refused as busy (429), with no other status and no error event; the same
   times for the painted ones, and the server's RSS (psutil) before the first round, after each
   and at its highest (sampled every 50 ms).

    .venv/bin/python scripts/bench_serve.py [--painter mnist_conditional64] [--queue 8]

Prints the figures as Markdown lines for docs/benchmarks.md.
"""
import argparse
import asyncio
import io
import json
import platform
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import psutil
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]


def seven(size=256):
    """A '7' as the page's pad sends it: black strokes 18 px wide on white, PNG bytes."""
    image = Image.new('L', (size, size), 255)
    draw = ImageDraw.Draw(image)
    draw.line([(64, 51), (192, 51), (115, 218)], fill=0, width=18, joint='curve')
    out = io.BytesIO()
    image.save(out, 'PNG')
    return out.getvalue()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_server(args, port):
    command = [sys.executable, '-m', 'chainer_spiral.cli', 'serve', '--port', str(port),
               '--painters', args.painter, '--workers', str(args.workers),
               '--queue', str(args.queue)]
    server = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f'http://127.0.0.1:{port}/api/painters').status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f'bench_serve: the server did not start ({" ".join(command)})')
        time.sleep(0.2)


async def paint_once(client, url, picture, seed):
    """(status, seconds to the first stroke, seconds to the whole drawing, error or None)."""
    start = time.perf_counter()
    first = None
    async with client.stream('POST', url, params={'seed': seed}, content=picture) as response:
        if response.status_code != 200:
            await response.aread()
            return response.status_code, None, None, None
        async for line in response.aiter_lines():
            event = json.loads(line) if line else {}
            if event.get('event') == 'step' and first is None:
                first = time.perf_counter() - start
            elif event.get('event') == 'error':
                return 200, first, None, event['message']
    return 200, first, time.perf_counter() - start, None


class RssSampler:
    """The highest RSS of a process, sampled every 50 ms while running."""

    def __init__(self, process):
        self.process, self.peak, self.running = process, process.memory_info().rss, True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


def percentiles(values):
    if not values:
        return 'none'
    p50, p95 = np.percentile(np.array(values) * 1000, [50, 95])
    return f'p50 {p50:.0f} ms, p95 {p95:.0f} ms (n = {len(values)})'


async def bench(args, port, server):
    url = f'http://127.0.0.1:{port}/api/painters/{args.painter}/paint'
    picture = seven()
    process = psutil.Process(server.pid)
    limits = httpx.Limits(max_connections=args.concurrent + 4)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        await paint_once(client, url, picture, 0)  # warm-up: first calls allocate
        alone = [await paint_once(client, url, picture, s) for s in range(args.sequential)]
        rss = [process.memory_info().rss]
        sampler = RssSampler(process)
        burst = []
        for r in range(args.rounds):
            burst += await asyncio.gather(*(paint_once(client, url, picture, 1000 * r + i)
                                            for i in range(args.concurrent)))
            rss.append(process.memory_info().rss)
        peak = sampler.stop()
    return alone, burst, rss, peak


def report(args, alone, burst, rss, peak):
    statuses = [b[0] for b in burst]
    errors = [b[3] for b in burst if b[3]] + [s for s in statuses if s not in (200, 429)]
    painted = [b for b in burst if b[0] == 200 and b[3] is None]
    mib = [f'{v / 2 ** 20:.0f}' for v in rss]
    lines = [
        f'- command: `{" ".join(["python"] + sys.argv)}`',
        f'- machine: {platform.node()}, {psutil.cpu_count()} CPUs, Python '
        f'{platform.python_version()}; date {time.strftime("%Y-%m-%d")}',
        f'- painter {args.painter}, server --workers {args.workers} --queue {args.queue}',
        f'- alone ({args.sequential} requests one after the other): first stroke '
        f'{percentiles([a[1] for a in alone])}; whole drawing '
        f'{percentiles([a[2] for a in alone])}',
        f'- {args.concurrent} at once x {args.rounds} rounds: {len(burst)} answered, '
        f'{len(painted)} painted, {statuses.count(429)} busy (429), {len(errors)} errors',
        f'- painted under load: first stroke {percentiles([b[1] for b in painted])}; whole '
        f'drawing {percentiles([b[2] for b in painted])}',
        f'- server RSS (MiB): before {mib[0]}, after each round {", ".join(mib[1:])}, '
        f'highest {peak / 2 ** 20:.0f}',
    ]
    print('\n'.join(lines))
    return 0 if len(burst) == args.concurrent * args.rounds and not errors else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--painter', default='mnist_conditional64',
                        help='a conditional shipped painter (default: the 64 x 64 MNIST one)')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--queue', type=int, default=8)
    parser.add_argument('--concurrent', type=int, default=32)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--sequential', type=int, default=20)
    args = parser.parse_args(argv)
    port = free_port()
    server = start_server(args, port)
    try:
        results = asyncio.run(bench(args, port, server))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return report(args, *results)


if __name__ == '__main__':
    sys.exit(main())
