# make bench's module-cache figures, run by a MicroPython unix binary on the agent's modules
# (tools/bench.py: MICROPYPATH=.frozen:<bundle>, so a frozen agent is found first): what the
# cache's on-demand modules (every ops.* and the on-demand model.* and core.* ones) cost in heap
# once imported, and what a miss (an import) and a hit cost in time.
#
#     micropython mp_cache_bench.py <repetitions>
# prints one JSON object:
#     {"frozen": bool, "modules": n, "heap_all": bytes of heap the n modules hold together,
#      "miss_us": median us of an import through cache.use, "hit_us": median of a hit}
import gc
import os
import sys
import time

from ocpp.core import cache


# The central system's commands and the charge point's own messages (ocpp/ops), and the
# on-demand parts of the model: what a busy charger pulls through the cache.
OPS = ("Authorize", "BootNotification", "CancelReservation", "CertificateSigned",
       "ChangeAvailability", "ChangeConfiguration", "ClearCache", "ClearChargingProfile",
       "DataTransfer", "DeleteCertificate", "DiagnosticsStatusNotification",
       "ExtendedTriggerMessage", "FirmwareStatusNotification", "GetCompositeSchedule",
       "GetConfiguration", "GetDiagnostics", "GetInstalledCertificateIds",
       "GetLocalListVersion", "GetLog", "Heartbeat", "InstallCertificate",
       "LogStatusNotification", "MeterValues", "RemoteStartTransaction",
       "RemoteStopTransaction", "ReserveNow", "Reset", "SecurityEventNotification",
       "SendLocalList", "SetChargingProfile", "SignCertificate", "SignedFirmwareStatusNotification",
       "SignedUpdateFirmware", "StartTransaction", "StatusNotification", "StopTransaction",
       "TriggerMessage", "UnlockConnector", "UpdateFirmware")
EXTRA = ["model.transaction", "model.txsend", "model.profiles", "model.locallist",
         "model.firmware", "model.diagnostics", "model.certificates", "model.certstore",
         "model.credentials", "core.http", "core.config.edit", "core.config.report"]


def frozen():
    try:
        os.stat(cache.__file__)
        return False
    except OSError:
        return True  # a frozen module's __file__ names no file


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    cache.set_reserve(0)  # nothing evicted behind the measurement's back
    names = []
    for n in ["ops." + o for o in OPS] + EXTRA:
        try:
            cache.use(n)
            names.append(n)
        except ImportError:
            pass
    cache.evict()
    gc.collect()
    before = gc.mem_alloc()
    for n in names:
        cache.use(n)
    gc.collect()
    heap_all = gc.mem_alloc() - before
    miss, hit = [], []
    for _ in range(reps):
        for n in names:
            cache.evict(n)
            gc.collect()
            t = time.ticks_us()
            cache.use(n)
            miss.append(time.ticks_diff(time.ticks_us(), t))
            t = time.ticks_us()
            cache.use(n)
            hit.append(time.ticks_diff(time.ticks_us(), t))
    print('{"frozen": %s, "modules": %d, "heap_all": %d, "miss_us": %d, "hit_us": %d}'
          % ("true" if frozen() else "false", len(names), heap_all, median(miss),
             median(hit)))


main()
