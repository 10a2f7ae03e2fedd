# The renter's job across a replacement: a task on each alive node; then, once the replacement
# node (its IP, argv[1]) joined, a task on each alive node but the dropped one (argv[2]).
# Prints the node IPs of each round.
import sys
import time

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

ray.init()
replacement, dropped = sys.argv[1], sys.argv[2]


@ray.remote(num_cpus=1, max_retries=5)
def where():
    return ray.util.get_node_ip_address()


def run_on(nodes):
    refs = [where.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote() for n in nodes]
    return " ".join(sorted(ray.get(refs)))


def alive(but=None):
    return [n for n in ray.nodes() if n["Alive"] and n["NodeManagerAddress"] != but]


print("before:", run_on(alive()), flush=True)
deadline = time.time() + 300
while not any(n["NodeManagerAddress"] == replacement for n in alive(dropped)):
    if time.time() > deadline:
        sys.exit("the replacement never joined")
    time.sleep(0.5)
print("after:", run_on(alive(dropped)), flush=True)
