"""What coroscope_probe costs a Python program: N tasks, each with three steps (two
awaits), gathered. Run it plain and through the probe and compare the CPU time:

    python3 bench/probe_overhead.py 20000
    PYTHONPATH=python python3 -m coroscope_probe bench/probe_overhead.py 20000
"""
import asyncio
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000


async def work():
    await asyncio.sleep(0)
    await asyncio.sleep(0.001)
    return 1


async def main():
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(asyncio.create_task(work()) for _ in range(N)))
    print("%d tasks: %.3f s wall, %.3f s cpu" % (N, time.perf_counter() - wall, time.process_time() - cpu), flush=True)


asyncio.run(main())
