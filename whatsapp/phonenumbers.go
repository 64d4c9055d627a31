package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
)

// PhoneNumbersService manages a WABA's business phone numbers, their
// business profiles and the app's subscription to the WABA.
type PhoneNumbersService struct{ c *Client }

// PhoneNumber is a business phone number with its health.
type PhoneNumber struct {
	ID                 string `json:"id"`
	DisplayPhoneNumber string `json:"display_phone_number"`
	VerifiedName       string `json:"verified_name"`
	// QualityRating is GREEN, YELLOW, RED or UNKNOWN.
	QualityRating string `json:"quality_rating"`
	// MessagingLimitTier is TIER_250, TIER_1K, TIER_10K, TIER_100K or
	// TIER_UNLIMITED.
	MessagingLimitTier string      `json:"messaging_limit_tier,omitempty"`
	Throughput         *Throughput `json:"throughput,omitempty"`
	// NameStatus is APPROVED, PENDING_REVIEW, DECLINED…
	NameStatus             string `json:"name_status,omitempty"`
	CodeVerificationStatus string `json:"code_verification_status,omitempty"`
	// Status is CONNECTED, PENDING, FLAGGED, RESTRICTED…
	Status       string `json:"status,omitempty"`
	PlatformType string `json:"platform_type,omitempty"`
	// IsOnBizApp is true for coexistence numbers, also used in the WhatsApp
	// Business app (limited to 20 messages per second).
	IsOnBizApp                bool `json:"is_on_biz_app,omitempty"`
	IsOfficialBusinessAccount bool `json:"is_official_business_account,omitempty"`
}

// Throughput is a phone number's throughput level.
type Throughput struct {
	// Level is STANDARD (80 mps) or HIGH (up to 1000 mps).
	Level string `json:"level"`
}

// MessagesPerSecond returns the number's throughput: 20 for coexistence
// numbers, 1000 for level HIGH, 80 otherwise.
func (p PhoneNumber) MessagesPerSecond() int {
	if p.IsOnBizApp {
		return CoexistenceThroughput
	}
	if p.Throughput != nil && p.Throughput.Level == "HIGH" {
		return MaxThroughput
	}
	return DefaultThroughput
}

const phoneFields = "id,display_phone_number,verified_name,quality_rating,messaging_limit_tier,throughput,name_status,code_verification_status,status,platform_type,is_official_business_account,is_on_biz_app"

