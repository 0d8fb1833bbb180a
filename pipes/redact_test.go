package pipes_test

import "testing"

// RedactBytes hides the first n bytes of each secret (all of it for n <= 0
// or n past its end), longest secrets first.
func TestRedactBytes(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"p.json": `{"_id": "p", "type": "pipe", "comment": ["$SECRET(token)", "$SECRET(inner)", "$SECRET(utf)"],
		  "source": {"type": "embedded", "entities": []}, "sink": {"type": "dataset", "dataset": "out"}}`,
	})
	env := map[string]string{"secret:token": "s3cr3t-token-abc", "secret:inner": "token", "secret:utf": "æøå-key"}
	cfg, problems := load(t, dir, env)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for _, c := range []struct {
		n    int
		in   string
		want string
	}{
		{-1, "Bearer s3cr3t-token-abc!", "Bearer ***!"},
		{0, "s3cr3t-token-abc", "***"},
		{600, "a s3cr3t-token-abc b s3cr3t-token-abc", "a *** b ***"},
		{13, "s3cr3t-token-abc", "***abc"},
		{3, "x=token", "x=***en"},
		{1, "æøå-key", "***øå-key"}, // the cut moves to the end of the first character
		{-1, "nothing to hide", "nothing to hide"},
	} {
		if got := cfg.RedactBytes(c.in, c.n); got != c.want {
			t.Errorf("RedactBytes(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
