package dtl

import (
	"strings"
	"testing"
)

func TestPhonenumberErrors(t *testing.T) {
	src := `{"region": "XX", "format": "e.164", "n": 1}`
	for _, tc := range []struct{ expr, want string }{
		{`["phonenumber-parse", "XX", "22222222"]`, "unknown phone number region"},
		{`["phonenumber-format", "E.164", "~rtel:+47-22-22-22-22"]`, "unknown FORMAT_STRING"},
		{`["phonenumber-parse", "_S.region", "22222222"]`, "unknown phone number region"},
		{`["phonenumber-parse", "_S.n", "22222222"]`, "DEFAULT_REGION must be a string"},
		{`["phonenumber-format", "_S.format", "~rtel:+47-22-22-22-22"]`, "unknown FORMAT_STRING"},
		{`["phonenumber-format", "_S.n", "~rtel:+47-22-22-22-22"]`, "FORMAT_STRING must be a string"},
		{`["phonenumber-format", "e164"]`, "argument"},
	} {
		_, err := evalText(t, tc.expr, src, "", Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one mentioning %q", tc.expr, err, tc.want)
		}
	}
}

// TestPhonenumberRoundTrip: every format of a parsed number, for numbers
// of several regions.
func TestPhonenumberRoundTrip(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`["phonenumber-parse", "GB", "020 7946 0018"]`, `"~rtel:+44-20-7946-0018"`},
		{`["phonenumber-format", "national", "~rtel:+44-20-7946-0018"]`, `"020 7946 0018"`},
		{`["phonenumber-format", "national-e164", "~rtel:+44-20-7946-0018"]`, `"2079460018"`},
		{`["phonenumber-format", "isocode", "~rtel:+44-20-7946-0018"]`, `"GB"`},
		{`["phonenumber-format", "country-code", "~rtel:+44-20-7946-0018"]`, `"44"`},
		{`["phonenumber-format", "e164", ["phonenumber-parse", "SE", "08-123 456 78"]]`, `"46812345678"`},
		{`["phonenumber-format", "rfc3966", ["phonenumber-parse", "+47 22 22 22 22 ext. 12"]]`, `"tel:+47-22-22-22-22;ext=12"`},
		{`["phonenumber-parse", "NO", ["list", "", "+", "++47", "tel:", "~rhttp://x"]]`, `[]`},
		{`["phonenumber-parse", 22222222]`, `null`},
		{`["phonenumber-parse", "NO", -22222222]`, `null`},
	} {
		got, err := evalText(t, tc.expr, "", "", Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if want := mustDecode(t, "want", tc.want); !sameValue(got, want) {
			t.Errorf("%s\n got: %s\nwant: %s", tc.expr, EncodeJSON(got), tc.want)
		}
	}
}

// FuzzPhonenumber: no input makes parsing or formatting panic.
func FuzzPhonenumber(f *testing.F) {
	f.Add("+47 22 22 22 22", "NO")
	f.Add("tel:+1-650-253-0000;ext=1", "")
	f.Add("(650) 253-0000", "US")
	f.Fuzz(func(t *testing.T, s, region string) {
		r, err := phoneRegion(region)
		if err != nil {
			r = ""
		}
		num, ok := parsePhone(s, r)
		if !ok {
			return
		}
		for f := phoneE164; f <= phoneCountryCode; f++ {
			formatPhone(num, f)
		}
	})
}
