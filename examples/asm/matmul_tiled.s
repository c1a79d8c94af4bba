; matmul_tiled.s - C = A x B, an int8 matrix product accumulated in int32, tiled over the rows of A.
;
; Target: configs/default.yaml (batch 1, 16x16 GEMM core, int8 inputs/weights, int32 accumulators).
;
; Data layout (all little-endian, no padding between rows):
;   A  input  int8  [20][64]            row-major: A[m][k] at A + m*64 + k
;   W  input  int8  [2][4][16][16]      B (64x32) in 16x16 tiles: W[n][kb][o][i] = B[kb*16 + i][n*16 + o]
;   C  output int32 [20][32]            row-major: C[m][n] at C + (m*32 + n)*4
;
; On chip, one input row holds 16 consecutive k of one row of A, one weight row holds a whole 16x16 tile and
; one accumulator row holds 16 consecutive n of one row of C. So for a tile of 8 rows of A:
;   inp[r*4 + kb]  = A[8t + r][kb*16 .. kb*16+15]     (r < 8, kb < 4)
;   wgt[n*4 + kb]  = W[n][kb]                         (loaded once)
;   acc[r*2 + n]   = C[8t + r][n*16 .. n*16+15]       (n < 2)
;   acc[r*2 + n]  += sum over kb of inp[r*4 + kb] . wgt[n*4 + kb]
; The GEMM's outer loop walks r (dst_out=2, src_out=4), its inner loop walks n (dst_in=1, wgt_in=4) and its
; four micro-ops walk kb. The 20 rows make tiles of 8, 8 and 4: the last tile is filled up to 8 rows with
; pad_bottom zero rows, computed like the others, and only its 4 valid rows are stored.
;
; Synchronisation (each queue runs in order; tokens order the queues against each other):
;   load.inp  pushes load->compute; from tile 1 on it first pops compute->load (the GEMM is done with inp);
;   gemm      pops load->compute (inp is loaded) and, from tile 1 on, store->compute (acc has been stored);
;             pushes compute->store and, except on the last tile, compute->load;
;   store.acc pops compute->store and pushes store->compute; `finish` pops the last one, so it waits for the
;             final store. Every token pushed is popped exactly once.

.meta example "matmul_tiled"

.equ C 0x2000                           ; output address (not initialized, so no segment)

.segment A at 0x0000
.random int8 1280 seed=1                ; A[20][64]
.segment W at 0x0800
.random int8 2048 seed=2                ; W[2][4][16][16]

.uops at 0x1000
uop dst=0 src=0 wgt=0                   ; #0 kb=0 (also the reset micro-op)
uop dst=0 src=1 wgt=1                   ; #1 kb=1
uop dst=0 src=2 wgt=2                   ; #2 kb=2
uop dst=0 src=3 wgt=3                   ; #3 kb=3

.input A int8 20x64 at A
.input W int8 2x4x16x16 at W
.output C int32 20x32 at C

; Micro-ops and all 8 weight tiles are loaded once.
load.uop sram=0 dram=uops y=1 x=4 stride=4
load.wgt sram=0 dram=W y=1 x=8 stride=8

; Tile 0: rows 0..7 of A (8 rows x 4 input rows of 16 bytes).
load.inp sram=0 dram=A y=8 x=4 stride=4 push_next
gemm reset uop_begin=0 uop_end=1 loop_out=8 loop_in=2 dst_out=2 dst_in=1 pop_prev
gemm uop_begin=0 uop_end=4 loop_out=8 loop_in=2 dst_out=2 dst_in=1 src_out=4 wgt_in=4 push_prev push_next
store.acc sram=0 dram=C y=8 x=2 stride=2 pop_prev push_prev

; Tile 1: rows 8..15 (A + 8*64, C + 8*128).
load.inp sram=0 dram=A+512 y=8 x=4 stride=4 pop_next push_next
gemm reset uop_begin=0 uop_end=1 loop_out=8 loop_in=2 dst_out=2 dst_in=1 pop_prev pop_next
gemm uop_begin=0 uop_end=4 loop_out=8 loop_in=2 dst_out=2 dst_in=1 src_out=4 wgt_in=4 push_prev push_next
store.acc sram=0 dram=C+1024 y=8 x=2 stride=2 pop_prev push_prev

; Tile 2: rows 16..19, padded to 8 rows with 4 zero rows at the bottom; only 4 rows are stored.
load.inp sram=0 dram=A+1024 y=4 x=4 stride=4 pad_bottom=4 pop_next push_next
gemm reset uop_begin=0 uop_end=1 loop_out=8 loop_in=2 dst_out=2 dst_in=1 pop_prev pop_next
gemm uop_begin=0 uop_end=4 loop_out=8 loop_in=2 dst_out=2 dst_in=1 src_out=4 wgt_in=4 push_next
store.acc sram=0 dram=C+2048 y=4 x=2 stride=2 pop_prev push_prev

finish pop_next
