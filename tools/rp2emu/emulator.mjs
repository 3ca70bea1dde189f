// An emulated RP2040 (rp2040js) running a MicroPython image, driven over stdin/stdout by
// host_tests/rp2emu.py: one JSON request per line in, one JSON answer per line out.
//
//   node emulator.mjs --rom build/rp2emu/bootrom.bin --image firmware.bin
//
// Time is emulated: the clock advances with the instructions the core executes, at clk_sys
// (125 MHz as MicroPython sets it), and jumps ahead while the core sleeps in WFI/WFE. Nothing
// here depends on host time, so a run is the same every time.
//
// Requests ({"op": ...}; every answer carries "t_us", the emulated time):
//   run      {us, until?}      advance up to `us`; stop early once the serial output seen
//                              during this request contains `until` (a string)
//   write    {data}            bytes (latin-1 string) to the USB CDC serial port
//   read     {}                the serial output not yet read (latin-1 string)
//   gpio     {pins?}           each pin's level as the pad sees it: 1, 0, or null (an input)
//   drive    {pin, level}      drive an input pin (level 0/1; null releases it)
//   pulses   {pin, count, period_us, width_us, level?}  a pulse train starting now
//   adc      {channel, volts}  a steady voltage on an ADC channel (0-3: GP26-29)
//   adc_pwm  {channel, pin, high, low}  ADC counts (0..65535 scale) that follow a pin: `high`
//                              while the pin is high, `low` while low (the pilot: the EV's
//                              load on the two levels of the PWM, computed by the tests)
//   pwm      {slice}           top, div, cc, csr, enabled, freq_hz and each channel's duty
//   mirror   {from, to, invert?} input `to` follows output `from` (a contactor's auxiliary
//                              contact, an RCD module's test winding); `to` null: stop
//   mfrc522  {spi, cs}          an MFRC522 card reader on SPI `spi` with chip select `cs`
//                              (mfrc522.mjs; kept across resets)
//   card     {uid}             a card (UID hex) into the reader's field; uid null: none
//   edges    {pins}            start recording level changes of these pins
//   take_edges {}              the recorded changes [t_us, pin, level] since the last take
//   events   {}                resets and breakpoints so far
//   flash    {offset, length}  bytes of the flash (hex)
//   quit     {}
// A watchdog timeout or machine.reset() restarts the chip as a reset would: a new core and
// peripherals, the same flash (image and filesystem), the watchdog's reason register set.
import { readFileSync } from 'fs';
import { createInterface } from 'readline';
import { RP2040, USBCDC, GPIOPinState, ConsoleLogger, LogLevel } from 'rp2040js';
import { Mfrc522 } from './mfrc522.mjs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const rom = readFileSync(args.rom);
const image = readFileSync(args.image);
const FLASH_SIZE = 2 * 1024 * 1024; // the Pico's W25Q16JV

let mcu = null;
let cdc = null;
let serialIn = []; // bytes waiting for room in the CDC's FIFO
let serialOut = ''; // output not yet read
let requestOut = ''; // output seen during the current run request
const events = [];
const adcFollow = new Map(); // channel -> {pin, high, low}
const adcSteady = new Map(); // channel -> raw 12-bit value
const drives = new Map(); // pin -> level driven by the tests (kept across a reset)
const mirrors = new Map(); // output pin -> {to, invert}
let reader = null; // {model: Mfrc522, spi, cs}
let watched = new Set();
let edgeLog = [];
let flash = null; // carried across resets
let resetReason = 0;
let pendingReset = null;

function nowUs() {
  return mcu.clock.nanos / 1000;
}

