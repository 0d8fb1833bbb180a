//go:build !linux

package torture

import "syscall"

// childAttr: without Pdeathsig, children are killed by killAll only.
func childAttr() *syscall.SysProcAttr { return nil }
