package dtl

import (
	"bytes"
	goerrors "errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/sluice-sync/sluice/pipes"
)

// The OpenPGP half of the encryption family: encrypt-pgp and decrypt-pgp
// (RFC 4880 / RFC 9580, via github.com/ProtonMail/go-crypto/openpgp).
//
// Decisions where the reference is silent:
//   - encrypt-pgp encrypts each string in VALUES on its own and returns
//     one ASCII-armored "-----BEGIN PGP MESSAGE-----" string per string.
//     Other values are dropped (serialise them first with json or
//     json-transit), as encrypt-pki does. A key ring holding several
//     public keys encrypts to all of them. Messages are not signed.
//   - decrypt-pgp decrypts each armored message string (or bytes value
//     holding an armored or binary message) in VALUES and returns the
//     plaintext as a string, or as bytes when the plaintext is not valid
//     UTF-8 (a decrypted binary file should not be mangled). Other values
//     are dropped. Signatures inside a message are not checked.
//   - PASSPHRASE unlocks the private key; for a key that is not protected
//     it is ignored and may be "" or null.
//   - A key that is not an armored OpenPGP key, a public key with no
//     usable (unexpired, unrevoked) encryption key, a public key given as
//     PRIVATE_KEY, a wrong passphrase, a string that is not an OpenPGP
//     message, a message not encrypted to the key, and a message that fails
//     its integrity check are errors, as with decrypt: silently dropping
//     data in a security function would hide a misconfiguration. Messages
//     without integrity protection (the pre-2001 format) are refused.
//   - Key validity is judged at the wall-clock time. A decompressed message
//     may be at most pgpMaxPlaintext bytes, and a private key whose
//     passphrase protection asks for more Argon2 memory than
//     pgpMaxArgon2Exp allows is refused, so that no key or message can
//     exhaust memory.

// Example keys only: an ed25519/cv25519 pair generated for the function
// examples and tests, protecting nothing. The private key's passphrase is
// examplePGPPassphrase.
const (
	examplePGPPassphrase = "example-passphrase"
	examplePGPPublicKey  = `-----BEGIN PGP PUBLIC KEY BLOCK-----

xjMEXgvhABYJKwYBBAHaRw8BAQdApMJrku3ZAPyk39UYULoaBQqQN1BNCM0To1Ft
LvhUhrDNR3NsdWljZSBleGFtcGxlIChleGFtcGxlIGtleSwgcHJvdGVjdHMgbm90
aGluZykgPGV4YW1wbGVAc2x1aWNlLmludmFsaWQ+wr0EExYIAG8Fgl4L4QACCwcJ
EDuGaH4kiC6wNRQAAAAAABwAEHNhbHRAbm90YXRpb25zLm9wZW5wZ3Bqcy5vcmd3
8EVlmr9SFhPGmvBntWIUAhUIAhYAAhkBApsDAh4BFiEESrCzhYXHb3ewwMH3O4Zo
fiSILrAAACZ9AQD5Ir3NU6VDuZR73QP1ybWreCIrjoA1V3rJ1EhTmnXt3gEAmfSs
mZy+XouQ/iIt/qJtGO6zD+LR4uZvIkzpyujrOwTOOAReC+EAEgorBgEEAZdVAQUB
AQdAhlGJ4tNkZ5HrX6gF21d8GP3eIrRZx5wsV+juBhmrcj0DAQoJwq4EGBYIAGAF
gl4L4QAJEDuGaH4kiC6wNRQAAAAAABwAEHNhbHRAbm90YXRpb25zLm9wZW5wZ3Bq
cy5vcmddn/oTwjMq8JvJLV66ir+zApsMFiEESrCzhYXHb3ewwMH3O4ZofiSILrAA
APDFAP4vr+Z8k8MB9WM3NsxLK6kYe01rMLp5OYMCFhZwm9GZ5wEA9tlWBXVuyx1T
pWzN5rb75NcCBAfIiTrfJhP+fO+4Bgc=
=WDY9
-----END PGP PUBLIC KEY BLOCK-----
`
	examplePGPPrivateKey = `-----BEGIN PGP PRIVATE KEY BLOCK-----

xYYEXgvhABYJKwYBBAHaRw8BAQdApMJrku3ZAPyk39UYULoaBQqQN1BNCM0To1Ft
LvhUhrD+BwMIAMskJOoAw1fguGwTs4YjtW3iY8JemtY7riZj3+jfVp/Ig7BhwBkJ
nIdYm9D/xmEv2B1yJTChccbCgXadTEu2CPu3akh8WMlAOMMzJKChus1Hc2x1aWNl
IGV4YW1wbGUgKGV4YW1wbGUga2V5LCBwcm90ZWN0cyBub3RoaW5nKSA8ZXhhbXBs
ZUBzbHVpY2UuaW52YWxpZD7CvQQTFggAbwWCXgvhAAILBwkQO4ZofiSILrA1FAAA
AAAAHAAQc2FsdEBub3RhdGlvbnMub3BlbnBncGpzLm9yZ3fwRWWav1IWE8aa8Ge1
YhQCFQgCFgACGQECmwMCHgEWIQRKsLOFhcdvd7DAwfc7hmh+JIgusAAAJn0BAPki
vc1TpUO5lHvdA/XJtat4IiuOgDVXesnUSFOade3eAQCZ9KyZnL5ei5D+Ii3+om0Y
7rMP4tHi5m8iTOnK6Os7BMeLBF4L4QASCisGAQQBl1UBBQEBB0CGUYni02Rnketf
qAXbV3wY/d4itFnHnCxX6O4GGatyPQMBCgn+BwMIAMskJOoAw1fgdlGVVl+U1Zj9
Zxjr60Azi0CiTYP/ZI/ku8KHrLUGYV2TqriWM8vrDuKACPdY8I4Pt84BL9kZ9YtD
+yFJYivpkDu23oFJesKuBBgWCABgBYJeC+EACRA7hmh+JIgusDUUAAAAAAAcABBz
YWx0QG5vdGF0aW9ucy5vcGVucGdwanMub3JnXZ/6E8IzKvCbyS1euoq/swKbDBYh
BEqws4WFx293sMDB9zuGaH4kiC6wAADwxQD+L6/mfJPDAfVjNzbMSyupGHtNazC6
eTmDAhYWcJvRmecBAPbZVgV1bssdU6Vszea2++TXAgQHyIk63yYT/nzvuAYH
=g7sj
-----END PGP PRIVATE KEY BLOCK-----
`
)

