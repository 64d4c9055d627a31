package knowledge

// ChunkForBench extracts and chunks a Markdown document with the default
// options, for benchmarks.
func ChunkForBench(md string) int {
	return len(chunkDocument(parseMarkdown(md), ChunkOptions{}))
}
