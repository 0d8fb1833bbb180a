package torture

import "syscall"

// childAttr makes the kernel kill a child when this process dies, even by
// SIGKILL, so no sluice outlives the torture.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
