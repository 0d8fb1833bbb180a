// Package torture is the reliability torture behind cmd/sluice-torture. It
// runs the real sluice binary, kills it with SIGKILL at random moments in
// three scenarios — receivers under concurrent load, a long pump, and a
// webhook sink against a flaky receiver — and checks after every restart
// that nothing acknowledged was lost and nothing was applied twice.
//
// Every random choice comes from one seed, so a failing run can be replayed
// (the moments of the kills relative to the work done still depend on the
// machine's speed). Violations are printed as they are found, with what is
// needed to debug them; the figures come at the end.
package torture
