; requant.s - requantize int32 accumulators to int8 with the tensor ALU: per-channel, then per-tensor.
;
; Target: configs/default.yaml (16 accumulator lanes of int32 per row, int8 output buffer).
;
; Computes, with sat8(v) = min(max(v, -128), 127) and >> an arithmetic shift:
;   Y[m][c]  = min(max(sat8(((X[m][c] * M[c] + 2^24) >> 25) - 5), -5), 127)   per-channel multiplier M[c],
;              shift 25, zero point -5, then a clip to [-5, 127] (a ReLU around the zero point)
;   Zq[m][c] = sat8(((Z[m][c] * 1518500250 + 2^39) >> 40) + 3)                 one multiplier for the tensor
;              (1518500250 / 2^40 ~ 0.707 / 2^9), shift 40, zero point 3
;
; Data layout (little-endian, row-major, no padding):
;   X   input  int32 [4][16]   at X    -> acc rows 0..3 (one row = 16 lanes = 64 bytes)
;   M   input  int32 [16]      at M    -> acc row 4 (the per-channel multipliers, one per lane)
;   Z   input  int32 [2][16]   at Z    -> acc rows 8..9
;   Y   output int8  [4][16]   at Y    <- out rows 0..3 (the int8 mirror of acc rows 0..3)
;   Zq  output int8  [2][16]   at ZQ   <- out rows 8..9
;
; Everything up to the ALU runs on the compute queue (the compute unit executes LOAD of acc and uop), so it
; needs no tokens; the last ALU instruction pushes compute->store, the first store pops it, the last store
; pushes store->compute and `finish` pops that, so the program ends only after both stores.

.meta example "requant"

.equ Y  0x400
.equ ZQ 0x440
.equ MZ 1518500250                       ; per-tensor multiplier for Z

.segment X at 0x000
.random int32 64 seed=11 min=-131072 max=131071     ; X[4][16]
.segment M at 0x100
.random int32 16 seed=12 min=8192 max=32767         ; M[16]: multipliers in [2^13, 2^15)
.segment Z at 0x140
.random int32 32 seed=13 min=-65536 max=65535       ; Z[2][16]

.uops at 0x200
uop dst=0 src=4                                     ; #0 acc[0+i] op= acc[4] (per-channel multipliers)
uop dst=0                                           ; #1 acc[0+i] (immediate operand)
uop dst=8                                           ; #2 acc[8+i] (immediate operand)

.input X int32 4x16 at X
.input M int32 16 at M
.input Z int32 2x16 at Z
.output Y int8 4x16 at Y
.output Zq int8 2x16 at ZQ

load.uop sram=0 dram=uops y=1 x=3 stride=3
load.acc sram=0 dram=X y=1 x=4 stride=4
load.acc sram=4 dram=M y=1 x=1 stride=1
load.acc sram=8 dram=Z y=1 x=2 stride=2

; Per-channel: for i < 4, acc[i] = requant(acc[i], acc[4]) lane by lane (B = the source row).
alu.requant uop_begin=0 uop_end=1 loop_out=4 loop_in=1 dst_out=1 shift=25 imm2=-5
alu.clip use_imm imm=-5 imm2=127 uop_begin=1 uop_end=2 loop_out=4 loop_in=1 dst_out=1
; Per-tensor: for i < 2, acc[8+i] = requant(acc[8+i], imm) (B = the immediate).
alu.requant use_imm imm=MZ shift=40 imm2=3 uop_begin=2 uop_end=3 loop_out=2 loop_in=1 dst_out=1 push_next

store.out sram=0 dram=Y y=1 x=4 stride=4 pop_prev
store.out sram=8 dram=ZQ y=1 x=2 stride=2 push_prev
finish pop_next
