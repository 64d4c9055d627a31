package whatsapptest_test

import "github.com/botsync/botsync/meta/metatest"

func whatsapptestError(code int) metatest.GraphError {
	return metatest.GraphError{Code: code, Message: "scripted"}
}
