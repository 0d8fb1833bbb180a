// Command sluice-torture kill -9s the real sluice binary in a loop and
// checks that nothing acknowledged is lost and nothing applied twice; see
// docs/reliability.md ("The torture test").
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
