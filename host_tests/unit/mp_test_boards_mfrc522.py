# The MFRC522 driver (boards/common/mfrc522.py) against a simulated reader chip on a simulated
# SPI bus, with ISO 14443-A cards in its field (host_tests/unit/fake_machine/mfrc522_sim.py).
import sys

_UNIT = [p for p in sys.path if p.endswith("host_tests/unit")][0]
sys.path.insert(0, _UNIT + "/fake_machine")
sys.path.insert(0, _UNIT[:-len("host_tests/unit")] + "boards/common")

import machine
from mfrc522 import MFRC522, CardReader, crc_a, id_tag
from mfrc522_sim import Card, MFRC522Sim

CS = 5
BUS = 1


def make():
    machine.reset_world()
    chip = MFRC522Sim(BUS, CS)
    spi = machine.SPI(BUS, baudrate=1000000, sck=machine.Pin(18), mosi=machine.Pin(23),
                      miso=machine.Pin(19))
    reader = MFRC522(spi, machine.Pin(CS, machine.Pin.OUT, value=1))
    return chip, reader


def test_crc_a_of_the_halt_command_is_57_cd():
    assert crc_a(b"\x50\x00") == (0x57, 0xCD)  # ISO 14443-3 HLTA frame: 50 00 57 CD


def test_init_turns_the_antenna_on_and_version_reads_back():
    chip, reader = make()
    assert chip.regs[0x14] & 0x03 == 0x03
    assert reader.version() == 0x92
    assert machine.pin(CS).level() == 1  # chip select released between frames


def test_no_card_in_the_field_reads_none():
    chip, reader = make()
    assert reader.read_uid() is None
    assert chip.frames[-1] == (b"\x26", 7)  # REQA is a 7-bit short frame


def test_a_four_byte_uid_becomes_an_upper_case_hex_id_tag_byte_0_first():
    chip, reader = make()
    chip.present(Card(b"\xde\xad\xbe\xef"))
    uid = reader.read_uid()
    assert uid == b"\xde\xad\xbe\xef"
    assert id_tag(uid) == "DEADBEEF"


def test_a_seven_byte_uid_is_read_over_two_cascade_levels():
    chip, reader = make()
    chip.present(Card(b"\x04\xa2\xb3\xc4\xd5\xe6\x80", sak=0x00))
    assert id_tag(reader.read_uid()) == "04A2B3C4D5E680"
    sels = [f[0][0] for f in chip.frames if f[0][:1] in (b"\x93", b"\x95", b"\x97")]
    assert sels == [0x93, 0x93, 0x95, 0x95]  # anticollision + select at levels 1 and 2


def test_a_ten_byte_uid_is_read_over_three_cascade_levels():
    chip, reader = make()
    chip.present(Card(bytes(range(1, 11))))
    assert id_tag(reader.read_uid()) == "0102030405060708090A"


def test_a_card_is_read_once_per_presentation():
    chip, reader = make()
    card = Card(b"\x11\x22\x33\x44")
    chip.present(card)
    assert reader.read_uid() == b"\x11\x22\x33\x44"
    assert card.state == "HALT"
    assert reader.read_uid() is None  # still in the field, but asleep
    chip.remove(card)
    chip.present(card)
    assert reader.read_uid() == b"\x11\x22\x33\x44"


def test_a_bad_check_byte_is_rejected():
    chip, reader = make()
    chip.present(Card(b"\x11\x22\x33\x44", bad_bcc=True))
    assert reader.read_uid() is None


def test_two_cards_at_once_are_a_collision_not_a_mixed_uid():
    chip, reader = make()
    chip.present(Card(b"\x11\x22\x33\x44"))
    chip.present(Card(b"\x55\x66\x77\x88"))
    assert reader.read_uid() is None


def test_card_reader_calls_on_card_looked_up_at_read_time():
    chip, reader = make()
    got = []
    holder = {"cb": None}
    poller = CardReader(reader, lambda: holder["cb"], log=lambda m: None)
    chip.present(Card(b"\x01\x02\x03\x04"))
    assert poller.poll() == "01020304"  # read with no callback set yet: not an error
    holder["cb"] = got.append
    card = Card(b"\xa0\xb1\xc2\xd3")
    chip.cards.clear()
    chip.present(card)
    assert poller.poll() == "A0B1C2D3"
    assert poller.poll() is None
    assert got == ["A0B1C2D3"]


def test_a_dead_spi_bus_is_logged_not_raised():
    chip, reader = make()
    machine.reset_world()  # the chip is gone from the bus
    logs = []
    poller = CardReader(reader, lambda: None, log=logs.append)
    assert poller.poll() is None
    assert logs and "card reader" in logs[0]
