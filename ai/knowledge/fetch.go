package knowledge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// FetchOptions limit Fetch.
type FetchOptions struct {
	// MaxBytes caps the body (default 2 MiB); a larger body is ErrTooLarge.
	MaxBytes int64
	// UserAgent is sent when set.
	UserAgent string
}

// DefaultFetchMaxBytes is FetchOptions.MaxBytes when zero.
const DefaultFetchMaxBytes = 2 << 20

// fetchFormats maps accepted media types to formats.
var fetchFormats = map[string]Format{
	"text/html":             FormatHTML,
	"application/xhtml+xml": FormatHTML,
	"text/markdown":         FormatMarkdown,
	"text/x-markdown":       FormatMarkdown,
	"text/plain":            FormatText,
	"text/csv":              FormatCSV,
}

// Fetch downloads rawURL with client and returns it as a Source (ID and
// URL set to the URL, Title from the page, Format from the Content-Type).
// Only http and https URLs are fetched; only HTML, Markdown, plain text
// and CSV bodies in UTF-8 are accepted (ErrUnsupportedContentType); bodies
// over MaxBytes are refused (ErrTooLarge). The caller's client carries
// timeouts, redirects policy and any egress restrictions.
func Fetch(ctx context.Context, client *http.Client, rawURL string, o FetchOptions) (Source, error) {
	if client == nil {
		return Source{}, fmt.Errorf("knowledge: fetch: %w", invalid("client", "nil"))
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Source{}, fmt.Errorf("knowledge: fetch: %w", invalid("url", "must be an absolute http or https URL"))
	}
	if len(rawURL) > maxURLLen {
		return Source{}, fmt.Errorf("knowledge: fetch: %w", invalid("url", "longer than %d bytes", maxURLLen))
	}
	u.User = nil
	safe := u.String()
	// Error text names the URL without its query, which may carry tokens.
	shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	limit := o.MaxBytes
	if limit <= 0 {
		limit = DefaultFetchMaxBytes
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return Source{}, fmt.Errorf("knowledge: fetch %s: %w", shown, invalid("url", "%v", errors.Unwrap(err)))
	}
	req.Header.Set("Accept", "text/html, text/markdown;q=0.9, text/plain;q=0.8, text/csv;q=0.7")
	if o.UserAgent != "" {
		req.Header.Set("User-Agent", o.UserAgent)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Source{}, fmt.Errorf("knowledge: fetch %s: %w", shown, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Source{}, fmt.Errorf("knowledge: fetch %s: status %d", shown, resp.StatusCode)
	}
	mediaType, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		return Source{}, fmt.Errorf("knowledge: fetch %s: %w: missing or malformed Content-Type", shown, ErrUnsupportedContentType)
	}
	format, ok := fetchFormats[mediaType]
	if !ok {
		return Source{}, fmt.Errorf("knowledge: fetch %s: %w: %s", shown, ErrUnsupportedContentType, mediaType)
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "utf8" && cs != "us-ascii" {
		return Source{}, fmt.Errorf("knowledge: fetch %s: %w: charset %s", shown, ErrUnsupportedContentType, cs)
	}
	if resp.ContentLength > limit {
		return Source{}, fmt.Errorf("knowledge: fetch %s: %w: %d bytes, limit %d", shown, ErrTooLarge, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return Source{}, fmt.Errorf("knowledge: fetch %s: read: %w", shown, err)
	}
	if int64(len(body)) > limit {
		return Source{}, fmt.Errorf("knowledge: fetch %s: %w: more than %d bytes", shown, ErrTooLarge, limit)
	}
	if !utf8.Valid(body) {
		return Source{}, fmt.Errorf("knowledge: fetch %s: %w: body is not UTF-8", shown, ErrUnsupportedContentType)
	}
	src := Source{ID: safe, URL: safe, Format: format, Content: string(body)}
	if len(src.ID) > maxIDLen {
		src.ID = "url:" + hashHex(safe)
	}
	if format == FormatHTML {
		if _, title, err := htmlToMarkdown(src.Content); err == nil {
			src.Title = truncateUTF8(title, maxTitleLen)
		}
	}
	return src, nil
}
