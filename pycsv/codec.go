package pycsv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Codec is a text encoding, looked up by the names Python gives its codecs
// (Sesam configs name them so: "utf-8", "latin-1", "cp1252", ...).
type Codec struct {
	name string
	kind codecKind
	cm   *charmap.Charmap // kindCharmap
	le   bool             // kindUTF16: little endian
	bom  bool             // utf-8-sig, and utf-16 (whose encoder starts with a BOM)
}

type codecKind int

const (
	kindUTF8 codecKind = iota
	kindASCII
	kindCharmap
	kindUTF16
)

// bomUTF8 is the UTF-8 byte order mark.
var bomUTF8 = []byte{0xEF, 0xBB, 0xBF}

// codecs maps normalised Python codec names and aliases to codecs.
var codecs = func() map[string]*Codec {
	m := map[string]*Codec{}
	add := func(c *Codec, names ...string) {
		for _, n := range names {
			m[n] = c
		}
	}
	add(&Codec{name: "utf-8"}, "utf_8", "utf8", "u8", "utf", "cp65001")
	add(&Codec{name: "utf-8-sig", bom: true}, "utf_8_sig", "utf8_sig")
	add(&Codec{name: "ascii", kind: kindASCII}, "ascii", "us_ascii", "646")
	add(&Codec{name: "utf-16", kind: kindUTF16, le: true, bom: true}, "utf_16", "utf16", "u16")
	add(&Codec{name: "utf-16-le", kind: kindUTF16, le: true}, "utf_16_le", "utf_16le")
	add(&Codec{name: "utf-16-be", kind: kindUTF16}, "utf_16_be", "utf_16be")
	cm := func(name string, c *charmap.Charmap, aliases ...string) {
		add(&Codec{name: name, kind: kindCharmap, cm: c}, aliases...)
	}
	cm("latin-1", charmap.ISO8859_1, "latin_1", "latin1", "latin", "l1", "iso_8859_1", "iso8859_1", "8859", "cp819", "iso_ir_100")
	for i, c := range []*charmap.Charmap{nil, nil, charmap.ISO8859_2, charmap.ISO8859_3, charmap.ISO8859_4, charmap.ISO8859_5,
		charmap.ISO8859_6, charmap.ISO8859_7, charmap.ISO8859_8, charmap.ISO8859_9, charmap.ISO8859_10, nil, nil,
		charmap.ISO8859_13, charmap.ISO8859_14, charmap.ISO8859_15, charmap.ISO8859_16} {
		if c != nil {
			n := strconv.Itoa(i)
			cm("iso8859-"+n, c, "iso8859_"+n, "iso_8859_"+n)
		}
	}
	for n, num := range map[string]string{"2": "2", "3": "3", "4": "4", "5": "9", "6": "10", "7": "13", "8": "14", "9": "15", "10": "16"} {
		m["latin"+n] = m["iso8859_"+num]
		m["l"+n] = m["iso8859_"+num]
	}
	for n, c := range map[string]*charmap.Charmap{"1250": charmap.Windows1250, "1251": charmap.Windows1251, "1252": charmap.Windows1252,
		"1253": charmap.Windows1253, "1254": charmap.Windows1254, "1255": charmap.Windows1255, "1256": charmap.Windows1256,
		"1257": charmap.Windows1257, "1258": charmap.Windows1258, "874": charmap.Windows874} {
		cm("cp"+n, c, "cp"+n, "windows_"+n)
	}
	for n, c := range map[string]*charmap.Charmap{"437": charmap.CodePage437, "850": charmap.CodePage850, "852": charmap.CodePage852,
		"855": charmap.CodePage855, "858": charmap.CodePage858, "860": charmap.CodePage860, "862": charmap.CodePage862,
		"863": charmap.CodePage863, "865": charmap.CodePage865, "866": charmap.CodePage866} {
		cm("cp"+n, c, "cp"+n, "ibm"+n, n)
	}
	cm("koi8-r", charmap.KOI8R, "koi8_r")
	cm("koi8-u", charmap.KOI8U, "koi8_u")
	cm("mac-roman", charmap.Macintosh, "mac_roman", "macroman", "macintosh")
	return m
}()

// normalise folds a codec name the way Python's codec lookup does.
func normalise(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ':
			return '_'
		}
		return r
	}, strings.ToLower(strings.TrimSpace(name)))
}

// LookupCodec finds a codec by a Python codec name or alias.
func LookupCodec(name string) (*Codec, error) {
	if c, ok := codecs[normalise(name)]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("unknown or unsupported encoding %q (supported: utf-8, utf-8-sig, utf-16, utf-16-le, utf-16-be, ascii, latin-1 and the other iso8859 codecs, cp1250–cp1258, cp437, cp850 and other DOS code pages, koi8-r, koi8-u, mac-roman)", name)
}

// Name is the codec's canonical name.
func (c *Codec) Name() string { return c.name }

// IsUTF8 reports whether the codec is UTF-8 (with or without a BOM).
func (c *Codec) IsUTF8() bool { return c.kind == kindUTF8 }

// DecodeError is an undecodable byte in the input.
type DecodeError struct {
	Codec  string
	Byte   byte
	Offset int64 // in the encoded input
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("byte 0x%02x at offset %d is not valid %s", e.Byte, e.Offset, e.Codec)
}

