package dtl

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones must not depend on the host's zoneinfo

	"github.com/cockroachdb/apd/v3"
	"github.com/itchyny/timefmt-go"
	"github.com/sluice-sync/sluice/pipes"
)

// Date and time functions. Datetimes are time.Time in UTC with nanosecond
// precision; the functions here keep them within the years 1..9999, the
// range the transit form "~t<RFC 3339>" can hold. A result outside that
// range is dropped like any other value that cannot be produced.

func init() {
	RegisterFunc(&Func{
		Name: "now", Family: "date-and-time", Args: "NONE(value-expression{0})",
		Doc: "Returns the current time as a datetime value. It is fixed for one entity, so every \"now\" in a rule " +
			"sees the same instant; it changes between entities and runs, so reprocessing gives different output.",
		MinArgs: 0, MaxArgs: 0,
		Examples: []Example{
			{Expr: `["is-datetime", ["now"]]`, Want: `true`},
			{Expr: `["eq", ["now"], ["now"]]`, Want: `true`},
			{Expr: `["datetime-diff", "nanosecond", ["now"], ["now"]]`, Want: `0`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			return c.Now(), nil
		},
	})

	RegisterFunc(&Func{
		Name: "datetime", Family: "date-and-time", Args: "FUNCTION(default-value-expression{0|1}), VALUES(value-expression{1})",
		Doc: "Translates the non-null VALUES to datetimes: datetimes stay as they are, integers are nanoseconds since " +
			"1970-01-01T00:00:00Z, and strings are read as ISO 8601 / RFC 3339 datetimes. Values that do not convert " +
			"are dropped, or replaced by FUNCTION (evaluated with \"_\" bound to the value) when it is given.",
		MinArgs: 1, MaxArgs: 2,
		Examples: []Example{
			{Expr: `["datetime", "2015-07-28T09:46:00.12345Z"]`, Want: `"~t2015-07-28T09:46:00.12345Z"`},
			{Expr: `["datetime", 1438076760123450000]`, Want: `"~t2015-07-28T09:46:00.12345Z"`},
			{Expr: `["datetime", -1]`, Want: `"~t1969-12-31T23:59:59.999999999Z"`},
			{Expr: `["is-datetime", ["datetime", ["list", ["now"], ["now"], "hello"]]]`, Want: `true`},
			{Expr: `["count", ["datetime", ["list", ["now"], ["now"], "hello"]]]`, Want: `2`},
			{Expr: `["is-datetime", ["datetime", ["now"], "hello"]]`, Want: `true`},
			{Expr: `["datetime", "~t2015-07-28T09:46:00Z", ["list", "hello", 0]]`, Want: `["~t2015-07-28T09:46:00Z", "~t1970-01-01T00:00:00Z"]`},
			{Expr: `["datetime", "2015-07-28T11:46:00+02:00"]`, Want: `"~t2015-07-28T09:46:00Z"`},
			{Expr: `["datetime", "2015-07-28 09:46:00"]`, Want: `"~t2015-07-28T09:46:00Z"`},
			{Expr: `["datetime", "2015-07-28"]`, Want: `"~t2015-07-28T00:00:00Z"`},
			{Expr: `["datetime", ["list", "2015-02-30T00:00:00Z", 1.5, true, null, "~t2015-07-28T09:46:00Z"]]`, Want: `["~t2015-07-28T09:46:00Z"]`},
			{Expr: `["datetime", null]`, Want: `null`},
			{Expr: `["datetime", "_.", ["list", "x", 1]]`, Want: `["x", "~t1970-01-01T00:00:00.000000001Z"]`},
		},
		Lazy: func(c *Ctx, args []Expr) (Value, error) {
			vals, err := args[len(args)-1].Eval(c)
			if err != nil {
				return nil, err
			}
			var def Expr
			if len(args) == 2 {
				def = args[0]
			}
			var evalErr error
			out := MapValues(vals, func(v Value) (Value, bool) {
				if evalErr != nil || v == nil {
					return nil, false
				}
				if t, ok := dtToDatetime(v); ok {
					return t, true
				}
				if def == nil {
					return nil, false
				}
				r, err := c.EvalWith(def, v)
				if err != nil {
					evalErr = err
					return nil, false
				}
				return r, true
			})
			if evalErr != nil {
				return nil, evalErr
			}
			return out, nil
		},
	})

	RegisterFunc(&Func{
		Name: "datetime-parse", Family: "date-and-time",
		Args: "TIMEZONE_NAME(string{0|1}), FORMATSTRING(string{1}), VALUES(value-expression{1})",
		Doc: "Parses the string VALUES with a strptime FORMATSTRING (%d %e %H %I %m %M %p %S %f %y %Y %z %% and also " +
			"%b %B %a %A %j %k %l %Z %F %T %R %D %n %t). Wall-clock times are read in TIMEZONE_NAME (default UTC) " +
			"unless the string has a %z offset. Values that do not match are dropped.",
		MinArgs: 2, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["datetime-parse", "%Y-%m-%dT%H:%M:%S.%fZ", "2015-07-28T09:46:00.12345Z"]`, Want: `"~t2015-07-28T09:46:00.12345Z"`},
			{Expr: `["datetime-parse", "%Y-%m-%dT%H:%M:%S%z", "2015-07-28T09:46:00+0200"]`, Want: `"~t2015-07-28T07:46:00Z"`},
			{Expr: `["datetime-parse", "%d.%m.%Y", "28.07.2015"]`, Want: `"~t2015-07-28T00:00:00Z"`},
			{Expr: `["datetime-parse", "%d.%m.%Y", ["list", "28.07.2015", "01.01.1970"]]`, Want: `["~t2015-07-28T00:00:00Z", "~t1970-01-01T00:00:00Z"]`},
			// The reference prints "~t2018-08-08T10:39:01Z" here, a typo for
			// the 18th (its datetime-format example reads the same value
			// back as "2018-08-18 12:39:01" in Europe/Oslo).
			{Expr: `["datetime-parse", "Europe/Oslo", "%Y-%m-%dT%H:%M:%S", "2018-08-18T12:39:01"]`, Want: `"~t2018-08-18T10:39:01Z"`},
			{Expr: `["datetime-parse", "%Y-%m-%d", "2015-07-28"]`, Want: `"~t2015-07-28T00:00:00Z"`},
			{Expr: `["datetime-parse", "%Y-%m-%dT%H:%M:%S%z", "2015-07-28T09:46:00-02:30"]`, Want: `"~t2015-07-28T12:16:00Z"`},
			{Expr: `["datetime-parse", "Europe/Oslo", "%Y-%m-%dT%H:%M:%S%z", "2015-07-28T09:46:00Z"]`, Want: `"~t2015-07-28T09:46:00Z"`},
			{Expr: `["datetime-parse", "%d/%m/%y %I:%M %p", ["list", "01/02/68 12:05 am", "01/02/69 1:05 PM"]]`, Want: `["~t2068-02-01T00:05:00Z", "~t1969-02-01T13:05:00Z"]`},
			{Expr: `["datetime-parse", "%e %b %Y", ["list", " 3 Mar 2020", "13 dec 2020"]]`, Want: `["~t2020-03-03T00:00:00Z", "~t2020-12-13T00:00:00Z"]`},
			{Expr: `["datetime-parse", "%A %d %B %Y", "Tuesday 28 July 2015"]`, Want: `"~t2015-07-28T00:00:00Z"`},
			{Expr: `["datetime-parse", "%S.%f", "01.123456789"]`, Want: `"~t1900-01-01T00:00:01.123456789Z"`},
			{Expr: `["datetime-parse", "%Y-%j", "2016-366"]`, Want: `"~t2016-12-31T00:00:00Z"`},
			{Expr: `["datetime-parse", "100%% %Y", "100% 2015"]`, Want: `"~t2015-01-01T00:00:00Z"`},
			{Expr: `["datetime-parse", "%d.%m.%Y", ["list", "30.02.2015", "28.07.2015x", "", 20150728, null, "29.02.2016"]]`, Want: `["~t2016-02-29T00:00:00Z"]`},
			{Expr: `["datetime-parse", "%F %T", "2015-07-28 24:00:00"]`, Want: `null`},
			// Daylight saving: a wall time that occurs twice reads as the
			// later (standard time) instant; one that falls in the spring
			// gap reads with the offset in force before the gap.
			{Expr: `["datetime-parse", "Europe/Oslo", "%F %T", ["list", "2023-10-29 02:30:00", "2023-03-26 02:30:00"]]`, Want: `["~t2023-10-29T01:30:00Z", "~t2023-03-26T01:30:00Z"]`},
		},
		Check: func(args []*pipes.Node) error {
			if len(args) == 3 {
				if err := checkTimezoneArg(args[0]); err != nil {
					return err
				}
			}
			if f, ok := dtConstString(args[len(args)-2]); ok {
				return checkParseFormat(f)
			}
			return nil
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			loc := time.UTC
			if len(args) == 3 {
				l, err := timezoneArg(args[0])
				if err != nil {
					return nil, err
				}
				loc = l
			}
			format, ok := First(args[len(args)-2]).(string)
			if !ok {
				return nil, Errorf("datetime-parse: the format must be a string, got %s", KindOf(args[len(args)-2]))
			}
			if err := checkParseFormat(format); err != nil {
				return nil, Errorf("datetime-parse: %v", err)
			}
			return MapValues(args[len(args)-1], func(v Value) (Value, bool) {
				s, ok := v.(string)
				if !ok {
					return nil, false
				}
				t, ok := strptime(s, format, loc)
				if !ok {
					return nil, false
				}
				return t, true
			}), nil
		},
	})

	RegisterFunc(&Func{
		Name: "datetime-format", Family: "date-and-time",
		Args: "TIMEZONE_NAME(string{0|1}), FORMATSTRING(string{1}), VALUES(value-expression{1})",
		Doc: "Formats the datetime VALUES as strings with a strftime FORMATSTRING, after translating them to " +
			"TIMEZONE_NAME (default UTC). %f gives microseconds, so nanoseconds are cut off. Other values are dropped.",
		MinArgs: 2, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["datetime-format", "%Y-%m-%dT%H:%M:%SZ", ["datetime-parse", "%Y-%m-%d", "2015-07-28"]]`, Want: `"2015-07-28T00:00:00Z"`},
			{Expr: `["datetime-format", "%Y-%m-%d %H:%M:%S", ["datetime-parse", "%Y-%m-%dT%H:%M:%S", "2018-08-18T12:39:01"]]`, Want: `"2018-08-18 12:39:01"`},
			{Expr: `["datetime-format", "Europe/Oslo", "%Y-%m-%d %H:%M:%S", ["datetime-parse", "%Y-%m-%dT%H:%M:%S", "2018-08-18T12:39:01"]]`, Want: `"2018-08-18 14:39:01"`},
			{Expr: `["datetime-format", "Europe/Oslo", "%Y-%m-%d %H:%M:%S", ["datetime-parse", "Europe/Oslo", "%Y-%m-%dT%H:%M:%S", "2018-08-18T12:39:01"]]`, Want: `"2018-08-18 12:39:01"`},
			{Expr: `["datetime-format", "%Y-%m-%dT%H:%M:%S.%f", "~t2015-07-28T09:46:00.123456789Z"]`, Want: `"2015-07-28T09:46:00.123456"`},
			{Expr: `["datetime-format", "%y %e %I %p %%", ["list", "~t1999-07-08T13:00:00Z", "~t2068-07-18T00:00:00Z", "not a datetime"]]`, Want: `["99  8 01 PM %", "68 18 12 AM %"]`},
			{Expr: `["datetime-format", "Europe/Oslo", "%a %d %b %Y %H:%M %Z %z", "~t2015-01-28T09:46:00Z"]`, Want: `"Wed 28 Jan 2015 10:46 CET +0100"`},
			{Expr: `["datetime-format", "%A %B %j", "~t2016-12-31T00:00:00Z"]`, Want: `"Saturday December 366"`},
			{Expr: `["datetime-format", "%Y", null]`, Want: `null`},
		},
		Check: func(args []*pipes.Node) error {
			if len(args) == 3 {
				return checkTimezoneArg(args[0])
			}
			return nil
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			loc := time.UTC
			if len(args) == 3 {
				l, err := timezoneArg(args[0])
				if err != nil {
					return nil, err
				}
				loc = l
			}
			format, ok := First(args[len(args)-2]).(string)
			if !ok {
				return nil, Errorf("datetime-format: the format must be a string, got %s", KindOf(args[len(args)-2]))
			}
			return MapValues(args[len(args)-1], func(v Value) (Value, bool) {
				t, ok := v.(time.Time)
				if !ok {
					return nil, false
				}
				return timefmt.Format(t.In(loc), format), true
			}), nil
		},
	})

	RegisterFunc(&Func{
		Name: "datetime-plus", Family: "date-and-time",
		Args: "DATEPART(string{1}), VALUE(integer{1}), VALUES(value-expression{1})",
		Doc: "Adds VALUE (positive or negative) DATEPARTs to each datetime in VALUES: year, month, week, day, hour, " +
			"minute, second, millisecond, microsecond or nanosecond. Adding years or months keeps the day of the " +
			"month, moved back to the month's last day where it has fewer days (Jan 31 + 1 month = Feb 28/29). " +
			"Other values, and results outside the years 1-9999, are dropped.",
		MinArgs: 3, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["datetime-plus", "day", 1, ["datetime-parse", "%Y-%m-%d", "2015-07-28"]]`, Want: `"~t2015-07-29T00:00:00Z"`},
			{Expr: `["datetime-plus", "hour", -1, ["datetime-parse", "%Y-%m-%d", "2016-03-01"]]`, Want: `"~t2016-02-29T23:00:00Z"`},
			{Expr: `["datetime-plus", "year", 1, ["list", ["datetime-parse", "%Y-%m-%d", "1971-01-01"], ["datetime-parse", "%Y-%m-%d", "1950-06-01"]]]`, Want: `["~t1972-01-01T00:00:00Z", "~t1951-06-01T00:00:00Z"]`},
			{Expr: `["datetime-plus", "month", 1, ["list", "~t2016-01-31T10:00:00Z", "2016-01-31", 7]]`, Want: `["~t2016-02-29T10:00:00Z"]`},
			{Expr: `["datetime-plus", "year", -1, "~t2016-02-29T00:00:00Z"]`, Want: `"~t2015-02-28T00:00:00Z"`},
			{Expr: `["datetime-plus", "week", 2, "~t2015-12-25T00:00:00Z"]`, Want: `"~t2016-01-08T00:00:00Z"`},
			{Expr: `["datetime-plus", "minute", 90, "~t2015-07-28T23:00:00Z"]`, Want: `"~t2015-07-29T00:30:00Z"`},
			{Expr: `["datetime-plus", "second", -1, "~t2015-01-01T00:00:00Z"]`, Want: `"~t2014-12-31T23:59:59Z"`},
			{Expr: `["datetime-plus", "millisecond", 1500, "~t2015-01-01T00:00:00Z"]`, Want: `"~t2015-01-01T00:00:01.5Z"`},
			{Expr: `["datetime-plus", "microsecond", 1, "~t2015-01-01T00:00:00Z"]`, Want: `"~t2015-01-01T00:00:00.000001Z"`},
			{Expr: `["datetime-plus", "nanosecond", -1, "~t2015-01-01T00:00:00Z"]`, Want: `"~t2014-12-31T23:59:59.999999999Z"`},
			{Expr: `["datetime-plus", "year", 10000, "~t2015-01-01T00:00:00Z"]`, Want: `null`},
			{Expr: `["datetime-plus", "day", null, "~t2015-01-01T00:00:00Z"]`, Want: `null`},
		},
		Check: func(args []*pipes.Node) error {
			if p, ok := dtConstString(args[0]); ok {
				if _, ok := dateParts[p]; !ok {
					return unknownDatePart(p)
				}
			}
			switch n := args[1]; n.Kind {
			case pipes.String:
				if _, ok := FromTransit(n.Str).(*apd.Decimal); !ok && !isPath(n.Str) {
					return fmt.Errorf("VALUE must be an integer, got the string %q", n.Str)
				}
			case pipes.Bool, pipes.Object:
				return fmt.Errorf("VALUE must be an integer, got %s", n.Kind)
			}
			return nil
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			unit, err := datePartArg("datetime-plus", args[0])
			if err != nil {
				return nil, err
			}
			nv := First(args[1])
			if nv == nil {
				return MapValues(args[2], func(Value) (Value, bool) { return nil, false }), nil
			}
			n, ok := dtIntegerArg(nv)
			if !ok {
				return nil, Errorf("datetime-plus: VALUE must be an integer, got %s", KindOf(nv))
			}
			return MapValues(args[2], func(v Value) (Value, bool) {
				t, ok := v.(time.Time)
				if !ok || !n.ok {
					return nil, false
				}
				return datetimePlus(t, unit, n.n)
			}), nil
		},
	})

	RegisterFunc(&Func{
		Name: "datetime-diff", Family: "date-and-time",
		Args: "DATEPART(string{1}), STARTDATE(value-expression{1}), ENDDATE(value-expression{1})",
		Doc: "The number of whole DATEPARTs (year, month, week, day, hour, minute, second, millisecond, microsecond, " +
			"nanosecond) from ENDDATE to STARTDATE: positive when STARTDATE is later, rounded towards zero " +
			"(11 months is 0 years, 8 days is 1 week). Null unless both are datetimes (of a list, the first element counts).",
		MinArgs: 3, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["datetime-diff", "day", ["datetime-parse", "%Y-%m-%d", "2015-07-28"], ["datetime-parse", "%Y-%m-%d", "2015-07-29"]]`, Want: `-1`},
			{Expr: `["datetime-diff", "day", ["datetime-parse", "%Y-%m-%d", "2015-07-29"], ["datetime-parse", "%Y-%m-%d", "2015-07-28"]]`, Want: `1`},
			{Expr: `["datetime-diff", "year", ["datetime-parse", "%Y-%m-%d", "2015-03-02"], ["datetime-parse", "%Y-%m-%d", "2016-07-29"]]`, Want: `-1`},
			{Expr: `["datetime-diff", "month", ["datetime-parse", "%Y-%m-%d", "2015-03-02"], ["datetime-parse", "%Y-%m-%d", "2016-07-29"]]`, Want: `-16`},
			{Expr: `["datetime-diff", "year", "~t2016-07-28T00:00:00Z", "~t2015-08-28T00:00:00Z"]`, Want: `0`},
			{Expr: `["datetime-diff", "month", "~t2016-02-29T00:00:00Z", "~t2016-01-31T00:00:00Z"]`, Want: `1`},
			{Expr: `["datetime-diff", "month", "~t2016-02-28T00:00:00Z", "~t2016-01-31T00:00:00Z"]`, Want: `0`},
			{Expr: `["datetime-diff", "week", "~t2015-07-01T00:00:00Z", "~t2015-07-09T00:00:00Z"]`, Want: `-1`},
			{Expr: `["datetime-diff", "hour", "~t2015-07-01T00:59:59Z", "~t2015-06-30T23:00:00Z"]`, Want: `1`},
			{Expr: `["datetime-diff", "millisecond", "~t2015-07-01T00:00:00.0015Z", "~t2015-07-01T00:00:00Z"]`, Want: `1`},
			{Expr: `["datetime-diff", "nanosecond", "~t9999-01-01T00:00:00Z", "~t0001-01-01T00:00:00Z"]`, Want: `315506361600000000000`},
			{Expr: `["datetime-diff", "second", ["list", "~t2015-07-01T00:00:10Z", "~t2000-01-01T00:00:00Z"], "~t2015-07-01T00:00:00Z"]`, Want: `10`},
			{Expr: `["datetime-diff", "day", "2015-07-28", "~t2015-07-28T00:00:00Z"]`, Want: `null`},
		},
		Check: func(args []*pipes.Node) error {
			if p, ok := dtConstString(args[0]); ok {
				if _, ok := dateParts[p]; !ok {
					return unknownDatePart(p)
				}
			}
			return nil
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			unit, err := datePartArg("datetime-diff", args[0])
			if err != nil {
				return nil, err
			}
			start, ok1 := First(args[1]).(time.Time)
			end, ok2 := First(args[2]).(time.Time)
			if !ok1 || !ok2 {
				return nil, nil
			}
			return datetimeDiff(unit, start, end), nil
		},
	})

	RegisterFunc(&Func{
		Name: "datetime-shift", Family: "date-and-time",
		Args: "FROM_TIMEZONE(string{1}), TO_TIMEZONE(string{1}), VALUES(value-expression{1})",
		Doc: "Reads the wall-clock time of each datetime in VALUES as a time in FROM_TIMEZONE and returns the wall-clock " +
			"time it has in TO_TIMEZONE (as a UTC datetime): [\"datetime-shift\", \"Europe/Oslo\", \"UTC\", X] turns Oslo " +
			"local times into real UTC datetimes. Other values are dropped.",
		MinArgs: 3, MaxArgs: 3,
		Examples: []Example{
			{Expr: `["datetime-shift", "Europe/Oslo", "UTC", ["datetime-parse", "%Y/%m/%d %H:%M", "2015/07/28 09:46"]]`, Want: `"~t2015-07-28T07:46:00Z"`},
			{Expr: `["datetime-shift", "UTC", "Europe/Oslo", ["datetime-parse", "%Y/%m/%d %H:%M", "2015/07/28 09:46"]]`, Want: `"~t2015-07-28T11:46:00Z"`},
			{Expr: `["datetime-shift", "Europe/Oslo", "UTC", ["list", ["datetime-parse", "%Y/%m/%d %H:%M", "2015/07/28 09:46"], ["datetime-parse", "%Y/%m/%d %H:%M", "2015/07/28 04:46"]]]`, Want: `["~t2015-07-28T07:46:00Z", "~t2015-07-28T02:46:00Z"]`},
			{Expr: `["datetime-shift", "America/New_York", "Asia/Tokyo", ["list", "~t2015-01-28T09:46:00.5Z", "2015-01-28", null]]`, Want: `["~t2015-01-28T23:46:00.5Z"]`},
			{Expr: `["datetime-shift", "Europe/Oslo", "Europe/London", "~t2015-07-28T09:46:00Z"]`, Want: `"~t2015-07-28T08:46:00Z"`},
		},
		Check: func(args []*pipes.Node) error {
			if err := checkTimezoneArg(args[0]); err != nil {
				return err
			}
			return checkTimezoneArg(args[1])
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			from, err := timezoneArg(args[0])
			if err != nil {
				return nil, err
			}
			to, err := timezoneArg(args[1])
			if err != nil {
				return nil, err
			}
			return MapValues(args[2], func(v Value) (Value, bool) {
				t, ok := v.(time.Time)
				if !ok {
					return nil, false
				}
				y, mo, d := t.Date()
				h, mi, s := t.Clock()
				r := dtLocalize(y, mo, d, h, mi, s, t.Nanosecond(), from).In(to)
				y, mo, d = r.Date()
				h, mi, s = r.Clock()
				out := time.Date(y, mo, d, h, mi, s, r.Nanosecond(), time.UTC)
				if !inDatetimeRange(out) {
					return nil, false
				}
				return out, true
			}), nil
		},
	})

	RegisterFunc(&Func{
		Name: "is-datetime", Family: "date-and-time", Args: "VALUES(value-expression{1})",
		Doc:     "True if the value, or the first element of a list, is a datetime.",
		MinArgs: 1, MaxArgs: 1,
		Examples: []Example{
			{Expr: `["is-datetime", ["now"]]`, Want: `true`},
			{Expr: `["is-datetime", ["datetime", "2015-07-28T09:46:00.12345Z"]]`, Want: `true`},
			{Expr: `["is-datetime", "2015-07-28T09:46:00.12345Z"]`, Want: `false`},
			{Expr: `["is-datetime", ["list", "1", 2]]`, Want: `false`},
			{Expr: `["is-datetime", ["list", "~t2015-07-28T09:46:00Z", 2]]`, Want: `true`},
			{Expr: `["is-datetime", ["list"]]`, Want: `false`},
			{Expr: `["is-datetime", null]`, Want: `false`},
		},
		Eval: func(c *Ctx, args []Value) (Value, error) {
			_, ok := First(args[0]).(time.Time)
			return ok, nil
		},
	})
}

