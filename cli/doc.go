// Package cli is sluice's command line: one file per subcommand. Run takes
// the arguments and streams as parameters so tests drive it in-process.
package cli