// NewDecoder returns r decoded to UTF-8. A leading UTF-8 BOM is dropped
// for UTF-8 (Python keeps it for "utf-8", but a header whose first name
// starts with an invisible U+FEFF only makes primary_key fail to match).
// UTF-8 itself is passed through unchecked: the reader's caller checks it
// field by field, where it knows the line. Bytes another codec cannot
// decode are a *DecodeError, or U+FFFD when replace is set.
func (c *Codec) NewDecoder(r io.Reader, replace bool) io.Reader {
	switch c.kind {
	case kindUTF8:
		br := bufio.NewReaderSize(r, 64<<10)
		if b, err := br.Peek(3); err == nil && bytes.Equal(b, bomUTF8) {
			_, _ = br.Discard(3)
		}
		return br
	case kindUTF16:
		bom := unicode.UseBOM
		if !c.bom {
			bom = unicode.IgnoreBOM
		}
		end := unicode.BigEndian
		if c.le {
			end = unicode.LittleEndian
		}
		return transform.NewReader(r, unicode.UTF16(end, bom).NewDecoder())
	}
	var table [256][]byte
	for b := range 256 {
		var ru rune
		ok := true
		if c.kind == kindASCII {
			ru, ok = rune(b), b < utf8.RuneSelf
		} else {
			ru = c.cm.DecodeByte(byte(b))
			ok = ru != utf8.RuneError
		}
		if ok {
			table[b] = utf8.AppendRune(nil, ru)
		}
	}
	return transform.NewReader(r, &byteDecoder{codec: c.name, table: &table, replace: replace})
}

// byteDecoder decodes a single-byte charset by table.
type byteDecoder struct {
	transform.NopResetter
	codec   string
	table   *[256][]byte
	replace bool
	offset  int64
}

var replacementChar = []byte("\uFFFD")

func (d *byteDecoder) Transform(dst, src []byte, _ bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		b := src[nSrc]
		enc := d.table[b]
		if enc == nil {
			if !d.replace {
				return nDst, nSrc, &DecodeError{Codec: d.codec, Byte: b, Offset: d.offset + int64(nSrc)}
			}
			enc = replacementChar
		}
		if nDst+len(enc) > len(dst) {
			err = transform.ErrShortDst
			break
		}
		nDst += copy(dst[nDst:], enc)
		nSrc++
	}
	d.offset += int64(nSrc)
	return nDst, nSrc, err
}

// Encode errors strategies (Python's error handlers).
const (
	EncodeBackslashReplace  = "backslashreplace"
	EncodeReplace           = "replace"
	EncodeXMLCharRefReplace = "xmlcharrefreplace"
	EncodeIgnore            = "ignore"
	EncodeStrict            = "strict"
)

// ErrUnencodable is the error of the strict strategy.
var ErrUnencodable = errors.New("character not representable in the encoding")

// BOM is what a stream in the codec starts with: the byte order mark of
// utf-8-sig and utf-16, nil for the others.
func (c *Codec) BOM() []byte {
	switch {
	case !c.bom:
		return nil
	case c.kind == kindUTF16:
		return []byte{0xFF, 0xFE}
	}
	return bomUTF8
}

// AppendEncode appends the UTF-8 text src encoded in the codec; a
// character the codec cannot represent is handled as Python's error
// handler named strategy handles it (one of the Encode constants). Bytes
// of src that are not UTF-8 count as U+FFFD.
func (c *Codec) AppendEncode(dst, src []byte, strategy string) ([]byte, error) {
	switch c.kind {
	case kindUTF8:
		return append(dst, src...), nil
	case kindUTF16:
		for len(src) > 0 {
			r, n := utf8.DecodeRune(src)
			src = src[n:]
			dst = appendUTF16(dst, r, c.le)
		}
		return dst, nil
	}
	for i := 0; i < len(src); {
		b := src[i]
		if b < utf8.RuneSelf { // every codec offered here encodes ASCII as itself
			dst = append(dst, b)
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		i += n
		if c.kind == kindCharmap {
			if e, ok := c.cm.EncodeRune(r); ok {
				dst = append(dst, e)
				continue
			}
		}
		switch strategy {
		case EncodeIgnore:
		case EncodeReplace:
			dst = append(dst, '?')
		case EncodeXMLCharRefReplace:
			dst = append(strconv.AppendInt(append(dst, "&#"...), int64(r), 10), ';')
		case EncodeBackslashReplace:
			switch {
			case r < 0x100:
				dst = fmt.Appendf(dst, `\x%02x`, r)
			case r < 0x10000:
				dst = fmt.Appendf(dst, `\u%04x`, r)
			default:
				dst = fmt.Appendf(dst, `\U%08x`, r)
			}
		default:
			return dst, fmt.Errorf("%w: %q in %s", ErrUnencodable, r, c.name)
		}
	}
	return dst, nil
}

func appendUTF16(dst []byte, r rune, le bool) []byte {
	put := func(u uint16) {
		if le {
			dst = append(dst, byte(u), byte(u>>8))
		} else {
			dst = append(dst, byte(u>>8), byte(u))
		}
	}
	if r >= 0x10000 {
		r -= 0x10000
		put(uint16(0xD800 + (r>>10)&0x3FF))
		put(uint16(0xDC00 + r&0x3FF))
		return dst
	}
	put(uint16(r))
	return dst
}
