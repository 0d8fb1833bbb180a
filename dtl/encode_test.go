package dtl

import "testing"

// encodeSample has a member for each thing the encode options change:
// key order, a list, a decimal, NIs with and without a namespace, \b and
// \f, a string that needs transit escaping, bytes and a URI.
const encodeSample = `{"z": "~t2015-07-28T09:46:00.12345Z", "a": [2.0, "~f1.50", "~:bar", "~:foo:bar"], "m": "\u00e6\b\f", "s": "~~t", "k": "~bYWJj", "u": "~rhttp://x/"}`

// TestEncodeOptions writes the same value under each option alone and
// under the two forms the package uses, so each knob is seen to change
// only its own part of the text.
func TestEncodeOptions(t *testing.T) {
	cases := []struct {
		name string
		o    encodeOptions
		raw  bool // encode DecodeEntity's dict, whose members stay raw
		want string
	}{
		{"transit", encodeOptions{}, false,
			`{"z":"~t2015-07-28T09:46:00.12345Z","a":[2.0,"~f1.50","~:bar","~:foo:bar"],"m":"æ\u0008\u000c","s":"~~t","k":"~bYWJj","u":"~rhttp://x/"}`},
		// Raw members are copied as they came, escapes and spacing and all.
		{"transit raw", encodeOptions{}, true,
			`{"z":"~t2015-07-28T09:46:00.12345Z","a":[2.0, "~f1.50", "~:bar", "~:foo:bar"],"m":"\u00e6\b\f","s":"~~t","k":"~bYWJj","u":"~rhttp://x/"}`},
		// Any other form decodes them.
		{"spaced raw", encodeOptions{spaced: true}, true,
			`{"z": "~t2015-07-28T09:46:00.12345Z", "a": [2.0, "~f1.50", "~:bar", "~:foo:bar"], "m": "æ\u0008\u000c", "s": "~~t", "k": "~bYWJj", "u": "~rhttp://x/"}`},
		{"sortKeys", encodeOptions{sortKeys: true}, false,
			`{"a":[2.0,"~f1.50","~:bar","~:foo:bar"],"k":"~bYWJj","m":"æ\u0008\u000c","s":"~~t","u":"~rhttp://x/","z":"~t2015-07-28T09:46:00.12345Z"}`},
		{"plain", encodeOptions{plain: true}, false,
			`{"z":"2015-07-28T09:46:00.12345Z","a":[2.0,1.50,"bar","foo:bar"],"m":"æ\u0008\u000c","s":"~t","k":"YWJj","u":"http://x/"}`},
		{"shortEscapes", encodeOptions{shortEscapes: true}, false,
			`{"z":"~t2015-07-28T09:46:00.12345Z","a":[2.0,"~f1.50","~:bar","~:foo:bar"],"m":"æ\b\f","s":"~~t","k":"~bYWJj","u":"~rhttp://x/"}`},
		{"niColon", encodeOptions{niColon: true}, false,
			`{"z":"~t2015-07-28T09:46:00.12345Z","a":[2.0,"~f1.50","~::bar","~:foo:bar"],"m":"æ\u0008\u000c","s":"~~t","k":"~bYWJj","u":"~rhttp://x/"}`},
		{"json-transit", pyJSON, true,
			`{"a": [2.0, "~f1.50", "~::bar", "~:foo:bar"], "k": "~bYWJj", "m": "æ\b\f", "s": "~~t", "u": "~rhttp://x/", "z": "~t2015-07-28T09:46:00.12345Z"}`},
		{"json", encodeOptions{spaced: true, sortKeys: true, shortEscapes: true, niColon: true, plain: true}, true,
			`{"a": [2.0, 1.50, ":bar", "foo:bar"], "k": "YWJj", "m": "æ\b\f", "s": "~t", "u": "http://x/", "z": "2015-07-28T09:46:00.12345Z"}`},
	}
	value := func(raw bool) Value {
		if raw {
			d, err := DecodeEntity([]byte(encodeSample))
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		v, err := DecodeJSON([]byte(encodeSample))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range cases {
		if got := string(tc.o.append(nil, value(tc.raw))); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	// The entry points pick those forms.
	for _, c := range []struct {
		name      string
		got, want string
	}{
		{"AppendJSON", string(AppendJSON(nil, value(false))), cases[0].want},
		{"appendPyJSON transit", string(appendPyJSON(nil, value(false), true)), cases[len(cases)-2].want},
		{"appendPyJSON plain", string(appendPyJSON(nil, value(false), false)), cases[len(cases)-1].want},
	} {
		if c.got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, c.got, c.want)
		}
	}
}

// benchValue is BenchEntity decoded to values, so encoding walks every
// member instead of copying raw bytes.
func benchValue(b *testing.B) Value {
	v, err := DecodeJSON(BenchEntity(42))
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkAppendJSON is the transit encoding entities leave the DTL in.
func BenchmarkAppendJSON(b *testing.B) {
	v := benchValue(b)
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = AppendJSON(buf[:0], v)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkAppendJSONRaw encodes a decoded entity whose members are still
// raw, as after "copy *".
func BenchmarkAppendJSONRaw(b *testing.B) {
	d, err := DecodeEntity(BenchEntity(42))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = AppendJSON(buf[:0], d)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkJSONFunc is the text of the json and json-transit functions.
func BenchmarkJSONFunc(b *testing.B) {
	v := benchValue(b)
	for _, transit := range []bool{false, true} {
		name := "json"
		if transit {
			name = "json-transit"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				buf = appendPyJSON(buf[:0], v, transit)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}
