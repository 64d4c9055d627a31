package instagram

import (
	"context"
	"fmt"
)

// UploadAttachment saves media (by URL) with Meta for reuse and returns its
// attachment id, which [Media.AttachmentID] then sends to any number of
// users without another upload (Messenger's /{page-id}/message_attachments).
// Instagram stacks have no upload endpoint: send media by URL there; the
// call fails with [ErrUnsupported].
func (c *Client) UploadAttachment(ctx context.Context, m Media) (string, error) {
	if c.stack != Messenger {
		return "", fmt.Errorf("%w: attachment upload exists only on Messenger", ErrUnsupported)
	}
	if m.URL == "" {
		return "", invalid("message.attachment.payload.url", "required for an upload")
	}
	m.Reusable = true
	if err := m.validate("message.attachment"); err != nil {
		return "", err
	}
	body := struct {
		Message wireMessage `json:"message"`
	}{wireMessage{Attachment: &wireAttachment{Type: string(m.Type), Payload: wireMediaPayload{URL: m.URL, IsReusable: true}}}}
	var out struct {
		AttachmentID string `json:"attachment_id"`
	}
	if _, err := c.mc.Post(c.keyed(ctx), c.accountID+"/message_attachments", body, &out); err != nil {
		return "", fmt.Errorf("instagram: upload attachment: %w", err)
	}
	if out.AttachmentID == "" {
		return "", fmt.Errorf("instagram: upload attachment: Meta returned no attachment_id")
	}
	return out.AttachmentID, nil
}
