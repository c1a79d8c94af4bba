; conv3x3.s - a 3x3, stride-1, pad-1 convolution of a 16-channel 6x6 image, accumulated in int32.
;
; Target: configs/default.yaml (batch 1, 16x16 int8 GEMM core, int32 accumulators).
;
; Computes, for oh, ow < 6 and o < 16, with X read as 0 outside the 6x6 image:
;   Y[oh][ow][o] = sum over kh, kw < 3 and i < 16 of X[oh+kh-1][ow+kw-1][i] * W[kh][kw][o][i]
;
; Data layout (NCHWc with c = 16; N = 1 and C/16 = 1, so they are dropped below):
;   X  input  int8  [1][1][6][6][16]   X[h][w][i] at X + (h*6 + w)*16 + i
;   W  input  int8  [3][3][16][16]     W[kh][kw][o][i] at W + ((kh*3 + kw)*16 + o)*16 + i: one tile per tap
;   Y  output int32 [1][1][6][6][16]   Y[h][w][o] at Y + ((h*6 + w)*16 + o)*4
;
; One LOAD with all four pad fields set to 1 places the zero-bordered 8x8 image in the input buffer:
;   inp[r*8 + c] = X[r-1][c-1] (zero on the border), r, c < 8
; and the 36 outputs are acc[oh*6 + ow]. One GEMM walks oh in its outer loop (dst_out=6, src_out=8) and ow in
; its inner loop (dst_in=1, src_in=1); its nine micro-ops are the taps: src = kh*8 + kw, wgt = kh*3 + kw.
;
; Tokens: load.inp pushes load->compute, the reset GEMM pops it; the GEMM pushes compute->store, the store
; pops it and pushes store->compute, which `finish` pops.

.meta example "conv3x3"

.equ Y 0x2000

.segment X at 0x000
.random int8 576 seed=31                 ; X[6][6][16]
.segment W at 0x400
.random int8 2304 seed=32                ; W[3][3][16][16]

.uops at 0x1000
uop dst=0                                ; #0 reset
uop dst=0 src=0 wgt=0                    ; #1 kh=0 kw=0
uop dst=0 src=1 wgt=1                    ; #2 kh=0 kw=1
uop dst=0 src=2 wgt=2                    ; #3 kh=0 kw=2
uop dst=0 src=8 wgt=3                    ; #4 kh=1 kw=0
uop dst=0 src=9 wgt=4                    ; #5 kh=1 kw=1
uop dst=0 src=10 wgt=5                   ; #6 kh=1 kw=2
uop dst=0 src=16 wgt=6                   ; #7 kh=2 kw=0
uop dst=0 src=17 wgt=7                   ; #8 kh=2 kw=1
uop dst=0 src=18 wgt=8                   ; #9 kh=2 kw=2

.input X int8 1x1x6x6x16 at X layout=NCHWc
.input W int8 3x3x16x16 at W
.output Y int32 1x1x6x6x16 at Y layout=NCHWc

load.uop sram=0 dram=uops y=1 x=10 stride=10
load.wgt sram=0 dram=W y=1 x=9 stride=9
load.inp sram=0 dram=X y=6 x=6 stride=6 pad_top=1 pad_bottom=1 pad_left=1 pad_right=1 push_next
gemm reset uop_begin=0 uop_end=1 loop_out=6 loop_in=6 dst_out=6 dst_in=1 pop_prev
gemm uop_begin=1 uop_end=10 loop_out=6 loop_in=6 dst_out=6 dst_in=1 src_out=8 src_in=1 push_next
store.acc sram=0 dram=Y y=1 x=36 stride=36 pop_prev push_prev
finish pop_next
