package actions

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"

	"github.com/gpunet/gpunet/indexer/problem"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/network"
	"github.com/gpunet/gpunet/internal/scheduler"
)

// Version is the Actions specification version these answers follow (X-Action-Version).
const Version = "2.4"

// Config is how the actions describe themselves.
type Config struct {
	// Icon is the absolute URL of the actions' icon (the specification wants an absolute URL).
	Icon string
	// Timeout bounds the chain reads of one request.
	Timeout time.Duration
}

// DefaultConfig is the configuration the explorer starts from.
func DefaultConfig() Config {
	return Config{Icon: "https://gpunet.dev/icon.png", Timeout: 10 * time.Second}
}

// Validate refuses a configuration the actions cannot serve.
func (c Config) Validate() error {
	if !strings.HasPrefix(c.Icon, "https://") && !strings.HasPrefix(c.Icon, "http://") {
		return fmt.Errorf("actions icon %q: want an absolute http(s) URL", c.Icon)
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("actions timeout %s: want > 0", c.Timeout)
	}
	return nil
}

// Server answers the actions over a network; candidates come from source.
type Server struct {
	net    *network.Network
	source scheduler.Source
	cfg    Config

	mu      sync.Mutex
	chainID string // CAIP-2: "solana:" + the genesis hash's first 32 characters
}

// New serves the actions of n, renting from the devices source gives.
func New(n *network.Network, source scheduler.Source, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Server{net: n, source: source, cfg: cfg}, nil
}

// Register mounts /actions.json and the actions under /actions on r.
func (s *Server) Register(r fiber.Router) {
	r.Use("/actions.json", s.headers)
	r.Use("/actions", s.headers)
	r.Get("/actions.json", s.rules)
	r.Get("/actions/stake/:device", s.stakeMeta)
	r.Post("/actions/stake/:device", s.stake)
	r.Get("/actions/rent", s.rentMeta)
	r.Post("/actions/rent", s.rent)
	r.Get("/actions/claim/:device", s.claimMeta)
	r.Post("/actions/claim/:device", s.claim)
}

