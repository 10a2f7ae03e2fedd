#include "economy.h"

/* The two instructions share their account list and argument; the code below uses the
   burn's indices and decoder for both. */
#define SAME_INDEX(name) \
  _Static_assert(ECONOMY_BURN_IO_FOR_IOSD_##name == ECONOMY_REDEEM_IOSD_FOR_IO_##name, "convert accounts differ")
SAME_INDEX(CONFIG);
SAME_INDEX(REGISTRY_CONFIG);
SAME_INDEX(USER);
SAME_INDEX(USER_IO);
SAME_INDEX(USER_IOSD);
SAME_INDEX(IO_MINT);
SAME_INDEX(IOSD_MINT);
SAME_INDEX(MINT_AUTHORITY);
_Static_assert(sizeof(economy_burn_io_for_iosd_args_t) == sizeof(economy_redeem_iosd_for_io_args_t), "convert args differ");

/* What amount converts to at price, less 2 x conf when buying IOSD and plus 2 x conf when
   buying IO. economy_convert passes the agreeing prices' low end for burns and high end for
   redemptions, the end less favourable to the user: a lying oracle within the band moves a
   conversion by at most the band, and a round trip always loses both spreads (no risk-free
   arbitrage against the oracles' disagreement or uncertainty). Rounded down, in the
   protocol's favour. */
static uint64_t value(uint64_t price, uint64_t conf, bool to_iosd, uint64_t amount, uint64_t *out) {
  uint64_t spread;
  GP_TRY(gp_mul_u64(conf, ECONOMY_CONF_MULTIPLIER, &spread));
  if (to_iosd) {
    if (price <= spread) return ECONOMY_ERR_PRICE_TOO_UNCERTAIN;
    return gp_mul_div_u64(amount, price - spread, ECONOMY_IO, out);
  }
  uint64_t io_price;
  GP_TRY(gp_add_u64(price, spread, &io_price));
  return gp_mul_div_u64(amount, ECONOMY_IO, io_price, out);
}

uint64_t economy_convert(const SolParameters *p, bool to_iosd) {
  const SolAccountInfo *user = &p->ka[ECONOMY_BURN_IO_FOR_IOSD_USER];
  const SolAccountInfo *user_io = &p->ka[ECONOMY_BURN_IO_FOR_IOSD_USER_IO];
  const SolAccountInfo *user_iosd = &p->ka[ECONOMY_BURN_IO_FOR_IOSD_USER_IOSD];
  const SolAccountInfo *io_mint = &p->ka[ECONOMY_BURN_IO_FOR_IOSD_IO_MINT];
  const SolAccountInfo *iosd_mint = &p->ka[ECONOMY_BURN_IO_FOR_IOSD_IOSD_MINT];
  economy_config_t *c;
  GP_TRY(economy_load_config(&p->ka[ECONOMY_BURN_IO_FOR_IOSD_CONFIG], p->program_id, &c));
  const registry_config_t *rc;
  GP_TRY(economy_load_registry_config(&p->ka[ECONOMY_BURN_IO_FOR_IOSD_REGISTRY_CONFIG], c, &rc));
  GP_TRY(economy_check_mint_authority(c, &p->ka[ECONOMY_BURN_IO_FOR_IOSD_MINT_AUTHORITY]));
  if (!gp_pubkey_eq(io_mint->key, &c->io_mint) || !gp_pubkey_eq(iosd_mint->key, &c->iosd_mint))
    return ECONOMY_ERR_INVALID_MINT;
  gp_token_account_t io, iosd;
  GP_TRY(gp_token_account_read_mint(user_io, &c->io_mint, &io));
  GP_TRY(gp_token_account_read_mint(user_iosd, &c->iosd_mint, &iosd));

  economy_burn_io_for_iosd_args_t args;
  GP_TRY(economy_decode_burn_io_for_iosd_args(p->data + 8, p->data_len - 8, &args));
  if (args.amount == 0) return ECONOMY_ERR_INVALID_AMOUNT;
  const gp_token_account_t *source = to_iosd ? &io : &iosd;
  /* SPL Token would also refuse it (the user signs the Burn as the owner); a named error instead */
  if (!gp_pubkey_eq(source->owner, user->key)) return ECONOMY_ERR_WRONG_TOKEN_ACCOUNT;
  if (source->amount < args.amount) return ECONOMY_ERR_INSUFFICIENT_FUNDS;
  int64_t now;
  GP_TRY(gp_unix_now(&now));
  economy_price_t px;
  GP_TRY(economy_price(c, rc, now, &px));
  uint64_t out, price = to_iosd ? px.lo : px.hi;
  GP_TRY(value(price, px.conf, to_iosd, args.amount, &out));
  if (out == 0) return ECONOMY_ERR_INVALID_AMOUNT;

  /* The circuit breaker: at most the limit over every span of breaker_window_secs (gpunet/limit.h). */
  economy_breaker_t *b = to_iosd ? &c->iosd_breaker : &c->io_breaker;
  gp_limit_t breaker = {&b->window, &b->previous, &b->current};
  GP_TRY(gp_limit_take(&breaker, now, c->params.breaker_window_secs,
                       to_iosd ? c->params.iosd_mint_limit : c->params.io_redeem_limit, out,
                       to_iosd ? ECONOMY_ERR_MINT_LIMIT_EXCEEDED : ECONOMY_ERR_REDEEM_LIMIT_EXCEEDED));
  const SolAccountInfo *from = to_iosd ? user_io : user_iosd, *burn_mint = to_iosd ? io_mint : iosd_mint;
  economy_mint_t mint = {c, to_iosd ? iosd_mint : io_mint, to_iosd ? user_iosd : user_io,
                         &p->ka[ECONOMY_BURN_IO_FOR_IOSD_MINT_AUTHORITY]};
  GP_TRY(gp_token_burn(from, burn_mint, user, args.amount, NULL));
  GP_TRY(economy_mint_to(&mint, out));

  if (to_iosd) {
    GP_TRY(gp_add_u64(c->io_burned, args.amount, &c->io_burned));
    GP_TRY(gp_add_u64(c->iosd_minted, out, &c->iosd_minted));
    economy_io_burned_t ev = {.discriminator = ECONOMY_IO_BURNED_DISCRIMINATOR, .io_amount = args.amount,
                              .iosd_amount = out, .price = price, .conf = px.conf};
    gp_pubkey_copy(&ev.user, user->key);
    GP_EMIT_EVENT(&ev);
  } else {
    GP_TRY(gp_add_u64(c->iosd_burned, args.amount, &c->iosd_burned));
    GP_TRY(gp_add_u64(c->io_minted, out, &c->io_minted));
    GP_TRY(gp_add_u64(c->io_redeemed, out, &c->io_redeemed));
    economy_iosd_redeemed_t ev = {.discriminator = ECONOMY_IOSD_REDEEMED_DISCRIMINATOR, .iosd_amount = args.amount,
                                  .io_amount = out, .price = price, .conf = px.conf};
    gp_pubkey_copy(&ev.user, user->key);
    GP_EMIT_EVENT(&ev);
  }
  return 0;
}
