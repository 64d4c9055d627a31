package whatsapptest_test

import (
	"testing"

	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
)

func whatsapptestError(code int) metatest.GraphError {
	return metatest.GraphError{Code: code, Message: "scripted"}
}

func secretOf(t *testing.T) secret.Value {
	t.Helper()
	return secret.New(metatest.DefaultAppSecret)
}
