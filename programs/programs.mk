# programs/programs.mk: build and test gpunet's on-chain C programs.
# Included by the root Makefile; paths are relative to the repository root.
#
#   make programs   every programs/<name>/ (except sdk) with a src/ directory:
#                   src/*.c -> target/obj/<name>/*.o (clang BPF) -> target/deploy/<name>.so
#   make test-c     SDK host tests, each program's host tests (programs/<name>/test/*.c
#                   linked with src/*.c minus src/entrypoint.c and the host shim,
#                   under ASan+UBSan), and the SDK's BPF compile check.
#   make oracles    programs/<name>/oracle/oracle.c -> target/oracle/<name>-oracle (the C's
#                   answers for internal/protocol's cross-check)
#
# See programs/sdk/README.md for the conventions. Quiet unless V=1 (Q and say come from
# the root Makefile).

CLANG ?= clang-19
HOSTCC ?= cc
GO ?= go
READELF ?= readelf
SBPF_LINK ?= $(GO) run ./cmd/sbpf-link

GP_SDK_DIR := programs/sdk
GP_SDK_INC := $(GP_SDK_DIR)/include
GP_SDK_HOST := $(GP_SDK_DIR)/host

GP_BPF_CFLAGS := -target bpfel -mcpu=v2 -O2 -mllvm -bpf-stack-size=4096 \
  -ffreestanding -fno-builtin -fno-stack-protector \
  -Wall -Wextra -Werror -MMD -MP
GP_HOST_CFLAGS := -O1 -g -Wall -Wextra -Werror -MMD -MP \
  -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
GP_HOST_LDFLAGS := -fsanitize=address,undefined
# Host objects per compiler, so switching HOSTCC never mixes runtimes.
GP_HOST_OUT := target/host/$(notdir $(firstword $(HOSTCC)))

# Relinking when the linker changes: its sources (override if it moves).
SBPF_LINK_DEPS ?= $(wildcard cmd/sbpf-link/*.go internal/sbpf/*.go internal/sbpf/*/*.go) go.mod

GP_PROGRAMS := $(sort $(filter-out sdk,$(patsubst programs/%/src/,%,$(wildcard programs/*/src/))))
GP_TEST_PROGRAMS := $(sort $(filter $(GP_PROGRAMS),$(patsubst programs/%/test/,%,$(wildcard programs/*/test/))))

# Fails if an object has a writable section (.data/.bss): the sBPF loaders
# reject them and the C must keep every global const.
define gp_no_writable
	@if $(READELF) -SW $(1) | sed -n 's/^ *\[ *[0-9]*\] //p' | \
	    awk 'NF == 10 && $$7 ~ /W/ { print "  writable section: " $$1; bad = 1 } END { exit bad }'; \
	then :; else echo "$(1): writable sections are not allowed (make globals const)"; exit 1; fi
endef

.PHONY: programs test-c sdk-test sdk-bpf-check $(addprefix test-c-,$(GP_TEST_PROGRAMS))

programs: $(foreach p,$(GP_PROGRAMS),target/deploy/$(p).so)

test-c: sdk-test sdk-bpf-check $(addprefix test-c-,$(GP_TEST_PROGRAMS))

target/deploy:
	@mkdir -p $@

# ---- on-chain programs ----