function boot() {
  const next = new RP2040();
  next.logger = new ConsoleLogger(LogLevel.Error);
  next.loadBootrom(new Uint32Array(rom.buffer, rom.byteOffset, rom.length >> 2));
  if (flash === null) {
    next.flash.fill(0xff);
    next.flash.set(image, 0);
  } else {
    next.flash.set(flash.subarray(0, FLASH_SIZE), 0);
  }
  if (mcu !== null) {
    // the new chip's clock starts where the old one stopped: time keeps running
    next.clock.nanosCounter = mcu.clock.nanos;
  }
  mcu = next;
  flash = mcu.flash;
  const wdt = mcu.peripherals[0x40058];
  wdt.reason = resetReason;
  wdt.onWatchdogTrigger = () => {
    // once per chip: rp2040js's counter stays at 0 after it fires and would fire again at
    // once, for ever; the chip is replaced before it runs another instruction anyway
    wdt.alarm.enable = false;
    wdt.timer.enable = false;
    if (pendingReset) return;
    const why = wdt.reason & 1 ? 'watchdog' : 'force';
    events.push({ t_us: nowUs(), event: 'reset', reason: why });
    resetReason = wdt.reason;
    pendingReset = why;
  };
  mcu.onBreak = (code) => {
    const core = mcu.core;
    events.push({
      t_us: nowUs(), event: 'break', code,
      pc: core.PC >>> 0, lr: core.LR >>> 0,
    });
    halted = true;
  };
  mcu.adc.onADCRead = (channel) => {
    let raw = adcSteady.get(channel) ?? 0;
    const follow = adcFollow.get(channel);
    if (follow) {
      const counts = mcu.gpio[follow.pin].value === GPIOPinState.High ? follow.high : follow.low;
      raw = Math.round((counts * 4095) / 65535);
    }
    mcu.adc.currentChannel = channel;
    const alarm = mcu.clock.createAlarm(() => mcu.adc.completeADCRead(raw, false));
    alarm.schedule(mcu.adc.sampleTime * 1000);
  };
  for (const [pin, level] of drives) {
    mcu.gpio[pin].setInputValue(!!level);
  }
  for (let pin = 0; pin < mcu.gpio.length; pin++) {
    mcu.gpio[pin].addListener((state) => {
      const level = state === GPIOPinState.High ? 1 : 0;
      if (watched.has(pin)) {
        edgeLog.push([nowUs(), pin, level]);
      }
      const m = mirrors.get(pin);
      if (m) {
        drive(m.to, level ^ m.invert);
      }
      if (reader && pin === reader.cs) {
        reader.model.select(level === 0);
      }
    });
  }
  if (reader) attachReader();
  cdc = new USBCDC(mcu.usbCtrl);
  cdc.onSerialData = (buffer) => {
    const text = Buffer.from(buffer).toString('latin1');
    serialOut += text;
    requestOut += text;
  };
  halted = false;
  mcu.core.PC = 0x0; // through the ROM's reset handler
  mcu.core.reset();
}

let halted = false;

function feedSerial() {
  const fifo = cdc.txFIFO;
  while (serialIn.length && fifo.itemCount < fifo.size) {
    cdc.sendSerialByte(serialIn.shift());
  }
}

function run(us, until) {
  const target = mcu.clock.nanos + us * 1000;
  let n = 0;
  while (mcu.clock.nanos < target) {
    if (pendingReset) {
      pendingReset = null;
      boot();
      continue;
    }
    if (halted) {
      mcu.clock.tick(target - mcu.clock.nanos);
      break;
    }
    const core = mcu.core;
    if (core.waiting) {
      const step = mcu.clock.nanosToNextAlarm;
      const left = target - mcu.clock.nanos;
      mcu.clock.tick(step > 0 && step < left ? step : left);
    } else {
      const cycles = core.executeInstruction();
      mcu.clock.tick((cycles * 1e9) / mcu.clkSys);
    }
    if (++n >= 4096) {
      n = 0;
      feedSerial();
      if (until && requestOut.includes(until)) {
        break;
      }
    }
  }
  feedSerial();
}

function pwmState(index) {
  const ch = mcu.pwm.channels[index];
  const top = ch.top;
  const divInt = (ch.div >> 4) & 0xff || 256;
  const div = divInt + (ch.div & 0xf) / 16;
  const phaseCorrect = !!(ch.csr & 2);
  const period = (top + 1) * (phaseCorrect ? 2 : 1) * div;
  const ccA = ch.cc & 0xffff;
  const ccB = ch.cc >>> 16;
  return {
    top, div, cc: ch.cc >>> 0, csr: ch.csr, enabled: !!(ch.csr & 1),
    freq_hz: mcu.clkSys / period,
    duty_a: Math.min(ccA, top + 1) / (top + 1),
    duty_b: Math.min(ccB, top + 1) / (top + 1),
    invert_a: !!(ch.csr & 4), invert_b: !!(ch.csr & 8),
  };
}

