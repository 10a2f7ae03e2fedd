// Package protocol is gpunet's on-chain rules in Go, once: the answers the programs give,
// computed from the accounts the generated clients decode, for the scheduler, the indexer,
// the CLI and the web app. It is pure: no I/O, no chain client; it imports only the
// generated clients (client/registry, client/escrow, client/economy) and the standard library.
//
// Each rule mirrors one C function, and returns the program's named error where the C does:
//
//	MinStake              registry_view_min_stake          programs/registry/include/registry_view.h
//	Hireable              registry_view_hireable           programs/registry/include/registry_view.h
//	NotHireable           the same checks, every one that fails, in the C's order
//	NextStatus            registry_refresh_status          programs/registry/src/device.c
//	ProofSpan             registry_proof_times             programs/registry/src/proof.c
//	CheckProofWindow      check_window                     programs/registry/src/submit_proof.c
//	ProofCurrent          registry_proof_current           programs/registry/src/proof.c
//	ProofTimes.Countable  count_proof's inline deadline    programs/registry/src/count_proof.c (no C oracle)
//	Cost                  escrow_cost                      programs/escrow/src/pay.c
//	Pay                   escrow_pay                       programs/escrow/src/pay.c
//	SlotEnd               escrow_slot_end                  programs/escrow/src/pay.c
//	SlotCap               escrow_slot_cap                  programs/escrow/src/pay.c
//	Held                  escrow_held                      programs/escrow/src/pay.c
//	Reserve               escrow_reserve                   programs/escrow/src/pay.c
//	Refund                held - reserve, as escrow_end_job refunds (programs/escrow/src/end.c)
//	AcceptsPrice          escrow_check_ask                 programs/escrow/src/job.c
//	MinPrice              the same, the least price an ask accepts
//	TopUpCost             escrow_top_up's deposit          programs/escrow/src/top_up.c (no C oracle)
//	CancelAt              escrow_cancel_job's end time     programs/escrow/src/cancel_job.c (no C oracle)
//	Ended                 escrow_end_job's job update      programs/escrow/src/end.c (no C oracle)
//	UsageFinal            usage_final                      programs/escrow/src/close_job.c (no C oracle)
//	IOSDForIO             value, to IOSD                   programs/economy/src/convert.c
//	IOForIOSD             value, to IO                     programs/economy/src/convert.c
//	EpochEnd              economy_epoch_end                programs/economy/include/economy.h
//	NextEmission          economy_next_emission            programs/economy/src/schedule.c
//	AdvanceEpochs         economy_advance_epoch            programs/economy/src/advance_epoch.c
//	EpochSplit            the same, an epoch's community and provider shares
//	UsablePrice           economy_price                    programs/economy/src/price.c
//	AttestedReward        attested                         programs/economy/src/claim_rewards.c
//	VotesAgree            gp_votes_agree                   programs/sdk/include/gpunet/votes.h
//	DecideVotes           gp_votes_decide                  programs/sdk/include/gpunet/votes.h
//	RegistryVoteRule      registry_vote_rule               programs/registry/include/registry_view.h
//	OracleSetFingerprint  registry_oracle_set_fingerprint  programs/registry/include/registry_view.h
//
// The products are 128-bit and the quotients floored (ceiled for the minimum stake), as
// gp_mul_div_u64 and gp_mul_div_ceil_u64 (programs/sdk/include/gpunet/math.h) do; an
// overflow is the program's ArithmeticOverflow.
//
// DecideVotes is the one rule every oracle-attested value is counted by (registry proofs,
// escrow usage, economy prices and rewards), so the daemons and the indexer predict a
// collection's outcome as the programs will decide it.
//
// The test drives the host-compiled C (`make oracles`: programs/<p>/oracle/oracle.c, a
// subprocess) with 100,000 random cases per program and compares every answer exactly.
package protocol