// ---- datetime conversion ----

// minDatetime and maxDatetime bound the datetimes the functions produce.
var (
	minDatetime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDatetime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

func inDatetimeRange(t time.Time) bool {
	return !t.Before(minDatetime) && !t.After(maxDatetime)
}

// datetimeLayouts are the string forms "datetime" reads. Decision: the
// reference only shows full RFC 3339 strings; we also accept a space for
// the "T", a missing seconds field, a missing offset (read as UTC, as
// datetime-parse does) and a bare date (midnight UTC), which is what users
// feeding ISO 8601 data expect. Fractions of up to 9 digits are kept.
var datetimeLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// dtToDatetime converts one value the way "datetime" does.
func dtToDatetime(v Value) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case int64:
		return time.Unix(0, x).UTC(), true
	case string:
		return parseISODatetime(x)
	}
	return time.Time{}, false
}

func parseISODatetime(s string) (time.Time, bool) {
	if len(s) < 10 || len(s) > 64 {
		return time.Time{}, false
	}
	if len(s) > 10 && (s[10] == ' ' || s[10] == 't') {
		s = s[:10] + "T" + s[11:]
	}
	if n := len(s); n > 0 && s[n-1] == 'z' {
		s = s[:n-1] + "Z"
	}
	for _, layout := range datetimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			if !inDatetimeRange(t) {
				return time.Time{}, false
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// ---- time zones ----

var tzCache sync.Map // name -> *time.Location

// loadTimezone loads an IANA time zone by name ("Europe/Oslo", "UTC"), from
// the tz database compiled into the binary. Go's database holds every name
// on the reference's list of supported time zones.
func loadTimezone(name string) (*time.Location, error) {
	if l, ok := tzCache.Load(name); ok {
		return l.(*time.Location), nil
	}
	name = strings.Clone(name) // kept in the cache and the Location: own it
	var loc *time.Location
	switch {
	case name == "" || name == "Local" || strings.ContainsAny(name, "\x00\\") || strings.HasPrefix(name, "/") || strings.Contains(name, ".."):
		return nil, fmt.Errorf("unknown time zone %q", name)
	case strings.EqualFold(name, "UTC"):
		loc = time.UTC
	default:
		l, err := time.LoadLocation(name)
		if err != nil {
			return nil, fmt.Errorf("unknown time zone %q", name)
		}
		loc = l
	}
	tzCache.Store(name, loc)
	return loc, nil
}

func checkTimezoneArg(n *pipes.Node) error {
	name, ok := dtConstString(n)
	if !ok {
		return nil
	}
	_, err := loadTimezone(name)
	return err
}

// dtConstString returns the string a node stands for when it is a constant
// string: not a path, which is only known at run time.
func dtConstString(n *pipes.Node) (string, bool) {
	if n.Kind != pipes.String || isPath(n.Str) {
		return "", false
	}
	s, ok := FromTransit(n.Str).(string)
	return s, ok
}

func timezoneArg(v Value) (*time.Location, error) {
	s, ok := First(v).(string)
	if !ok {
		return nil, Errorf("the time zone must be a string, got %s", KindOf(First(v)))
	}
	loc, err := loadTimezone(s)
	if err != nil {
		return nil, Errorf("%v", err)
	}
	return loc, nil
}

// dtLocalize returns the instant at which the wall clock in loc shows the
// given date and time. Decision (the reference is silent): a wall time that
// occurs twice (autumn) is the later, standard-time instant; a wall time
// skipped by a spring-forward gap is read with the offset in force before
// the gap (so 02:30 in a 02:00→03:00 gap becomes 03:30). This is what
// Python's pytz does with its default is_dst=False.
func dtLocalize(y int, mo time.Month, d, h, mi, s, ns int, loc *time.Location) time.Time {
	if loc == time.UTC {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	wall := time.Date(y, mo, d, h, mi, s, 0, time.UTC).Unix()
	offsetAt := func(unix int64) int {
		_, off := time.Unix(unix, 0).In(loc).Zone()
		return off
	}
	before := offsetAt(wall - 86400)
	offsets := [3]int{before, offsetAt(wall), offsetAt(wall + 86400)}
	best, found := int64(0), false
	for i, off := range offsets {
		if i > 0 && (off == offsets[0] || (i == 2 && off == offsets[1])) {
			continue
		}
		u := wall - int64(off)
		if offsetAt(u) == off && (!found || u > best) {
			best, found = u, true
		}
	}
	if !found {
		best = wall - int64(before)
	}
	return time.Unix(best, int64(ns)).UTC()
}

// ---- strptime ----

var (
	dtLongMonths  = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	dtShortMonths = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	dtLongDays    = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}
	dtShortDays   = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
)

// parseComposites expand to their parts before parsing.
var parseComposites = map[byte]string{'F': "%Y-%m-%d", 'T': "%H:%M:%S", 'R': "%H:%M", 'D': "%m/%d/%y"}

const parseDirectives = "deHkIlmMpPSfyYzZbBhaAjFTRDnt%"

// checkParseFormat refuses a format with a directive strptime cannot read.
func checkParseFormat(format string) error {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i == len(format) {
			return fmt.Errorf("the format %q ends with a lone %%", format)
		}
		if !strings.ContainsRune(parseDirectives, rune(format[i])) {
			return fmt.Errorf("the format %q has the directive %%%c, which cannot be parsed (supported: %%d %%e %%H %%I %%m %%M %%p %%S %%f %%y %%Y %%z %%Z %%b %%B %%a %%A %%j %%k %%l %%F %%T %%R %%D %%n %%t %%%%)", format, format[i])
		}
	}
	return nil
}

type dtParsedTime struct {
	year, month, day, hour, minute, second, nsec int
	yday, hour12, ampm                           int // ampm: 0 none, 1 AM, 2 PM
	hasDate                                      bool
	offset                                       int
	hasOffset                                    bool
}

// strptime parses s with format; wall-clock times are in loc unless s has
// an offset (%z, %Z). Decisions where Python's strptime is the model but
// Sesam users need more: %f reads 1 to 9 digits (nanoseconds are kept),
// %Y reads 1 to 4 digits, names (%b %B %a %A %p) match in any case. Dates
// that do not exist (30.02) and second 60 do not parse.
func strptime(s, format string, loc *time.Location) (time.Time, bool) {
	p := dtParsedTime{year: 1900, month: 1, day: 1, hour12: -1}
	j, ok := p.parse(s, 0, format, 0)
	if !ok || j != len(s) {
		return time.Time{}, false
	}
	if p.hour12 >= 0 {
		p.hour = p.hour12 % 12
		if p.ampm == 2 {
			p.hour += 12
		}
	}
	if p.yday > 0 && !p.hasDate {
		if p.yday > 365 && !dtIsLeap(p.year) {
			return time.Time{}, false
		}
		t := time.Date(p.year, 1, p.yday, 0, 0, 0, 0, time.UTC)
		p.month, p.day = int(t.Month()), t.Day()
	}
	if p.year < 1 || p.day > dtDaysIn(time.Month(p.month), p.year) {
		return time.Time{}, false
	}
	var t time.Time
	if p.hasOffset {
		t = time.Date(p.year, time.Month(p.month), p.day, p.hour, p.minute, p.second, p.nsec, time.FixedZone("", p.offset)).UTC()
	} else {
		t = dtLocalize(p.year, time.Month(p.month), p.day, p.hour, p.minute, p.second, p.nsec, loc)
	}
	if !inDatetimeRange(t) {
		return time.Time{}, false
	}
	return t, true
}

func (p *dtParsedTime) parse(s string, j int, format string, depth int) (int, bool) {
	var ok bool
	for i := 0; i < len(format); i++ {
		b := format[i]
		if b != '%' {
			if j >= len(s) || s[j] != b {
				return j, false
			}
			j++
			continue
		}
		i++
		if i == len(format) {
			return j, false
		}
		switch d := format[i]; d {
		case 'd', 'e':
			if d == 'e' && j < len(s) && s[j] == ' ' {
				j++
			}
			if p.day, j, ok = dtDigits(s, j, 1, 2, 1, 31); !ok {
				return j, false
			}
			p.hasDate = true
		case 'H', 'k':
			if d == 'k' && j < len(s) && s[j] == ' ' {
				j++
			}
			if p.hour, j, ok = dtDigits(s, j, 1, 2, 0, 23); !ok {
				return j, false
			}
			p.hour12 = -1
		case 'I', 'l':
			if d == 'l' && j < len(s) && s[j] == ' ' {
				j++
			}
			if p.hour12, j, ok = dtDigits(s, j, 1, 2, 1, 12); !ok {
				return j, false
			}
		case 'm':
			if p.month, j, ok = dtDigits(s, j, 1, 2, 1, 12); !ok {
				return j, false
			}
			p.hasDate = true
		case 'M':
			if p.minute, j, ok = dtDigits(s, j, 1, 2, 0, 59); !ok {
				return j, false
			}
		case 'S':
			if p.second, j, ok = dtDigits(s, j, 1, 2, 0, 59); !ok {
				return j, false
			}
		case 'f':
			start := j
			var n int
			if n, j, ok = dtDigits(s, j, 1, 9, 0, 999999999); !ok {
				return j, false
			}
			for k := j - start; k < 9; k++ {
				n *= 10
			}
			p.nsec = n
		case 'y':
			var y int
			if y, j, ok = dtDigits(s, j, 1, 2, 0, 99); !ok {
				return j, false
			}
			if y < 69 {
				p.year = 2000 + y
			} else {
				p.year = 1900 + y
			}
		case 'Y':
			if p.year, j, ok = dtDigits(s, j, 1, 4, 0, 9999); !ok {
				return j, false
			}
		case 'j':
			if p.yday, j, ok = dtDigits(s, j, 1, 3, 1, 366); !ok {
				return j, false
			}
		case 'p', 'P':
			var k int
			if k, j, ok = dtMatchName(s, j, []string{"am", "pm"}); !ok {
				return j, false
			}
			p.ampm = k + 1
		case 'b', 'h', 'B':
			names := dtShortMonths
			if d == 'B' {
				names = dtLongMonths
			}
			var k int
			if k, j, ok = dtMatchName(s, j, names); !ok {
				return j, false
			}
			p.month, p.hasDate = k+1, true
		case 'a', 'A':
			names := dtShortDays
			if d == 'A' {
				names = dtLongDays
			}
			if _, j, ok = dtMatchName(s, j, names); !ok {
				return j, false
			}
		case 'z':
			if j, ok = p.zoneOffset(s, j); !ok {
				return j, false
			}
		case 'Z':
			// Only the zero-offset names: abbreviations such as "CET" or
			// "EST" are ambiguous across the world.
			if _, j, ok = dtMatchName(s, j, []string{"utc", "gmt", "z"}); !ok {
				return j, false
			}
			p.offset, p.hasOffset = 0, true
		case 'n', 't':
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r' || s[j] == '\v' || s[j] == '\f') {
				j++
			}
		case '%':
			if j >= len(s) || s[j] != '%' {
				return j, false
			}
			j++
		default:
			sub, composite := parseComposites[d]
			if !composite || depth > 0 {
				return j, false
			}
			if j, ok = p.parse(s, j, sub, depth+1); !ok {
				return j, false
			}
		}
	}
	return j, true
}

