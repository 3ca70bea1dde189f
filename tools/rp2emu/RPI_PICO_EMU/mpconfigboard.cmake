# MicroPython board definition (out of tree: make BOARD_DIR=<this directory>) of the image the
# RP2040 emulator runs (make firmware BOARD=rpi_pico; make test-rp2). The plain Pico (RP2040,
# 2 MB flash; rp2040js does not model the Pico W's CYW43439 radio), with the Pico W's network
# modules short of the radio: lwIP sockets, the network module and TLS, so the agent's network
# code runs as on a Pico W that has not joined a network.
set(PICO_BOARD "pico")
set(PICO_PLATFORM "rp2040")
set(MICROPY_PY_LWIP ON)
# the Pico's pin names (GP0.., LED = GP25) from the port's own board
set(MICROPY_BOARD_PINS ${MICROPY_PORT_DIR}/boards/RPI_PICO/pins.csv)
