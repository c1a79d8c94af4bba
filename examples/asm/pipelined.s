; pipelined.s - Y = requant(relu(A x B)) in 4 row tiles whose loads, compute and stores overlap.
;
; Target: configs/default.yaml (batch 1, 16x16 int8 GEMM core, int32 accumulators, int8 output).
;
; Computes, with sat8(v) = min(max(v, -128), 127) and >> an arithmetic shift:
;   P[m][n] = sum_k A[m][k] * B[k][n]                          (int32, K = 32)
;   Y[m][n] = sat8(((max(P[m][n], 0) * 1193046 + 2^28) >> 29) - 128)
; i.e. a ReLU, then a per-tensor requantization by ~1/450 with zero point -128.
;
; Data layout (row-major, no padding):
;   A  input  int8 [64][32]          A[m][k] at A + m*32 + k
;   W  input  int8 [2][2][16][16]    B (32x32) in 16x16 tiles, W[n][kb][o][i] = B[kb*16 + i][n*16 + o]
;   Y  output int8 [64][32]          Y[m][n] at Y + m*32 + n
;
; Tiling: tile t (t < 4) is rows 16t..16t+15 of A and Y. Tiles alternate between two halves of each buffer
; (b = t mod 2), so tile t+1 is loaded while tile t is computed, and tile t is stored while t+1 is computed:
;   inp[32b + 2r + kb]  = A[16t + r][16kb .. 16kb+15]
;   wgt[2n + kb]        = W[n][kb]                       (loaded once)
;   acc[32b + 2r + n]   = P[16t + r][16n .. 16n+15]      and out[32b + 2r + n] its int8 mirror
;
; Dependency tokens (VTA's four queues; every token pushed is popped exactly once):
;   load->compute  load.inp t pushes; gemm reset t pops                 (RAW on inp[b])
;   compute->load  gemm t pushes for t < 2; load.inp t+2 pops           (WAR on inp[b]: t+2 reuses the half)
;   compute->store alu.requant t pushes; store.out t pops               (RAW on out[b])
;   store->compute store.out 0, 1 push; gemm reset 2, 3 pop             (WAR on acc/out[b])
;                  store.out 3 pushes; finish pops (the end waits for the last store; store 2 precedes it)
; At most two tokens are ever outstanding on a queue, far below queues.token_depth.
; The text is in software-pipelined order (tile t+1's load before tile t's compute); each queue runs its own
; instructions in order, so the overlap does not depend on that, but it reads as the schedule it produces.

.meta example "pipelined"

.equ Y 0x1000
.equ TILE_A 512                          ; bytes of A per tile: 16 rows x 32
.equ TILE_Y 512                          ; bytes of Y per tile
.equ MULT 1193046                        ; requantization multiplier (with shift 29: ~1/450)
.equ ZP -128                             ; output zero point

.segment A at 0x000
.random int8 2048 seed=21                ; A[64][32]
.segment W at 0x800
.random int8 1024 seed=22                ; W[2][2][16][16]

.uops at 0xc00
uop dst=0                                ; #0 half 0: reset, relu, requant
uop dst=32                               ; #1 half 1: reset, relu, requant
uop dst=0 src=0 wgt=0                    ; #2 half 0 gemm, kb=0
uop dst=0 src=1 wgt=1                    ; #3 half 0 gemm, kb=1
uop dst=32 src=32 wgt=0                  ; #4 half 1 gemm, kb=0
uop dst=32 src=33 wgt=1                  ; #5 half 1 gemm, kb=1

.input A int8 64x32 at A
.input W int8 2x2x16x16 at W
.output Y int8 64x32 at Y

load.uop sram=0 dram=uops y=1 x=6 stride=6
load.wgt sram=0 dram=W y=1 x=4 stride=4

load.inp sram=0 dram=A y=16 x=2 stride=2 push_next                        ; tile 0 -> inp half 0
load.inp sram=32 dram=A+TILE_A y=16 x=2 stride=2 push_next                ; tile 1 -> inp half 1

; tile 0 (half 0)
gemm reset uop_begin=0 uop_end=1 loop_out=16 loop_in=2 dst_out=2 dst_in=1 pop_prev
gemm uop_begin=2 uop_end=4 loop_out=16 loop_in=2 dst_out=2 dst_in=1 src_out=2 wgt_in=2 push_prev
alu.max use_imm imm=0 uop_begin=0 uop_end=1 loop_out=32 loop_in=1 dst_out=1
alu.requant use_imm imm=MULT shift=29 imm2=ZP uop_begin=0 uop_end=1 loop_out=32 loop_in=1 dst_out=1 push_next
store.out sram=0 dram=Y y=16 x=2 stride=2 pop_prev push_prev
load.inp sram=0 dram=A+2*TILE_A y=16 x=2 stride=2 pop_next push_next      ; tile 2 -> inp half 0

; tile 1 (half 1)
gemm reset uop_begin=1 uop_end=2 loop_out=16 loop_in=2 dst_out=2 dst_in=1 pop_prev
gemm uop_begin=4 uop_end=6 loop_out=16 loop_in=2 dst_out=2 dst_in=1 src_out=2 wgt_in=2 push_prev
alu.max use_imm imm=0 uop_begin=1 uop_end=2 loop_out=32 loop_in=1 dst_out=1
alu.requant use_imm imm=MULT shift=29 imm2=ZP uop_begin=1 uop_end=2 loop_out=32 loop_in=1 dst_out=1 push_next
store.out sram=32 dram=Y+TILE_Y y=16 x=2 stride=2 pop_prev push_prev
load.inp sram=32 dram=A+3*TILE_A y=16 x=2 stride=2 pop_next push_next     ; tile 3 -> inp half 1

; tile 2 (half 0): waits for tile 0's store before overwriting acc/out half 0
gemm reset uop_begin=0 uop_end=1 loop_out=16 loop_in=2 dst_out=2 dst_in=1 pop_prev pop_next
gemm uop_begin=2 uop_end=4 loop_out=16 loop_in=2 dst_out=2 dst_in=1 src_out=2 wgt_in=2
alu.max use_imm imm=0 uop_begin=0 uop_end=1 loop_out=32 loop_in=1 dst_out=1
alu.requant use_imm imm=MULT shift=29 imm2=ZP uop_begin=0 uop_end=1 loop_out=32 loop_in=1 dst_out=1 push_next
store.out sram=0 dram=Y+2*TILE_Y y=16 x=2 stride=2 pop_prev

; tile 3 (half 1): waits for tile 1's store
gemm reset uop_begin=1 uop_end=2 loop_out=16 loop_in=2 dst_out=2 dst_in=1 pop_prev pop_next
gemm uop_begin=4 uop_end=6 loop_out=16 loop_in=2 dst_out=2 dst_in=1 src_out=2 wgt_in=2
alu.max use_imm imm=0 uop_begin=1 uop_end=2 loop_out=32 loop_in=1 dst_out=1
alu.requant use_imm imm=MULT shift=29 imm2=ZP uop_begin=1 uop_end=2 loop_out=32 loop_in=1 dst_out=1 push_next
store.out sram=32 dram=Y+3*TILE_Y y=16 x=2 stride=2 pop_prev push_prev

finish pop_next
