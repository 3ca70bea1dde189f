"""MFRC522 card reader over SPI: ISO 14443-A card UIDs (4, 7 or 10 bytes) as idTags.

An idTag is the UID in upper-case hex, byte 0 first ("04A2B3C4D5E680"), the form most
central systems and card-printing tools use. Only the UID is read (no authentication, no
sector data): a UID can be cloned, so treat it as an identifier, not a secret.

SPI frame (MFRC522 datasheet 8.1.2): address byte ``0AAAAAA0`` to write, ``1AAAAAA0`` to read,
then the data byte. One card in the field at a time: a collision is reported as no card.

Polling (CardReader) asks with REQA; a card that answered is put to sleep (HLTA) so it is
reported once per presentation; it answers again after leaving and re-entering the field.
"""
import asyncio
from binascii import hexlify

from micropython import const

# registers
_COMMAND = const(0x01)
_COM_IRQ = const(0x04)
_ERROR = const(0x06)
_FIFO_DATA = const(0x09)
_FIFO_LEVEL = const(0x0A)
_CONTROL = const(0x0C)
_BIT_FRAMING = const(0x0D)
_COLL = const(0x0E)
_MODE = const(0x11)
_TX_CONTROL = const(0x14)
_TX_ASK = const(0x15)
_T_MODE = const(0x2A)
_T_PRESCALER = const(0x2B)
_T_RELOAD_H = const(0x2C)
_T_RELOAD_L = const(0x2D)
_VERSION = const(0x37)
# commands
_IDLE = const(0x00)
_TRANSCEIVE = const(0x0C)
_SOFT_RESET = const(0x0F)
# ISO 14443-3 type A
_REQA = const(0x26)
_HLTA = const(0x50)
_SEL = (0x93, 0x95, 0x97)  # cascade levels 1..3
_CT = const(0x88)  # cascade tag: more UID bytes follow at the next level


def crc_a(data, n=None):
    """ISO 14443-3 CRC_A (preset 0x6363, reflected 0x8408) of data[:n] -> (low, high)."""
    crc = 0x6363
    for i in range(len(data) if n is None else n):
        b = (data[i] ^ crc) & 0xFF
        b = (b ^ (b << 4)) & 0xFF
        crc = (crc >> 8) ^ (b << 8) ^ (b << 3) ^ (b >> 4)
    return crc & 0xFF, crc >> 8


