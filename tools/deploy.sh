#!/usr/bin/env bash
# Copy a built bundle and its config.json to a board over USB serial, then reset the board.
#   tools/deploy.sh BOARD PORT [CONFIG]      (make deploy BOARD=... PORT=/dev/ttyUSB0 [CONFIG=...])
# BOARD: esp32_devkitc | rpi_pico_w; the bundle is build/BOARD (make bundle). PORT: the serial
# device, or "auto" for the first board mpremote finds. CONFIG defaults to
# boards/BOARD/config.json (copy config.example.json there and fill it in).
#
# A running agent has armed the watchdog, which nothing can stop; a copy that takes longer
# than its timeout would be cut by a reset. So the deploy first drops the file `wdt_off` in
# the flash root and resets the board (the board then never arms the watchdog), copies,
# and finally removes `wdt_off` and resets into the new firmware.
#
# A board flashed with the project's own image (make firmware; make flash) has the agent frozen
# in: then only main.py and config.json are copied, and every .py/.mpy of an earlier bundle is
# removed (the flash root comes before the frozen modules on sys.path: it would shadow them).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MPREMOTE=${MPREMOTE:-$ROOT/.venv/bin/mpremote}  # MPREMOTE=path: another (a test's fake board)
die() { echo "deploy: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: $0 BOARD PORT [CONFIG]"
BOARD=$1
PORT=$2
CONFIG=${3:-$ROOT/boards/$BOARD/config.json}
BUNDLE="$ROOT/build/$BOARD"
case "$BOARD" in
    esp32_devkitc|rpi_pico_w) ;;
    unix) die "the unix board is not deployed: run it with tools/unix-agent" ;;
    *) die "unknown BOARD '$BOARD' (esp32_devkitc or rpi_pico_w)" ;;
esac
[ -x "$MPREMOTE" ] || die "$MPREMOTE not found: run 'make venv' first"

# 1. Is a board there at all? (the most common failure: say it plainly)
ports=$(ls /dev/ttyUSB* /dev/ttyACM* /dev/cu.usb* 2>/dev/null | tr '\n' ' ')
if [ -z "$PORT" ] || [ "$PORT" = auto ]; then
    # USB serial devices only (built-in UARTs such as /dev/ttyS0 list as 0000:0000)
    PORT=$("$MPREMOTE" devs 2>/dev/null | awk '$3 != "0000:0000" && $3 != "None" {print $1; exit}')
    [ -n "$PORT" ] || die "no board found on any serial port: is it plugged in with a data \
cable (and powered)? Pass PORT=/dev/ttyUSB0 (ESP32) or PORT=/dev/ttyACM0 (Pico W)."
elif [ ! -e "$PORT" ]; then
    die "no board at $PORT: nothing is plugged in there. Serial ports present: ${ports:-none}. \
Pass PORT=... (ESP32: /dev/ttyUSB0, Pico W: /dev/ttyACM0)."
fi
[ -d "$BUNDLE" ] && [ -f "$BUNDLE/main.py" ] || die "no bundle in $BUNDLE: run 'make bundle BOARD=$BOARD'"
[ -f "$CONFIG" ] || die "no $CONFIG: copy boards/$BOARD/config.example.json there and fill \
in wifi and csms_url, or pass CONFIG=path"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$CONFIG" 2>/dev/null \
    || die "$CONFIG is not valid JSON"

run() { "$MPREMOTE" connect "$PORT" "$@" || die "mpremote failed on $PORT ($*): is the port \
busy (another console open?) or the board not running MicroPython?"; }

echo "deploy: $BOARD bundle $(du -sk "$BUNDLE" | cut -f1) KB -> $PORT"
# 2. Maintenance mode: no watchdog after this reset.
run exec "open('wdt_off','w').close()" + reset
sleep 3
for _ in 1 2 3 4 5; do [ -e "$PORT" ] && break; sleep 1; done  # USB CDC re-enumerates
# 3. Frozen image or stock MicroPython? Only the frozen path is searched for the agent.
frozen=$("$MPREMOTE" connect "$PORT" exec "import sys
sys.path[:]=['.frozen']
try:
    import ocpp, evse, hwboard
    print('FROZEN')
except ImportError:
    print('FILES')" 2>/dev/null | tr -d '\r' | tail -n 1)
# 4. Remove modules of an earlier deploy that would shadow the new ones (MicroPython imports
#    x.py before x.mpy) or that are gone from the bundle, then copy.
if [ "$frozen" = FROZEN ]; then
    echo "deploy: the board runs an image with the agent frozen in: main.py and config.json only"
    keep="main.py"
else
    keep=$(cd "$BUNDLE" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
fi
clean="import os
keep=set('''$keep'''.split())
def walk(d):
    for e in os.ilistdir(d or '/'):
        p=(d+'/'+e[0]) if d else e[0]
        if e[1]==0x4000: walk(p)
        elif p.endswith(('.py','.mpy')) and p not in keep and p not in ('boot.py','webrepl_cfg.py'):
            os.remove(p); print('removed',p)
walk('')"
run exec "$clean"
if [ "$frozen" = FROZEN ]; then
    run fs cp "$BUNDLE/main.py" :main.py
else
    (cd "$BUNDLE" && run fs cp -r . :) || exit 1
fi
run fs cp "$CONFIG" :config.json
# 5. Out of maintenance mode, into the new firmware.
run exec "import os; os.remove('wdt_off')" + reset
echo "deploy: done; 'make console PORT=$PORT' shows its log"
