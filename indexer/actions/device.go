package actions

import (
	"context"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gofiber/fiber/v2"

	"github.com/gpunet/gpunet/client/economy"
	"github.com/gpunet/gpunet/client/registry"
	"github.com/gpunet/gpunet/internal/chain"
	"github.com/gpunet/gpunet/internal/protocol"
)

// device reads the registry Device named by the path: its device key or its Device address.
func (s *Server) device(ctx context.Context, param string) (solana.PublicKey, *registry.Device, *Problem) {
	key, err := parseKey(param)
	if err != nil {
		return solana.PublicKey{}, nil, refuse(fiber.StatusBadRequest, "bad_parameter", fmt.Sprintf("device %q: %v", clip(param), err))
	}
	d, err := s.net.Registry.FetchDevice(ctx, s.net.Client, key)
	if err == nil {
		return s.net.Registry.DeviceAddress(key), d, nil
	}
	if !errors.Is(err, chain.ErrAccountNotFound) {
		return solana.PublicKey{}, nil, unavailable(err)
	}
	d, err = s.net.Registry.FetchDeviceAt(ctx, s.net.Client, key)
	if errors.Is(err, chain.ErrAccountNotFound) || (err == nil && s.net.Registry.DeviceAddress(d.DeviceKey) != key) {
		return solana.PublicKey{}, nil, refuse(fiber.StatusNotFound, "not_found", fmt.Sprintf("no registered device has key or address %s", key))
	}
	if err != nil {
		return solana.PublicKey{}, nil, refuse(fiber.StatusNotFound, "not_found", fmt.Sprintf("%s is not a registered device", key))
	}
	return key, d, nil
}

func (s *Server) stakeMeta(c *fiber.Ctx) error {
	return s.handle(c, func(ctx context.Context) (any, *Problem) {
		addr, d, p := s.device(ctx, c.Params("device"))
		if p != nil {
			return nil, p
		}
		href := "/actions/stake/" + d.DeviceKey.String()
		return Metadata{
			Type: "action", Icon: s.cfg.Icon, Label: "Stake",
			Title:       fmt.Sprintf("Stake IO on device %s", addr),
			Description: fmt.Sprintf("Move IO from your IO account into the stake vault of this %s (stake now %s IO). Only the device's owner can stake on it.", classOf(d), FormatAmount(d.Stake, economy.IODecimals)),
			Links: &Links{Actions: []LinkedAction{
				{Type: "transaction", Label: "Stake 100 IO", Href: href + "?amount=100"},
				{Type: "transaction", Label: "Stake", Href: href + "?amount={amount}", Parameters: []Parameter{{
					Type: "number", Name: "amount", Label: "IO to stake", Required: true,
					Pattern: `^[0-9]{1,11}(\.[0-9]{1,8})?$`, PatternDescription: "IO, up to 8 decimals", Min: ptr(0.00000001),
				}}},
			}},
		}, nil
	})
}

func (s *Server) stake(c *fiber.Ctx) error {
	return s.handle(c, func(ctx context.Context) (any, *Problem) {
		owner, p := account(c)
		if p != nil {
			return nil, p
		}
		amount, err := ParseAmount(c.Query("amount"), economy.IODecimals)
		if err != nil {
			return nil, refuse(fiber.StatusBadRequest, "bad_parameter", err.Error())
		}
		addr, d, p := s.device(ctx, c.Params("device"))
		if p != nil {
			return nil, p
		}
		if d.Owner != owner {
			return nil, refuse(fiber.StatusForbidden, "not_owner", fmt.Sprintf("device %s belongs to %s, not %s: only its owner can stake on it", addr, d.Owner, owner))
		}
		from, _, err := solana.FindAssociatedTokenAddress(owner, s.net.Mints.IO)
		if err != nil {
			return nil, unavailable(err)
		}
		balance, _, err := s.tokenBalance(ctx, from)
		if err != nil {
			return nil, unavailable(err)
		}
		if balance < amount {
			return nil, refuse(fiber.StatusUnprocessableEntity, "insufficient_funds", fmt.Sprintf("your IO account %s holds %s IO, less than %s", from, FormatAmount(balance, economy.IODecimals), FormatAmount(amount, economy.IODecimals)))
		}
		ix, err := s.net.Registry.Stake(owner, d.DeviceKey, from, amount)
		if err != nil {
			return nil, refuse(fiber.StatusBadRequest, "bad_parameter", err.Error())
		}
		tx, p := s.transaction(ctx, []solana.Instruction{ix}, owner)
		if p != nil {
			return nil, p
		}
		return PostResponse{Type: "transaction", Transaction: tx,
			Message: fmt.Sprintf("Stake %s IO on device %s (stake after: %s IO)", FormatAmount(amount, economy.IODecimals), addr, FormatAmount(d.Stake+amount, economy.IODecimals))}, nil
	})
}

