"""A simulated MFRC522 on a simulated SPI bus, with ISO 14443-A cards in its field.

Models what the driver relies on: the SPI register protocol framed by chip select, the FIFO,
the Transceive command started by BitFramingReg.StartSend, ComIrqReg (RxIRq on an answer,
TimerIRq when no card answers), ErrorReg.CollErr when two cards answer differently, and the
card side of ISO 14443-3: REQA/WUPA, anticollision and SELECT per cascade level with BCC and
CRC_A, HLTA; a card removed from the field forgets its HALT state.
"""
import machine

SEL = (0x93, 0x95, 0x97)


def crc_a(data):
    crc = 0x6363
    for x in data:
        b = (x ^ crc) & 0xFF
        b = (b ^ (b << 4)) & 0xFF
        crc = (crc >> 8) ^ (b << 8) ^ (b << 3) ^ (b >> 4)
    return bytes((crc & 0xFF, crc >> 8))


class Card:
    def __init__(self, uid, sak=0x08, bad_bcc=False):
        assert len(uid) in (4, 7, 10)
        self.uid = bytes(uid)
        self.sak = sak
        self.bad_bcc = bad_bcc
        self.state = "IDLE"
        self.level = 0

    def parts(self):
        u = self.uid
        if len(u) == 4:
            return [u]
        if len(u) == 7:
            return [b"\x88" + u[0:3], u[3:7]]
        return [b"\x88" + u[0:3], b"\x88" + u[3:6], u[6:10]]

    def receive(self, frame, bits):
        if bits == 7 and len(frame) == 1:
            if (frame[0] == 0x26 and self.state == "IDLE") or (
                    frame[0] == 0x52 and self.state in ("IDLE", "HALT")):
                self.state = "READY"
                self.level = 0
                return bytes((0x04 if len(self.uid) == 4 else 0x44, 0x00))
            return None
        if bits:
            return None
        if frame[0] in SEL and self.state == "READY" and len(frame) >= 2:
            lvl = SEL.index(frame[0])
            if lvl != self.level:
                return None
            part = self.parts()[lvl]
            if frame[1] == 0x20 and len(frame) == 2:
                bcc = part[0] ^ part[1] ^ part[2] ^ part[3]
                return part + bytes((bcc ^ (1 if self.bad_bcc else 0),))
            if (frame[1] == 0x70 and len(frame) == 9 and crc_a(frame[:7]) == frame[7:9]
                    and frame[2:6] == part):
                if lvl < len(self.parts()) - 1:
                    self.level = lvl + 1
                    sak = 0x04
                else:
                    self.state = "ACTIVE"
                    sak = self.sak & ~0x04
                return bytes((sak,)) + crc_a(bytes((sak,)))
            return None
        if frame[0] == 0x50 and len(frame) == 4 and frame[1] == 0 and crc_a(frame[:2]) == frame[2:]:
            if self.state == "ACTIVE":
                self.state = "HALT"
            return None
        return None


class MFRC522Sim:
    """Attach to SPI bus ``bus`` with chip select on pin ``cs``."""

    def __init__(self, bus, cs, version=0x92):
        self.regs = bytearray(64)
        self.regs[0x37] = version
        self.fifo = bytearray()
        self.cards = []
        self.frames = []  # every frame sent to the field (for tests)
        self._selected = False
        self._addr = None
        machine.spi_device(bus, self)
        machine.pin(cs).listeners.append(self._cs)

    # -- the field -------------------------------------------------------------------------------
    def present(self, card):
        card.state = "IDLE"
        self.cards.append(card)

    def remove(self, card):
        self.cards.remove(card)
        card.state = "IDLE"

    # -- SPI ------------------------------------------------------------------------------------
    def _cs(self, level):
        self._selected = not level
        self._addr = None

    def xfer(self, b):
        if not self._selected:
            return 0xFF
        if self._addr is None:
            self._addr = b
            return 0
        reg = (self._addr >> 1) & 0x3F
        if self._addr & 0x80:
            return self._reg_read(reg)
        self._reg_write(reg, b)
        return 0

    def _reg_read(self, reg):
        if reg == 0x09:
            if not self.fifo:
                return 0
            v = self.fifo[0]
            self.fifo = self.fifo[1:]
            return v
        if reg == 0x0A:
            return len(self.fifo)
        return self.regs[reg]

    def _reg_write(self, reg, v):
        if reg == 0x01:
            self.regs[1] = v & 0x0F
            if v & 0x0F == 0x0F:  # SoftReset
                version = self.regs[0x37]
                self.regs = bytearray(64)
                self.regs[0x37] = version
                self.fifo = bytearray()
        elif reg == 0x04:  # ComIrqReg: Set1 bit says set or clear the marked bits
            if v & 0x80:
                self.regs[4] |= v & 0x7F
            else:
                self.regs[4] &= ~v & 0x7F
        elif reg == 0x09:
            self.fifo.append(v)
        elif reg == 0x0A:
            if v & 0x80:
                self.fifo = bytearray()
        elif reg == 0x0D:
            self.regs[0x0D] = v & 0x7F
            if v & 0x80 and self.regs[1] == 0x0C:
                self._transceive(v & 0x07)
        else:
            self.regs[reg] = v

    def _transceive(self, bits):
        frame = bytes(self.fifo)
        self.fifo = bytearray()
        self.frames.append((frame, bits))
        self.regs[0x06] = 0
        if not self.regs[0x14] & 0x03:  # antenna off: no card powered
            answers = []
        else:
            answers = [a for a in (c.receive(frame, bits) for c in self.cards) if a is not None]
        if not answers:
            self.regs[4] |= 0x01  # TimerIRq: nobody answered
            return
        if any(a != answers[0] for a in answers):
            self.regs[0x06] |= 0x08  # CollErr
        self.fifo = bytearray(answers[0])
        self.regs[4] |= 0x30  # RxIRq | IdleIRq
