package main

import "net/http"

func (a *App) apiRoutes(mux *http.ServeMux) {}
