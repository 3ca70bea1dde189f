# Board targets: build, deploy, console, type check. Included by the Makefile (include boards.mk);
# uses its VENV, PY and STAMP.
#   make bundle BOARD=esp32_devkitc|rpi_pico_w|unix   compile to build/<board>/ and print the size
#   make deploy BOARD=... PORT=/dev/ttyUSB0 [CONFIG=boards/<board>/config.json]
#   make console PORT=/dev/ttyUSB0                     the board's REPL and log (Ctrl-] to leave)
#   make check                                         board code against the port stubs (mypy)
#   make firmware BOARD=unix32|rpi_pico_w|esp32_devkitc MICROPY_DIR=... [FREEZE=0]
#                                                      MicroPython with the agent frozen in
#   make flash BOARD=rpi_pico_w [FLASH_DIR=/media/$USER/RPI-RP2]   the .uf2 to a Pico in BOOTSEL
BOARD ?=
PORT ?= auto
CONFIG ?= boards/$(BOARD)/config.json
MPREMOTE := $(VENV)/bin/mpremote
MYPY := $(VENV)/bin/mypy
CHECK_STAMP := $(VENV)/.check-installed
# The stub packages of each port (versions pinned in requirements-check.txt)
STUBS_esp32 := micropython-stdlib-stubs micropython-esp32-stubs
STUBS_rp2 := micropython-stdlib-stubs micropython-rp2-rpi-pico-w-stubs
# CHECK_SRC: directories checked instead of boards/common boards/<board> (used by a test)
CHECK_SRC ?=

.PHONY: bundle deploy console check check-esp32_devkitc check-rpi_pico_w _need-board firmware flash

_need-board:
	@case "$(BOARD)" in esp32_devkitc|rpi_pico_w|unix) ;; \
	  *) echo "BOARD=esp32_devkitc, rpi_pico_w or unix is needed (got '$(BOARD)')" >&2; exit 2;; esac

bundle: $(STAMP) _need-board
	@$(PY) tools/bundle.py $(BOARD)

deploy: bundle
	@tools/deploy.sh $(BOARD) "$(PORT)" "$(CONFIG)"

console: $(STAMP)
	@if [ "$(PORT)" != auto ] && [ ! -e "$(PORT)" ]; then \
	  echo "console: no board at $(PORT)" >&2; exit 1; fi
	$(MPREMOTE) connect $(PORT) repl

# mypy into .venv, each port's stubs into build/typings-<port> (never .venv: both define machine)
$(CHECK_STAMP): requirements-check.txt $(STAMP)
	$(VENV)/bin/pip install --disable-pip-version-check -q $$(grep -E '^mypy==' requirements-check.txt)
	touch $@

build/typings-%/.installed: requirements-check.txt $(STAMP)
	rm -rf build/typings-$*
	$(VENV)/bin/pip install --disable-pip-version-check -q --no-deps --target build/typings-$* \
	  $$(for p in $(STUBS_$*); do grep -E "^$$p==" requirements-check.txt; done)
	touch $@

