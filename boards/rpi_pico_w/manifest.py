# Freeze the agent and this board's drivers into a custom MicroPython build (docs/boards.md):
#   cd micropython/ports/rp2
#   make BOARD=RPI_PICO_W FROZEN_MANIFEST=/abs/path/to/repo/boards/rpi_pico_w/manifest.py
# Frozen code runs from flash, leaving the heap (and mbedTLS, which allocates from it) to data.
# main.py and config.json still go on the filesystem; do not also copy the .mpy files (a file
# in the flash root would shadow its frozen twin). Relative paths are relative to this file.
include("$(BOARD_DIR)/manifest.py")  # RPI_PICO_W's own: the port's modules + networking
include("../../manifest.py")  # the firmware
include("../common/manifest.py")  # the hardware drivers
module("board.py")
