# Freeze the agent and this board's drivers into a custom MicroPython build (docs/boards.md):
#   cd micropython/ports/esp32
#   make BOARD=ESP32_GENERIC FROZEN_MANIFEST=/abs/path/to/repo/boards/esp32_devkitc/manifest.py
# Frozen code runs from flash, leaving the ~110 KB heap to data. main.py and config.json still
# go on the filesystem; do not also copy the .mpy files (a file in the flash root would shadow
# its frozen twin). Relative paths are relative to this file.
include("$(PORT_DIR)/boards/manifest.py")  # the port's own frozen modules (asyncio, ntptime...)
include("../../manifest.py")  # the firmware
include("../common/manifest.py")  # the hardware drivers
module("board.py")
module("pcnt_meter.py")
