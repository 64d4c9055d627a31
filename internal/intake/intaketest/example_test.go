package intaketest_test

import (
	"testing"

	"github.com/botsync/botsync/internal/intake"
	"github.com/botsync/botsync/internal/intake/intaketest"
)

// Run the intake store conformance suite against an implementation.
func ExampleTestStore() {
	_ = func(t *testing.T) {
		intaketest.TestStore(t, func(*testing.T) intake.Store { return intake.NewMemStore() })
	}
}
