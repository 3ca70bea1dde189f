"""The NIST P-256 curve (secp256r1, prime256v1): ECDSA with SHA-256 checked and made, and key
pairs, in MicroPython integers.

Points are in Jacobian coordinates (X, Y, Z) for x = X/Z^2, y = Y/Z^3, so that adding needs
no inverse; Z == 0 is the point at infinity. A scalar product is a loop over 256 bits that
yields to the event loop every _SLICE bits (a check takes about 0.1 s on the unix port and
several seconds on a microcontroller: the contactor and the link must not wait behind it).

Not constant-time: a signature's timing depends on its nonce. The charge point signs one
certificate request now and then, on its own initiative, so there is nothing to time.
"""
import asyncio
import os

from micropython import const

P = const(0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF)
N = const(0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551)
B = const(0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B)
GX = const(0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296)
GY = const(0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
_SLICE = const(16)


def _double(pt):
    x, y, z = pt
    if not z or not y:
        return (1, 1, 0)
    p = P
    delta = z * z % p
    gamma = y * y % p
    beta = x * gamma % p
    alpha = 3 * (x - delta) * (x + delta) % p  # a = -3
    x3 = (alpha * alpha - 8 * beta) % p
    z3 = ((y + z) * (y + z) - gamma - delta) % p
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % p
    return (x3, y3, z3)


def _add(a, b):
    if not a[2]:
        return b
    if not b[2]:
        return a
    p = P
    x1, y1, z1 = a
    x2, y2, z2 = b
    z1z1 = z1 * z1 % p
    z2z2 = z2 * z2 % p
    u1 = x1 * z2z2 % p
    u2 = x2 * z1z1 % p
    s1 = y1 * z2 * z2z2 % p
    s2 = y2 * z1 * z1z1 % p
    h = (u2 - u1) % p
    r = (s2 - s1) % p
    if not h:
        return _double(a) if not r else (1, 1, 0)
    hh = h * h % p
    hhh = h * hh % p
    v = u1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    y3 = (r * (v - x3) - s1 * hhh) % p
    z3 = z1 * z2 * h % p
    return (x3, y3, z3)


def _affine(pt):
    x, y, z = pt
    if not z:
        raise ValueError("the point at infinity")
    zi = pow(z, P - 2, P)
    zi2 = zi * zi % P
    return x * zi2 % P, y * zi2 * zi % P


async def _combine(k1, a, k2, b):
    """k1*a + k2*b (Shamir's trick: one pass of doublings for both)."""
    ab = _add(a, b)
    acc = (1, 1, 0)
    for i in range(255, -1, -1):  # scalars are below N < 2**256
        acc = _double(acc)
        bit = ((k1 >> i) & 1) | (((k2 >> i) & 1) << 1)
        if bit:
            acc = _add(acc, a if bit == 1 else b if bit == 2 else ab)
        if not i % _SLICE:
            await asyncio.sleep_ms(0)
    return acc


def _on_curve(x, y):
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x - 3 * x + B)) % P == 0


def point(pub):
    """An uncompressed public key (0x04 || x || y, 65 bytes) as (x, y), checked on the curve."""
    if len(pub) != 65 or pub[0] != 4:
        raise ValueError("not an uncompressed P-256 point")
    x = int.from_bytes(bytes(pub[1:33]), "big")
    y = int.from_bytes(bytes(pub[33:]), "big")
    if not _on_curve(x, y):
        raise ValueError("a point not on P-256")
    return x, y


def encode(x, y):
    return b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")


async def verify(pub, digest, r, s):
    """Whether (r, s) is an ECDSA signature of the SHA-256 `digest` (32 bytes) by the public
    key `pub` (65 bytes, uncompressed)."""
    if not (0 < r < N and 0 < s < N):
        return False
    qx, qy = point(pub)
    e = int.from_bytes(digest, "big")
    w = pow(s, N - 2, N)
    pt = await _combine(e * w % N, (GX, GY, 1), r * w % N, (qx, qy, 1))
    if not pt[2]:
        return False
    return _affine(pt)[0] % N == r


def _scalar():
    # a uniform scalar in [1, N-1]: draw 256 bits until one falls below N (almost always)
    while True:
        k = int.from_bytes(os.urandom(32), "big")
        if 0 < k < N:
            return k


async def key_pair():
    """A new key pair from the system's random source: (private scalar d, public key bytes)."""
    d = _scalar()
    x, y = _affine(await _combine(d, (GX, GY, 1), 0, (1, 1, 0)))
    return d, encode(x, y)


async def sign(d, digest):
    """An ECDSA signature (r, s) of the SHA-256 `digest` with private scalar `d`."""
    e = int.from_bytes(digest, "big")
    while True:
        k = _scalar()
        x, _ = _affine(await _combine(k, (GX, GY, 1), 0, (1, 1, 0)))
        r = x % N
        if not r:
            continue
        s = pow(k, N - 2, N) * (e + r * d) % N
        if s:
            return r, s
