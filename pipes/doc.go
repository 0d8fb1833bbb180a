// Package pipes loads a config folder: JSON files holding pipes and systems
// in Sesam's configuration format.
//
// Loading parses every file with positions (node.go), substitutes $ENV and
// $SECRET references (subst.go), decodes each object strictly into typed
// structs (decode.go) and checks the result as a whole (load.go). Every
// problem is reported at once, each naming file, line, column and the JSON
// pointer of the bad node.
//
// The package knows the shape of pipes and pumps itself; the config of each
// source, transform, sink and system type comes from the component registry
// through the small ComponentTypes interface, so this package imports no
// component code.
package pipes
