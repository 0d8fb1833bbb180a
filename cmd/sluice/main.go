// Command sluice is a declarative data sync engine: JSON pipes move entities
// from sources through DTL and REST transforms into sinks, keeping every
// result as versioned datasets.
package main

import (
	"os"

	"github.com/sluice-sync/sluice/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
