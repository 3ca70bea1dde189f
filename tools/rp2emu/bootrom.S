/* The emulated RP2040's boot ROM: the header the pico-sdk reads (rp2040 datasheet 2.8.3),
 * the reset path into flash, and the two entry points that need assembly. Everything else
 * is in bootrom.c. Our own code: the real ROM is Raspberry Pi's and is not ours to ship.
 *
 *   0x00  initial SP          0x10  'M' 'u' 0x01 version   0x16  data table (u16)
 *   0x04  reset handler       0x14  function table (u16)   0x18  table lookup fn (u16)
 */
    .syntax unified
    .cpu cortex-m0plus
    .thumb

    .section .header, "ax"
    .word 0x20042000            /* top of SRAM: the stack until the image sets its own */
    .word rom_reset + 1
    .word rom_fault + 1         /* NMI */
    .word rom_fault + 1         /* HardFault */
    .byte 'M', 'u', 0x01
    .byte 3                     /* ROM version 3 (B2): the SDK takes every table entry */
    .hword rom_func_table
    .hword rom_data_table
    .hword rom_table_lookup + 1
    .hword 0

    .text
/* Reset: what the real ROM does after it has run the flash's boot2 -- point VTOR at the
 * image's vector table (0x10000100, right after the 256-byte boot2), take its SP and reset
 * vector. The emulated flash reads without any SSI set-up, so boot2 itself is not needed
 * here (the SDK still runs its copy of it after each flash write; that is harmless). */
    .thumb_func
    .global rom_reset
rom_reset:
    ldr r0, =0x10000100
    ldr r1, =0xe000ed08         /* VTOR */
    str r0, [r1]
    ldr r1, [r0]
    msr msp, r1
    ldr r1, [r0, #4]
    bx r1

/* A fault or a call the ROM does not provide: stop the emulator where it happened
 * (BKPT 0xfa reaches the harness, which reports the PC and LR). */
    .thumb_func
    .global rom_fault
rom_fault:
    bkpt #0xfa
    b rom_fault

    .thumb_func
    .global rom_missing
rom_missing:
    bkpt #0xfb
    b rom_missing

/* reset_to_usb_boot: there is no USB mass-storage boot to go to; BKPT 0xbb tells the
 * harness (machine.bootloader() was called). */
    .thumb_func
    .global rom_reset_usb_boot
rom_reset_usb_boot:
    bkpt #0xbb
    b rom_reset_usb_boot


/* The lookup tables: (two-letter code, 16-bit address) pairs, 0-terminated. A function's
 * address carries the Thumb bit (+1); a data table's does not. */
    .section .rodata.tables, "a"
    .balign 2
#define CODE(a, b) ((a) | ((b) << 8))
    .global rom_func_table
rom_func_table:
    .hword CODE('P','3'), popcount32 + 1, CODE('R','3'), reverse32 + 1
    .hword CODE('L','3'), clz32 + 1, CODE('T','3'), ctz32 + 1
    .hword CODE('M','S'), rom_memset + 1, CODE('S','4'), rom_memset4 + 1
    .hword CODE('M','C'), rom_memcpy + 1, CODE('C','4'), rom_memcpy44 + 1
    .hword CODE('I','F'), flash_noop + 1, CODE('E','X'), flash_noop + 1
    .hword CODE('R','E'), flash_range_erase + 1, CODE('R','P'), flash_range_program + 1
    .hword CODE('F','C'), flash_noop + 1, CODE('C','X'), flash_noop + 1
    .hword CODE('U','B'), rom_reset_usb_boot + 1
    .hword 0, 0
    .global rom_data_table
rom_data_table:
    .hword CODE('S','F'), rom_sf_table + 4, CODE('S','D'), rom_sd_table + 4
    .hword 0, 0
