# Freeze the agent and the simulated board into a MicroPython unix binary (make firmware
# BOARD=unix32, tools/firmware.py): the unix port's standard variant (asyncio, ssl, mip) plus
# the firmware and this board. Run it with AGENT_MICROPYTHON=build/firmware/unix32/micropython
# tools/unix-agent STATE_DIR: main.py still comes from the filesystem, as on a board.
# Relative paths are relative to this file.
include("$(PORT_DIR)/variants/standard/manifest.py")
include("../../manifest.py")  # the firmware
for name in ("board", "control_port", "sim_commands", "sim_status"):
    module(name + ".py")
