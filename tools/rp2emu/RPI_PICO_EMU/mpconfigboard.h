// The emulated Pico of make test-rp2 (mpconfigboard.cmake says why it is not RPI_PICO).
#define MICROPY_HW_BOARD_NAME                   "Raspberry Pi Pico (emulated)"
// the Pico W's filesystem size: the image has the room it has on a Pico W
#define MICROPY_HW_FLASH_STORAGE_BYTES          (848 * 1024)
#define MICROPY_PY_NETWORK                      (1)
