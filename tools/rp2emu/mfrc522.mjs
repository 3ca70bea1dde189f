// An MFRC522 card reader on an emulated SPI bus, with ISO 14443-A cards in its field: the
// device end of boards/common/mfrc522.py, for the RP2040 emulator (emulator.mjs).
//
// The reader (NXP MFRC522 datasheet): an SPI frame is framed by chip select (low); its first
// byte is the address, 1AAAAAA0 to read and 0AAAAAA0 to write, the next the data (a read
// answers it in the same transfer). Modelled: the FIFO (FIFODataReg, FIFOLevelReg with
// FlushBuffer), CommandReg (SoftReset, Idle, Transceive), BitFramingReg.StartSend with
// TxLastBits, ComIrqReg (Set1 semantics; RxIRq + IdleIRq on an answer, TimerIRq when no card
// answers), ErrorReg.CollErr when two cards answer differently, VersionReg. Everything else
// is a plain register. An exchange completes at once (a real one takes about 1 ms, and the
// reader's timer 25 ms on silence).
//
// The cards (ISO 14443-3): REQA (7 bits) wakes an IDLE card, WUPA also a HALTed one, with
// ATQA; per cascade level ANTICOLLISION (NVB 0x20) answers the UID part + BCC, SELECT (NVB 0x70,
// CRC_A) answers SAK (bit 2: UID not complete); HLTA halts an ACTIVE card; a card taken out of
// the field forgets that it was halted.

const SEL = [0x93, 0x95, 0x97];
const CT = 0x88; // cascade tag

export function crcA(bytes) {
  let crc = 0x6363;
  for (const x of bytes) {
    let b = (x ^ crc) & 0xff;
    b = (b ^ (b << 4)) & 0xff;
    crc = (crc >> 8) ^ (b << 8) ^ (b << 3) ^ (b >> 4);
  }
  return [crc & 0xff, (crc >> 8) & 0xff];
}

class Card {
  constructor(uid, sak = 0x08) {
    this.uid = uid; // array of 4, 7 or 10 bytes
    this.sak = sak;
    this.state = 'IDLE';
    this.level = 0;
  }

  parts() {
    const u = this.uid;
    if (u.length === 4) return [u];
    if (u.length === 7) return [[CT, ...u.slice(0, 3)], u.slice(3, 7)];
    return [[CT, ...u.slice(0, 3)], [CT, ...u.slice(3, 6)], u.slice(6, 10)];
  }

  // the card's answer to a frame, or null (silence)
  receive(frame, bits) {
    if (bits === 7 && frame.length === 1) {
      const wake = (frame[0] === 0x26 && this.state === 'IDLE') ||
        (frame[0] === 0x52 && (this.state === 'IDLE' || this.state === 'HALT'));
      if (!wake) return null;
      this.state = 'READY';
      this.level = 0;
      return [this.uid.length === 4 ? 0x04 : 0x44, 0x00];
    }
    if (bits) return null;
    const level = SEL.indexOf(frame[0]);
    if (level >= 0 && this.state === 'READY' && frame.length >= 2 && level === this.level) {
      const part = this.parts()[level];
      if (frame[1] === 0x20 && frame.length === 2) {
        return [...part, part[0] ^ part[1] ^ part[2] ^ part[3]];
      }
      const crc = crcA(frame.slice(0, 7));
      if (frame[1] === 0x70 && frame.length === 9 && crc[0] === frame[7] &&
          crc[1] === frame[8] && part.every((b, i) => frame[2 + i] === b)) {
        let sak;
        if (level < this.parts().length - 1) {
          this.level = level + 1;
          sak = 0x04;
        } else {
          this.state = 'ACTIVE';
          sak = this.sak & ~0x04;
        }
        return [sak, ...crcA([sak])];
      }
      return null;
    }
    if (frame[0] === 0x50 && frame.length === 4 && frame[1] === 0) {
      const crc = crcA(frame.slice(0, 2));
      if (crc[0] === frame[2] && crc[1] === frame[3] && this.state === 'ACTIVE') {
        this.state = 'HALT';
      }
    }
    return null;
  }
}

export class Mfrc522 {
  constructor(version = 0x92) {
    this.version = version;
    this.cards = [];
    this.frames = 0; // frames sent to the field
    this.reset();
    this.selected = false;
    this.addr = null;
  }

  reset() {
    this.regs = new Uint8Array(64);
    this.regs[0x37] = this.version;
    this.fifo = [];
  }

  present(uid) {
    const card = new Card(uid);
    this.cards.push(card);
    return card;
  }

  removeAll() {
    this.cards = [];
  }

  // chip select: low starts a frame
  select(low) {
    this.selected = low;
    this.addr = null;
  }

  // one SPI byte in, the byte shifted out in the same transfer
  transfer(b) {
    if (!this.selected) return 0xff;
    if (this.addr === null) {
      this.addr = b;
      return 0;
    }
    const reg = (this.addr >> 1) & 0x3f;
    if (this.addr & 0x80) return this.read(reg);
    this.write(reg, b);
    return 0;
  }

  read(reg) {
    if (reg === 0x09) return this.fifo.length ? this.fifo.shift() : 0;
    if (reg === 0x0a) return this.fifo.length;
    return this.regs[reg];
  }

  write(reg, v) {
    const r = this.regs;
    switch (reg) {
      case 0x01: // CommandReg
        if ((v & 0x0f) === 0x0f) {
          this.reset(); // SoftReset: back to Idle, PowerDown clear
        } else {
          r[1] = v & 0x0f;
        }
        return;
      case 0x04: // ComIrqReg: Set1 (bit 7) says whether the marked bits are set or cleared
        r[4] = v & 0x80 ? r[4] | (v & 0x7f) : r[4] & ~v & 0x7f;
        return;
      case 0x09:
        this.fifo.push(v);
        return;
      case 0x0a:
        if (v & 0x80) this.fifo = []; // FlushBuffer
        return;
      case 0x0d: // BitFramingReg
        r[0x0d] = v;
        if (v & 0x80 && r[1] === 0x0c) this.transceive(v & 0x07);
        return;
      default:
        r[reg] = v;
    }
  }

  transceive(bits) {
    const frame = this.fifo;
    this.fifo = [];
    this.frames++;
    const answers = this.cards.map((c) => c.receive(frame, bits)).filter((a) => a !== null);
    const r = this.regs;
    r[0x06] = 0; // ErrorReg
    if (!answers.length) {
      r[4] |= 0x01; // TimerIRq: nobody answered before the timer ran out
      return;
    }
    const first = answers[0];
    if (answers.some((a) => a.length !== first.length || a.some((x, i) => x !== first[i]))) {
      r[0x06] |= 0x08; // CollErr
    }
    this.fifo = [...first];
    r[4] |= 0x30; // RxIRq | IdleIRq
  }
}
