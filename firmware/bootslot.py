"""Which bundle runs: the files flashed into the root, or an update that UpdateFirmware
installed into a slot directory (app0/, app1/; ocpp/model/firmware.py). main.py asks once per
boot, before any module of a bundle is imported, and drops this module after.

boot.json (absent: the flashed root runs):

    {"run": "app1", "good": "app0", "tries": 1, "failed": null}
      run     the slot put first on the module path (null: the flashed root)
      good    the slot known to work, to go back to (null: the root)
      tries   boots of `run` while it is not yet `good`: once it passes MAX_TRIES without the
              agent confirming it (BootNotification accepted), `run` goes back to `good`, and
              `failed` names the slot that failed

An update never replaces main.py or this module (the copies in a slot are not used: this one
is imported from the root before the slot is on the path). So it writes boot.json itself
(tmp + rename, atomic) rather than through store.py, which belongs to a bundle.
"""
import json
import os
import sys

MAX_TRIES = 3
BOOT = "boot.json"


def choose():
    """Put the slot to run first on sys.path, counting a trial boot; go back after MAX_TRIES."""
    try:
        with open(BOOT) as f:
            boot = json.load(f)
        run, good = boot.get("run"), boot.get("good")
    except (OSError, ValueError, AttributeError):
        return  # no update ever installed (or an unreadable record): the flashed root
    if run != good:
        boot["tries"] = boot.get("tries", 0) + 1
        if boot["tries"] > MAX_TRIES:
            print("boot: bundle %s not confirmed after %d boots: back to %s"
                  % (run, MAX_TRIES, good or "the flashed one"))
            boot["failed"], boot["run"], boot["tries"], run = run, good, 0, good
        with open(BOOT + ".tmp", "w") as f:
            json.dump(boot, f)
        os.rename(BOOT + ".tmp", BOOT)
    if run:
        sys.path.insert(0, run)
        print("boot: running the bundle in %s/" % run)
