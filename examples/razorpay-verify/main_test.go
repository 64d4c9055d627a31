package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	require.Contains(t, s, "checkout signature valid: true")
	require.Contains(t, s, "forged signature valid: false")
	require.Contains(t, s, "redelivery answered: true")
	require.Equal(t, 1, strings.Count(s, "webhook: order.paid"), "processed once")
}
