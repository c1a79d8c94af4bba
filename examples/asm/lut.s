; lut.s - an activation by table lookup: int32 accumulators through a 256-entry int8 lookup table (alu.lut).
;
; Target: configs/default.yaml (16 accumulator lanes of int32 per row, int8 output buffer).
;
; Computes, with clamp8(v) = min(max(v, -128), 127):
;   Y[m][c]  = T[clamp8(X[m][c]) + 128]    as int32 (the table's int8 entry sign-extended)
;   Yq[m][c] = the same value as int8      (the out buffer mirrors every ALU write)
; Rows 0..2 of X are random in [-400, 400] and row 3 holds the edge cases: both int32 extremes, values just
; past the table on either side, the table's ends and the values in between. The table T is random.
;
; Data layout (little-endian, row-major, no padding):
;   X   input  int32 [4][16]   at X    -> acc rows 0..3 (one row = 16 lanes = 64 bytes)
;   T   input  int8  [256]     at T    -> lut rows 0..255 (one entry per row; T[i] is the value of i - 128),
;                                         loaded as a 16 x 16 2-D transfer
;   Y   output int32 [4][16]   at Y    <- acc rows 0..3
;   Yq  output int8  [4][16]   at YQ   <- out rows 0..3 (the int8 mirror of acc rows 0..3)
;
; Everything up to the ALU runs on the compute queue (the compute unit executes LOAD of uop, acc and lut), so
; it needs no tokens; the ALU pushes compute->store, the first store pops it, the second store pushes
; store->compute and `finish` pops that, so the program ends only after both stores.

.meta example "lut"

.equ Y  0x400
.equ YQ 0x800

.segment X at 0x000
.random int32 48 seed=21 min=-400 max=400             ; X[0..2][16]
.i32 -2147483648, -100000, -129, -128, -127, -1, 0, 1  ; X[3][0..7]
.i32 126, 127, 128, 129, 255, 1000, 65536, 2147483647  ; X[3][8..15]
.segment T at 0x100
.random int8 256 seed=22                              ; T[256]

.uops at 0x200
uop dst=0                                             ; #0 acc[0+i] (alu.lut reads no source)

.input X int32 4x16 at X
.input T int8 256 at T
.output Y int32 4x16 at Y
.output Yq int8 4x16 at YQ

load.uop sram=0 dram=uops y=1 x=1 stride=1
load.acc sram=0 dram=X y=1 x=4 stride=4
load.lut sram=0 dram=T y=16 x=16 stride=16

; For i < 4: acc[i] = lut[clamp8(acc[i]) + 128], lane by lane (always use_imm).
alu.lut use_imm uop_begin=0 uop_end=1 loop_out=4 loop_in=1 dst_out=1 push_next

store.acc sram=0 dram=Y y=1 x=4 stride=4 pop_prev
store.out sram=0 dram=YQ y=1 x=4 stride=4 push_prev
finish pop_next