# $(call mypy_check,BOARD,PORT): the board's code (CHECK_SRC, default boards/common and
# boards/BOARD; manifest.py files are build recipes, not board code) against PORT's stubs;
# firmware/ is on the path for the firmware modules board code uses (udp.py), checked with it
mypy_check = @src="$(or $(CHECK_SRC),boards/common boards/$(1))"; \
	echo "check $(1) against the $(2) stubs: $$src"; \
	MYPYPATH=build/typings-$(2):$$(echo $$src | tr ' ' ':'):firmware \
	$(MYPY) --config-file typings/mypy.ini --cache-dir build/mypy-cache-$(1) \
	  --custom-typeshed-dir build/typings-$(2) $$(for d in $$src; do ls $$d/*.py | grep -v '/manifest.py$$'; done)

check: check-esp32_devkitc check-rpi_pico_w

check-esp32_devkitc: $(CHECK_STAMP) build/typings-esp32/.installed
	$(call mypy_check,esp32_devkitc,esp32)

check-rpi_pico_w: $(CHECK_STAMP) build/typings-rp2/.installed
	$(call mypy_check,rpi_pico_w,rp2)

## make test-bundle: the integration tests run the agent from the compiled unix bundle
## (build/unix/*.mpy) instead of the sources: what is deployed is what was tested.
## Needs tools/unix-agent to run main.py from the first AGENT_MODULES directory.
.PHONY: test-bundle
test-bundle: $(STAMP)
	$(PY) tools/bundle.py unix
	AGENT_MODULES=$(CURDIR)/build/unix $(PY) -m pytest host_tests/integration

## make firmware: MicroPython built with the agent frozen through the board's manifest.py
## (tools/firmware.py; MICROPY_DIR = a micropython clone at the supported release, with the
## port's submodules). FREEZE=0 builds the port without the agent, for the .mpy figures.
MICROPY_DIR ?=
FREEZE ?= 1
firmware: $(STAMP)
	@$(PY) tools/firmware.py "$(BOARD)" --micropy-dir "$(MICROPY_DIR)" \
	  $(if $(filter 0,$(FREEZE)),--no-freeze)

## make flash BOARD=rpi_pico_w: copy build/firmware/rpi_pico_w/firmware.uf2 to a Pico W held in
## BOOTSEL mode (its RPI-RP2 drive mounted; FLASH_DIR names the mount point if not found)
FLASH_DIR ?=
flash:
	@tools/flash.sh "$(BOARD)" "$(FLASH_DIR)"

## make release: the files of a release of firmware/version.py's version in build/release/<v>/
## (tools/release.py): the update bundle and a tree per board, the Pico W's .uf2 (MICROPY_DIR),
## signatures (SIGN_KEY + SIGN_CERT), SHA256SUMS. UNTAGGED=1 for a tree not tagged v<version>.
SIGN_KEY ?=
SIGN_CERT ?=
UNTAGGED ?=
.PHONY: release
release: $(STAMP)
	@$(PY) tools/release.py --micropy-dir "$(MICROPY_DIR)" --sign-key "$(SIGN_KEY)" \
	  --sign-cert "$(SIGN_CERT)" $(if $(UNTAGGED),--untagged)

## make test-image: the integration suite (and the image checks) on a MicroPython binary with
## the agent frozen in: IMAGE, by default make firmware BOARD=unix32's.
IMAGE ?= build/firmware/unix32/micropython
.PHONY: test-image
test-image: $(STAMP)
	@[ -x "$(IMAGE)" ] || { echo "test-image: no $(IMAGE): make firmware BOARD=unix32 \
	MICROPY_DIR=<a micropython clone> first" >&2; exit 2; }
	AGENT_MICROPYTHON=$(abspath $(IMAGE)) $(PY) -m pytest host_tests/integration \
	  host_tests/test_firmware_images.py

## make test-rp2: the board code and the EVSE layer on an emulated RP2040 (host_tests/rp2040): the
## image of make firmware BOARD=rpi_pico under rp2040js (Node.js; pinned in
## tools/rp2emu/package-lock.json, installed into tools/rp2emu/node_modules) with the project's
## own boot ROM (tools/rp2emu/bootrom.*, built with arm-none-eabi-gcc). make test runs the same
## tests when all that is present, and skips them naming what is missing.
RP2EMU := tools/rp2emu
RP2_IMAGE := build/firmware/rpi_pico/obj/firmware.bin
ROM_CFLAGS := -mcpu=cortex-m0plus -mthumb -Os -ffreestanding -fno-builtin \
	-fno-tree-loop-distribute-patterns -ffunction-sections -fdata-sections -nostartfiles \
	-Wall -Wextra -Wno-unused-function
.PHONY: test-rp2 rp2emu
$(RP2EMU)/node_modules/.installed: $(RP2EMU)/package.json $(RP2EMU)/package-lock.json
	@command -v npm >/dev/null || { echo "rp2emu: no npm (Debian: apt-get install nodejs \
	npm)" >&2; exit 2; }
	npm ci --prefix $(RP2EMU) --no-audit --no-fund
	touch $@

build/rp2emu/bootrom.bin: $(RP2EMU)/bootrom.S $(RP2EMU)/bootrom.c $(RP2EMU)/bootrom.ld
	@command -v arm-none-eabi-gcc >/dev/null || { echo "rp2emu: no arm-none-eabi-gcc (Debian: \
	apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)" >&2; exit 2; }
	mkdir -p build/rp2emu
	arm-none-eabi-gcc $(ROM_CFLAGS) -T $(RP2EMU)/bootrom.ld -o build/rp2emu/bootrom.elf \
	  $(RP2EMU)/bootrom.S $(RP2EMU)/bootrom.c -Wl,--gc-sections -lm -lgcc
	arm-none-eabi-objcopy -O binary build/rp2emu/bootrom.elf $@
	@echo "rp2emu: boot ROM $$(stat -c %s $@) bytes of 16384"

rp2emu: $(RP2EMU)/node_modules/.installed build/rp2emu/bootrom.bin

test-rp2: $(STAMP) rp2emu
	@[ -f $(RP2_IMAGE) ] || { echo "test-rp2: no $(RP2_IMAGE): make firmware BOARD=rpi_pico \
	MICROPY_DIR=<a micropython v1.28 tree> first" >&2; exit 2; }
	$(PY) -m pytest host_tests/rp2040
