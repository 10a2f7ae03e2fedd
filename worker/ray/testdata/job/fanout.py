# One task pinned to each alive node of the cluster; prints the node IPs the tasks ran on.
import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

ray.init()


@ray.remote(num_cpus=1)
def where():
    return ray.util.get_node_ip_address()


nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"]]
ips = ray.get([where.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n, soft=False)).remote() for n in nodes])
print("ran on:", " ".join(sorted(ips)))
