package cli

import (
	"fmt"
	"log/slog"
	"strings"
)

// logLevel is the --log-level flag. It accepts only the four level names,
// in any case, so a typo is refused instead of quietly meaning the default.
type logLevel struct{ level slog.Level }

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

func (l *logLevel) Set(s string) error {
	level, ok := logLevels[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return fmt.Errorf("unknown log level %q: give debug, info, warn or error", s)
	}
	l.level = level
	return nil
}

func (l *logLevel) String() string { return strings.ToLower(l.level.String()) }

func (l *logLevel) Type() string { return "level" }
