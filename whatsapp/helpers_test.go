package whatsapp_test

import (
	"testing"

	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

func newFakeOutsideBubble(t *testing.T) *whatsapptest.Server { return whatsapptest.New(t) }
