package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAnswersWithCitationOrHandsOff(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"What are the weekend timings?", "Can I pay in bitcoin?"}, &out))
	s := out.String()
	require.Contains(t, s, "9 am to 3 pm")
	require.Contains(t, s, "[Institute guide]")
	require.Contains(t, s, "hand off to a person")
}
