package privacy_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/memstore"
)

func TestCheckPurpose(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	grant := privacy.ConsentRecord{Purpose: privacy.PurposeMarketingMessages, Granted: true, At: t0}
	withdraw := privacy.ConsentRecord{Purpose: privacy.PurposeMarketingMessages, Granted: false, At: t0.Add(time.Hour)}
	parent := privacy.ConsentRecord{Purpose: privacy.PurposeAIReplies, Granted: true, ByParent: true, At: t0}
	self := privacy.ConsentRecord{Purpose: privacy.PurposeAIReplies, Granted: true, At: t0}

	adult, minor := privacy.SubjectFacts{}, privacy.SubjectFacts{Minor: true}
	tests := []struct {
		name    string
		facts   privacy.SubjectFacts
		history []privacy.ConsentRecord
		purpose privacy.Purpose
		want    error
	}{
		{"granted", adult, []privacy.ConsentRecord{grant}, privacy.PurposeMarketingMessages, nil},
		{"withdrawn later", adult, []privacy.ConsentRecord{withdraw, grant}, privacy.PurposeMarketingMessages, privacy.ErrNoConsent},
		{"never asked", adult, nil, privacy.PurposeLeadScoring, privacy.ErrNoConsent},
		{"minor tracking refused even with consent", minor, []privacy.ConsentRecord{{Purpose: privacy.PurposeTracking, Granted: true, ByParent: true}}, privacy.PurposeTracking, privacy.ErrForbiddenForMinors},
		{"minor targeted ads refused", minor, nil, privacy.PurposeTargetedAds, privacy.ErrForbiddenForMinors},
		{"minor behavioural monitoring refused", minor, nil, privacy.PurposeBehaviouralMonitor, privacy.ErrForbiddenForMinors},
		{"minor own consent is not enough", minor, []privacy.ConsentRecord{self}, privacy.PurposeAIReplies, privacy.ErrNeedParentConsent},
		{"minor with parental consent", minor, []privacy.ConsentRecord{parent}, privacy.PurposeAIReplies, nil},
		{"adult tracking with consent", adult, []privacy.ConsentRecord{{Purpose: privacy.PurposeTracking, Granted: true}}, privacy.PurposeTracking, nil},
	}
	for _, tt := range tests {
		err := privacy.CheckPurpose(tt.facts, tt.history, tt.purpose)
		if tt.want == nil {
			require.NoError(t, err, tt.name)
		} else {
			require.ErrorIs(t, err, tt.want, tt.name)
		}
	}
}

func TestConsentStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memstore.New()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, s.AddConsent(ctx, privacy.ConsentRecord{WorkspaceID: "ws", Subject: "lead:1", Purpose: privacy.PurposeMarketingMessages, Granted: false, At: t0.Add(time.Hour), Source: "STOP keyword"}))
	require.NoError(t, s.AddConsent(ctx, privacy.ConsentRecord{WorkspaceID: "ws", Subject: "lead:1", Purpose: privacy.PurposeMarketingMessages, Granted: true, At: t0, Source: "opt-in button", Evidence: "wamid.1"}))
	require.Error(t, s.AddConsent(ctx, privacy.ConsentRecord{WorkspaceID: "ws"}))
	h, err := s.Consents(ctx, "ws", "lead:1")
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.True(t, h[0].Granted, "oldest first")
	require.ErrorIs(t, privacy.CheckPurpose(privacy.SubjectFacts{}, h, privacy.PurposeMarketingMessages), privacy.ErrNoConsent)
	other, _ := s.Consents(ctx, "ws2", "lead:1")
	assert.Empty(t, other)
}
