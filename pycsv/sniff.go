package pycsv

import (
	"bytes"
	"io"
)

// sniffDelimiters are the delimiters Sniff tries, in order of preference
// when several fit equally well.
var sniffDelimiters = []string{",", "\t", ";", "|", ":"}

// Sniff guesses the dialect of a CSV text from a sample of its start, for
// Sesam's auto_dialect (Python's csv.Sniffer). It tries each common
// delimiter (or only base's, when keepDelimiter is set) with the double and the single
// quote as the quote character, and keeps the one that splits the most sample
// records into the same number of fields, at least two; ties go to the
// more fields, then to the more quoted fields, then to the order of
// sniffDelimiters and to '"'. It sets
// SkipInitialSpace when every delimiter on the first line is followed by
// a space. Without a fit it returns base. A sample cut short (full) is
// read up to its last line break, so a record cut in two does not count.
func Sniff(sample []byte, base Dialect, keepDelimiter, full bool) Dialect {
	if full {
		if i := bytes.LastIndexAny(sample, "\r\n"); i > 0 {
			sample = sample[:i+1]
		}
	}
	delims := sniffDelimiters
	if keepDelimiter {
		delims = []string{base.Delimiter}
	}
	best, found := base, false
	var bestScore, bestFields, bestQuoted int
	for _, dl := range delims {
		for _, q := range []string{`"`, `'`} {
			d := base
			d.Delimiter, d.QuoteChar, d.SkipInitialSpace = dl, q, false
			if d.Check() != nil {
				continue
			}
			score, fields, quoted := fit(sample, d)
			if q == `'` && quoted == 0 {
				continue // the single quote only wins by quoting something
			}
			if fields < 2 || !better(score, fields, quoted, bestScore, bestFields, bestQuoted) {
				continue
			}
			best, bestScore, bestFields, bestQuoted, found = d, score, fields, quoted, true
		}
	}
	if !found {
		return base
	}
	first, _, _ := bytes.Cut(sample, []byte("\n"))
	if n := bytes.Count(first, []byte(best.Delimiter)); n > 0 && n == bytes.Count(first, []byte(best.Delimiter+" ")) {
		best.SkipInitialSpace = true
	}
	return best
}

// better orders guesses: by records that agree, then fields, then
// quoted fields; an equal guess is not better, so the earlier one stays.
func better(score, fields, quoted, bestScore, bestFields, bestQuoted int) bool {
	if score != bestScore {
		return score > bestScore
	}
	if fields != bestFields {
		return fields > bestFields
	}
	return quoted > bestQuoted
}

// fit reads the sample in d and returns how many records have the most
// common field count, that count, and how many fields were quoted.
func fit(sample []byte, d Dialect) (score, fields, quoted int) {
	r := newReaderSize(bytes.NewReader(sample), d, min(len(sample)+len(d.Delimiter), 64<<10))
	counts := map[int]int{}
	for {
		f, _, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			break // a record cut off by the end of the sample, or a wrong guess, which then scores less
		}
		counts[len(f)]++
	}
	for n, c := range counts {
		if c > score || (c == score && n > fields) {
			score, fields = c, n
		}
	}
	return score, fields, r.QuotedFields()
}
