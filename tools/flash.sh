#!/usr/bin/env bash
# Copy a built image to a board's USB mass-storage boot loader:
#   tools/flash.sh BOARD [MOUNT]        (make flash BOARD=rpi_pico_w [FLASH_DIR=...])
# rpi_pico_w: hold BOOTSEL while plugging the Pico W in: it mounts a drive labelled RPI-RP2
# (INFO_UF2.TXT inside). The .uf2 from `make firmware BOARD=rpi_pico_w` is copied there; the
# Pico then writes it to flash and restarts into MicroPython with the agent frozen in. Then
# `make deploy BOARD=rpi_pico_w` puts only main.py and config.json on its filesystem.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "flash: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: $0 BOARD [MOUNT]"
BOARD=$1
MOUNT=${2:-}
case "$BOARD" in
    rpi_pico_w) ;;
    esp32_devkitc) die "the ESP32 has no drive to copy to: esptool.py --port PORT write_flash \
0x1000 build/firmware/esp32_devkitc/firmware.bin (docs/boards.md)" ;;
    *) die "BOARD=rpi_pico_w is needed (got '$BOARD')" ;;
esac
UF2=${UF2:-$ROOT/build/firmware/$BOARD/firmware.uf2}  # UF2=path: another image
[ -f "$UF2" ] || die "no $UF2: run 'make firmware BOARD=$BOARD MICROPY_DIR=...' first"

is_rp2_drive() { [ -f "$1/INFO_UF2.TXT" ] && grep -q "RPI-RP2" "$1/INFO_UF2.TXT"; }
if [ -n "$MOUNT" ]; then
    [ -d "$MOUNT" ] || die "FLASH_DIR=$MOUNT is not a directory"
    is_rp2_drive "$MOUNT" \
        || die "$MOUNT is not a Pico's boot drive (no INFO_UF2.TXT naming RPI-RP2)"
else
    for d in /media/*/RPI-RP2 /media/RPI-RP2 /run/media/*/RPI-RP2 /mnt/RPI-RP2 /Volumes/RPI-RP2; do
        if is_rp2_drive "$d"; then MOUNT=$d; break; fi
    done
    [ -n "$MOUNT" ] || die "no Pico in BOOTSEL mode found (no RPI-RP2 drive mounted under \
/media, /run/media, /mnt or /Volumes): hold BOOTSEL while plugging it in, mount the drive, \
or pass FLASH_DIR=<its mount point>"
fi
echo "flash: $(wc -c < "$UF2") bytes -> $MOUNT"
cp "$UF2" "$MOUNT/" || die "copy to $MOUNT failed"
sync
echo "flash: done; the Pico restarts into the new firmware."
echo "Next: make deploy BOARD=$BOARD PORT=/dev/ttyACM0 (main.py and config.json only)"