// List returns every phone number of the WABA.
func (s *PhoneNumbersService) List(ctx context.Context, wabaID string) ([]PhoneNumber, error) {
	if err := checkID("waba_id", wabaID); err != nil {
		return nil, err
	}
	var out []PhoneNumber
	for p, err := range meta.All[PhoneNumber](ctx, s.c.api, wabaID+"/phone_numbers", url.Values{"fields": {phoneFields}}) {
		if err != nil {
			return nil, fmt.Errorf("whatsapp: list phone numbers: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Get returns one phone number.
func (s *PhoneNumbersService) Get(ctx context.Context, phoneNumberID string) (*PhoneNumber, error) {
	if err := checkID("phone_number_id", phoneNumberID); err != nil {
		return nil, err
	}
	var p PhoneNumber
	if _, err := s.c.api.Get(ctx, phoneNumberID, url.Values{"fields": {phoneFields}}, &p); err != nil {
		return nil, fmt.Errorf("whatsapp: get phone number: %w", err)
	}
	return &p, nil
}

var pinRE = regexp.MustCompile(`^[0-9]{6}$`)

type successResponse struct {
	Success bool `json:"success"`
}

func (s *PhoneNumbersService) post(ctx context.Context, op, path string, body any) error {
	var r successResponse
	if _, err := s.c.api.Post(ctx, path, body, &r); err != nil {
		return fmt.Errorf("whatsapp: %s: %w", op, err)
	}
	if !r.Success {
		return errors.New("whatsapp: " + op + ": Meta did not confirm success")
	}
	return nil
}

// Register registers the number for the Cloud API with its two-step
// verification PIN (six digits).
func (s *PhoneNumbersService) Register(ctx context.Context, phoneNumberID string, pin secret.Value) error {
	if err := checkID("phone_number_id", phoneNumberID); err != nil {
		return err
	}
	if !pinRE.MatchString(pin.Reveal()) {
		return invalid("pin", "must be six digits")
	}
	return s.post(ctx, "register phone number", phoneNumberID+"/register", struct {
		MessagingProduct string `json:"messaging_product"`
		Pin              string `json:"pin"`
	}{"whatsapp", pin.Reveal()})
}

// Deregister removes the number from the Cloud API.
func (s *PhoneNumbersService) Deregister(ctx context.Context, phoneNumberID string) error {
	if err := checkID("phone_number_id", phoneNumberID); err != nil {
		return err
	}
	return s.post(ctx, "deregister phone number", phoneNumberID+"/deregister", struct{}{})
}

// BusinessProfile is a number's public business profile.
type BusinessProfile struct {
	About             string   `json:"about,omitempty"`
	Address           string   `json:"address,omitempty"`
	Description       string   `json:"description,omitempty"`
	Email             string   `json:"email,omitempty"`
	ProfilePictureURL string   `json:"profile_picture_url,omitempty"`
	Websites          []string `json:"websites,omitempty"`
	// Vertical is the industry, e.g. EDU, RETAIL, PROF_SERVICES.
	Vertical string `json:"vertical,omitempty"`
}

// Validate checks the profile's limits (about 139, address 256,
// description 512, email 128 characters, at most 2 websites).
func (p BusinessProfile) Validate() error {
	for _, c := range []struct {
		f, v string
		n    int
	}{{"about", p.About, 139}, {"address", p.Address, 256}, {"description", p.Description, 512}, {"email", p.Email, 128}} {
		if err := checkText(c.f, c.v, c.n, false); err != nil {
			return err
		}
	}
	if len(p.Websites) > 2 {
		return invalid("websites", "at most 2 websites")
	}
	for i, w := range p.Websites {
		u, err := url.Parse(w)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(w) > 256 {
			return invalid("websites["+strconv.Itoa(i)+"]", "not an absolute http(s) URL of at most 256 characters")
		}
	}
	return nil
}

// BusinessProfile returns the number's business profile.
func (s *PhoneNumbersService) BusinessProfile(ctx context.Context, phoneNumberID string) (*BusinessProfile, error) {
	if err := checkID("phone_number_id", phoneNumberID); err != nil {
		return nil, err
	}
	var r struct {
		Data []BusinessProfile `json:"data"`
	}
	q := url.Values{"fields": {"about,address,description,email,profile_picture_url,websites,vertical"}}
	if _, err := s.c.api.Get(ctx, phoneNumberID+"/whatsapp_business_profile", q, &r); err != nil {
		return nil, fmt.Errorf("whatsapp: get business profile: %w", err)
	}
	if len(r.Data) == 0 {
		return &BusinessProfile{}, nil
	}
	return &r.Data[0], nil
}

// UpdateBusinessProfile updates the non-empty fields of the profile.
func (s *PhoneNumbersService) UpdateBusinessProfile(ctx context.Context, phoneNumberID string, p BusinessProfile) error {
	if err := checkID("phone_number_id", phoneNumberID); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	p.ProfilePictureURL = ""
	return s.post(ctx, "update business profile", phoneNumberID+"/whatsapp_business_profile", struct {
		MessagingProduct string `json:"messaging_product"`
		BusinessProfile
	}{"whatsapp", p})
}

// SubscribedApp is an app subscribed to a WABA's webhooks.
type SubscribedApp struct {
	WhatsAppBusinessAPIData struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Link string `json:"link,omitempty"`
	} `json:"whatsapp_business_api_data"`
}

// SubscribeApp subscribes the calling app to the WABA's webhooks.
func (s *PhoneNumbersService) SubscribeApp(ctx context.Context, wabaID string) error {
	if err := checkID("waba_id", wabaID); err != nil {
		return err
	}
	return s.post(ctx, "subscribe app", wabaID+"/subscribed_apps", struct{}{})
}

// UnsubscribeApp removes the calling app's subscription.
func (s *PhoneNumbersService) UnsubscribeApp(ctx context.Context, wabaID string) error {
	if err := checkID("waba_id", wabaID); err != nil {
		return err
	}
	var r successResponse
	if _, err := s.c.api.Delete(ctx, wabaID+"/subscribed_apps", &r); err != nil {
		return fmt.Errorf("whatsapp: unsubscribe app: %w", err)
	}
	return nil
}

// SubscribedApps lists the apps subscribed to the WABA.
func (s *PhoneNumbersService) SubscribedApps(ctx context.Context, wabaID string) ([]SubscribedApp, error) {
	if err := checkID("waba_id", wabaID); err != nil {
		return nil, err
	}
	var r struct {
		Data []SubscribedApp `json:"data"`
	}
	if _, err := s.c.api.Get(ctx, wabaID+"/subscribed_apps", nil, &r); err != nil {
		return nil, fmt.Errorf("whatsapp: list subscribed apps: %w", err)
	}
	return r.Data, nil
}
