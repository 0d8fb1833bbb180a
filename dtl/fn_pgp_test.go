package dtl

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/go-crypto/openpgp/s2k"
)

// pgpTestKey generates a key pair; pass "" leaves the private key
// unprotected.
func pgpTestKey(t *testing.T, cfg *packet.Config, pass string) (pub, priv string) {
	t.Helper()
	e, err := openpgp.NewEntity("test", "", "test@sluice.invalid", cfg)
	if err != nil {
		t.Fatal(err)
	}
	arm := func(typ string, write func(w *bytes.Buffer) error) string {
		var raw, out bytes.Buffer
		if err := write(&raw); err != nil {
			t.Fatal(err)
		}
		w, _ := armor.Encode(&out, typ, nil)
		w.Write(raw.Bytes())
		w.Close()
		return out.String()
	}
	pub = arm(openpgp.PublicKeyType, func(w *bytes.Buffer) error { return e.Serialize(w) })
	if pass != "" {
		if err := e.EncryptPrivateKeys([]byte(pass), cfg); err != nil {
			t.Fatal(err)
		}
	}
	priv = arm(openpgp.PrivateKeyType, func(w *bytes.Buffer) error { return e.SerializePrivateWithoutSigning(w, nil) })
	return pub, priv
}

// pgpEval evaluates expr with source as _S and fails on an error.
func pgpEval(t *testing.T, expr string, source Value) Value {
	t.Helper()
	v, err := pgpEvalErr(t, expr, source)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func pgpEvalErr(t *testing.T, expr string, source Value) (Value, error) {
	t.Helper()
	src := ""
	if source != nil {
		src = string(EncodeJSON(source))
	}
	return evalText(t, expr, src, "", Options{})
}

func pgpSource(kv ...any) *Dict {
	d := NewDict(len(kv) / 2)
	for i := 0; i < len(kv); i += 2 {
		d.Set(kv[i].(string), kv[i+1])
	}
	return d
}

// wantRuntimeError checks that err is a runtime error mentioning msg.
func wantRuntimeError(t *testing.T, what string, err error, msg string) {
	t.Helper()
	var re *RuntimeError
	if err == nil || !errors.As(err, &re) || !strings.Contains(err.Error(), msg) {
		t.Errorf("%s: want a runtime error containing %q, got %v", what, msg, err)
	}
}

func TestPGPRoundTrip(t *testing.T) {
	big := strings.Repeat("line one\r\nlinje to æøå\n", 5000)
	src := pgpSource("pub", examplePGPPublicKey, "priv", examplePGPPrivateKey, "pass", examplePGPPassphrase,
		"big", big, "vals", List{"a", int64(1), nil, "", "b", Bytes("x"), NewDict(0)})
	v := pgpEval(t, `["decrypt-pgp", "_S.priv", "_S.pass", ["encrypt-pgp", "_S.pub", "_S.big"]]`, src)
	if v != big {
		t.Errorf("big text does not survive the round trip (%d bytes back)", len(EncodeJSON(v)))
	}
	msgs := pgpEval(t, `["encrypt-pgp", "_S.pub", "_S.vals"]`, src)
	l, ok := msgs.(List)
	if !ok || len(l) != 3 {
		t.Fatalf("encrypting a mixed list gives one message per string, got %s", EncodeJSON(msgs))
	}
	for _, m := range l {
		if s, _ := m.(string); !strings.HasPrefix(s, "-----BEGIN PGP MESSAGE-----") {
			t.Errorf("not an armored message: %v", m)
		}
	}
	src.Set("msgs", List{int64(7), l[0], nil, l[1], l[2]})
	v = pgpEval(t, `["decrypt-pgp", "_S.priv", "_S.pass", "_S.msgs"]`, src)
	if !Equal(v, List{"a", "", "b"}) {
		t.Errorf("decrypting a mixed list: got %s", EncodeJSON(v))
	}
	// A key whose line breaks were stored as "\n".
	src.Set("pub1", strings.ReplaceAll(examplePGPPublicKey, "\n", `\n`))
	src.Set("priv1", strings.ReplaceAll(examplePGPPrivateKey, "\n", `\n`))
	if v := pgpEval(t, `["decrypt-pgp", "_S.priv1", "_S.pass", ["encrypt-pgp", "_S.pub1", "x"]]`, src); v != "x" {
		t.Errorf("one-line keys: got %v", v)
	}
	// A message as bytes, binary (dearmored) or armored.
	keys, err := pgpPublicKeys(examplePGPPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	arm, err := pgpEncrypt(keys, "bin")
	if err != nil {
		t.Fatal(err)
	}
	block, err := armor.Decode(strings.NewReader(arm))
	if err != nil {
		t.Fatal(err)
	}
	var bin bytes.Buffer
	bin.ReadFrom(block.Body)
	src.Set("msgs", List{Bytes(bin.Bytes()), Bytes(arm)})
	if v := pgpEval(t, `["decrypt-pgp", "_S.priv", "_S.pass", "_S.msgs"]`, src); !Equal(v, List{"bin", "bin"}) {
		t.Errorf("bytes messages: got %s", EncodeJSON(v))
	}
	// A plaintext that is not UTF-8 comes back as bytes.
	raw, err := pgpEncrypt(keys, "\xff\x00\xfe")
	if err != nil {
		t.Fatal(err)
	}
	src.Set("msgs", raw)
	if v := pgpEval(t, `["decrypt-pgp", "_S.priv", "_S.pass", "_S.msgs"]`, src); !Equal(v, Bytes("\xff\x00\xfe")) {
		t.Errorf("binary plaintext: got %s", EncodeJSON(v))
	}
}

func TestPGPUnprotectedAndRSAKeys(t *testing.T) {
	pub, priv := pgpTestKey(t, &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA}, "")
	src := pgpSource("pub", pub, "priv", priv)
	for _, pass := range []string{`null`, `""`, `"ignored"`} {
		if v := pgpEval(t, `["decrypt-pgp", "_S.priv", `+pass+`, ["encrypt-pgp", "_S.pub", "a"]]`, src); v != "a" {
			t.Errorf("unprotected key, passphrase %s: got %v", pass, v)
		}
	}
	// Encrypting to a private key block uses its public part.
	if v := pgpEval(t, `["decrypt-pgp", "_S.priv", null, ["encrypt-pgp", "_S.priv", "b"]]`, src); v != "b" {
		t.Errorf("encrypting with a private key block: got %v", v)
	}
	pub, priv = pgpTestKey(t, &packet.Config{Algorithm: packet.PubKeyAlgoRSA, RSABits: 2048}, "rsa pass")
	src = pgpSource("pub", pub, "priv", priv)
	if v := pgpEval(t, `["decrypt-pgp", "_S.priv", "rsa pass", ["encrypt-pgp", "_S.pub", ["list", "c", "d"]]]`, src); !Equal(v, List{"c", "d"}) {
		t.Errorf("RSA key: got %s", EncodeJSON(v))
	}
}

func TestPGPErrors(t *testing.T) {
	otherPub, otherPriv := pgpTestKey(t, &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA}, "other")
	keys, err := pgpPublicKeys(examplePGPPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := pgpEncrypt(keys, "secret")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(msg, "\n")
	truncated := strings.Join(append(lines[:2:2], lines[len(lines)-3:]...), "\n")
	body := []byte(msg)
	i := bytes.IndexByte(body[len("-----BEGIN PGP MESSAGE-----\n\n"):], '\n') + len("-----BEGIN PGP MESSAGE-----\n\n") - 5
	if body[i] == 'A' {
		body[i] = 'B'
	} else {
		body[i] = 'A'
	}
	src := pgpSource("pub", examplePGPPublicKey, "priv", examplePGPPrivateKey, "pass", examplePGPPassphrase,
		"otherpub", otherPub, "otherpriv", otherPriv, "num", int64(1), "msg", msg, "truncated", truncated, "tampered", string(body),
		"junkkey", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n")
	for _, tc := range []struct{ expr, msg string }{
		{`["decrypt-pgp", "_S.otherpriv", "other", "_S.msg"]`, "not encrypted to this key"},
		{`["decrypt-pgp", "_S.priv", "wrong", "_S.msg"]`, "wrong passphrase"},
		{`["decrypt-pgp", "_S.priv", "wrong", null]`, "wrong passphrase"},
		{`["decrypt-pgp", "_S.priv", null, "_S.msg"]`, "PASSPHRASE is empty"},
		{`["decrypt-pgp", "_S.priv", "", "_S.msg"]`, "PASSPHRASE is empty"},
		{`["decrypt-pgp", "_S.priv", "_S.num", "_S.msg"]`, "PASSPHRASE must be a string"},
		{`["decrypt-pgp", "_S.pub", "_S.pass", "_S.msg"]`, "not an OpenPGP private key"},
		{`["decrypt-pgp", "_S.junkkey", "_S.pass", "_S.msg"]`, "not an armored OpenPGP key"},
		{`["decrypt-pgp", "_S.nokey", "_S.pass", "_S.msg"]`, "PRIVATE_KEY must be"},
		{`["decrypt-pgp", "_S.priv", "_S.pass", "not a message"]`, "not an OpenPGP message"},
		{`["decrypt-pgp", "_S.priv", "_S.pass", ["bytes", "not a message"]]`, "not an OpenPGP message"},
		{`["decrypt-pgp", "_S.priv", "_S.pass", ["list", "_S.msg", "x"]]`, "not an OpenPGP message"},
		{`["decrypt-pgp", "_S.priv", "_S.pass", "_S.pub"]`, "expected an OpenPGP message"},
		{`["decrypt-pgp", "_S.priv", "_S.pass", "_S.truncated"]`, "decrypt-pgp"},
		{`["decrypt-pgp", "_S.priv", "_S.pass", "_S.tampered"]`, "decrypt-pgp"},
		{`["encrypt-pgp", "_S.junkkey", "a"]`, "not an armored OpenPGP key"},
		{`["encrypt-pgp", "not a key", "a"]`, "not an armored OpenPGP key"},
		{`["encrypt-pgp", "_S.nokey", "a"]`, "PUBLIC_KEY must be"},
		{`["encrypt-pgp", "_S.junkkey", null]`, "not an armored OpenPGP key"},
	} {
		if strings.HasPrefix(tc.expr, `["encrypt-pgp", "not`) {
			// A constant bad key is refused when the rule compiles.
			if _, err := pgpEvalErr(t, tc.expr, src); err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s: want a compile error containing %q, got %v", tc.expr, tc.msg, err)
			}
			continue
		}
		v, err := pgpEvalErr(t, tc.expr, src)
		if v != nil {
			t.Errorf("%s: got a value %s with the error", tc.expr, EncodeJSON(v))
		}
		wantRuntimeError(t, tc.expr, err, tc.msg)
	}
	// Constant arguments are checked when the rule compiles.
	for _, expr := range []string{
		`["encrypt-pgp", 1, "a"]`,
		`["encrypt-pgp", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n", "a"]`,
		`["decrypt-pgp", "garbage", "p", "a"]`,
		`["decrypt-pgp", ` + string(appendPyString(nil, examplePGPPublicKey)) + `, "p", "a"]`,
		`["decrypt-pgp", ` + string(appendPyString(nil, examplePGPPrivateKey)) + `, 1, "a"]`,
	} {
		_, err := pgpEvalErr(t, expr, nil)
		var re *RuntimeError
		if err == nil || errors.As(err, &re) {
			t.Errorf("%.60s: want a compile error, got %v", expr, err)
		}
	}
	// The right key still works after the failures (nothing bad was cached).
	if v := pgpEval(t, `["decrypt-pgp", "_S.priv", "_S.pass", "_S.msg"]`, src); v != "secret" {
		t.Errorf("after errors: got %v", v)
	}
}

// A private key whose passphrase protection asks for an absurd amount of
// Argon2 memory is refused instead of exhausting memory; a modest one
// unlocks.
func TestPGPArgon2Guard(t *testing.T) {
	cfg := &packet.Config{
		Algorithm:  packet.PubKeyAlgoEdDSA,
		AEADConfig: &packet.AEADConfig{},
		S2KConfig: &s2k.Config{S2KMode: s2k.Argon2S2K,
			Argon2Config: &s2k.Argon2Config{NumberOfPasses: 1, DegreeOfParallelism: 1, Memory: 64}},
	}
	pub, priv := pgpTestKey(t, cfg, "argon")
	src := pgpSource("pub", pub, "priv", priv)
	if v := pgpEval(t, `["decrypt-pgp", "_S.priv", "argon", ["encrypt-pgp", "_S.pub", "a"]]`, src); v != "a" {
		t.Fatalf("argon2-protected key: got %v", v)
	}
	// Raise the memory exponent (6: 64 KiB) in both key packets to 30.
	block, err := armor.Decode(strings.NewReader(priv))
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	raw.ReadFrom(block.Body)
	b := raw.Bytes()
	patched := 0
	for i := 0; i+19 < len(b); i++ {
		if b[i] == 4 && b[i+17] == 1 && b[i+18] == 1 && b[i+19] == 6 {
			b[i+19] = 30
			patched++
		}
	}
	if patched == 0 {
		t.Fatal("argon2 parameters not found in the key")
	}
	var out bytes.Buffer
	w, _ := armor.Encode(&out, openpgp.PrivateKeyType, nil)
	w.Write(b)
	w.Close()
	src.Set("priv", out.String())
	_, err = pgpEvalErr(t, `["decrypt-pgp", "_S.priv", "argon", null]`, src)
	wantRuntimeError(t, "argon2 memory 2^30 KiB", err, "memory")
}

// No input may panic: mangled keys and messages give errors.
func TestPGPMangledInput(t *testing.T) {
	keys, err := pgpPublicKeys(examplePGPPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := pgpEncrypt(keys, "secret")
	if err != nil {
		t.Fatal(err)
	}
	block, err := armor.Decode(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	raw.ReadFrom(block.Body)
	priv, err := pgpPrivateKeys(examplePGPPrivateKey, examplePGPPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	good := raw.Bytes()
	for i := range good {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(good)
			b[i] ^= x
			if out, err := pgpDecrypt(priv, b); err == nil && string(out) != "secret" {
				t.Errorf("flipping byte %d gave %q without an error", i, out)
			}
		}
		if _, err := pgpDecrypt(priv, good[:i]); err == nil {
			t.Errorf("a message cut at %d bytes decrypted", i)
		}
	}
	for i := 0; i < len(examplePGPPublicKey); i += 7 {
		s := examplePGPPublicKey[:i] + "x" + examplePGPPublicKey[i+1:]
		parsePGPKeys(s, false)
		parsePGPKeys(examplePGPPrivateKey[:i], true)
	}
}
