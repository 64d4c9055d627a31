package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/botsync/botsync/meta"
)

// MediaService uploads, looks up, downloads and deletes media.
type MediaService struct{ c *Client }

// MediaLimit is what the Cloud API accepts for one kind of media.
type MediaLimit struct {
	// Kind is image, audio, video, document or sticker.
	Kind     string
	MaxBytes int64
}

// Size limits of the Cloud API per kind of media.
const (
	MaxImageBytes    = 5 << 20
	MaxAudioBytes    = 16 << 20
	MaxVideoBytes    = 16 << 20
	MaxDocumentBytes = 100 << 20
	MaxStickerBytes  = 500 << 10
)

// mediaTypes are the MIME types the Cloud API accepts, with their kind.
var mediaTypes = map[string]MediaLimit{
	"image/jpeg":                    {"image", MaxImageBytes},
	"image/png":                     {"image", MaxImageBytes},
	"image/webp":                    {"sticker", MaxStickerBytes},
	"audio/aac":                     {"audio", MaxAudioBytes},
	"audio/amr":                     {"audio", MaxAudioBytes},
	"audio/mpeg":                    {"audio", MaxAudioBytes},
	"audio/mp4":                     {"audio", MaxAudioBytes},
	"audio/ogg":                     {"audio", MaxAudioBytes},
	"video/mp4":                     {"video", MaxVideoBytes},
	"video/3gpp":                    {"video", MaxVideoBytes},
	"text/plain":                    {"document", MaxDocumentBytes},
	"application/pdf":               {"document", MaxDocumentBytes},
	"application/msword":            {"document", MaxDocumentBytes},
	"application/vnd.ms-excel":      {"document", MaxDocumentBytes},
	"application/vnd.ms-powerpoint": {"document", MaxDocumentBytes},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {"document", MaxDocumentBytes},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {"document", MaxDocumentBytes},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {"document", MaxDocumentBytes},
}

// LimitFor returns the limit of a MIME type, and false when the Cloud API
// does not accept it.
func LimitFor(mimeType string) (MediaLimit, bool) {
	mt, _, err := mime.ParseMediaType(mimeType)
	if err != nil {
		return MediaLimit{}, false
	}
	l, ok := mediaTypes[mt]
	return l, ok
}

// Upload is a file to upload. The content is streamed from Reader as
// multipart; it is never held whole in memory.
type Upload struct {
	Reader io.Reader
	// MIMEType is the file's type, e.g. "image/jpeg"; it decides the limit.
	MIMEType string
	// Filename is sent with the file (optional).
	Filename string
	// Size is the length when known (checked before any request), or 0 when
	// unknown (the stream is cut off and the upload fails once it exceeds
	// the limit).
	Size int64
}

// onceBody is a request body that streams from a pipe. It implements
// io.Seeker only to rewind before the first read, so the Graph client's
// retry layer passes it through instead of buffering it; a retry after a
// partial read fails instead of sending a truncated file.
type onceBody struct {
	r    *io.PipeReader
	read bool
}

func (b *onceBody) Read(p []byte) (int, error) { b.read = true; return b.r.Read(p) }
func (b *onceBody) Close() error               { return b.r.Close() }
func (b *onceBody) Seek(off int64, whence int) (int64, error) {
	if off == 0 && whence == io.SeekStart && !b.read {
		return 0, nil
	}
	return 0, errors.New("whatsapp: upload body cannot be replayed")
}

type limitedReader struct {
	r     io.Reader
	left  int64
	limit MediaLimit
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, invalid("file", "larger than the "+l.limit.Kind+" limit of "+strconv.FormatInt(l.limit.MaxBytes, 10)+" bytes")
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, invalid("file", "larger than the "+l.limit.Kind+" limit of "+strconv.FormatInt(l.limit.MaxBytes, 10)+" bytes")
	}
	return n, err
}

