package dtl

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/fernet/fernet-go"
	"github.com/sluice-sync/sluice/pipes"
)

// The encryption family: encrypt, decrypt (Fernet with a password),
// encrypt-pki, decrypt-pki (RSA); encrypt-pgp and decrypt-pgp (OpenPGP)
// are in fn_pgp.go.
//
// Decisions where the reference is silent:
//   - encrypt derives the 32-byte Fernet key as SHA-256 of the KEY string
//     ("the key as the password"), serialises the whole VALUES argument as
//     transit-encoded JSON and returns one bytes value holding the Fernet
//     token; decrypt reverses that for each bytes (or token string) in
//     VALUES. So ["decrypt", K, ["encrypt", K, ["list", "a", "b"]]] gives
//     back ["a", "b"], as the reference shows.
//   - encrypt-pki/decrypt-pki use RSA-OAEP with SHA-256 (and MGF1
//     SHA-256), one ciphertext per string.
//   - A KEY that is not a string, a key that does not parse, a token that
//     does not decrypt with the key and a string too long for RSA are
//     errors: silently dropping data in a security function would hide a
//     misconfiguration. A null VALUES gives null; values of other types
//     are dropped.

// Example keys only: generated for the function examples, protecting
// nothing.
const (
	examplePublicKey = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqVMXuuW0ekbECsRDm1Z+
dZVSVHWB/k7MU/Dkv5qK7secQZhNchGNJma1GChJcYKm82qXrgmzPKVbrYshIUJc
6W1zgVlkBkwQBzrp10MXZB3/rr5s2EvqLLhyb9leV7hs9Z4cgk5sxA3UzVzdARVc
WEriVNqmW6ofVx0uKxczXqYanzTkcpbDAhBfkK0NCBQIgJHoH/8ThbvGPAFN3DP5
XQZEfRING8+2Cpt7rMq6kYN3Wl3elN9uxRQbYrnSwKFZ2uwbvTmltdzbIjlVCBb9
nouHIOL83Sk+e5Ig3vL1kPpg6IkCAlFP2fhDqjrXfeD1u7fQEQwZXWprjk4F3vG/
CQIDAQAB
-----END PUBLIC KEY-----
`
	examplePrivateKey = `-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAqVMXuuW0ekbECsRDm1Z+dZVSVHWB/k7MU/Dkv5qK7secQZhN
chGNJma1GChJcYKm82qXrgmzPKVbrYshIUJc6W1zgVlkBkwQBzrp10MXZB3/rr5s
2EvqLLhyb9leV7hs9Z4cgk5sxA3UzVzdARVcWEriVNqmW6ofVx0uKxczXqYanzTk
cpbDAhBfkK0NCBQIgJHoH/8ThbvGPAFN3DP5XQZEfRING8+2Cpt7rMq6kYN3Wl3e
lN9uxRQbYrnSwKFZ2uwbvTmltdzbIjlVCBb9nouHIOL83Sk+e5Ig3vL1kPpg6IkC
AlFP2fhDqjrXfeD1u7fQEQwZXWprjk4F3vG/CQIDAQABAoIBAAKSG2MgB6xvlJxh
PHGIT6UzXiugGRgmVB3WI3LxQri7WRj52fsoXw89MfSq7+qEREqfzKu8w/bgv9KT
sS4TFtwIaF+HXuhlkTy63UACacGAXxhlFbv28xg4uKwQDcmhKC5WdzJXRHl5iEiR
510T2PISOPt20l3D6HPnIoNO992w+4kOgjVGeuIXG90E8uJ4NY3Z7Zd/AEHfpFRA
tQfLjfF5iEU2bmj7WwNmqgHKzcTvwf0lydV/Hwi4aAq5mLQguGSvjjeFpG3d7mV2
SzpfUf2rleq/NFpq4e8zjiRfj8FV60OcjMLDku1iaBc2g2PhDkV5QPr9P3AHJoku
+fx6kAECgYEA7FH+tBHoOLEo7pmR1hAHqNnXZpLyEXpNWUqgcBtXLNJt5DCt3lQN
M1DB1D7SVyvy0eNuJhY0v3Lm/MAOAePEuIJ/wQAc7LDwVQmIeM+vCXyCP3NUvhrw
S6HzZ9gbBb9mxUCtDNcJmjdYD0VzpR7M1Ljh9B69sroDXy2cFtt+pgECgYEAt2zY
udL/SZclM7K3aYv2wWeRvaWZCQYN5Bf2Rtqyq9vGfvsqY+6rnQgl9o5v4cqLAVcX
FxpWKIsuNcHlVncf57zHM5x5GeKcsoF8dBrvMV6bhl7LdB09vx0pDfMb080HfWqs
Q4+JI8O61xi5JeuzF96uHsdH2+PUgd8l7Rhn6QkCgYAmsepdu8zlc4S7ROQPRAKt
EDZn8km2uOrvYvvQP3nPugkKYzok/GhI7cE/KqYwZd7VpULE87/hVUQjQKNKhewR
NjUK+iTCUNqZYf05ovALQprlHtJSaoDMMZF0gHs0PrnqNIPhZViKKuO9ZGbiM5/g
eQFugpYXLMQeko5LY9diAQKBgHZrkHRQE78oFL2OyTkcQr/UpNQCgI3B2eAD1F0k
PqwTpNBASbrg0Oz94LyQcw0cHahM2LxypWNhkADm4LB1EiUjzJu2jry2gCIC1R2E
ch62jMQwmTuq0T18jw/Rf4q7WPWQlAy+M3TindLWxFoGFMb5XgLC99KwAXejYLH0
ysk5AoGBAMG0oew0ze9SKi3VuMLg9kI3s1QSt3s92446RD6vtsGGCiVrgIyuDk8C
HJvKDrPtC8TK7lXbPLFgpMfnfgMbvSk3NgW6cnCP8A4aSpvUwOfmnKWzkEJfGrzs
4damn+gpHYnMa+2NXsblxFpmx+ygk4FIRSyTVjxl6QXka6cttJ3a
-----END RSA PRIVATE KEY-----
`
)

func init() {
	pub := string(appendPyString(nil, examplePublicKey))
	priv := string(appendPyString(nil, examplePrivateKey))
	RegisterFunc(&Func{
		Name: "encrypt", Family: "encryption",
		Args: "KEY(string{1}), VALUES(value-expression{1})",
		Doc: "Encrypts VALUES as a whole with the symmetric Fernet algorithm, using KEY as the password, and returns one bytes value. " +
			"Not end-to-end security: the key is stored with the configuration.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["is-bytes", ["encrypt", "secret", ["list", "a", "b", "c"]]]`, Want: `true`},
			{Expr: `["eq", ["encrypt", "secret", "a"], ["encrypt", "secret", "a"]]`, Want: `false`},
			{Expr: `["encrypt", "secret", null]`, Want: `null`},
		},
		Check: checkStringArg("KEY"),
		Eval: func(c *Ctx, args []Value) (Value, error) {
			k, err := fernetKey("encrypt", args[0])
			if err != nil {
				return nil, err
			}
			if args[1] == nil {
				return nil, nil
			}
			tok, err := fernet.EncryptAndSign(EncodeJSON(args[1]), k)
			if err != nil {
				return nil, Errorf("encrypt: %v", err)
			}
			return Bytes(tok), nil
		},
	})
	RegisterFunc(&Func{
		Name: "decrypt", Family: "encryption",
		Args:    "KEY(string{1}), VALUES(value-expression{1})",
		Doc:     "Decrypts each bytes value (or token string) made by encrypt with the same KEY and returns the value that was encrypted. A token that does not decrypt with KEY is an error.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["decrypt", "secret", ["encrypt", "secret", ["list", "a", "b", "c"]]]`, Want: `["a", "b", "c"]`},
			{Expr: `["decrypt", "secret", ["list", ["encrypt", "secret", "~t2015-07-28T09:46:00Z"], 1, ["encrypt", "secret", {"a": "~f1.5"}]]]`,
				Want: `["~t2015-07-28T09:46:00Z", {"a": "~f1.5"}]`},
			{Expr: `["decrypt", "secret", ["string", ["encrypt", "secret", "a"]]]`, Want: `"a"`},
			{Expr: `["decrypt", "secret", null]`, Want: `null`},
		},
		Check: checkStringArg("KEY"),
		Eval: func(c *Ctx, args []Value) (Value, error) {
			k, err := fernetKey("decrypt", args[0])
			if err != nil {
				return nil, err
			}
			return mapWithError(args[1], func(v Value) (Value, bool, error) {
				var tok []byte
				switch x := v.(type) {
				case Bytes:
					tok = x
				case string:
					tok = []byte(x)
				default:
					return nil, false, nil
				}
				msg := fernetDecrypt(tok, k)
				if msg == nil {
					return nil, false, Errorf("decrypt: the value is not a token encrypted with this key")
				}
				r, err := DecodeJSON(msg)
				if err != nil {
					return nil, false, Errorf("decrypt: the decrypted data is not a DTL value: %v", err)
				}
				return r, true, nil
			})
		},
	})
	RegisterFunc(&Func{
		Name: "encrypt-pki", Family: "encryption",
		Args: "PUBLIC_KEY(string{1}), VALUES(value-expression{1})",
		Doc: "Encrypts each string in VALUES with the RSA public key PUBLIC_KEY (PEM, \"-----BEGIN PUBLIC KEY-----\") using RSA-OAEP with SHA-256, giving one bytes value per string. " +
			"Other values are dropped (serialise them first with json or json-transit). Only short strings fit (190 bytes for a 2048-bit key).",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["is-bytes", ["encrypt-pki", ` + pub + `, "secret-passphrase"]]`, Want: `true`},
			{Expr: `["count", ["encrypt-pki", ` + pub + `, ["json-transit", ["list", "a", "b", "c"]]]]`, Want: `3`},
			{Expr: `["encrypt-pki", ` + pub + `, ["list", 1, null]]`, Want: `[]`},
		},
		Check: checkPEMArg("PUBLIC_KEY", true),
		Eval: func(c *Ctx, args []Value) (Value, error) {
			key, err := rsaKey("encrypt-pki", args[0], true)
			if err != nil {
				return nil, err
			}
			pk := key.(*rsa.PublicKey)
			return mapWithError(args[1], func(v Value) (Value, bool, error) {
				s, ok := v.(string)
				if !ok {
					return nil, false, nil
				}
				out, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pk, []byte(s), nil)
				if err != nil {
					return nil, false, Errorf("encrypt-pki: %v (a %d-bit key encrypts at most %d bytes; use encrypt for longer data)", err, pk.N.BitLen(), pk.Size()-2*sha256.Size-2)
				}
				return Bytes(out), true, nil
			})
		},
	})
	RegisterFunc(&Func{
		Name: "decrypt-pki", Family: "encryption",
		Args: "PRIVATE_KEY(string{1}), VALUES(value-expression{1})",
		Doc: "Decrypts each bytes value in VALUES made by encrypt-pki with the RSA private key PRIVATE_KEY (PEM, PKCS#1 \"-----BEGIN RSA PRIVATE KEY-----\" or PKCS#8) and returns the strings. " +
			"Other values are dropped; bytes that do not decrypt with the key are an error.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["decrypt-pki", ` + priv + `, ["encrypt-pki", ` + pub + `, "secret-passphrase"]]`, Want: `"secret-passphrase"`},
			{Expr: `["json-transit-parse", ["decrypt-pki", ` + priv + `, ["encrypt-pki", ` + pub + `, ["json-transit", ["list", ["list", "a", "b", "c"]]]]]]`,
				Want: `[["a", "b", "c"]]`},
			{Expr: `["decrypt-pki", ` + priv + `, "not bytes"]`, Want: `null`},
		},
		Check: checkPEMArg("PRIVATE_KEY", false),
		Eval: func(c *Ctx, args []Value) (Value, error) {
			key, err := rsaKey("decrypt-pki", args[0], false)
			if err != nil {
				return nil, err
			}
			sk := key.(*rsa.PrivateKey)
			return mapWithError(args[1], func(v Value) (Value, bool, error) {
				b, ok := v.(Bytes)
				if !ok {
					return nil, false, nil
				}
				out, err := rsa.DecryptOAEP(sha256.New(), nil, sk, b, nil)
				if err != nil {
					return nil, false, Errorf("decrypt-pki: the value does not decrypt with this key")
				}
				return strings.ToValidUTF8(string(out), "\ufffd"), true, nil
			})
		},
	})
}