define gp_program_rules
GP_SRCS_$(1) := $$(wildcard programs/$(1)/src/*.c)
GP_OBJS_$(1) := $$(patsubst programs/$(1)/src/%.c,target/obj/$(1)/%.o,$$(GP_SRCS_$(1)))

target/obj/$(1)/%.o: programs/$(1)/src/%.c
	@mkdir -p $$(@D)
	$$(Q)$$(call say,CC,$$@)$$(CLANG) $$(GP_BPF_CFLAGS) -I$$(GP_SDK_INC) -Iprograms/$(1)/include -Iprograms/$(1)/gen -Iprograms -c $$< -o $$@
	$$(call gp_no_writable,$$@)

target/deploy/$(1).so: $$(GP_OBJS_$(1)) $$(SBPF_LINK_DEPS) | target/deploy
	$$(Q)$$(call say,LD,$$@)$$(SBPF_LINK) -sym target/deploy/$(1).sym -o $$@ $$(GP_OBJS_$(1))

-include $$(GP_OBJS_$(1):.o=.d)
endef
$(foreach p,$(GP_PROGRAMS),$(eval $(call gp_program_rules,$(p))))

# ---- host shim (shared by every host test binary) ----

GP_SHIM_SRCS := $(filter-out $(GP_SDK_HOST)/test_main.c,$(wildcard $(GP_SDK_HOST)/*.c))
GP_SHIM_OBJS := $(patsubst $(GP_SDK_HOST)/%.c,$(GP_HOST_OUT)/shim/%.o,$(GP_SHIM_SRCS))

$(GP_HOST_OUT)/shim/%.o: $(GP_SDK_HOST)/%.c
	@mkdir -p $(@D)
	$(Q)$(call say,HOSTCC,$@)$(HOSTCC) $(GP_HOST_CFLAGS) -I$(GP_SDK_INC) -I$(GP_SDK_HOST) -c $< -o $@

# test_main.o per suite: it prints "<suite>: N passed, M failed".
$(GP_HOST_OUT)/%/test_main.o: $(GP_SDK_HOST)/test_main.c
	@mkdir -p $(@D)
	$(Q)$(call say,HOSTCC,$@)$(HOSTCC) $(GP_HOST_CFLAGS) -DGP_TEST_SUITE='"$*"' -I$(GP_SDK_INC) -I$(GP_SDK_HOST) -c $< -o $@

-include $(GP_SHIM_OBJS:.o=.d)

# ---- SDK host tests ----

GP_SDK_TEST_SRCS := $(wildcard $(GP_SDK_DIR)/test/test_*.c)
GP_SDK_TEST_OBJS := $(patsubst $(GP_SDK_DIR)/test/%.c,$(GP_HOST_OUT)/sdk/%.o,$(GP_SDK_TEST_SRCS))

$(GP_HOST_OUT)/sdk/%.o: $(GP_SDK_DIR)/test/%.c
	@mkdir -p $(@D)
	$(Q)$(call say,HOSTCC,$@)$(HOSTCC) $(GP_HOST_CFLAGS) -I$(GP_SDK_INC) -I$(GP_SDK_HOST) -c $< -o $@

$(GP_HOST_OUT)/sdk/sdk-tests: $(GP_SDK_TEST_OBJS) $(GP_SHIM_OBJS) $(GP_HOST_OUT)/sdk/test_main.o
	$(Q)$(call say,HOSTLD,$@)$(HOSTCC) $(GP_HOST_LDFLAGS) $^ -o $@

sdk-test: $(GP_HOST_OUT)/sdk/sdk-tests
	$(Q)./$<

-include $(GP_SDK_TEST_OBJS:.o=.d)

# ---- SDK BPF compile check: each header alone, plus a TU calling every API ----

GP_SDK_HEADERS := $(notdir $(basename $(wildcard $(GP_SDK_INC)/gpunet/*.h)))
GP_SDK_BPF_OBJS := $(patsubst %,target/obj/sdk/hdr_%.o,$(GP_SDK_HEADERS)) target/obj/sdk/bpf_smoke.o

target/obj/sdk/hdr_%.o: $(GP_SDK_INC)/gpunet/%.h
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)echo '#include <gpunet/$*.h>' | $(CLANG) $(GP_BPF_CFLAGS) -MF $(@:.o=.d) -MT $@ -I$(GP_SDK_INC) -x c - -c -o $@
	$(call gp_no_writable,$@)

target/obj/sdk/bpf_smoke.o: $(GP_SDK_DIR)/test/bpf_smoke.c
	@mkdir -p $(@D)
	$(Q)$(call say,CC,$@)$(CLANG) $(GP_BPF_CFLAGS) -I$(GP_SDK_INC) -c $< -o $@
	$(call gp_no_writable,$@)

sdk-bpf-check: $(GP_SDK_BPF_OBJS)
	@echo "sdk-bpf-check: $(words $(GP_SDK_BPF_OBJS)) BPF objects, no writable sections"

-include $(GP_SDK_BPF_OBJS:.o=.d)

# ---- per-program host tests ----

# A program's C compiled for the host (its host tests and its oracle).
define gp_host_obj_rules
$(GP_HOST_OUT)/$(1)/%.o: programs/$(1)/%.c
	@mkdir -p $$(@D)
	$$(Q)$$(call say,HOSTCC,$$@)$$(HOSTCC) $$(GP_HOST_CFLAGS) -I$$(GP_SDK_INC) -I$$(GP_SDK_HOST) -Iprograms/$(1)/include \
	  -Iprograms/$(1)/gen -Iprograms -c $$< -o $$@
endef

define gp_program_test_rules
GP_TSRCS_$(1) := $$(wildcard programs/$(1)/test/*.c) \
  $$(filter-out programs/$(1)/src/entrypoint.c,$$(wildcard programs/$(1)/src/*.c))
GP_TOBJS_$(1) := $$(patsubst programs/$(1)/%.c,$(GP_HOST_OUT)/$(1)/%.o,$$(GP_TSRCS_$(1)))

$(GP_HOST_OUT)/$(1)/$(1)-tests: $$(GP_TOBJS_$(1)) $$(GP_SHIM_OBJS) $(GP_HOST_OUT)/$(1)/test_main.o
	$$(Q)$$(call say,HOSTLD,$$@)$$(HOSTCC) $$(GP_HOST_LDFLAGS) $$^ -o $$@

test-c-$(1): $(GP_HOST_OUT)/$(1)/$(1)-tests
	$$(Q)./$$<

-include $$(GP_TOBJS_$(1):.o=.d)
endef
$(foreach p,$(GP_TEST_PROGRAMS),$(eval $(call gp_program_test_rules,$(p))))

# ---- protocol oracles: the C's answers for internal/protocol's cross-check ----
# programs/<name>/oracle/oracle.c linked like the host tests (src/*.c minus src/entrypoint.c,
# the host shim, ASan+UBSan) -> target/oracle/<name>-oracle, reading cases on stdin; the Go
# test in internal/protocol runs `make oracles` and drives them as subprocesses.

GP_ORACLE_PROGRAMS := $(sort $(filter $(GP_PROGRAMS),$(patsubst programs/%/oracle/,%,$(wildcard programs/*/oracle/))))
$(foreach p,$(sort $(GP_TEST_PROGRAMS) $(GP_ORACLE_PROGRAMS)),$(eval $(call gp_host_obj_rules,$(p))))

