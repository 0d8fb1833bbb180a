package urlsys_test

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-sync/sluice/entity"
	"github.com/sluice-sync/sluice/store"
)

// benchNotes makes a benchmark entity ~480 bytes, as the receiver's
// benchmark has them.
var benchNotes = strings.Repeat("lorem ipsum dolor sit amet ", 15)

// fillPeople writes n new ~0.5 KB entities to the dataset "people".
func fillPeople(tb testing.TB, st *store.Store, n int) {
	tb.Helper()
	const batch = 1000
	for from := 0; from < n; from += batch {
		es := make([]entity.Entity, 0, batch)
		for i := from; i < min(from+batch, n); i++ {
			es = append(es, entity.Entity(`{"_id":"c`+strconv.Itoa(i)+`","name":"customer `+strconv.Itoa(i)+
				`","n":`+strconv.Itoa(i%1000)+`,"tags":["a","b"],"notes":"`+benchNotes+`"}`))
		}
		if _, err := st.Write("people", es, store.WriteOptions{}); err != nil {
			tb.Fatal(err)
		}
	}
}

// benchSender is A: the dataset "people" pushed to B by a json sink.
const benchSender = `[
  {"_id": "b", "type": "system:url", "url_pattern": "$B/api/%s"},
  {"_id": "push", "type": "pipe", "source": {"type": "dataset", "dataset": "people"},
   "sink": {"type": "json", "system": "b", "url": "receivers/inbox/entities"BATCH}}
]`

// BenchmarkJSONSyncToReceiver pushes a 100,000-entity dataset with the
// json sink, as one full sync, to a receiver in the same process (an
// http_endpoint source writing to its store and syncing before each
// answer), a new receiver store each time. It reports entities/s.
func BenchmarkJSONSyncToReceiver(b *testing.B) {
	for _, batch := range []int{100, 1000, 5000, 10000} {
		b.Run("batch_size="+strconv.Itoa(batch), func(b *testing.B) {
			const n = 100_000
			a := newNode(b)
			fillPeople(b, a.st, n)
			var rates []float64
			for range b.N {
				b.StopTimer()
				rcv := newNode(b)
				rcv.load(receiverB, nil)
				rcv.serve()
				a.load(strings.Replace(benchSender, "BATCH", `, "batch_size": `+strconv.Itoa(batch), 1), rcv)
				b.StartTimer()
				start := time.Now()
				sum := a.run("push", true)
				rates = append(rates, float64(n)/time.Since(start).Seconds())
				if sum.Written != n {
					b.Fatalf("wrote %d", sum.Written)
				}
			}
			sort.Float64s(rates)
			b.ReportMetric(rates[len(rates)/2], "entities/s")
		})
	}
}
