package torture

import (
	"strings"
	"testing"
)

func TestCopyDiff(t *testing.T) {
	good := `{"_id":"e0000016","n":16,"bio":"` + srcBio(16) + `","label":"ENTITY 16","n2":32,"copy":2,"_deleted":false,"_hash":"h","_previous":null,"_ts":1,"_updated":16}`
	if d := copyDiff([]byte(good), 16, 2); d != "" {
		t.Fatalf("want no difference, got %s", d)
	}
	for _, c := range []struct{ entity, want string }{
		{strings.Replace(good, `"n2":32`, `"n2":33`, 1), "n2 is 33, want 32"},
		{strings.Replace(good, `"copy":2`, `"copy":1`, 1), "copy is 1, want 2"},
		{strings.Replace(good, `"label":"ENTITY 16",`, `"label":"ENTITY 16","name":"entity 16",`, 1), "unexpected property name"},
		{strings.Replace(good, `"bio":"`+srcBio(16)+`",`, "", 1), "1 of the 8 expected properties are missing"},
		{strings.Replace(good, `"_previous":null`, `"_previous":3`, 1), "_previous is 3, want null"},
	} {
		if d := copyDiff([]byte(c.entity), 16, 2); !strings.Contains(d, c.want) {
			t.Errorf("want %q, got %q", c.want, d)
		}
	}
}
