package notify

import (
	"fmt"
	"sync"

	"github.com/sluice-sync/sluice/store"
	"github.com/sluice-sync/sluice/webhook"
)

// inMemory holds the secrets generated when there is no store, so that a
// config reload in the same process keeps them.
var inMemory struct {
	sync.Mutex
	secrets map[string]string
}

// secretKey names the store value holding a destination's generated
// secret. Store values are not datasets: no API or command lists them, so
// the secret is not readable through sluice (the webhook sink keeps its
// generated secrets the same way).
func secretKey(id string) string { return "notify:destination:" + id + ":secret" }

// generatedSecret returns the secret sluice keeps for a destination that
// has none configured, generating it on first use. The one place it is
// ever shown is the warning logged when it is made.
func (n *Notifier) generatedSecret(id string) (string, error) {
	if n.st == nil {
		inMemory.Lock()
		defer inMemory.Unlock()
		if s, ok := inMemory.secrets[id]; ok {
			return s, nil
		}
		s := webhook.GenerateSecret()
		if inMemory.secrets == nil {
			inMemory.secrets = map[string]string{}
		}
		inMemory.secrets[id] = s
		n.log.Warn(fmt.Sprintf("generated a signing secret for destination %s: %s; set \"secret\" to choose your own (without a data folder it is not kept: it changes when sluice restarts)", id, s))
		return s, nil
	}
	v, ok, err := n.st.Value(secretKey(id))
	if err != nil {
		return "", fmt.Errorf("generated secret: %w", err)
	}
	if ok {
		s := string(v)
		if _, err := webhook.DecodeSecret(s); err != nil {
			return "", fmt.Errorf("generated secret: %w", err)
		}
		return s, nil
	}
	s := webhook.GenerateSecret()
	if err := n.st.Update(func(tx *store.Tx) error { return tx.PutValue(secretKey(id), []byte(s)) }); err != nil {
		return "", fmt.Errorf("generated secret: %w", err)
	}
	if err := n.st.Sync(); err != nil { // it is about to be shown: it must last
		return "", fmt.Errorf("generated secret: %w", err)
	}
	n.log.Warn(fmt.Sprintf("generated a signing secret for destination %s: %s; set \"secret\" to choose your own", id, s))
	return s, nil
}
