// Package connector expands a Sesam connector — a manifest.json naming a
// system template and, per datatype, a template — into a plain config
// folder, as sesam-py's "sesam expand" does: one file per pipe and system,
// {{@ name @}} placeholders filled from the --system value, the datatype,
// the manifest's parameters and --param values, and the manifest's
// additional_parameters left as $ENV(name) for the config loader.
//
// Templates are JSON with placeholders inside strings; every problem names
// the file, line and column of the placeholder or value at fault.
package connector
