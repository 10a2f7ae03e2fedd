package ray_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gpunet/gpunet/worker/ray"
)

func TestLimitsFor(t *testing.T) {
	sized := ray.Spec{MemoryBytes: 4 << 30, ObjectStore: 1 << 30}
	require.Equal(t, ray.Limits{MemoryBytes: 7 << 30, Pids: 4096, DiskBytes: 10 << 30}, ray.Limits{}.For(sized, 64<<30))
	require.Equal(t, ray.Limits{MemoryBytes: 48 << 30, Pids: 4096, DiskBytes: 10 << 30}, ray.Limits{}.For(ray.Spec{}, 64<<30))
	set := ray.Limits{MemoryBytes: 1, Pids: 2, DiskBytes: 3}
	require.Equal(t, set, set.For(sized, 64<<30))
}

func TestCgroupPlan(t *testing.T) {
	self := "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/x\n3:cpu,cpuacct:/\n0::/\n"
	cg, err := ray.CgroupPlan("/sys/fs/cgroup", false, self, "gpunet-ray-ab")
	require.NoError(t, err)
	require.Equal(t, ray.Cgroups{Version: 1, Dirs: []string{"/sys/fs/cgroup/pids/gpunet-ray-ab", "/sys/fs/cgroup/memory/process_api/x/gpunet-ray-ab"}}, cg)
	l := ray.Limits{MemoryBytes: 3 << 30, Pids: 4096, DiskBytes: 10 << 30}
	require.Equal(t, [][2]string{
		{"/sys/fs/cgroup/pids/gpunet-ray-ab/pids.max", "4096"},
		{"/sys/fs/cgroup/memory/process_api/x/gpunet-ray-ab/memory.limit_in_bytes", "3221225472"},
		{"/sys/fs/cgroup/memory/process_api/x/gpunet-ray-ab/memory.memsw.limit_in_bytes", "3221225472"}, // after the limit: never below it
	}, ray.CgroupFiles(cg, l))

	_, err = ray.CgroupPlan("/sys/fs/cgroup", false, "8:pids:/\n", "gpunet-ray-ab")
	require.EqualError(t, err, "ray sandbox: the worker is in no memory cgroup (/proc/self/cgroup): enable the cgroup v1 memory controller")

	cg, err = ray.CgroupPlan("/sys/fs/cgroup", true, "0::/system.slice/w.service\n", "gpunet-ray-ab")
	require.NoError(t, err)
	require.Equal(t, ray.Cgroups{Version: 2, Dirs: []string{"/sys/fs/cgroup/gpunet-ray/gpunet-ray-ab"}}, cg)
	require.Equal(t, [][2]string{
		{"/sys/fs/cgroup/gpunet-ray/gpunet-ray-ab/pids.max", "4096"},
		{"/sys/fs/cgroup/gpunet-ray/gpunet-ray-ab/memory.max", "3221225472"},
		{"/sys/fs/cgroup/gpunet-ray/gpunet-ray-ab/memory.swap.max", "0"},
	}, ray.CgroupFiles(cg, l))
}

func TestNodeUID(t *testing.T) {
	require.Equal(t, 2_000_000_000, ray.NodeUID(make([]byte, 32)))
	h := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	require.Equal(t, 2_000_000_000+int(uint64(1<<48-1)%100_000_000), ray.NodeUID(h))
	passwd, group := ray.Accounts(2000000007)
	require.Equal(t, "root:x:0:0:root:/root:/usr/sbin/nologin\nray:x:2000000007:2000000007:ray:/job:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", passwd)
	require.Equal(t, "root:x:0:\nray:x:2000000007:\nnogroup:x:65534:\n", group)
}

func TestBwrapArgs(t *testing.T) {
	spec := ray.Spec{Job: "J", Head: true, IP: "10.0.0.2", PortBase: 30000, CPUs: 2, GPUs: 1}
	rootFS := map[string]string{"/bin": "usr/bin", "/lib": "usr/lib", "/lib64": "usr/lib64", "/sbin": "usr/sbin"}
	got := ray.BwrapArgs(spec, "/tmp/gpunet-ray-0/ab", "/opt/gpunet/venv/ray", "/root/.pyenv/versions/3.11.7", "/usr/bin/setpriv",
		rootFS, []string{"/dev/nvidia0", "/dev/nvidiactl"}, 2000000007, ray.Limits{MemoryBytes: 3 << 30, Pids: 4096, DiskBytes: 10 << 30})
	want := "--unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup-try --new-session --info-fd 3 --ro-bind /usr /usr " +
		"--symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib --symlink usr/lib64 /lib64 " +
		"--perms 0755 --dir /etc " +
		"--ro-bind-try /etc/resolv.conf /etc/resolv.conf --ro-bind-try /etc/hosts /etc/hosts --ro-bind-try /etc/host.conf /etc/host.conf " +
		"--ro-bind-try /etc/nsswitch.conf /etc/nsswitch.conf --ro-bind-try /etc/gai.conf /etc/gai.conf --ro-bind-try /etc/ssl /etc/ssl " +
		"--ro-bind-try /etc/ca-certificates /etc/ca-certificates --ro-bind-try /etc/ld.so.cache /etc/ld.so.cache --ro-bind-try /etc/ld.so.conf /etc/ld.so.conf " +
		"--ro-bind-try /etc/ld.so.conf.d /etc/ld.so.conf.d --ro-bind-try /etc/localtime /etc/localtime --ro-bind-try /etc/alternatives /etc/alternatives " +
		"--ro-bind /tmp/gpunet-ray-0/ab/passwd /etc/passwd --ro-bind /tmp/gpunet-ray-0/ab/group /etc/group " +
		"--perms 0755 --dir /root --perms 0755 --dir /root/.pyenv --perms 0755 --dir /root/.pyenv/versions " +
		"--ro-bind /root/.pyenv/versions/3.11.7 /root/.pyenv/versions/3.11.7 " +
		"--perms 0755 --dir /opt --perms 0755 --dir /opt/gpunet --perms 0755 --dir /opt/gpunet/venv --ro-bind /opt/gpunet/venv/ray /opt/gpunet/venv/ray " +
		"--proc /proc --dev /dev --dev-bind /dev/nvidia0 /dev/nvidia0 --dev-bind /dev/nvidiactl /dev/nvidiactl " +
		"--perms 1777 --size 3221225472 --tmpfs /dev/shm --perms 1777 --size 10737418240 --tmpfs /job --perms 1777 --dir /job/tmp --symlink /job/tmp /tmp " +
		"--perms 0755 --dir /run --perms 0755 --dir /run/gpunet --ro-bind /tmp/gpunet-ray-0/ab/token /run/gpunet/token --chdir /job -- " +
		"/usr/bin/setpriv --reuid 2000000007 --regid 2000000007 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- " +
		"/opt/gpunet/venv/ray/bin/python /opt/gpunet/venv/ray/bin/ray start --block --node-ip-address 10.0.0.2 --temp-dir /job/t"
	require.True(t, strings.HasPrefix(strings.Join(got, " "), want), strings.Join(got, " "))
	require.Contains(t, got, "--head")
	require.NotContains(t, got, "--unshare-net")     // Ray must be reachable
	require.NotContains(t, got, "--die-with-parent") // the node outlives a crashed worker, which adopts it
}
