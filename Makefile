# v6mig -- plain Makefile: pkg-config, Kconfig picks whole files, quiet
# unless V=1.  `make` builds build/v6mig-agent; `make check` runs every test.

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CC ?= cc
O ?= build

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Configuration: .config when `make menuconfig`/`defconfig` made one, else
# the shipped defaults, so no Kconfig tool is needed to build.
KCONFIG_CONFIG ?= .config
CONFIG_FILE := $(if $(wildcard $(KCONFIG_CONFIG)),$(KCONFIG_CONFIG),configs/defconfig)
include $(CONFIG_FILE)

PKGS := libcurl libcares libcjson libnl-3.0 libnl-route-3.0 libmnl libnftnl libbpf openssl
ifeq ($(CONFIG_SYSTEMD),y)
PKGS += libsystemd
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow -Wformat=2
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) -MMD -MP -I$(O) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDLIBS = $(LDLIBS) $(PKG_LIBS)

# Methods: a method left out is a file not compiled.
METHOD_SRC-$(CONFIG_METHOD_MAP_E) += tunnels/mape.c
METHOD_SRC-$(CONFIG_METHOD_MAP_T) += tunnels/mapt.c
METHOD_SRC-$(CONFIG_METHOD_DSLITE) += tunnels/dslite.c
METHOD_SRC-$(CONFIG_METHOD_LW4O6) += tunnels/lw4o6.c
METHOD_SRC-$(CONFIG_METHOD_IPIP) += tunnels/ipip.c
METHOD_SRC-$(CONFIG_METHOD_464XLAT) += tunnels/xlat464.c
ALL_METHOD_SRC := tunnels/mape.c tunnels/mapt.c tunnels/dslite.c \
	tunnels/lw4o6.c tunnels/ipip.c tunnels/xlat464.c
# Each tunnels/<m>.c defines `const struct method_ops <m>_ops`.
METHOD_SRC := $(wildcard $(METHOD_SRC-y))
METHOD_OPS := $(basename $(notdir $(METHOD_SRC)))