// zoneOffset reads "Z", +HH, +HHMM or +HH:MM (or with "-").
func (p *dtParsedTime) zoneOffset(s string, j int) (int, bool) {
	if j < len(s) && (s[j] == 'Z' || s[j] == 'z') {
		p.offset, p.hasOffset = 0, true
		return j + 1, true
	}
	if j >= len(s) || (s[j] != '+' && s[j] != '-') {
		return j, false
	}
	sign := 1
	if s[j] == '-' {
		sign = -1
	}
	h, k, ok := dtDigits(s, j+1, 2, 2, 0, 23)
	if !ok {
		return j, false
	}
	m := 0
	if k < len(s) && s[k] == ':' {
		if m, k, ok = dtDigits(s, k+1, 2, 2, 0, 59); !ok {
			return j, false
		}
	} else if k+1 < len(s) && dtIsDigit(s[k]) && dtIsDigit(s[k+1]) {
		if m, k, ok = dtDigits(s, k, 2, 2, 0, 59); !ok {
			return j, false
		}
	}
	p.offset, p.hasOffset = sign*(h*3600+m*60), true
	return k, true
}

func dtIsDigit(b byte) bool { return b >= '0' && b <= '9' }

// dtDigits reads min to max decimal digits at j and checks the value range.
func dtDigits(s string, j, minN, maxN, lo, hi int) (int, int, bool) {
	n, k := 0, j
	for k < len(s) && k-j < maxN && dtIsDigit(s[k]) {
		n = n*10 + int(s[k]-'0')
		k++
	}
	if k-j < minN || n < lo || n > hi {
		return 0, j, false
	}
	return n, k, true
}