func (s *Server) claimMeta(c *fiber.Ctx) error {
	return s.handle(c, func(ctx context.Context) (any, *Problem) {
		addr, d, p := s.device(ctx, c.Params("device"))
		if p != nil {
			return nil, p
		}
		m := Metadata{
			Type: "action", Icon: s.cfg.Icon, Label: "Claim rewards",
			Title:       fmt.Sprintf("Claim the rewards of device %s", addr),
			Description: fmt.Sprintf("Pay this %s's attested, unpaid IO rewards to its owner's IO account (%s). Anyone may send the claim; the owner is paid.", classOf(d), d.Owner),
			Links:       &Links{Actions: []LinkedAction{{Type: "transaction", Label: "Claim rewards", Href: "/actions/claim/" + d.DeviceKey.String()}}},
		}
		if _, p := s.claimable(ctx, addr); p != nil {
			m.Disabled, m.Error = true, &Error{Message: p.Detail}
		}
		return m, nil
	})
}

// claimable is what claim_rewards would pay device now.
func (s *Server) claimable(ctx context.Context, device solana.PublicKey) (uint64, *Problem) {
	r, err := s.net.Economy.FetchRewards(ctx, s.net.Client, device)
	if errors.Is(err, chain.ErrAccountNotFound) {
		return 0, refuse(fiber.StatusUnprocessableEntity, "nothing_to_claim", "the oracles attested no rewards for this device yet")
	}
	if err != nil {
		return 0, unavailable(err)
	}
	rc, err := s.net.Registry.FetchConfig(ctx, s.net.Client)
	if err != nil {
		return 0, unavailable(err)
	}
	attested, err := protocol.AttestedReward(r, rc)
	if err != nil {
		return 0, refuse(fiber.StatusUnprocessableEntity, "nothing_to_claim", "no quorum of the oracles agrees on this device's rewards yet: "+err.Error())
	}
	if attested <= r.Claimed {
		return 0, refuse(fiber.StatusUnprocessableEntity, "nothing_to_claim", fmt.Sprintf("all %s IO attested are paid", FormatAmount(r.Claimed, economy.IODecimals)))
	}
	return attested - r.Claimed, nil
}

func (s *Server) claim(c *fiber.Ctx) error {
	return s.handle(c, func(ctx context.Context) (any, *Problem) {
		payer, p := account(c)
		if p != nil {
			return nil, p
		}
		addr, d, p := s.device(ctx, c.Params("device"))
		if p != nil {
			return nil, p
		}
		amount, p := s.claimable(ctx, addr)
		if p != nil {
			return nil, p
		}
		to, _, err := solana.FindAssociatedTokenAddress(d.Owner, s.net.Mints.IO)
		if err != nil {
			return nil, unavailable(err)
		}
		ix, err := s.net.Economy.ClaimRewards(addr, to)
		if err != nil {
			return nil, unavailable(err)
		}
		// The owner's IO account is made (idempotently, the payer paying its rent) if missing.
		ixs := []solana.Instruction{chain.CreateAssociatedTokenAccount(payer, d.Owner, s.net.Mints.IO), ix}
		tx, p := s.transaction(ctx, ixs, payer)
		if p != nil {
			return nil, p
		}
		return PostResponse{Type: "transaction", Transaction: tx,
			Message: fmt.Sprintf("Claim %s IO of rewards for device %s to its owner's IO account %s", FormatAmount(amount, economy.IODecimals), addr, to)}, nil
	})
}