function attachReader() {
  const spi = mcu.spi[reader.spi];
  spi.onTransmit = (value) => spi.completeTransmit(reader.model.transfer(value));
}

function drive(pin, level) {
  drives.set(pin, level);
  mcu.gpio[pin].setInputValue(!!level);
}

function pinLevel(pin) {
  const p = mcu.gpio[pin];
  if (!p.outputEnable) return null;
  return p.outputValue ? 1 : 0;
}

function pulses({ pin, count, period_us, width_us, level = 1 }) {
  const idle = level ? 0 : 1;
  const start = mcu;
  let left = count;
  const pulse = () => {
    if (mcu !== start || left <= 0) return; // a reset ends the train
    left--;
    drive(pin, level);
    mcu.clock.createAlarm(() => {
      if (mcu === start) drive(pin, idle);
    }).schedule(width_us * 1000);
    if (left > 0) mcu.clock.createAlarm(pulse).schedule(period_us * 1000);
  };
  drive(pin, idle);
  pulse();
}

function handle(req) {
  switch (req.op) {
    case 'run':
      requestOut = '';
      run(req.us, req.until);
      return { found: req.until ? requestOut.includes(req.until) : undefined };
    case 'write':
      for (const ch of Buffer.from(req.data, 'latin1')) serialIn.push(ch);
      feedSerial();
      return {};
    case 'read': {
      const out = serialOut;
      serialOut = '';
      return { data: out };
    }
    case 'gpio': {
      const pins = req.pins ?? [...Array(30).keys()];
      return { levels: Object.fromEntries(pins.map((p) => [p, pinLevel(p)])) };
    }
    case 'drive':
      if (req.level === null) {
        drives.delete(req.pin);
        mcu.gpio[req.pin].setInputValue(false);
      } else {
        drive(req.pin, req.level ? 1 : 0);
      }
      return {};
    case 'mirror': {
      const from = req.from;
      if (req.to === null) {
        mirrors.delete(from);
      } else {
        mirrors.set(from, { to: req.to, invert: req.invert ? 1 : 0 });
        drive(req.to, (pinLevel(from) ?? 0) ^ (req.invert ? 1 : 0));
      }
      return {};
    }
    case 'mfrc522':
      reader = { model: new Mfrc522(), spi: req.spi, cs: req.cs };
      attachReader();
      return {};
    case 'card':
      reader.model.removeAll();
      if (req.uid !== null) reader.model.present([...Buffer.from(req.uid, 'hex')]);
      return { frames: reader.model.frames };
    case 'pulses':
      pulses(req);
      return {};
    case 'adc':
      adcFollow.delete(req.channel);
      adcSteady.set(req.channel, Math.max(0, Math.min(4095, Math.round((req.volts / 3.3) * 4095))));
      return {};
    case 'adc_pwm':
      adcFollow.set(req.channel, { pin: req.pin, high: req.high, low: req.low });
      return {};
    case 'pwm':
      return pwmState(req.slice);
    case 'edges':
      watched = new Set(req.pins);
      edgeLog = [];
      return {};
    case 'take_edges': {
      const out = edgeLog;
      edgeLog = [];
      return { edges: out };
    }
    case 'events':
      return { events };
    case 'flash':
      return {
        hex: Buffer.from(flash.subarray(req.offset, req.offset + req.length)).toString('hex'),
      };
    case 'quit':
      process.exit(0);
    default:
      throw new Error('unknown op ' + req.op);
  }
}

boot();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let answer;
  try {
    answer = handle(JSON.parse(line));
  } catch (e) {
    answer = { error: String(e && e.stack ? e.stack : e) };
  }
  answer.t_us = nowUs();
  process.stdout.write(JSON.stringify(answer) + '\n');
});
