# make bench's public-key figures, run by MicroPython's unix port on the compiled bundle
# (tools/bench.py: MICROPYPATH=<bundle>): the time and the heap to check an RSA-2048 signature
# (PSS and PKCS#1 v1.5), an ECDSA P-256 signature and a certificate, and to make a P-256 key
# pair with its PKCS#10 request, with the code each costs once imported.
#
#     micropython mp_crypto_bench.py <vectors.json> <repetitions>      the times
#     micropython -X heapsize=N mp_crypto_bench.py <vectors.json> 1 <operation|none>
#         runs one operation once (exit status 0 if it fit): tools/bench.py bisects the
#         smallest heap each runs in, "none" being the modules alone
# vectors.json (written by tools/bench.py with the `cryptography` package): hex strings
#     {"digest", "rsa_n", "rsa_pss", "rsa_pkcs1", "ec_pub", "ec_sig", "cert", "issuer"}
# prints one JSON object.
import asyncio
import gc
import json
import sys
import time
from binascii import unhexlify


def code_size(name):
    gc.collect()
    before = gc.mem_alloc()
    __import__(name)
    gc.collect()
    return gc.mem_alloc() - before


def measure(fn, reps):
    times = []
    for _ in range(reps):
        gc.collect()
        t = time.ticks_us()
        ok = fn()
        times.append(time.ticks_diff(time.ticks_us(), t) / 1000)
        if not ok:
            raise SystemExit("a check failed: the vectors do not verify")
    times.sort()
    return {"ms": round(times[len(times) // 2], 2)}


def main():
    with open(sys.argv[1]) as f:
        v = {k: unhexlify(x) for k, x in json.load(f).items()}
    reps = int(sys.argv[2])
    only = sys.argv[3] if len(sys.argv) > 3 else None
    code = {}
    for name in ("ocpp.core.pki.der", "ocpp.core.pki.rsa", "ocpp.core.pki.p256",
                 "ocpp.core.pki.x509", "ocpp.core.pki.csr"):
        code[name.rsplit(".", 1)[1]] = code_size(name)
    from ocpp.core.pki import csr, p256, rsa, x509

    n = int.from_bytes(v["rsa_n"], "big")
    digest = v["digest"]
    r, s = x509.ecdsa_pair(v["ec_sig"])
    issuer = x509.read(v["issuer"])

    async def key_and_request():
        d, pub = await p256.key_pair()
        req = await csr.make(d, pub, "SN-0001", "Bench CPO")
        return len(csr.pem(req, "CERTIFICATE REQUEST")) > 0

    ops = {
        "rsa_pss": lambda: rsa.verify_pss(n, 65537, v["rsa_pss"], digest),
        "rsa_pkcs1": lambda: rsa.verify_pkcs1(n, 65537, v["rsa_pkcs1"], digest),
        "ecdsa_verify": lambda: asyncio.run(p256.verify(v["ec_pub"], digest, r, s)),
        "cert_check": lambda: asyncio.run(x509.signed_by(x509.read(v["cert"]), issuer["key"])),
        "key_pair_csr": lambda: asyncio.run(key_and_request()),
        "none": lambda: True,
    }
    if only is not None:  # a heap probe: exit status 0 if it fit
        sys.exit(0 if ops[only]() else 2)
    out = {"code": code}
    for name, fn in ops.items():
        if name != "none":
            out[name] = measure(fn, reps)

    # the longest the event loop waits for the curve: between two of its yields
    async def ticker(gaps):
        last = time.ticks_ms()
        while True:
            await asyncio.sleep_ms(0)
            now = time.ticks_ms()
            gaps.append(time.ticks_diff(now, last))
            last = now

    async def lag():
        gaps = []
        t = asyncio.create_task(ticker(gaps))
        await asyncio.sleep_ms(0)
        await p256.verify(v["ec_pub"], digest, r, s)
        t.cancel()
        return max(gaps) if gaps else 0

    out["loop_gap_ms"] = asyncio.run(lag())
    print(json.dumps(out))


main()