LIB_SRC := $(filter-out $(ALL_METHOD_SRC),$(wildcard tunnels/*.c)) \
	$(METHOD_SRC) \
	$(filter-out agent/main.c,$(wildcard agent/*.c)) \
	$(wildcard netlink/*.c) \
	$(wildcard util/*.c)
MAIN_SRC := agent/main.c

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_HELPERS := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))

# Sanitizer build: the same library and tests, in build-asan/.
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.SECONDARY:

.PHONY: all clean check unit unit-asan unit-systemd asan deps fuzz lab install uninstall deb \
	menuconfig defconfig oldconfig savedefconfig bench soak tests-bin help

all: $(O)/v6mig-agent

help:
	@echo "make              build $(O)/v6mig-agent (configuration: $(CONFIG_FILE))"
	@echo "make check        install test dependencies, build, run every test"
	@echo "make lab          the ISP-in-namespaces demo"
	@echo "make menuconfig | defconfig | oldconfig    edit .config"
	@echo "make install DESTDIR= PREFIX=    install; V=1 for full commands"
	@echo "make deb          the Debian package, in build/"

# ---- generated configuration -------------------------------------------
$(O)/config.h: $(CONFIG_FILE) scripts/config2h.sh
	@mkdir -p $(O)
	$(Q)sh scripts/config2h.sh $(CONFIG_FILE) > $@.tmp && mv $@.tmp $@

# Remade on every run but rewritten only when the list changes, so a
# method file that appears (or goes) is picked up without a clean.
$(O)/methods.inc: FORCE
	@mkdir -p $(O)
	$(Q)for m in $(METHOD_OPS); do echo "METHOD($${m}_ops)"; done > $@.tmp && \
		if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

.PHONY: FORCE
FORCE:

GEN := $(O)/config.h $(O)/methods.inc

# ---- objects -----------------------------------------------------------
LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)
$(O)/%.o: %.c $(GEN)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# ---- the translator's eBPF programs (bpf/) -> a skeleton in the binary ----
# clang -target bpf; bpftool gen object drops the DWARF (the BTF stays: it
# describes the maps), gen skeleton embeds the object's bytes. No CO-RE:
# nothing needs the kernel's BTF at run time.
BPF_CLANG ?= clang
BPFTOOL ?= bpftool
# asm/types.h for -target bpf: the build host's multiarch headers (any
# arch's serve; $(CC) may be a cross or a sanitizer clang).
BPF_ARCH_INC := /usr/include/$(shell $(BPF_CLANG) -print-multiarch 2>/dev/null)
BPF_CFLAGS := -O2 -g -target bpf -Wall -Wextra -Werror -I$(BPF_ARCH_INC)
BPF_HDR := $(wildcard bpf/*.h)
$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDR)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BPF     $<")
	$(Q)$(BPF_CLANG) $(BPF_CFLAGS) -c -o $@.full $< && \
		$(BPFTOOL) gen object $@ $@.full && rm -f $@.full
$(O)/bpf/%.skel.h: $(O)/bpf/%.bpf.o
	@$(if $(Q),echo "  SKEL    $@")
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@.tmp && mv $@.tmp $@
$(O)/netlink/xlat.o: $(O)/bpf/xlat.skel.h
$(O)/netlink/mesh.o: $(O)/bpf/mesh.skel.h

$(O)/libv6mig.a: $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(O)/v6mig-agent: $(O)/agent/main.o $(O)/libv6mig.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# ---- unit tests (cmocka) -----------------------------------------------
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
UNIT_HELPER_OBJ := $(UNIT_HELPERS:%.c=$(O)/%.o)
$(O)/tests/%: $(O)/tests/unit/%.o $(UNIT_HELPER_OBJ) $(O)/libv6mig.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS) -lcmocka

# ---- test helpers: tests/tools/*.c -> build/tests/tools/* -------------
# sandbox_exec is one tool in five files: main, and its parts below.
SANDBOX_PARTS := $(addprefix tests/tools/sandbox_,unit.c mounts.c caps.c seccomp.c)
TOOL_SRC := $(filter-out $(SANDBOX_PARTS),$(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(O)/tests/tools/%)
$(O)/tests/tools/%: $(O)/tests/tools/%.o $(O)/libv6mig.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# The unit's sandbox applied by hand (tests/ns/test_sandbox.sh,
# tests/vm/cases/test_sandbox_mape.sh).
$(O)/tests/tools/sandbox_exec: $(SANDBOX_PARTS:%.c=$(O)/%.o)
$(O)/tests/tools/sandbox_exec: ALL_LDLIBS += $(shell $(PKG_CONFIG) --libs libseccomp 2>/dev/null)

tests-bin: $(UNIT_BIN) $(TOOL_BIN) $(O)/v6mig-agent

unit: tests-bin
	$(Q)tests/run-unit.sh $(O) $(UNIT_BIN)

asan:
	$(Q)$(MAKE) --no-print-directory O=build-asan \
		CFLAGS="-O1 -g $(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" tests-bin

unit-asan: asan
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run-unit.sh build-asan $(UNIT_BIN:$(O)/%=build-asan/%)

# The sd_notify test again with CONFIG_SYSTEMD=y (libsystemd instead of the
# datagram protocol by hand), in build-systemd/ from a copy of the config.
SD_O := build-systemd
unit-systemd:
	@mkdir -p $(SD_O)
	$(Q)sed -e '/CONFIG_SYSTEMD[= ]/d' $(CONFIG_FILE) > $(SD_O)/config.new && \
		echo CONFIG_SYSTEMD=y >> $(SD_O)/config.new && \
		{ cmp -s $(SD_O)/config.new $(SD_O)/config || mv $(SD_O)/config.new $(SD_O)/config; }
	$(Q)$(MAKE) --no-print-directory O=$(SD_O) KCONFIG_CONFIG=$(SD_O)/config $(SD_O)/tests/test_notify
	$(Q)tests/run-unit.sh $(SD_O) $(SD_O)/tests/test_notify

# ---- the whole suite -----------------------------------------------------
deps:
	$(Q)scripts/deps.sh all

check: deps
	$(Q)tests/check.sh

fuzz:
	$(Q)tests/fuzz/build.sh

lab: deps all
	$(Q)scripts/lab/lab.sh

# ---- benches: bench/*.c -> build/bench/*, run by bench/run.sh ----------
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(O)/bench/%)
$(O)/bench/%: $(O)/bench/%.o $(O)/libv6mig.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

bench: all $(BENCH_BIN) $(TOOL_BIN)
	$(Q)bench/run.sh $(O)

soak: all asan
	$(Q)tests/soak.sh

# ---- Kconfig front ends (kconfig-frontends-nox, or python3-kconfiglib) ---
KCONF_PY := /usr/bin/python3 /usr/lib/python3/dist-packages
menuconfig:
	$(Q)if command -v kconfig-mconf >/dev/null; then kconfig-mconf Kconfig; \
	else KCONFIG_CONFIG=$(KCONFIG_CONFIG) /usr/bin/python3 /usr/lib/python3/dist-packages/menuconfig.py Kconfig; fi
defconfig:
	$(Q)cp configs/defconfig $(KCONFIG_CONFIG) && echo "wrote $(KCONFIG_CONFIG) from configs/defconfig"
oldconfig:
	$(Q)if command -v kconfig-conf >/dev/null; then kconfig-conf --oldconfig Kconfig; \
	else KCONFIG_CONFIG=$(KCONFIG_CONFIG) /usr/bin/python3 /usr/lib/python3/dist-packages/oldconfig.py Kconfig; fi
savedefconfig:
	$(Q)KCONFIG_CONFIG=$(KCONFIG_CONFIG) /usr/bin/python3 /usr/lib/python3/dist-packages/savedefconfig.py --kconfig Kconfig --out configs/defconfig.new

# ---- install -----------------------------------------------------------
# systemd reads units from $(PREFIX)/lib/systemd/system for PREFIX=/usr/local
# too; for PREFIX=/usr use the distribution's directory (/lib/systemd/system
# on Debian 12). The shipped units say /usr/sbin; install rewrites it.
ifeq ($(PREFIX),/usr)
UNITDIR ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
BASHCOMPDIR ?= $(or $(shell $(PKG_CONFIG) --variable=completionsdir bash-completion 2>/dev/null),/usr/share/bash-completion/completions)
else
UNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
endif
DOCDIR ?= $(PREFIX)/share/doc/v6mig
UNITS := v6mig-agent.service v6mig-agent@.service
CONF := $(DESTDIR)$(SYSCONFDIR)/v6mig/v6mig.conf
HOOKS := $(wildcard scripts/hooks/*)
# Everything install puts down and uninstall removes (not the user's CONF).
INSTALLED := $(SBINDIR)/v6mig-agent $(UNITS:%=$(UNITDIR)/%) \
	$(MANDIR)/man8/v6mig-agent.8 $(MANDIR)/man5/v6mig.conf.5 \
	$(BASHCOMPDIR)/v6mig-agent $(DOCDIR)/v6mig.conf.example \
	$(HOOKS:scripts/hooks/%=$(DOCDIR)/hooks/%)

install: all
	install -D -m 0755 $(O)/v6mig-agent $(DESTDIR)$(SBINDIR)/v6mig-agent
	install -d $(DESTDIR)$(UNITDIR)
	for u in $(UNITS); do \
		sed 's|/usr/sbin/v6mig-agent|$(SBINDIR)/v6mig-agent|' scripts/systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	install -D -m 0644 docs/v6mig-agent.8 $(DESTDIR)$(MANDIR)/man8/v6mig-agent.8
	install -D -m 0644 docs/v6mig.conf.5 $(DESTDIR)$(MANDIR)/man5/v6mig.conf.5
	install -D -m 0644 scripts/completion/v6mig-agent.bash $(DESTDIR)$(BASHCOMPDIR)/v6mig-agent
	install -D -m 0644 configs/v6mig.conf.example $(DESTDIR)$(DOCDIR)/v6mig.conf.example
	install -d $(DESTDIR)$(DOCDIR)/hooks
	install -m 0755 $(HOOKS) $(DESTDIR)$(DOCDIR)/hooks/
	@# Never overwrite a user's configuration; 0600: it may hold `pass`.
	@if [ -e $(CONF) ]; then echo "kept $(CONF)"; else \
		echo "install -D -m 0600 configs/v6mig.conf.example $(CONF)"; \
		install -D -m 0600 configs/v6mig.conf.example $(CONF); fi

uninstall:
	rm -f $(INSTALLED:%=$(DESTDIR)%)
	rmdir $(DESTDIR)$(DOCDIR)/hooks $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# ---- Debian package (debian/): build/v6mig_VERSION_ARCH.deb ----------------
deb:
	$(Q)scripts/deps.sh pkg
	$(Q)scripts/deb.sh

clean:
	rm -rf build build-asan build-fuzz build-systemd build-size

-include $(LIB_OBJ:.o=.d) $(O)/agent/main.d $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%.d) \
	$(UNIT_HELPER_OBJ:.o=.d) \
	$(TOOL_SRC:%.c=$(O)/%.d) $(SANDBOX_PARTS:%.c=$(O)/%.d) $(BENCH_SRC:%.c=$(O)/%.d)