const (
	pgpMaxPlaintext = 64 << 20 // bytes of plaintext per message
	pgpMaxArgon2Exp = 21       // Argon2 memory 2^21 KiB = 2 GiB (RFC 9580's first recommendation)
)

func init() {
	pub := string(appendPyString(nil, examplePGPPublicKey))
	priv := string(appendPyString(nil, examplePGPPrivateKey))
	pass := string(appendPyString(nil, examplePGPPassphrase))
	RegisterFunc(&Func{
		Name: "encrypt-pgp", Family: "encryption",
		Args: "PUBLIC_KEY(string{1}), VALUES(value-expression{1})",
		Doc: "Encrypts each string in VALUES with the OpenPGP public key PUBLIC_KEY (armored, \"-----BEGIN PGP PUBLIC KEY BLOCK-----\"), giving one ASCII-armored OpenPGP message (\"-----BEGIN PGP MESSAGE-----\") per string. " +
			"Other values are dropped (serialise them first with json or json-transit). Decrypt with decrypt-pgp and the matching private key.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["substring", 0, 27, ["encrypt-pgp", ` + pub + `, "secret-message"]]`, Want: `"-----BEGIN PGP MESSAGE-----"`},
			{Expr: `["count", ["encrypt-pgp", ` + pub + `, ["json-transit", ["list", "a", "b", "c"]]]]`, Want: `3`},
			{Expr: `["eq", ["encrypt-pgp", ` + pub + `, "a"], ["encrypt-pgp", ` + pub + `, "a"]]`, Want: `false`},
			{Expr: `["encrypt-pgp", ` + pub + `, ["list", 1, null, {"a": 1}]]`, Want: `[]`},
			{Expr: `["encrypt-pgp", ` + pub + `, null]`, Want: `null`},
		},
		Check: checkPGPKeyArg("PUBLIC_KEY", false),
		Eval: func(c *Ctx, args []Value) (Value, error) {
			keys, err := pgpPublicKeys(args[0])
			if err != nil {
				return nil, err
			}
			return MapValuesErr(args[1], func(v Value) (Value, bool, error) {
				s, ok := v.(string)
				if !ok {
					return nil, false, nil
				}
				if err := c.Step(len(s)/1024 + 1); err != nil {
					return nil, false, err
				}
				out, err := pgpEncrypt(keys, s)
				if err != nil {
					return nil, false, Errorf("encrypt-pgp: %v", err)
				}
				return out, true, nil
			})
		},
	})
	RegisterFunc(&Func{
		Name: "decrypt-pgp", Family: "encryption",
		Args: "PRIVATE_KEY(string{1}), PASSPHRASE(string{1}), VALUES(value-expression{1})",
		Doc: "Decrypts each OpenPGP message in VALUES (an armored \"-----BEGIN PGP MESSAGE-----\" string, or bytes) with the OpenPGP private key PRIVATE_KEY (armored, \"-----BEGIN PGP PRIVATE KEY BLOCK-----\"), unlocked with PASSPHRASE, and returns the plaintext strings. " +
			"Other values are dropped. A wrong passphrase, or a message that is not encrypted to the key, is an error.",
		MinArgs: 3, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["decrypt-pgp", ` + priv + `, ` + pass + `, ["encrypt-pgp", ` + pub + `, ["list", "data", "data2"]]]`, Want: `["data", "data2"]`},
			{Expr: `["decrypt-pgp", ` + priv + `, ` + pass + `, ["encrypt-pgp", ` + pub + `, "secret message"]]`, Want: `"secret message"`},
			{Expr: `["json-transit-parse", ["decrypt-pgp", ` + priv + `, ` + pass + `, ["encrypt-pgp", ` + pub + `, ["json-transit", ["list", ["list", "~f1.5", "æøå", 1]]]]]]`,
				Want: `[["~f1.5", "æøå", 1]]`},
			{Expr: `["decrypt-pgp", ` + priv + `, ` + pass + `, ["list", 1, null, ["encrypt-pgp", ` + pub + `, ""]]]`, Want: `[""]`},
			{Expr: `["decrypt-pgp", ` + priv + `, ` + pass + `, null]`, Want: `null`},
		},
		Check: func(args []*pipes.Node) error {
			if err := checkPGPKeyArg("PRIVATE_KEY", true)(args); err != nil {
				return err
			}
			switch args[1].Kind {
			case pipes.Bool, pipes.Number, pipes.Object:
				return fmt.Errorf("PASSPHRASE must be a string")
			}
			return nil
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			keys, err := pgpPrivateKeys(args[0], args[1])
			if err != nil {
				return nil, err
			}
			return MapValuesErr(args[2], func(v Value) (Value, bool, error) {
				var msg []byte
				switch x := v.(type) {
				case string:
					msg = []byte(x)
				case Bytes:
					msg = x
				default:
					return nil, false, nil
				}
				if err := c.Step(len(msg)/1024 + 1); err != nil {
					return nil, false, err
				}
				out, err := pgpDecrypt(keys, msg)
				if err != nil {
					return nil, false, Errorf("decrypt-pgp: %v", err)
				}
				if err := c.Step(len(out) / 1024); err != nil {
					return nil, false, err
				}
				if !utf8.Valid(out) {
					return Bytes(out), true, nil
				}
				return string(out), true, nil
			})
		},
	})
}

// pgpSafe runs fn and turns a panic in the OpenPGP library (on input it
// did not expect) into an error: no key or message may crash a pipe.
func pgpSafe(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed OpenPGP data")
		}
	}()
	return fn()
}

// pgpArmored returns s with line breaks stored as the two characters "\n"
// restored, when s has no real line breaks (a key pasted into a one-line
// setting).
func pgpArmored(s string) string {
	if !strings.Contains(s, "\n") && strings.Contains(s, `\n`) {
		return strings.ReplaceAll(s, `\n`, "\n")
	}
	return s
}

// parsePGPKeys reads an armored key ring. private asks for private keys.
func parsePGPKeys(s string, private bool) (openpgp.EntityList, error) {
	var el openpgp.EntityList
	err := pgpSafe(func() error {
		var err error
		el, err = openpgp.ReadArmoredKeyRing(strings.NewReader(pgpArmored(s)))
		return err
	})
	if err != nil || len(el) == 0 {
		return nil, fmt.Errorf("not an armored OpenPGP key")
	}
	if private {
		for _, e := range el {
			if e.PrivateKey == nil {
				return nil, fmt.Errorf("not an OpenPGP private key (\"-----BEGIN PGP PRIVATE KEY BLOCK-----\")")
			}
		}
		return el, nil
	}
	now := (*packet.Config)(nil).Now()
	for _, e := range el {
		if _, ok := e.EncryptionKey(now); !ok {
			return nil, fmt.Errorf("the key %X has no valid encryption key (expired, revoked or signing only)", e.PrimaryKey.Fingerprint)
		}
	}
	return el, nil
}

func checkPGPKeyArg(name string, private bool) func([]*pipes.Node) error {
	return checkKeyArg(name, func(s string) error { _, err := parsePGPKeys(s, private); return err })
}

// pgpKeys holds parsed public key rings and unlocked private key rings,
// keyed by kind, passphrase and key text. The entities are only read once
// cached.
var pgpKeys keyCache[openpgp.EntityList]

func pgpPublicKeys(v Value) (openpgp.EntityList, error) {
	s, ok := First(v).(string)
	if !ok {
		return nil, Errorf("encrypt-pgp: PUBLIC_KEY must be an armored OpenPGP key string, got %s", KindOf(First(v)))
	}
	el, err := pgpKeys.get("pub\x00"+s, func() (openpgp.EntityList, error) { return parsePGPKeys(s, false) })
	if err != nil {
		return nil, Errorf("encrypt-pgp: PUBLIC_KEY: %v", err)
	}
	return el, nil
}

func pgpPrivateKeys(key, passphrase Value) (openpgp.EntityList, error) {
	s, ok := First(key).(string)
	if !ok {
		return nil, Errorf("decrypt-pgp: PRIVATE_KEY must be an armored OpenPGP key string, got %s", KindOf(First(key)))
	}
	var pass string
	switch p := First(passphrase).(type) {
	case nil:
	case string:
		pass = p
	default:
		return nil, Errorf("decrypt-pgp: PASSPHRASE must be a string, got %s", KindOf(p))
	}
	el, err := pgpKeys.get(fmt.Sprintf("priv\x00%d\x00%s%s", len(pass), pass, s), func() (openpgp.EntityList, error) {
		el, err := parsePGPKeys(s, true)
		if err != nil {
			return nil, err
		}
		for _, e := range el {
			if err := pgpUnlock(e, []byte(pass)); err != nil {
				return nil, err
			}
		}
		return el, nil
	})
	if err != nil {
		return nil, Errorf("decrypt-pgp: PRIVATE_KEY: %v", err)
	}
	return el, nil
}

// pgpUnlock decrypts the entity's private keys with the passphrase.
func pgpUnlock(e *openpgp.Entity, pass []byte) error {
	keys := []*packet.PrivateKey{e.PrivateKey}
	for _, sk := range e.Subkeys {
		keys = append(keys, sk.PrivateKey)
	}
	encrypted := false
	for _, k := range keys {
		if k != nil && k.Encrypted && !k.Dummy() {
			encrypted = true
			if pgpArgon2TooCostly(k) {
				return fmt.Errorf("the key's passphrase protection needs more than %d GiB of memory to unlock", 1<<(pgpMaxArgon2Exp-20))
			}
		}
	}
	if !encrypted {
		return nil
	}
	err := pgpSafe(func() error { return e.DecryptPrivateKeys(pass) })
	if err != nil {
		if len(pass) == 0 {
			return fmt.Errorf("the key is protected by a passphrase and PASSPHRASE is empty")
		}
		return fmt.Errorf("wrong passphrase for the key")
	}
	return nil
}

// pgpArgon2TooCostly reports whether unlocking k would run Argon2 with
// more memory (or passes) than we allow. The library keeps the S2K
// parameters private, so they are read from the serialised key: the
// public key body, the S2K usage octet, [v5/v6: a count], the cipher,
// [usage 253: the AEAD mode], [v6: a count], then the S2K specifier,
// whose Argon2 form is mode 4, a 16-byte salt, passes, parallelism and
// the memory exponent.
func pgpArgon2TooCostly(k *packet.PrivateKey) bool {
	var pub, priv bytes.Buffer
	if k.PublicKey.Serialize(&pub) != nil || k.Serialize(&priv) != nil {
		return true
	}
	pb, sb := pgpPacketBody(pub.Bytes()), pgpPacketBody(priv.Bytes())
	i := len(pb)
	if pb == nil || sb == nil || i >= len(sb) {
		return true
	}
	usage := sb[i]
	i++
	if usage != 253 && usage != 254 && usage != 255 {
		return false
	}
	v := k.PublicKey.Version
	if v == 5 || v == 6 {
		i++
	}
	i++ // cipher
	if usage == 253 {
		i++
	}
	if v == 6 {
		i++
	}
	if i >= len(sb) || sb[i] != 4 { // not Argon2
		return false
	}
	i += 1 + 16
	if i+2 >= len(sb) {
		return true
	}
	passes, memExp := sb[i], sb[i+2]
	return memExp > pgpMaxArgon2Exp || passes > 16
}

// pgpPacketBody strips a new-format packet header, as the library writes.
func pgpPacketBody(b []byte) []byte {
	if len(b) < 2 {
		return nil
	}
	switch l := b[1]; {
	case l < 192:
		return b[2:]
	case l < 224:
		if len(b) < 3 {
			return nil
		}
		return b[3:]
	case l == 255:
		if len(b) < 6 {
			return nil
		}
		return b[6:]
	}
	return nil
}

var pgpConfig = &packet.Config{
	DefaultCipher:              packet.CipherAES256,
	MaxDecompressedMessageSize: func() *int64 { n := int64(pgpMaxPlaintext); return &n }(),
}

// pgpEncrypt encrypts s to the keys as an armored message.
func pgpEncrypt(keys openpgp.EntityList, s string) (string, error) {
	var buf bytes.Buffer
	err := pgpSafe(func() error {
		aw, err := armor.Encode(&buf, "PGP MESSAGE", nil)
		if err != nil {
			return err
		}
		w, err := openpgp.Encrypt(aw, keys, nil, nil, pgpConfig)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, s); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		return aw.Close()
	})
	if err != nil {
		return "", err
	}
	return buf.String(), nil
}

// pgpDecrypt decrypts one armored or binary message with the keys.
func pgpDecrypt(keys openpgp.EntityList, msg []byte) ([]byte, error) {
	var out []byte
	err := pgpSafe(func() error {
		var r io.Reader = bytes.NewReader(msg)
		if t := bytes.TrimSpace(msg); bytes.HasPrefix(t, []byte("-----BEGIN ")) || bytes.Contains(t, []byte("-----BEGIN PGP MESSAGE-----")) {
			block, err := armor.Decode(strings.NewReader(pgpArmored(string(msg))))
			if err != nil {
				return errNotPGPMessage
			}
			if block.Type != "PGP MESSAGE" {
				return fmt.Errorf("expected an OpenPGP message, got a %q block", block.Type)
			}
			r = block.Body
		} else if len(msg) == 0 || msg[0]&0x80 == 0 {
			// Every OpenPGP packet header has the high bit set.
			return errNotPGPMessage
		}
		md, err := openpgp.ReadMessage(r, keys, nil, pgpConfig)
		if err != nil {
			return pgpReadError(err)
		}
		out, err = io.ReadAll(io.LimitReader(md.UnverifiedBody, pgpMaxPlaintext+1))
		if err != nil {
			return pgpReadError(err)
		}
		if len(out) > pgpMaxPlaintext {
			return fmt.Errorf("the decrypted message is larger than %d MiB", pgpMaxPlaintext>>20)
		}
		return nil
	})
	return out, err
}

var errNotPGPMessage = goerrors.New(`the value is not an OpenPGP message ("-----BEGIN PGP MESSAGE-----")`)

func pgpReadError(err error) error {
	switch {
	case goerrors.Is(err, pgperrors.ErrKeyIncorrect):
		return fmt.Errorf("the message is not encrypted to this key")
	case goerrors.Is(err, io.EOF), goerrors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("the message is truncated")
	}
	var se pgperrors.StructuralError
	if goerrors.As(err, &se) {
		return errNotPGPMessage
	}
	return fmt.Errorf("the message does not decrypt: %v", err)
}
