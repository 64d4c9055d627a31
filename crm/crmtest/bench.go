package crmtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/botsync/botsync/crm"
)

// BenchmarkFindOrCreate measures find-or-create by phone on a store: of a
// lead that exists (the steady state of a webhook) and of a new one.
func BenchmarkFindOrCreate(b *testing.B, newStore func(testing.TB) crm.Store) {
	b.Run("existing", func(b *testing.B) {
		svc := benchService(b, newStore(b))
		const n = 1000
		for i := range n {
			if _, _, err := svc.FindOrCreate(b.Context(), ws, crm.Contact{Identities: []crm.Identity{crm.Phone(SyntheticPhone(i))}}); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			if _, created, err := svc.FindOrCreate(b.Context(), ws, crm.Contact{Identities: []crm.Identity{crm.Phone(SyntheticPhone(i % n))}}); err != nil || created {
				b.Fatal(err, created)
			}
			i++
		}
	})
	b.Run("new", func(b *testing.B) {
		svc := benchService(b, newStore(b))
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			if _, created, err := svc.FindOrCreate(b.Context(), ws, crm.Contact{Identities: []crm.Identity{crm.Phone(SyntheticPhone(i))}}); err != nil || !created {
				b.Fatal(err, created)
			}
			i++
		}
	})
}

// BenchmarkMatchCalls measures MatchCalls of calls records (half of them
// with known leads) against a workspace of leads leads; every iteration
// syncs a new log, so it records calls/2 activities.
func BenchmarkMatchCalls(b *testing.B, st crm.Store, leads, calls int) {
	svc := benchService(b, st)
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	seed(b, st, leads, at)
	iter := 0
	b.ReportAllocs()
	for b.Loop() {
		log := SyntheticCalls(calls, leads, at.Add(time.Duration(iter)*24*time.Hour))
		res, err := svc.MatchCalls(b.Context(), ws, log)
		if err != nil {
			b.Fatal(err)
		}
		if res.Recorded != calls/2 || res.Unmatched != calls/2 {
			b.Fatalf("unexpected result %+v", res)
		}
		iter++
	}
}

// BenchmarkSegment measures segment queries (one page of 50) and counts per
// stage over a workspace of leads leads.
func BenchmarkSegment(b *testing.B, st crm.Store, leads int) {
	svc := benchService(b, st)
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	seed(b, st, leads, at)
	minScore := 50
	queries := map[string]crm.Query{
		"stage+tag+score": {Stage: "qualified", Tags: []string{"hot"}, MinScore: &minScore},
		"custom+channel":  {Custom: map[string]string{"course": "MBA"}, Channel: "whatsapp"},
		"last-activity":   {ActiveAfter: at.Add(-24 * time.Hour)},
		"text":            {Text: "lead 4242"},
	}
	for name, q := range queries {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Search(b.Context(), ws, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("count-by-stage", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, err := svc.CountByStage(b.Context(), ws)
			if err != nil || c["new"]+c["qualified"]+c["won"] != leads {
				b.Fatal(err, c)
			}
		}
	})
}

func seed(b *testing.B, st crm.Store, n int, at time.Time) {
	b.Helper()
	if err := st.ImportLeads(b.Context(), ws, SyntheticLeads(ws, n, at), nil); err != nil {
		b.Fatal(fmt.Errorf("seed: %w", err))
	}
}

func benchService(b *testing.B, st crm.Store) *crm.Service {
	b.Helper()
	svc, err := crm.New(st, crm.WithDefaultRegion("IN"))
	if err != nil {
		b.Fatal(err)
	}
	return svc
}