// mapWithError is MapValues for functions that can fail on an element.
func mapWithError(v Value, fn func(Value) (Value, bool, error)) (Value, error) {
	var err error
	out := MapValues(v, func(x Value) (Value, bool) {
		if err != nil {
			return nil, false
		}
		r, ok, e := fn(x)
		if e != nil {
			err = e
			return nil, false
		}
		return r, ok
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func fernetKey(fn string, v Value) (*fernet.Key, error) {
	s, ok := First(v).(string)
	if !ok {
		return nil, Errorf("%s: KEY must be a string, got %s", fn, KindOf(First(v)))
	}
	k := fernet.Key(sha256.Sum256([]byte(s)))
	return &k, nil
}

// fernetDecrypt checks the token's size before handing it to the fernet
// package, which assumes a well-formed token once its signature checks.
func fernetDecrypt(tok []byte, k *fernet.Key) (msg []byte) {
	const minToken = 1 + 8 + 16 + 16 + 32 // version, time, IV, one block, HMAC
	if n, err := base64.URLEncoding.DecodeString(string(tok)); err != nil || len(n) < minToken || (len(n)-minToken)%16 != 0 {
		return nil
	}
	defer func() {
		if recover() != nil {
			msg = nil
		}
	}()
	return fernet.VerifyAndDecrypt(tok, 0, []*fernet.Key{k})
}

func checkStringArg(name string) func([]*pipes.Node) error {
	return func(args []*pipes.Node) error {
		switch args[0].Kind {
		case pipes.Null, pipes.Bool, pipes.Number, pipes.Object:
			return fmt.Errorf("%s must be a string", name)
		}
		return nil
	}
}

func checkPEMArg(name string, public bool) func([]*pipes.Node) error {
	return checkKeyArg(name, func(s string) error { _, err := parseRSAKey(s, public); return err })
}

// checkKeyArg refuses, at compile time, a constant key argument that is
// not a string or that parse rejects; paths are checked when they run.
func checkKeyArg(name string, parse func(string) error) func([]*pipes.Node) error {
	return func(args []*pipes.Node) error {
		a := args[0]
		switch a.Kind {
		case pipes.Null, pipes.Bool, pipes.Number, pipes.Object:
			return fmt.Errorf("%s must be a string", name)
		case pipes.String:
			if isPath(a.Str) {
				return nil
			}
			if err := parse(a.Str); err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
		}
		return nil
	}
}

// keyCache keeps up to 64 parsed keys by their text, so a key written in a
// rule is parsed once rather than for every entity.
type keyCache[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

func (c *keyCache[T]) get(key string, load func() (T, error)) (T, error) {
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= 64 {
		c.m = map[string]T{}
	}
	c.m[key] = v
	c.mu.Unlock()
	return v, nil
}

var rsaKeys keyCache[any]

// rsaKey parses (and caches) the PEM key in v.
func rsaKey(fn string, v Value, public bool) (any, error) {
	s, ok := First(v).(string)
	if !ok {
		return nil, Errorf("%s: the key must be a PEM string, got %s", fn, KindOf(First(v)))
	}
	k, err := rsaKeys.get(fmt.Sprint(public)+s, func() (any, error) { return parseRSAKey(s, public) })
	if err != nil {
		return nil, Errorf("%s: %v", fn, err)
	}
	return k, nil
}

// parseRSAKey reads an RSA key in PEM: a public key as PKIX ("PUBLIC
// KEY") or PKCS#1 ("RSA PUBLIC KEY"), a private key as PKCS#1 ("RSA
// PRIVATE KEY") or PKCS#8 ("PRIVATE KEY"). A key whose line breaks were
// stored as the two characters "\n" is accepted too.
func parseRSAKey(s string, public bool) (any, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil && strings.Contains(s, `\n`) {
		block, _ = pem.Decode([]byte(strings.ReplaceAll(s, `\n`, "\n")))
	}
	if block == nil {
		return nil, errors.New("not a PEM-encoded key")
	}
	if public {
		if k, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
			return k, nil
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("not an RSA public key: %v", err)
		}
		if rk, ok := k.(*rsa.PublicKey); ok {
			return rk, nil
		}
		return nil, errors.New("not an RSA public key")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not an RSA private key: %v", err)
	}
	if rk, ok := k.(*rsa.PrivateKey); ok {
		return rk, nil
	}
	return nil, errors.New("not an RSA private key")
}