// headers sets CORS and the specification's headers on every answer and answers OPTIONS.
func (s *Server) headers(c *fiber.Ctx) error {
	c.Set("Access-Control-Allow-Origin", "*")
	c.Set("Access-Control-Allow-Methods", "GET,POST,PUT,OPTIONS")
	c.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, Content-Encoding, Accept-Encoding, X-Accept-Action-Version, X-Accept-Blockchain-Ids")
	c.Set("Access-Control-Expose-Headers", "X-Action-Version, X-Blockchain-Ids")
	c.Set("X-Action-Version", Version)
	if id, err := s.blockchainID(c.UserContext()); err == nil {
		c.Set("X-Blockchain-Ids", id)
	}
	if c.Method() == fiber.MethodOptions {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Next()
}

// blockchainID is the cluster's CAIP-2 id, read once.
func (s *Server) blockchainID(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chainID != "" {
		return s.chainID, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	h, err := s.net.Client.GenesisHash(ctx)
	if err != nil {
		return "", err
	}
	id := h.String()
	s.chainID = "solana:" + id[:min(32, len(id))]
	return s.chainID, nil
}

// ActionsJSON is /actions.json.
type ActionsJSON struct {
	Rules []Rule `json:"rules"`
}

// Rule maps a website path to an Actions API path.
type Rule struct {
	PathPattern string `json:"pathPattern"`
	APIPath     string `json:"apiPath"`
}

func (s *Server) rules(c *fiber.Ctx) error {
	return c.JSON(ActionsJSON{Rules: []Rule{
		{PathPattern: "/devices/*/stake", APIPath: "/actions/stake/*"},
		{PathPattern: "/devices/*/claim", APIPath: "/actions/claim/*"},
		{PathPattern: "/rent", APIPath: "/actions/rent"},
		{PathPattern: "/actions/**", APIPath: "/actions/**"},
	}})
}

// Metadata is an action's GET answer (ActionGetResponse).
type Metadata struct {
	Type        string `json:"type"`
	Icon        string `json:"icon"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Label       string `json:"label"`
	Disabled    bool   `json:"disabled,omitempty"`
	Links       *Links `json:"links,omitempty"`
	Error       *Error `json:"error,omitempty"`
}

// Links are an action's linked actions.
type Links struct {
	Actions []LinkedAction `json:"actions"`
}

// LinkedAction is one button or form of an action.
type LinkedAction struct {
	Type       string      `json:"type"`
	Href       string      `json:"href"`
	Label      string      `json:"label"`
	Parameters []Parameter `json:"parameters,omitempty"`
}

// Parameter is one input of a linked action.
type Parameter struct {
	Type               string   `json:"type,omitempty"`
	Name               string   `json:"name"`
	Label              string   `json:"label,omitempty"`
	Required           bool     `json:"required,omitempty"`
	Pattern            string   `json:"pattern,omitempty"`
	PatternDescription string   `json:"patternDescription,omitempty"`
	Min                *float64 `json:"min,omitempty"`
	Max                *float64 `json:"max,omitempty"`
	Options            []Option `json:"options,omitempty"`
}

// Option is one choice of a select parameter.
type Option struct {
	Label    string `json:"label"`
	Value    string `json:"value"`
	Selected bool   `json:"selected,omitempty"`
}

// Error is the Actions' ActionError.
type Error struct {
	Message string `json:"message"`
}

// PostRequest is what a client POSTs.
type PostRequest struct {
	Account string `json:"account"`
}

// PostResponse is a POST's answer (ActionPostResponse); Spec is gpunet's addition to the rent
// action: the job's spec body to publish (base64 in JSON).
type PostResponse struct {
	Type        string     `json:"type"`
	Transaction string     `json:"transaction"`
	Message     string     `json:"message,omitempty"`
	Links       *PostLinks `json:"links,omitempty"`
	Spec        []byte     `json:"spec,omitempty"`
}

// PostLinks holds the action that follows a confirmed transaction.
type PostLinks struct {
	Next NextLink `json:"next"`
}

// NextLink is an inline next action.
type NextLink struct {
	Type   string   `json:"type"`
	Action Metadata `json:"action"`
}

// account reads the POST's account: a base58 public key.
func account(c *fiber.Ctx) (solana.PublicKey, *Problem) {
	var req PostRequest
	if err := c.BodyParser(&req); err != nil {
		return solana.PublicKey{}, refuse(fiber.StatusBadRequest, "bad_request", "the body must be JSON {\"account\": \"<base58 public key>\"}")
	}
	key, err := parseKey(req.Account)
	if err != nil {
		return solana.PublicKey{}, refuse(fiber.StatusBadRequest, "bad_account", fmt.Sprintf("account %q: %v", clip(req.Account), err))
	}
	return key, nil
}

var base58Key = regexp.MustCompile(`^[1-9A-HJ-NP-Za-km-z]{32,44}$`)

// parseKey reads a base58 public key of exactly 32 bytes.
func parseKey(s string) (solana.PublicKey, error) {
	if !base58Key.MatchString(s) {
		return solana.PublicKey{}, errors.New("not base58 of 32 to 44 characters")
	}
	k, err := solana.PublicKeyFromBase58(s)
	if err != nil {
		return solana.PublicKey{}, errors.New("not a 32-byte base58 key")
	}
	return k, nil
}

// clip shortens what a caller sent before it is echoed.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// ParseAmount reads a decimal token amount ("12.5") with at most decimals fraction digits into
// base units; it refuses 0, signs, exponents and amounts beyond 64 bits.
func ParseAmount(s string, decimals uint8) (uint64, error) {
	re := regexp.MustCompile(fmt.Sprintf(`^[0-9]{1,20}(\.[0-9]{1,%d})?$`, decimals))
	if decimals == 0 {
		re = regexp.MustCompile(`^[0-9]{1,20}$`)
	}
	if !re.MatchString(s) {
		return 0, fmt.Errorf("amount %q: want a decimal number with at most %d decimals", clip(s), decimals)
	}
	whole, frac, _ := strings.Cut(s, ".")
	frac += strings.Repeat("0", int(decimals)-len(frac))
	v, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok || v.Sign() == 0 {
		return 0, fmt.Errorf("amount %q: want more than 0", clip(s))
	}
	if !v.IsUint64() {
		return 0, fmt.Errorf("amount %q: too large", clip(s))
	}
	return v.Uint64(), nil
}

// FormatAmount writes base units with decimals, without trailing zeros.
func FormatAmount(v uint64, decimals uint8) string {
	s := fmt.Sprintf("%0*d", int(decimals)+1, v)
	whole, frac := s[:len(s)-int(decimals)], strings.TrimRight(s[len(s)-int(decimals):], "0")
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

// transaction builds ixs unsigned, paid by payer, as the POST's answer.
func (s *Server) transaction(ctx context.Context, ixs []solana.Instruction, payer solana.PublicKey) (string, *Problem) {
	tx, err := s.net.Client.Build(ctx, ixs, payer)
	if err != nil {
		return "", unavailable(err)
	}
	enc, err := chain.EncodeBase64(tx)
	if err != nil {
		return "", unavailable(err)
	}
	return enc, nil
}

func unavailable(err error) *Problem {
	return refuse(fiber.StatusServiceUnavailable, "unavailable", "the chain could not be read: "+err.Error())
}

// tokenBalance is the amount in an SPL token account (0, false when there is none).
func (s *Server) tokenBalance(ctx context.Context, account solana.PublicKey) (uint64, bool, error) {
	data, err := s.net.Client.AccountData(ctx, account)
	if errors.Is(err, chain.ErrAccountNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if len(data) < 72 {
		return 0, false, fmt.Errorf("token account %s: %d bytes", account, len(data))
	}
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(data[64+i])
	}
	return v, true, nil
}

// handle runs f with the request's deadline and writes its problem, if any.
func (s *Server) handle(c *fiber.Ctx, f func(ctx context.Context) (any, *Problem)) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.Timeout)
	defer cancel()
	out, p := f(ctx)
	if p != nil {
		return problem.Write(c, p)
	}
	return c.JSON(out)
}

func ptr(v float64) *float64 { return &v }
