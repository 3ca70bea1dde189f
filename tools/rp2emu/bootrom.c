/* The emulated RP2040's boot ROM, the C part: the table lookup, and the functions the
 * pico-sdk looks up by two-letter code (rp2040 datasheet 2.8.3). MicroPython's rp2 port
 * needs:
 *   bits   P3 popcount32, R3 reverse32, L3 clz32, T3 ctz32
 *   memory MS memset, S4 memset4, MC memcpy, C4 memcpy44
 *   flash  IF connect_internal_flash, EX flash_exit_xip, RE flash_range_erase,
 *          RP flash_range_program, FC flash_flush_cache, CX flash_enter_cmd_xip
 *   data   SF, SD: the single- and double-precision tables (float_aeabi_rp2040.S calls
 *          through them for fsub/fmul/fdiv, the conversions, sqrt, ...)
 * Flash is erased and programmed by writing the XIP window: rp2040js keeps the flash as an
 * array behind it and accepts bus writes, while its SSI models no program or erase command.
 * Programming ANDs (NOR flash only clears bits), so a write over unerased flash shows up as
 * it would on the chip. Arithmetic comes from libgcc's soft float (correctly rounded, as the
 * ROM's is) and the transcendental functions from newlib's libm: the same results as the
 * real ROM, not the same cycle counts (the real ROM's routines are hand-written; these are
 * slower, which makes the float figures measured on the emulator an upper bound).
 */
#include <stdint.h>
#include <stddef.h>
#include <math.h>

float __ieee754_sqrtf(float);
double __ieee754_sqrt(double);

#define CODE(a, b) ((a) | ((b) << 8))
#define XIP_BASE 0x10000000u

/* -------- bits -------- */
uint32_t popcount32(uint32_t v) {
    v = v - ((v >> 1) & 0x55555555u);
    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
    v = (v + (v >> 4)) & 0x0f0f0f0fu;
    return (v * 0x01010101u) >> 24;
}

uint32_t reverse32(uint32_t v) {
    v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
    v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
    v = ((v >> 4) & 0x0f0f0f0fu) | ((v & 0x0f0f0f0fu) << 4);
    v = ((v >> 8) & 0x00ff00ffu) | ((v & 0x00ff00ffu) << 8);
    return (v >> 16) | (v << 16);
}

uint32_t clz32(uint32_t v) {
    uint32_t n = 0;
    if (!v) return 32;
    if (!(v & 0xffff0000u)) { n += 16; v <<= 16; }
    if (!(v & 0xff000000u)) { n += 8; v <<= 8; }
    if (!(v & 0xf0000000u)) { n += 4; v <<= 4; }
    if (!(v & 0xc0000000u)) { n += 2; v <<= 2; }
    if (!(v & 0x80000000u)) { n += 1; }
    return n;
}

uint32_t ctz32(uint32_t v) {
    if (!v) return 32;
    return 31 - clz32(v & -v);
}

/* -------- memory (the SDK's __aeabi_mem* wrappers pass dest, value/src, count) -------- */
void *rom_memset(void *dest, int c, uint32_t n) {
    uint8_t *d = dest;
    while (n--) *d++ = (uint8_t)c;
    return dest;
}

void *rom_memset4(void *dest, int c, uint32_t n) {
    uint32_t *d = dest;
    uint32_t w = (uint8_t)c * 0x01010101u;
    for (; n >= 4; n -= 4) *d++ = w;
    rom_memset(d, c, n);
    return dest;
}

void *rom_memcpy(void *dest, const void *src, uint32_t n) {
    uint8_t *d = dest;
    const uint8_t *s = src;
    while (n--) *d++ = *s++;
    return dest;
}

void *rom_memcpy44(void *dest, const void *src, uint32_t n) {
    uint32_t *d = dest;
    const uint32_t *s = src;
    for (; n >= 4; n -= 4) *d++ = *s++;
    rom_memcpy(d, s, n);
    return dest;
}

/* -------- flash -------- */
void flash_noop(void) {}

void flash_range_erase(uint32_t addr, uint32_t count, uint32_t block_size,
                              uint8_t block_cmd) {
    (void)block_size; (void)block_cmd;
    /* the chip erases whole 4 KB sectors: round out as it would */
    uint32_t start = addr & ~0xfffu, end = (addr + count + 0xfffu) & ~0xfffu;
    for (volatile uint32_t *p = (uint32_t *)(XIP_BASE + start);
         p < (uint32_t *)(XIP_BASE + end); p++)
        *p = 0xffffffffu;
}

void flash_range_program(uint32_t addr, const uint8_t *data, uint32_t count) {
    volatile uint8_t *p = (uint8_t *)(XIP_BASE + addr);
    while (count--) *p = *p & *data++, p++;
}

/* -------- single precision: rounding towards -infinity and clamping, as the ROM's -------- */
static float fadd(float a, float b) { return a + b; }
static float fsub(float a, float b) { return a - b; }
static float fmul(float a, float b) { return a * b; }
static float fdiv(float a, float b) { return a / b; }
static int fcmp(float a, float b) { return a < b ? -1 : a > b ? 1 : 0; }
static float fsqrt(float a) { return __ieee754_sqrtf(a); }

/* x * 2^n, exact unless the result leaves the range (libm's ldexp would pull in errno) */
static double scale(double x, int n) {
    union { double d; uint64_t u; } p;
    while (n > 1000) { x *= 0x1p1000; n -= 1000; }
    while (n < -1000) { x *= 0x1p-1000; n += 1000; }
    p.u = (uint64_t)(n + 1023) << 52;
    return x * p.d;
}

