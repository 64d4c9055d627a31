package memstore

// Dot exposes the dot product to the benchmarks.
var Dot = dot
