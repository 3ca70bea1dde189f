# The drivers every hardware board freezes (included by boards/<board>/manifest.py and by the
# emulator's image, tools/rp2emu/manifest.py). Relative paths are relative to this file.
for name in ("hwboard", "io_devices", "mfrc522", "net", "pilot_frontend", "s0meter"):
    module(name + ".py")
