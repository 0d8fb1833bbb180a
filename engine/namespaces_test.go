package engine

import (
	"context"
	"testing"

	"github.com/sluice-sync/sluice/component"
	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/pipes"
)

func runStage(t *testing.T, tr component.Transform, in string) string {
	t.Helper()
	out, err := tr.Transform(context.Background(), []entity.Entity{entity.Entity(in)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("got %d entities", len(out))
	}
	return string(out[0])
}

func TestAddNamespaces(t *testing.T) {
	ns := pipes.Namespaces{Enabled: true, Identity: "crm", Property: "crm-person", Add: true}
	got := runStage(t, AddNamespaces(ns), `{"_id":"1","name":"Ada","x:y":2,"_deleted":false,"tags":["a"]}`)
	want := `{"_id":"crm:1","crm-person:name":"Ada","x:y":2,"_deleted":false,"crm-person:tags":["a"]}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestRemoveNamespaces(t *testing.T) {
	got := runStage(t, RemoveNamespaces(), `{"_id":"crm:1","crm-person:name":"Ada","ref":"~:crm:2","refs":["~:crm:3",4],"_ts":5}`)
	want := `{"_id":"1","name":"Ada","ref":"2","refs":["3",4],"_ts":5}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