// Upload uploads media for the phone number and returns its media id (valid
// for 30 days). The MIME type and size are checked first.
func (s *MediaService) Upload(ctx context.Context, phoneNumberID string, u Upload) (string, error) {
	if err := checkID("phone_number_id", phoneNumberID); err != nil {
		return "", err
	}
	if u.Reader == nil {
		return "", invalid("file", "no reader")
	}
	lim, ok := LimitFor(u.MIMEType)
	if !ok {
		return "", invalid("type", "MIME type not accepted by the Cloud API")
	}
	if u.Size > lim.MaxBytes {
		return "", invalid("file", "larger than the "+lim.Kind+" limit of "+strconv.FormatInt(lim.MaxBytes, 10)+" bytes")
	}
	if strings.ContainsAny(u.Filename, "\"\r\n/\\") {
		return "", invalid("filename", "must not contain quotes, line breaks or path separators")
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	src := &limitedReader{r: u.Reader, left: lim.MaxBytes, limit: lim}
	writeErr := make(chan error, 1)
	go func() {
		err := func() error {
			if err := mw.WriteField("messaging_product", "whatsapp"); err != nil {
				return err
			}
			if err := mw.WriteField("type", u.MIMEType); err != nil {
				return err
			}
			h := textproto.MIMEHeader{}
			name := u.Filename
			if name == "" {
				name = "file"
			}
			h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
			h.Set("Content-Type", u.MIMEType)
			part, err := mw.CreatePart(h)
			if err != nil {
				return err
			}
			if _, err := io.Copy(part, src); err != nil {
				return err
			}
			return mw.Close()
		}()
		writeErr <- err
		pw.CloseWithError(err)
	}()
	body := &onceBody{r: pr}
	req, err := s.c.api.NewRequest(ctx, http.MethodPost, phoneNumberID+"/media", body)
	if err != nil {
		pr.CloseWithError(err)
		<-writeErr
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var r struct {
		ID string `json:"id"`
	}
	_, err = s.c.api.Do(req, &r)
	pr.CloseWithError(errors.New("whatsapp: upload finished"))
	werr := <-writeErr
	var ve *ValidationError
	if errors.As(werr, &ve) {
		return "", ve
	}
	if err != nil {
		return "", fmt.Errorf("whatsapp: upload media: %w", err)
	}
	if r.ID == "" {
		return "", errors.New("whatsapp: upload media: response carries no media id")
	}
	return r.ID, nil
}

// MediaInfo is the short-lived download URL of a media id and its facts.
type MediaInfo struct {
	ID       string `json:"id"`
	URL      string `json:"url"`
	MIMEType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	FileSize int64  `json:"file_size"`
}

// Info returns the media's download URL (valid for 5 minutes) and facts.
func (s *MediaService) Info(ctx context.Context, mediaID string) (*MediaInfo, error) {
	if err := checkID("media_id", mediaID); err != nil {
		return nil, err
	}
	var raw struct {
		ID       string      `json:"id"`
		URL      string      `json:"url"`
		MIMEType string      `json:"mime_type"`
		SHA256   string      `json:"sha256"`
		FileSize json.Number `json:"file_size"`
	}
	if _, err := s.c.api.Get(ctx, mediaID, nil, &raw); err != nil {
		return nil, fmt.Errorf("whatsapp: get media: %w", err)
	}
	n, _ := strconv.ParseInt(string(raw.FileSize), 10, 64)
	return &MediaInfo{ID: raw.ID, URL: raw.URL, MIMEType: raw.MIMEType, SHA256: raw.SHA256, FileSize: n}, nil
}

// Download writes the media to w. It looks up the URL, downloads it with
// the client's credentials, and when the URL has expired (401, 403, 404)
// looks it up again once. It returns the number of bytes written.
func (s *MediaService) Download(ctx context.Context, mediaID string, w io.Writer) (int64, error) {
	return s.DownloadURL(ctx, mediaID, "", w)
}

// DownloadURL is Download starting from a URL obtained earlier (from
// [MediaService.Info]); an expired URL is refreshed through mediaID.
func (s *MediaService) DownloadURL(ctx context.Context, mediaID, rawURL string, w io.Writer) (int64, error) {
	if err := checkID("media_id", mediaID); err != nil {
		return 0, err
	}
	refreshed := false
	if rawURL == "" {
		info, err := s.Info(ctx, mediaID)
		if err != nil {
			return 0, err
		}
		rawURL, refreshed = info.URL, true
	}
	for {
		n, err := s.fetch(ctx, rawURL, w)
		var me *meta.Error
		if err != nil && !refreshed && n == 0 && errors.As(err, &me) &&
			(me.HTTPStatus == http.StatusUnauthorized || me.HTTPStatus == http.StatusForbidden || me.HTTPStatus == http.StatusNotFound) {
			info, ierr := s.Info(ctx, mediaID)
			if ierr != nil {
				return 0, ierr
			}
			rawURL, refreshed = info.URL, true
			continue
		}
		return n, err
	}
}

// trustedMediaHost reports whether the token may be sent to host: Meta's
// media hosts, or the configured Graph host (a fake or a BSP).
func (s *MediaService) trustedMediaHost(u *url.URL) bool {
	if u.Hostname() == s.c.api.BaseURL().Hostname() {
		return true
	}
	h := u.Hostname()
	for _, suffix := range []string{".fbsbx.com", ".facebook.com", ".whatsapp.net", ".fbcdn.net"} {
		if strings.HasSuffix(h, suffix) {
			return u.Scheme == "https"
		}
	}
	return false
}

func (s *MediaService) fetch(ctx context.Context, rawURL string, w io.Writer) (int64, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !s.trustedMediaHost(u) {
		return 0, errors.New("whatsapp: download media: URL is not on a Meta media host")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, errors.New("whatsapp: download media: bad URL")
	}
	resp, err := s.c.api.DoRaw(req)
	if err != nil {
		return 0, fmt.Errorf("whatsapp: download media: %w", err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("whatsapp: download media: %w", err)
	}
	return n, nil
}

// Delete deletes an uploaded media id.
func (s *MediaService) Delete(ctx context.Context, mediaID string) error {
	if err := checkID("media_id", mediaID); err != nil {
		return err
	}
	var r successResponse
	if _, err := s.c.api.Delete(ctx, mediaID, &r); err != nil {
		return fmt.Errorf("whatsapp: delete media: %w", err)
	}
	return nil
}