// dtMatchName matches one of names (lower case) at j, ignoring case; the
// longest match wins.
func dtMatchName(s string, j int, names []string) (int, int, bool) {
	best, bestLen := -1, 0
	for i, name := range names {
		if len(name) > bestLen && j+len(name) <= len(s) && strings.EqualFold(s[j:j+len(name)], name) {
			best, bestLen = i, len(name)
		}
	}
	if best < 0 {
		return 0, j, false
	}
	return best, j + bestLen, true
}

func dtIsLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func dtDaysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if dtIsLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// ---- date parts: datetime-plus and datetime-diff ----

type datePart int

const (
	partYear datePart = iota
	partMonth
	partWeek
	partDay
	partHour
	partMinute
	partSecond
	partMillisecond
	partMicrosecond
	partNanosecond
)

var dateParts = map[string]datePart{
	"year": partYear, "month": partMonth, "week": partWeek, "day": partDay, "hour": partHour,
	"minute": partMinute, "second": partSecond, "millisecond": partMillisecond,
	"microsecond": partMicrosecond, "nanosecond": partNanosecond,
}

// partNanos is the length of the fixed-length parts in nanoseconds.
var partNanos = map[datePart]int64{
	partWeek: 7 * 24 * int64(time.Hour), partDay: 24 * int64(time.Hour), partHour: int64(time.Hour),
	partMinute: int64(time.Minute), partSecond: int64(time.Second), partMillisecond: int64(time.Millisecond),
	partMicrosecond: int64(time.Microsecond), partNanosecond: 1,
}

