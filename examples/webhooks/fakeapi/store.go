package main

import (
	"path"
	"slices"
	"strings"
	"sync"
)

// Webhook is one registered webhook.
type Webhook struct {
	ID      int    `json:"id"`
	Address string `json:"address"`
	Topic   string `json:"topic"`
}

// store holds the webhooks in memory; ids start at 1 and are never reused
// until a reset.
type store struct {
	mu       sync.Mutex
	webhooks map[int]Webhook
	nextID   int
}

func newStore() *store {
	return &store{webhooks: map[int]Webhook{}, nextID: 1}
}

func (s *store) add(address, topic string) Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := Webhook{ID: s.nextID, Address: address, Topic: topic}
	s.webhooks[w.ID] = w
	s.nextID++
	return w
}

func (s *store) get(id int) (Webhook, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.webhooks[id]
	return w, ok
}

func (s *store) delete(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.webhooks[id]
	delete(s.webhooks, id)
	return ok
}

// list returns the webhooks ordered by id; with a topic, only that topic's.
func (s *store) list(topic string) []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Webhook{}
	for _, w := range s.webhooks {
		if topic == "" || w.Topic == topic {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b Webhook) int { return a.ID - b.ID })
	return out
}

func (s *store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhooks = map[int]Webhook{}
	s.nextID = 1
}

// fault makes the next Count requests matching Method and Path answer Status.
// Path is a path.Match pattern ("/webhooks/*"); an empty Method matches any.
type fault struct {
	Path   string `json:"path"`
	Method string `json:"method"`
	Status int    `json:"status"`
	Count  int    `json:"count"`
}

type faults struct {
	mu    sync.Mutex
	rules []*fault
}

func (f *faults) add(r fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &r)
}

// take returns the status of the first rule matching the request and uses
// up one of its count.
func (f *faults) take(method, p string) (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.rules {
		if r.Method != "" && !strings.EqualFold(r.Method, method) {
			continue
		}
		if ok, _ := path.Match(r.Path, p); !ok {
			continue
		}
		r.Count--
		if r.Count <= 0 {
			f.rules = slices.Delete(f.rules, i, i+1)
		}
		return r.Status, true
	}
	return 0, false
}

func (f *faults) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}
