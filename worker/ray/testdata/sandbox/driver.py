# The driver of TestSandbox, run in a sandboxed node by `ray job submit`: it runs one Ray task
# per command file the test drops into the sandbox (/job/cmd-N, JSON {"kind", "arg"}) and
# writes what the task reports to /job/res-N.
import json
import os
import time

import ray


@ray.remote(max_retries=0)
def probe(kind, arg):
    if kind == "ping":
        return {"ip": ray.util.get_node_ip_address(), "uid": os.getuid(), "gid": os.getgid()}
    if kind == "read":
        try:
            with open(arg, "rb") as f:
                return {"read": len(f.read())}
        except OSError as e:
            return {"error": type(e).__name__, "errno": e.errno}
    if kind == "disk":  # fill /job until the tmpfs is full
        before = os.statvfs("/job")
        fd = os.open("/job/tmp/fill", os.O_WRONLY | os.O_CREAT, 0o600)
        buf, written = b"\x01" * (1 << 20), 0
        try:
            while True:
                written += os.write(fd, buf)
        except OSError as e:
            after = os.statvfs("/job")
            res = {"error": type(e).__name__, "errno": e.errno, "written": written,
                   "size": before.f_blocks * before.f_frsize, "free": after.f_bavail * after.f_frsize}
        finally:
            os.close(fd)
            os.remove("/job/tmp/fill")
        return res
    if kind == "fork":  # children that wait on a pipe, until fork fails
        r, w = os.pipe()
        forked = 0
        try:
            while True:
                if os.fork() == 0:
                    os.close(w)
                    os.read(r, 1)
                    os._exit(0)
                forked += 1
        except OSError as e:
            res = {"error": type(e).__name__, "errno": e.errno, "forked": forked}
        os.close(w)
        for _ in range(forked):
            os.wait()
        return res
    if kind == "memory":  # allocate (and touch) 64 MiB at a time, without bound
        hog = []
        while True:
            hog.append(b"\x01" * (64 << 20))
    raise ValueError(kind)


ray.init()
n = 0
while True:
    cmd = f"/job/cmd-{n}"
    if not os.path.exists(cmd):
        time.sleep(0.05)
        continue
    with open(cmd) as f:
        c = json.load(f)
    try:
        res = ray.get(probe.remote(c["kind"], c.get("arg")))
    except Exception as e:
        res = {"task_error": type(e).__name__}
    with open(f"/job/res-{n}.tmp", "w") as f:
        json.dump(res, f)
    os.rename(f"/job/res-{n}.tmp", f"/job/res-{n}")
    n += 1
