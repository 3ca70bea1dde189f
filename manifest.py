# MicroPython manifest: freezes the firmware into a custom MicroPython build, so its code and
# constant tables live in flash instead of the heap. A board's manifest (boards/<board>/manifest.py)
# includes the port's own manifest and then this file:
#     include("$(PORT_DIR)/boards/manifest.py")
#     include("/path/to/this/repo/manifest.py")
# main.py is not frozen: ports only run a main.py from the filesystem (copy firmware/main.py).
package("ocpp", base_path="firmware")
package("evse", base_path="firmware")
module("bootslot.py", base_path="firmware")
module("logbook.py", base_path="firmware")
module("settings.py", base_path="firmware")
module("startup.py", base_path="firmware")
module("store.py", base_path="firmware")
module("store_files.py", base_path="firmware")
module("udp.py", base_path="firmware")
module("version.py", base_path="firmware")
# An update (UpdateFirmware) installs .mpy files into a slot directory that bootslot.py puts
# first on the module path: they run in place of their frozen twins.
