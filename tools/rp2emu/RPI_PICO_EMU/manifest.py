# The image the RP2040 emulator runs (make firmware BOARD=rpi_pico; make test-rp2): the Pico W's
# frozen modules short of Bluetooth, the agent, the hardware drivers and the Pico W's board
# code, which the Pico shares pin for pin (the radio aside). Relative paths are relative to
# this file.
include("$(PORT_DIR)/boards/manifest.py")
require("bundle-networking")  # as RPI_PICO_W's manifest (ssl, ntptime, ...); no aioble: no radio
include("../../../manifest.py")  # the firmware
include("../../../boards/common/manifest.py")  # the hardware drivers
module("board.py", base_path="../../../boards/rpi_pico_w")
