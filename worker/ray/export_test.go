package ray

// Dir is the directory of job's node.
func (r *Runner) Dir(job string) (string, error) {
	dir, _, err := r.dir(job)
	return dir, err
}

// BwrapArgs, Accounts, CgroupPlan, CgroupFiles and NodeUID expose the sandbox's pure parts.
func BwrapArgs(spec Spec, dir, venv, python, setpriv string, rootFS map[string]string, devices []string, uid int, l Limits) []string {
	return sandboxSpec{dir: dir, venv: venv, python: python, rootFS: rootFS, devices: devices, setpriv: setpriv, uid: uid, limits: l}.bwrapArgs(spec, 3)
}

func Accounts(uid int) (string, string) { return accounts(uid) }

func CgroupPlan(root string, v2 bool, self, name string) (Cgroups, error) {
	return cgroupPlan(root, v2, self, name)
}

func CgroupFiles(cg Cgroups, l Limits) [][2]string { return cg.files(l) }

func NodeUID(hash []byte) int { return nodeUID(hash) }
