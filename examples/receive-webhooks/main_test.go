package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDemo(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), func(string) string { return "" }, &out))
	s := out.String()
	require.Contains(t, s, "handshake: 200 42")
	require.Contains(t, s, `"Is the NEET batch full?"`)
	require.Contains(t, s, "signed delivery: 200")
	require.Contains(t, s, "forged delivery: 401")
}