func unknownDatePart(s string) error {
	return fmt.Errorf("unknown DATEPART %q; use one of year, month, week, day, hour, minute, second, millisecond, microsecond, nanosecond", s)
}

func datePartArg(fn string, v Value) (datePart, error) {
	s, ok := First(v).(string)
	if !ok {
		return 0, Errorf("%s: DATEPART must be a string, got %s", fn, KindOf(First(v)))
	}
	p, ok := dateParts[s]
	if !ok {
		return 0, Errorf("%s: %v", fn, unknownDatePart(s))
	}
	return p, nil
}

// dtAmount is an integer argument; ok is false when it is too large for any
// datetime arithmetic to stay in range (every result is then dropped).
type dtAmount struct {
	n  int64
	ok bool
}

// dtIntegerArg reads an integer, accepting integral floats and decimals.
func dtIntegerArg(v Value) (dtAmount, bool) {
	switch x := v.(type) {
	case int64:
		return dtAmount{x, true}, true
	case *big.Int:
		return dtAmount{}, true
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return dtAmount{}, false
		}
		if math.Abs(x) >= 1<<62 {
			return dtAmount{}, true
		}
		return dtAmount{int64(x), true}, true
	case *apd.Decimal:
		var i apd.Decimal
		if _, err := apd.BaseContext.RoundToIntegralValue(&i, x); err != nil || i.Cmp(x) != 0 {
			return dtAmount{}, false
		}
		n, err := i.Int64()
		if err != nil {
			return dtAmount{}, true
		}
		return dtAmount{n, true}, true
	}
	return dtAmount{}, false
}