static int32_t clamp32(double d) {
    if (d != d) return 0;
    d = floor(d);
    return d >= 2147483647.0 ? 2147483647 : d <= -2147483648.0 ? INT32_MIN : (int32_t)d;
}
static uint32_t clampu32(double d) {
    if (d != d || d <= 0) return 0;
    d = floor(d);
    return d >= 4294967295.0 ? 0xffffffffu : (uint32_t)d;
}
static int64_t clamp64(double d) {
    if (d != d) return 0;
    d = floor(d);
    return d >= 9223372036854775807.0 ? INT64_MAX : d <= -9223372036854775808.0 ? INT64_MIN
        : (int64_t)d;
}
static uint64_t clampu64(double d) {
    if (d != d || d <= 0) return 0;
    d = floor(d);
    return d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
}

static int32_t float2int(float f) { return clamp32(f); }
static int32_t float2fix(float f, int n) { return clamp32(scale(f, n)); }
static uint32_t float2uint(float f) { return clampu32(f); }
static uint32_t float2ufix(float f, int n) { return clampu32(scale(f, n)); }
static float int2float(int32_t i) { return (float)i; }
static float fix2float(int32_t i, int n) { return (float)scale((float)i, -n); }
static float uint2float(uint32_t i) { return (float)i; }
static float ufix2float(uint32_t i, int n) { return (float)scale((float)i, -n); }
static float int642float(int64_t i) { return (float)i; }
static float fix642float(int64_t i, int n) { return (float)scale((float)i, -n); }
static float uint642float(uint64_t i) { return (float)i; }
static float ufix642float(uint64_t i, int n) { return (float)scale((float)i, -n); }
static int64_t float2int64(float f) { return clamp64(f); }
static int64_t float2fix64(float f, int n) { return clamp64(scale(f, n)); }
static uint64_t float2uint64(float f) { return clampu64(f); }
static uint64_t float2ufix64(float f, int n) { return clampu64(scale(f, n)); }
static double float2double(float f) { return f; }

/* -------- double precision: the same table layout, double arguments -------- */
static double dadd(double a, double b) { return a + b; }
static double dsub(double a, double b) { return a - b; }
static double dmul(double a, double b) { return a * b; }
static double ddiv(double a, double b) { return a / b; }
static int dcmp(double a, double b) { return a < b ? -1 : a > b ? 1 : 0; }
static double dsqrt(double a) { return __ieee754_sqrt(a); }
/* floor of a double is exact; its clamp to 64 bits is exact too below 2^53, and above it
 * every double is an integer already */
static int32_t double2int(double d) { return clamp32(d); }
static int32_t double2fix(double d, int n) { return clamp32(scale(d, n)); }
static uint32_t double2uint(double d) { return clampu32(d); }
static uint32_t double2ufix(double d, int n) { return clampu32(scale(d, n)); }
static double int2double(int32_t i) { return i; }
static double fix2double(int32_t i, int n) { return scale(i, -n); }
static double uint2double(uint32_t i) { return i; }
static double ufix2double(uint32_t i, int n) { return scale(i, -n); }
static double int642double(int64_t i) { return (double)i; }
static double fix642double(int64_t i, int n) { return scale((double)i, -n); }
static double uint642double(uint64_t i) { return (double)i; }
static double ufix642double(uint64_t i, int n) { return scale((double)i, -n); }
static int64_t double2int64(double d) { return clamp64(d); }
static int64_t double2fix64(double d, int n) { return clamp64(scale(d, n)); }
static uint64_t double2uint64(double d) { return clampu64(d); }
static uint64_t double2ufix64(double d, int n) { return clampu64(scale(d, n)); }
static float double2float(double d) { return (float)d; }

extern void rom_missing(void);
extern void rom_reset_usb_boot(void);

/* The tables hold 32-bit pointers; the byte before each table (read by the SDK's debug
 * builds as "table size in words") says 32 entries. Layout: pico/bootrom/sf_table.h. */
struct table { uint16_t pad; uint8_t words, zero; const void *entry[32]; };

const struct table rom_sf_table = {0, 32, 0, {
    fadd, fsub, fmul, fdiv, fcmp, rom_missing, fsqrt, float2int, float2fix, float2uint,
    float2ufix, int2float, fix2float, uint2float, ufix2float,
    rom_missing, rom_missing, rom_missing, rom_missing, rom_missing, rom_missing, /* trig */
    fcmp, rom_missing, int642float, fix642float, uint642float, ufix642float, float2int64,
    float2fix64, float2uint64, float2ufix64, float2double}};

const struct table rom_sd_table = {0, 32, 0, {
    dadd, dsub, dmul, ddiv, dcmp, rom_missing, dsqrt, double2int, double2fix, double2uint,
    double2ufix, int2double, fix2double, uint2double, ufix2double,
    rom_missing, rom_missing, rom_missing, rom_missing, rom_missing, rom_missing, /* trig */
    dcmp, rom_missing, int642double, fix642double, uint642double, ufix642double,
    double2int64, double2fix64, double2uint64, double2ufix64, double2float}};

/* The function and data lookup tables are in bootrom.S (16-bit addresses are an assembler
 * matter); these names are what they file. */
const void *const rom_exports[] = {
    popcount32, reverse32, clz32, ctz32, rom_memset, rom_memset4, rom_memcpy, rom_memcpy44,
    flash_noop, flash_range_erase, flash_range_program,
};

/* rom_table_lookup(table, code): the address filed under code, or 0 */
void *rom_table_lookup(const uint16_t *table, uint32_t code) {
    for (; table[0]; table += 2)
        if (table[0] == code) return (void *)(uintptr_t)table[1];
    return 0;
}