.PHONY: oracles
oracles: $(foreach p,$(GP_ORACLE_PROGRAMS),target/oracle/$(p)-oracle)

# Sources an oracle #includes for their static functions, left out of its link.
GP_ORACLE_INCLUDED := programs/economy/src/claim_rewards.c programs/economy/src/convert.c \
  programs/registry/src/submit_proof.c

define gp_oracle_rules
GP_OOBJS_$(1) := $(GP_HOST_OUT)/$(1)/oracle/oracle.o $$(patsubst programs/$(1)/%.c,$(GP_HOST_OUT)/$(1)/%.o,\
  $$(filter-out programs/$(1)/src/entrypoint.c $(GP_ORACLE_INCLUDED),$$(wildcard programs/$(1)/src/*.c)))

target/oracle/$(1)-oracle: $$(GP_OOBJS_$(1)) $$(GP_SHIM_OBJS)
	@mkdir -p $$(@D)
	$$(Q)$$(call say,HOSTLD,$$@)$$(HOSTCC) $$(GP_HOST_LDFLAGS) $$^ -o $$@

-include $(GP_HOST_OUT)/$(1)/oracle/oracle.d
endef
$(foreach p,$(GP_ORACLE_PROGRAMS),$(eval $(call gp_oracle_rules,$(p))))

# ---- fuzzing: libFuzzer over every instruction decoder ----
# idlgen writes programs/<name>/gen/<name>_fuzz.c; `make fuzz` runs each target for
# FUZZ_SECONDS (part of `make test`), keeping its corpus in target/fuzz/.

FUZZ_SECONDS ?= 15
GP_FUZZ_OUT := target/fuzz
GP_FUZZ_PROGRAMS := $(sort $(patsubst programs/%/gen/,%,$(dir $(wildcard programs/*/gen/*_fuzz.c))))
GP_FUZZ_CFLAGS := -O1 -g -Wall -Wextra -Werror -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

.PHONY: fuzz $(addprefix fuzz-,$(GP_FUZZ_PROGRAMS))
fuzz: $(addprefix fuzz-,$(GP_FUZZ_PROGRAMS))

define gp_fuzz_rules
$(GP_FUZZ_OUT)/$(1)-decode: programs/$(1)/gen/$(1)_fuzz.c programs/$(1)/gen/$(1)_idl.h $$(GP_SHIM_SRCS)
	@mkdir -p $$(@D)
	$$(Q)$$(call say,CC,$$@)$$(CLANG) $$(GP_FUZZ_CFLAGS) -I$$(GP_SDK_INC) -I$$(GP_SDK_HOST) -Iprograms/$(1)/gen $$< $$(GP_SHIM_SRCS) -o $$@

fuzz-$(1): $(GP_FUZZ_OUT)/$(1)-decode
	@mkdir -p $(GP_FUZZ_OUT)/$(1)-corpus
	@$(GP_FUZZ_OUT)/$(1)-decode -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  $(GP_FUZZ_OUT)/$(1)-corpus >$(GP_FUZZ_OUT)/$(1).log 2>&1 || { cat $(GP_FUZZ_OUT)/$(1).log; exit 1; }
	@awk '/^stat::number_of_executed_units/ {n = $$$$2} /^stat::average_exec_per_sec/ {r = $$$$2} \
	  END {printf "fuzz $(1) decoders: %d runs, %d exec/s, no crash\n", n, r}' $(GP_FUZZ_OUT)/$(1).log
endef
$(foreach p,$(GP_FUZZ_PROGRAMS),$(eval $(call gp_fuzz_rules,$(p))))