// dtAddMonths adds n months, clamping the day to the target month's length.
func dtAddMonths(t time.Time, n int64) (time.Time, bool) {
	if n > 12*10000 || n < -12*10000 {
		return time.Time{}, false
	}
	y, m, d := t.Date()
	total := int64(y)*12 + int64(m-1) + n
	ny, nm := int(total/12), time.Month(total%12+1)
	if total < 0 {
		return time.Time{}, false
	}
	if dim := dtDaysIn(nm, ny); d > dim {
		d = dim
	}
	h, mi, s := t.Clock()
	r := time.Date(ny, nm, d, h, mi, s, t.Nanosecond(), time.UTC)
	return r, inDatetimeRange(r)
}

func datetimePlus(t time.Time, unit datePart, n int64) (Value, bool) {
	var r time.Time
	switch unit {
	case partYear:
		if n > 10000 || n < -10000 {
			return nil, false
		}
		var ok bool
		if r, ok = dtAddMonths(t, n*12); !ok {
			return nil, false
		}
	case partMonth:
		var ok bool
		if r, ok = dtAddMonths(t, n); !ok {
			return nil, false
		}
	default:
		// Fixed-length parts: split into whole seconds and nanoseconds so
		// nothing overflows; the range check then drops what is too far.
		per := partNanos[unit]
		const maxSeconds = 400 * 1e9 // more than the whole datetime range
		var secs, nanos int64
		if per >= int64(time.Second) {
			k := per / int64(time.Second)
			if n > maxSeconds/k || n < -maxSeconds/k {
				return nil, false
			}
			secs = n * k
		} else {
			perSec := int64(time.Second) / per
			secs, nanos = n/perSec, (n%perSec)*per
		}
		r = time.Unix(t.Unix()+secs, int64(t.Nanosecond())+nanos).UTC()
		if !inDatetimeRange(r) {
			return nil, false
		}
	}
	return r, true
}

// datetimeDiff counts whole units from end to start, rounding towards zero.
func datetimeDiff(unit datePart, start, end time.Time) Value {
	switch unit {
	case partYear, partMonth:
		sy, sm, _ := start.Date()
		ey, em, _ := end.Date()
		n := int64(sy-ey)*12 + int64(sm-em)
		// n months from end lands in start's month (always in range) and
		// may overshoot start; then one month less has passed.
		cand, _ := dtAddMonths(end, n)
		switch {
		case start.After(end) && cand.After(start):
			n--
		case start.Before(end) && cand.Before(start):
			n++
		}
		if unit == partYear {
			n /= 12 // Go's division truncates towards zero
		}
		return n
	}
	secs := new(big.Int).SetInt64(start.Unix() - end.Unix())
	total := secs.Mul(secs, big.NewInt(int64(time.Second)))
	total.Add(total, big.NewInt(int64(start.Nanosecond()-end.Nanosecond())))
	total.Quo(total, big.NewInt(partNanos[unit]))
	return Int(total)
}
