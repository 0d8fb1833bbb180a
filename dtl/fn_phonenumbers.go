package dtl

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"github.com/sluice-sync/sluice/pipes"
)

// Phone numbers are URI values in the RFC 3966 form "tel:+47-22-22-22-22".

func init() {
	RegisterFunc(&Func{
		Name: "phonenumber-parse", Family: "phonenumbers",
		Args: "DEFAULT_REGION(string{0|1}), VALUES(value-expression{1})",
		Doc: "Translates the strings and integers in VALUES that are valid phone numbers to phone number values: URIs " +
			"in the RFC 3966 form \"~rtel:+47-22-22-22-22\". Numbers without a country code (\"+47\") take it from " +
			"DEFAULT_REGION, an ISO 3166 region code such as \"NO\". Other values are dropped.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["phonenumber-parse", "+4722222222"]`, Want: `"~rtel:+47-22-22-22-22"`},
			{Expr: `["phonenumber-parse", "NO", "22225555"]`, Want: `"~rtel:+47-22-22-55-55"`},
			{Expr: `["phonenumber-parse", "NO", ["list", "22222222", "22225555"]]`, Want: `["~rtel:+47-22-22-22-22", "~rtel:+47-22-22-55-55"]`},
			{Expr: `["phonenumber-parse", "NO", ["list", "+47 22 22 22 22", "(+47) 22-22-55-55", "+1 650-253-0000", "0047 22225555"]]`, Want: `["~rtel:+47-22-22-22-22", "~rtel:+47-22-22-55-55", "~rtel:+1-650-253-0000", "~rtel:+47-22-22-55-55"]`},
			{Expr: `["phonenumber-parse", ["list", 4722222222, "22222222", "not a number", "+47 1", null, true]]`, Want: `["~rtel:+47-22-22-22-22"]`},
			{Expr: `["phonenumber-parse", "no", 22225555]`, Want: `"~rtel:+47-22-22-55-55"`},
			{Expr: `["phonenumber-parse", "~rtel:+47-22-22-22-22"]`, Want: `"~rtel:+47-22-22-22-22"`},
			{Expr: `["phonenumber-parse", "+47 22 22 22 22 ext. 12"]`, Want: `"~rtel:+47-22-22-22-22;ext=12"`},
			{Expr: `["phonenumber-parse", "NO", null]`, Want: `null`},
		},
		Check: func(args []*pipes.Node) error {
			if len(args) == 2 {
				if r, ok := dtConstString(args[0]); ok {
					if _, err := phoneRegion(r); err != nil {
						return err
					}
				}
			}
			return nil
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			region := ""
			if len(args) == 2 {
				s, ok := First(args[0]).(string)
				if !ok {
					return nil, Errorf("phonenumber-parse: DEFAULT_REGION must be a string, got %s", KindOf(First(args[0])))
				}
				r, err := phoneRegion(s)
				if err != nil {
					return nil, Errorf("phonenumber-parse: %v", err)
				}
				region = r
			}
			return MapValues(args[len(args)-1], func(v Value) (Value, bool) {
				num, ok := parsePhone(v, region)
				if !ok {
					return nil, false
				}
				return URI(phonenumbers.Format(num, phonenumbers.RFC3966)), true
			}), nil
		},
	})

	RegisterFunc(&Func{
		Name: "phonenumber-format", Family: "phonenumbers",
		Args: "FORMAT_STRING(string{1}), VALUES(value-expression{1})",
		Doc: "Converts the phone number values (\"~rtel:+47-22-22-22-22\") in VALUES to strings. FORMAT_STRING is one " +
			"of e164 (\"4722222222\"), rfc3966, national, international, national-e164 (the national number, " +
			"\"22222222\"), isocode (the region, \"NO\") or country-code (\"47\"). Other values are dropped.",
		MinArgs: 2, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["phonenumber-format", "e164", "~rtel:+47-22-22-22-22"]`, Want: `"4722222222"`},
			{Expr: `["phonenumber-format", "national-e164", "~rtel:+47-22-22-22-22"]`, Want: `"22222222"`},
			{Expr: `["phonenumber-format", "national", "~rtel:+47-22-22-22-22"]`, Want: `"22 22 22 22"`},
			{Expr: `["phonenumber-format", "international", "~rtel:+47-22-22-22-22"]`, Want: `"+47 22 22 22 22"`},
			{Expr: `["phonenumber-format", "rfc3966", "~rtel:+47-22-22-22-22"]`, Want: `"tel:+47-22-22-22-22"`},
			{Expr: `["phonenumber-format", "isocode", "~rtel:+47-22-22-22-22"]`, Want: `"NO"`},
			{Expr: `["phonenumber-format", "country-code", "~rtel:+47-22-22-22-22"]`, Want: `"47"`},
			{Expr: `["phonenumber-format", "e164", ["list", "~rtel:+47-22-22-22-22", "~rtel:+47-22-22-55-55"]]`, Want: `["4722222222", "4722225555"]`},
			{Expr: `["phonenumber-format", "international", ["list", "~rtel:+1-650-253-0000", "+4722222222", "~rhttp://example.com", "~rtel:garbage", 4722222222]]`, Want: `["+1 650-253-0000"]`},
			{Expr: `["phonenumber-format", "national", ["phonenumber-parse", "US", "(650) 253-0000"]]`, Want: `"(650) 253-0000"`},
			{Expr: `["phonenumber-format", "isocode", "~rtel:+1-650-253-0000"]`, Want: `"US"`},
			{Expr: `["phonenumber-format", "e164", null]`, Want: `null`},
		},
		Check: func(args []*pipes.Node) error {
			if f, ok := dtConstString(args[0]); ok {
				if _, ok := phoneFormats[f]; !ok {
					return unknownPhoneFormat(f)
				}
			}
			return nil
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			s, ok := First(args[0]).(string)
			if !ok {
				return nil, Errorf("phonenumber-format: FORMAT_STRING must be a string, got %s", KindOf(First(args[0])))
			}
			format, ok := phoneFormats[s]
			if !ok {
				return nil, Errorf("phonenumber-format: %v", unknownPhoneFormat(s))
			}
			return MapValues(args[1], func(v Value) (Value, bool) {
				u, ok := v.(URI)
				if !ok || !strings.HasPrefix(strings.ToLower(string(u)), "tel:") {
					return nil, false
				}
				num, err := phonenumbers.Parse(string(u), "")
				if err != nil {
					return nil, false
				}
				return formatPhone(num, format)
			}), nil
		},
	})
}

// phoneRegion checks and normalizes a region code. Decision: region codes
// are matched in any case ("no" is "NO"); an unknown one is an error, since
// it would silently drop every national number.
func phoneRegion(s string) (string, error) {
	r := strings.ToUpper(strings.TrimSpace(s))
	if !phonenumbers.GetSupportedRegions()[r] {
		return "", fmt.Errorf("unknown phone number region %q; use an ISO 3166 region code such as \"NO\"", s)
	}
	return r, nil
}

// parsePhone parses one input value. Decisions: a number must be valid for
// its region, not only plausible ("must represent a valid phonenumber");
// an integer without a DEFAULT_REGION is read as an international number
// (an integer cannot carry the "+"); a phone number URI parses as itself.
func parsePhone(v Value, region string) (*phonenumbers.PhoneNumber, bool) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case URI:
		if !strings.HasPrefix(strings.ToLower(string(x)), "tel:") {
			return nil, false
		}
		s = string(x)
	case int64:
		if x <= 0 {
			return nil, false
		}
		s = strconv.FormatInt(x, 10)
		if region == "" {
			s = "+" + s
		}
	case *big.Int:
		if x.Sign() <= 0 {
			return nil, false
		}
		s = x.String()
		if region == "" {
			s = "+" + s
		}
	default:
		return nil, false
	}
	if len(s) > 250 { // the library refuses longer input anyway
		return nil, false
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return nil, false
	}
	return num, true
}

type phoneFormat int

const (
	phoneE164 phoneFormat = iota
	phoneRFC3966
	phoneNational
	phoneInternational
	phoneNationalE164
	phoneISOCode
	phoneCountryCode
)

var phoneFormats = map[string]phoneFormat{
	"e164": phoneE164, "rfc3966": phoneRFC3966, "national": phoneNational, "international": phoneInternational,
	"national-e164": phoneNationalE164, "isocode": phoneISOCode, "country-code": phoneCountryCode,
}

func unknownPhoneFormat(s string) error {
	return fmt.Errorf("unknown FORMAT_STRING %q; use one of e164, rfc3966, national, international, national-e164, isocode, country-code", s)
}

// formatPhone renders num. As the reference shows, "e164" has no leading
// "+". A number whose region is unknown has no isocode and is dropped there.
func formatPhone(num *phonenumbers.PhoneNumber, f phoneFormat) (Value, bool) {
	switch f {
	case phoneE164:
		return strings.TrimPrefix(phonenumbers.Format(num, phonenumbers.E164), "+"), true
	case phoneRFC3966:
		return phonenumbers.Format(num, phonenumbers.RFC3966), true
	case phoneNational:
		return phonenumbers.Format(num, phonenumbers.NATIONAL), true
	case phoneInternational:
		return phonenumbers.Format(num, phonenumbers.INTERNATIONAL), true
	case phoneNationalE164:
		return phonenumbers.GetNationalSignificantNumber(num), true
	case phoneISOCode:
		r := phonenumbers.GetRegionCodeForNumber(num)
		if r == "" || r == "ZZ" {
			return nil, false
		}
		return r, true
	case phoneCountryCode:
		return strconv.Itoa(int(num.GetCountryCode())), true
	}
	return nil, false
}
