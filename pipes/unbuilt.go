package pipes

import (
	"fmt"
	"strings"
)

// sesamOnlyTypes are component types Sesam documents that sluice does not
// have, by kind: a config using one gets a message saying so, not a
// "did you mean" for a typo.
var sesamOnlyTypes = map[string][]string{
	"source":    {"binary", "kafka", "ldap", "rdf", "sdshare", "sparql", "sql"},
	"transform": {"rdf", "xml"},
	"sink":      {"elasticsearch", "kafka", "mail", "replicated_dataset", "sdshare", "sms", "solr", "sparql", "sql", "xml_endpoint"},
	"system":    {"elasticsearch", "kafka", "ldap", "mssql", "mssql-azure-dw", "mysql", "oracle", "oracle_tns", "postgresql", "smtp", "solr", "sql", "sqlserver", "twilio"},
}

// unknownType explains why typ is not a known type of kind, listing the
// types there are. Systems are named with their "system:" prefix.
func unknownType(kind, typ string, known []string) string {
	name, list := typ, known
	if kind == "system" {
		name, list = "system:"+typ, prefixed("system:", known)
	}
	switch {
	case kind == "system" && typ == "microservice":
		return fmt.Sprintf(`system type %q runs a Docker container inside Sesam, which sluice does not do: run the service yourself and point a "system:url" or "system:rest" at its address (system types: %s)`, name, knownList(list))
	case contains(sesamOnlyTypes[kind], typ):
		return fmt.Sprintf("%s type %q is a Sesam type that sluice does not have (%s types: %s)", kind, name, kind, knownList(list))
	}
	hint := strings.TrimSuffix(strings.TrimPrefix(Suggest(name, list), " ("), ")")
	if hint != "" {
		hint += " "
	}
	return fmt.Sprintf("unknown %s type %q (%sknown: %s)", kind, name, hint, knownList(list))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