class MFRC522:
    """``spi`` a machine.SPI (mode 0, up to 10 MHz), ``cs`` chip select Pin (active low),
    ``rst`` optional reset Pin (NRSTPD, active low)."""

    def __init__(self, spi, cs, rst=None):
        self._spi = spi
        self._cs = cs
        cs.value(1)
        self._rst = rst
        self._tx = bytearray(2)
        self._rx = bytearray(2)
        self._frame = bytearray(9)  # SEL NVB uid0..3 BCC CRC CRC
        self.init()

    # -- register access ------------------------------------------------------------------------
    def _write(self, reg, val):
        self._tx[0] = (reg << 1) & 0x7E
        self._tx[1] = val
        self._cs.value(0)
        self._spi.write(self._tx)
        self._cs.value(1)

    def _read(self, reg):
        self._tx[0] = ((reg << 1) & 0x7E) | 0x80
        self._tx[1] = 0
        self._cs.value(0)
        self._spi.write_readinto(self._tx, self._rx)
        self._cs.value(1)
        return self._rx[1]

    def _set(self, reg, mask):
        self._write(reg, self._read(reg) | mask)

    def _clear(self, reg, mask):
        self._write(reg, self._read(reg) & ~mask)

    # -- set-up ---------------------------------------------------------------------------------
    def init(self):
        if self._rst is not None:
            self._rst.value(1)
        self._write(_COMMAND, _SOFT_RESET)
        for _ in range(100):  # the oscillator restarts; PowerDown clears when ready
            if not self._read(_COMMAND) & 0x10:
                break
        self._write(_T_MODE, 0x8D)  # timer starts after each transmission (no-answer timeout)
        self._write(_T_PRESCALER, 0x3E)  # with TReload 30: about 25 ms
        self._write(_T_RELOAD_H, 0)
        self._write(_T_RELOAD_L, 30)
        self._write(_TX_ASK, 0x40)  # 100 % ASK modulation
        self._write(_MODE, 0x3D)  # CRC preset 0x6363 (ISO 14443-3)
        self._set(_TX_CONTROL, 0x03)  # antenna drivers TX1 and TX2 on

    def version(self):
        """VersionReg: 0x91 (v1.0), 0x92 (v2.0); clones answer 0x88, 0xB2; 0/0xFF = no chip."""
        return self._read(_VERSION)

    # -- exchange ---------------------------------------------------------------------------------
    def _transceive(self, data, n, tx_bits=0):
        """Send data[:n] (the last byte ``tx_bits`` long, 0 = 8); answer bytes or None."""
        self._write(_COMMAND, _IDLE)
        self._write(_COM_IRQ, 0x7F)  # clear the interrupt request bits
        self._write(_FIFO_LEVEL, 0x80)  # flush the FIFO
        for i in range(n):
            self._write(_FIFO_DATA, data[i])
        self._write(_COMMAND, _TRANSCEIVE)
        self._write(_BIT_FRAMING, 0x80 | tx_bits)  # StartSend
        irq = 0
        for _ in range(2000):
            irq = self._read(_COM_IRQ)
            if irq & 0x31:  # RxIRq, IdleIRq or TimerIRq
                break
        self._clear(_BIT_FRAMING, 0x80)
        if not irq & 0x30 or irq & 0x01:
            return None  # no answer (timer ran out)
        if self._read(_ERROR) & 0x1B:  # buffer overflow, collision, parity, protocol
            return None
        answer = bytearray(self._read(_FIFO_LEVEL))
        for i in range(len(answer)):
            answer[i] = self._read(_FIFO_DATA)
        return answer

    def request(self):
        """REQA: True if an idle card answered (ATQA)."""
        self._frame[0] = _REQA
        atqa = self._transceive(self._frame, 1, 7)
        return atqa is not None and len(atqa) == 2

    def read_uid(self):
        """The UID (bytes) of the one idle card in the field, selected then halted; or None."""
        if not self.request():
            return None
        self._clear(_COLL, 0x80)  # bits received after a collision are cleared
        uid = bytearray()
        f = self._frame
        for sel in _SEL:
            f[0] = sel
            f[1] = 0x20  # NVB: no UID bits known, the card sends all of its part
            part = self._transceive(f, 2)
            if part is None or len(part) != 5 or part[0] ^ part[1] ^ part[2] ^ part[3] != part[4]:
                return None
            f[1] = 0x70  # NVB: 7 bytes follow: SELECT
            for i in range(5):
                f[2 + i] = part[i]
            f[7], f[8] = crc_a(f, 7)
            sak = self._transceive(f, 9)
            if sak is None or len(sak) != 3 or crc_a(sak, 1) != (sak[1], sak[2]):
                return None
            if sak[0] & 0x04:  # UID not complete: the first byte was the cascade tag
                if part[0] != _CT:
                    return None
                uid.extend(part[1:4])
                continue
            uid.extend(part[0:4])
            self.halt()
            return bytes(uid)
        return None

    def halt(self):
        """HLTA: the card sleeps until it leaves the field (or a WUPA)."""
        f = self._frame
        f[0] = _HLTA
        f[1] = 0
        f[2], f[3] = crc_a(f, 2)
        self._transceive(f, 4)  # a halted card does not answer


def id_tag(uid):
    """UID bytes -> idTag: upper-case hex, byte 0 first."""
    return hexlify(uid).decode().upper()


class CardReader:
    """Polls the reader every ``period_ms`` and calls ``on_card(id_tag)`` once per card
    presentation. ``on_card`` is looked up at each read, so it may be set later."""

    def __init__(self, reader, get_callback, period_ms=250, log=print):
        self.reader = reader
        self._get_cb = get_callback
        self.period_ms = period_ms
        self.log = log
        self.reads = 0

    def poll(self):
        """One poll: the idTag read (and reported), or None."""
        try:
            uid = self.reader.read_uid()
        except OSError as e:  # a loose SPI wire must not stop the charger
            self.log("card reader: %r" % e)
            return None
        if uid is None:
            return None
        tag = id_tag(uid)
        self.reads += 1
        cb = self._get_cb()
        if cb is not None:
            cb(tag)
        return tag

    async def run(self):
        while True:
            self.poll()
            await asyncio.sleep_ms(self.period_ms)
