// GEMM core: the micro-op loop sequencer and the Batch x BlockIn x BlockOut MAC array, pipelined to Lg stages.
//
// Micro-op k of the loop nest (i < loop_out, j < loop_in, u in [uop_begin, uop_end), that nesting order) is
// issued in cycle S + k: its micro-op word, input row and weight row are read (asynchronous reads) in that
// cycle. It does its accumulator read-modify-write in cycle S + k + Lg, the last pipeline stage, where row a
// is read, added to and written in one cycle; back-to-back micro-ops on the same row therefore see each
// other's results with no forwarding. The last write, in cycle E - 1 = S + n + Lg - 1, raises done_o.
// With Lg = 0 the whole micro-op happens in its issue cycle. A reset micro-op writes zero and does not use
// the input or weight row. Every accumulator write of row a is mirrored to out row a when a < OutDepth,
// each lane narrowed to its low OutBits (docs/functional-simulator.md).
//
// Pipeline (Lg >= 1): stage 1 registers the operand rows (the buffers' read data) and the MAC array works on
// them; with Lg >= 2 its sums are registered into stage 2 and carried to stage Lg. Indices are computed as
// uop field + i * step_out + j * step_in by running sums IdxW bits wide, which no field, step and loop count
// can overflow. An issued micro-op whose dst (or, unless it is a reset, src or wgt) index is at or past its
// buffer's depth raises err_o in its issue cycle with the micro-op number, the field (err_field_o: 0 dst,
// 1 src, 2 wgt, the first of them out of bounds), the field's value, the row and the loop indices; the buffer
// addresses are the index's low bits, so the hardware goes on (writing a wrapped row) and the harness stops
// the run.
module npu_gemm_core
  import npu_isa_pkg::*;
#(
  parameter int unsigned Batch       = 32'(CFG_CORE_BATCH),
  parameter int unsigned BlockIn     = 32'(CFG_CORE_BLOCK_IN),
  parameter int unsigned BlockOut    = 32'(CFG_CORE_BLOCK_OUT),
  parameter int unsigned InpBits     = 32'(CFG_DTYPES_INPUT_BITS),
  parameter int unsigned WgtBits     = 32'(CFG_DTYPES_WEIGHT_BITS),
  parameter int unsigned AccBits     = 32'(CFG_DTYPES_ACCUMULATOR_BITS),
  parameter int unsigned OutBits     = 32'(CFG_DTYPES_OUTPUT_BITS),
  parameter int unsigned Lg          = 32'(CFG_PIPELINE_GEMM),
  parameter int unsigned UopDepth    = 32'(UOP_DEPTH),
  parameter int unsigned InpDepth    = 32'(INPUT_DEPTH),
  parameter int unsigned WgtDepth    = 32'(WEIGHT_DEPTH),
  parameter int unsigned AccDepth    = 32'(ACC_DEPTH),
  parameter int unsigned OutDepth    = 32'(OUTPUT_DEPTH),
  parameter int unsigned UopRowBytes = 32'(UOP_ROW_BYTES),
  parameter int unsigned InpRowBytes = 32'(INPUT_ROW_BYTES),
  parameter int unsigned WgtRowBytes = 32'(WEIGHT_ROW_BYTES),
  parameter int unsigned AccRowBytes = 32'(ACC_ROW_BYTES),
  parameter int unsigned OutRowBytes = 32'(OUTPUT_ROW_BYTES),
  localparam int unsigned UopAw = (UopDepth > 1) ? $clog2(UopDepth) : 1,
  localparam int unsigned InpAw = (InpDepth > 1) ? $clog2(InpDepth) : 1,
  localparam int unsigned WgtAw = (WgtDepth > 1) ? $clog2(WgtDepth) : 1,
  localparam int unsigned AccAw = (AccDepth > 1) ? $clog2(AccDepth) : 1,
  localparam int unsigned OutAw = (OutDepth > 1) ? $clog2(OutDepth) : 1,
  localparam int unsigned UopEw = 32'(GEMM_UOP_END_WIDTH)
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     start_i,
  input  logic [INSN_BITS-1:0]     insn_i,
  output logic                     done_o,
  output logic                     busy_o,
  output logic                     issue_o,        // a micro-op issues this cycle (performance counters)
  output logic                     issue_reset_o,  // ... and it is a reset micro-op
  output logic [UopAw-1:0]         uop_addr_o,
  input  logic [UopRowBytes*8-1:0] uop_data_i,
  output logic [InpAw-1:0]         inp_addr_o,
  input  logic [InpRowBytes*8-1:0] inp_data_i,
  output logic [WgtAw-1:0]         wgt_addr_o,
  input  logic [WgtRowBytes*8-1:0] wgt_data_i,
  output logic [AccAw-1:0]         acc_raddr_o,
  input  logic [AccRowBytes*8-1:0] acc_rdata_i,
  output logic                     acc_we_o,
  output logic [AccAw-1:0]         acc_waddr_o,
  output logic [AccRowBytes*8-1:0] acc_wdata_o,
  output logic                     out_we_o,
  output logic [OutAw-1:0]         out_waddr_o,
  output logic [OutRowBytes*8-1:0] out_wdata_o,
  // An issued micro-op's index is out of bounds (see above).
  output logic                     err_o,
  output logic [UopEw-1:0]         err_uop_o,
  output logic [1:0]               err_field_o,
  output logic [31:0]              err_base_o,
  output logic [31:0]              err_row_o,
  output logic [31:0]              err_i_o,
  output logic [31:0]              err_j_o
);

  localparam int unsigned LoopOw  = 32'(GEMM_LOOP_OUT_WIDTH);
  localparam int unsigned LoopIw  = 32'(GEMM_LOOP_IN_WIDTH);
  localparam int unsigned Lanes   = Batch * BlockOut;        // accumulator lanes of a row, [b][o]
  localparam int unsigned InpRowW = Batch * BlockIn * InpBits;
  localparam int unsigned WgtRowW = BlockOut * BlockIn * WgtBits;
  localparam int unsigned AccRowW = Lanes * AccBits;       // rows are whole bytes: RowBytes * 8 bits exactly
  // Index width: field + (loop_out - 1) * step_out + (loop_in - 1) * step_in < 3 * 2^m, m the widest term.
  localparam int unsigned FieldW  = 32'((UOP_DST_WIDTH > UOP_SRC_WIDTH) ?
      ((UOP_DST_WIDTH > UOP_WGT_WIDTH) ? UOP_DST_WIDTH : UOP_WGT_WIDTH) :
      ((UOP_SRC_WIDTH > UOP_WGT_WIDTH) ? UOP_SRC_WIDTH : UOP_WGT_WIDTH));
  localparam int unsigned StepOw  = 32'((GEMM_SRC_OUT_WIDTH > GEMM_WGT_OUT_WIDTH) ?
      ((GEMM_SRC_OUT_WIDTH > GEMM_DST_OUT_WIDTH) ? GEMM_SRC_OUT_WIDTH : GEMM_DST_OUT_WIDTH) :
      ((GEMM_WGT_OUT_WIDTH > GEMM_DST_OUT_WIDTH) ? GEMM_WGT_OUT_WIDTH : GEMM_DST_OUT_WIDTH));
  localparam int unsigned StepIw  = 32'((GEMM_SRC_IN_WIDTH > GEMM_WGT_IN_WIDTH) ?
      ((GEMM_SRC_IN_WIDTH > GEMM_DST_IN_WIDTH) ? GEMM_SRC_IN_WIDTH : GEMM_DST_IN_WIDTH) :
      ((GEMM_WGT_IN_WIDTH > GEMM_DST_IN_WIDTH) ? GEMM_WGT_IN_WIDTH : GEMM_DST_IN_WIDTH));
  localparam int unsigned TermW   = (LoopOw + StepOw > LoopIw + StepIw) ? LoopOw + StepOw : LoopIw + StepIw;
  localparam int unsigned IdxW    = ((FieldW > TermW) ? FieldW : TermW) + 2;

  // ---------------------------------------------------------------------------------------------------------
  // Instruction fields: decoded from insn_i in the start cycle (the first micro-op issues then), from flops
  // afterwards.
  // ---------------------------------------------------------------------------------------------------------
  logic              reset_d,    reset_q,    reset_c;
  logic [UopEw-1:0]  begin_d,    begin_q,    begin_c;
  logic [UopEw-1:0]  end_d,      end_q,      end_c;
  logic [LoopOw-1:0] loop_out_d, loop_out_q, loop_out_c;
  logic [LoopIw-1:0] loop_in_d,  loop_in_q,  loop_in_c;
  logic [IdxW-1:0]   dst_out_d,  dst_out_q,  dst_out_c;
  logic [IdxW-1:0]   dst_in_d,   dst_in_q,   dst_in_c;
  logic [IdxW-1:0]   src_out_d,  src_out_q,  src_out_c;
  logic [IdxW-1:0]   src_in_d,   src_in_q,   src_in_c;
  logic [IdxW-1:0]   wgt_out_d,  wgt_out_q,  wgt_out_c;
  logic [IdxW-1:0]   wgt_in_d,   wgt_in_q,   wgt_in_c;

  assign reset_d    = 1'(insn_i >> GEMM_RESET_LSB);
  assign begin_d    = UopEw'((GEMM_UOP_BEGIN_WIDTH)'(insn_i >> GEMM_UOP_BEGIN_LSB));
  assign end_d      = (GEMM_UOP_END_WIDTH)'(insn_i >> GEMM_UOP_END_LSB);
  assign loop_out_d = (GEMM_LOOP_OUT_WIDTH)'(insn_i >> GEMM_LOOP_OUT_LSB);
  assign loop_in_d  = (GEMM_LOOP_IN_WIDTH)'(insn_i >> GEMM_LOOP_IN_LSB);
  assign dst_out_d  = IdxW'((GEMM_DST_OUT_WIDTH)'(insn_i >> GEMM_DST_OUT_LSB));
  assign dst_in_d   = IdxW'((GEMM_DST_IN_WIDTH)'(insn_i >> GEMM_DST_IN_LSB));
  assign src_out_d  = IdxW'((GEMM_SRC_OUT_WIDTH)'(insn_i >> GEMM_SRC_OUT_LSB));
  assign src_in_d   = IdxW'((GEMM_SRC_IN_WIDTH)'(insn_i >> GEMM_SRC_IN_LSB));
  assign wgt_out_d  = IdxW'((GEMM_WGT_OUT_WIDTH)'(insn_i >> GEMM_WGT_OUT_LSB));
  assign wgt_in_d   = IdxW'((GEMM_WGT_IN_WIDTH)'(insn_i >> GEMM_WGT_IN_LSB));

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      reset_q    <= reset_d;
      begin_q    <= begin_d;
      end_q      <= end_d;
      loop_out_q <= loop_out_d;
      loop_in_q  <= loop_in_d;
      dst_out_q  <= dst_out_d;
      dst_in_q   <= dst_in_d;
      src_out_q  <= src_out_d;
      src_in_q   <= src_in_d;
      wgt_out_q  <= wgt_out_d;
      wgt_in_q   <= wgt_in_d;
    end
  end

  assign reset_c    = start_i ? reset_d    : reset_q;
  assign begin_c    = start_i ? begin_d    : begin_q;
  assign end_c      = start_i ? end_d      : end_q;
  assign loop_out_c = start_i ? loop_out_d : loop_out_q;
  assign loop_in_c  = start_i ? loop_in_d  : loop_in_q;
  assign dst_out_c  = start_i ? dst_out_d  : dst_out_q;
  assign dst_in_c   = start_i ? dst_in_d   : dst_in_q;
  assign src_out_c  = start_i ? src_out_d  : src_out_q;
  assign src_in_c   = start_i ? src_in_d   : src_in_q;
  assign wgt_out_c  = start_i ? wgt_out_d  : wgt_out_q;
  assign wgt_in_c   = start_i ? wgt_in_d   : wgt_in_q;

  // ---------------------------------------------------------------------------------------------------------
  // Loop sequencer. *_o_q hold i * step_out (the outer part), *_q hold i * step_out + j * step_in.
  // ---------------------------------------------------------------------------------------------------------
  logic              issuing_q, issuing_d;
  logic              issue, last;
  logic [UopEw-1:0]  u_q, u_d, u_c;
  logic [LoopIw-1:0] j_q, j_d, j_c;
  logic [LoopOw-1:0] i_q, i_d, i_c;
  logic [IdxW-1:0]   dst_o_q, dst_o_d, dst_o_c, dst_q, dst_d, dst_c;
  logic [IdxW-1:0]   src_o_q, src_o_d, src_o_c, src_q, src_d, src_c;
  logic [IdxW-1:0]   wgt_o_q, wgt_o_d, wgt_o_c, wgt_q, wgt_d, wgt_c;
  logic              last_u, last_j, last_i;

  assign issue   = start_i | issuing_q;
  assign u_c     = start_i ? begin_d : u_q;
  assign j_c     = start_i ? '0 : j_q;
  assign i_c     = start_i ? '0 : i_q;
  assign dst_o_c = start_i ? '0 : dst_o_q;
  assign dst_c   = start_i ? '0 : dst_q;
  assign src_o_c = start_i ? '0 : src_o_q;
  assign src_c   = start_i ? '0 : src_q;
  assign wgt_o_c = start_i ? '0 : wgt_o_q;
  assign wgt_c   = start_i ? '0 : wgt_q;

  assign last_u = (u_c + UopEw'(1)) == end_c;
  assign last_j = j_c == (loop_in_c - LoopIw'(1));
  assign last_i = i_c == (loop_out_c - LoopOw'(1));
  assign last   = last_u & last_j & last_i;

  always_comb begin
    issuing_d = issuing_q;
    u_d       = u_q;
    j_d       = j_q;
    i_d       = i_q;
    dst_o_d   = dst_o_q;
    dst_d     = dst_q;
    src_o_d   = src_o_q;
    src_d     = src_q;
    wgt_o_d   = wgt_o_q;
    wgt_d     = wgt_q;
    if (issue) begin
      issuing_d = !last;
      // Defaults: the next micro-op of the same (i, j).
      u_d     = u_c + UopEw'(1);
      j_d     = j_c;
      i_d     = i_c;
      dst_o_d = dst_o_c;
      dst_d   = dst_c;
      src_o_d = src_o_c;
      src_d   = src_c;
      wgt_o_d = wgt_o_c;
      wgt_d   = wgt_c;
      if (last_u) begin
        u_d = begin_c;
        if (!last_j) begin
          j_d   = j_c + LoopIw'(1);
          dst_d = dst_c + dst_in_c;
          src_d = src_c + src_in_c;
          wgt_d = wgt_c + wgt_in_c;
        end else begin
          j_d     = '0;
          i_d     = i_c + LoopOw'(1);
          dst_o_d = dst_o_c + dst_out_c;
          src_o_d = src_o_c + src_out_c;
          wgt_o_d = wgt_o_c + wgt_out_c;
          dst_d   = dst_o_c + dst_out_c;
          src_d   = src_o_c + src_out_c;
          wgt_d   = wgt_o_c + wgt_out_c;
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      issuing_q <= 1'b0;
    end else begin
      issuing_q <= issuing_d;
    end
  end

  always_ff @(posedge clk_i) begin
    u_q     <= u_d;
    j_q     <= j_d;
    i_q     <= i_d;
    dst_o_q <= dst_o_d;
    dst_q   <= dst_d;
    src_o_q <= src_o_d;
    src_q   <= src_d;
    wgt_o_q <= wgt_o_d;
    wgt_q   <= wgt_d;
  end

  // The micro-op of this cycle and the rows it addresses: whole fields (the micro-op row may be wider than
  // the word), full indices, and the buffer addresses as their low bits.
  logic [IdxW-1:0]  uop_dst, uop_src, uop_wgt, dst_idx, src_idx, wgt_idx;
  logic [AccAw-1:0] issue_a;

  assign uop_dst    = IdxW'((UOP_DST_WIDTH)'(uop_data_i >> UOP_DST_LSB));
  assign uop_src    = IdxW'((UOP_SRC_WIDTH)'(uop_data_i >> UOP_SRC_LSB));
  assign uop_wgt    = IdxW'((UOP_WGT_WIDTH)'(uop_data_i >> UOP_WGT_LSB));
  assign dst_idx    = uop_dst + dst_c;
  assign src_idx    = uop_src + src_c;
  assign wgt_idx    = uop_wgt + wgt_c;

  assign uop_addr_o = UopAw'(u_c);
  assign issue_a    = AccAw'(dst_idx);
  assign inp_addr_o = InpAw'(src_idx);
  assign wgt_addr_o = WgtAw'(wgt_idx);

  // Bounds: a reset micro-op reads neither src nor wgt.
  logic dst_oob, src_oob, wgt_oob;
  assign dst_oob     = 64'(dst_idx) >= 64'(AccDepth);
  assign src_oob     = !reset_c && (64'(src_idx) >= 64'(InpDepth));
  assign wgt_oob     = !reset_c && (64'(wgt_idx) >= 64'(WgtDepth));
  assign err_o       = issue && (dst_oob || src_oob || wgt_oob);
  assign err_uop_o   = u_c;
  assign err_field_o = dst_oob ? 2'd0 : src_oob ? 2'd1 : 2'd2;
  assign err_base_o  = dst_oob ? 32'(uop_dst) : src_oob ? 32'(uop_src) : 32'(uop_wgt);
  assign err_row_o   = dst_oob ? 32'(dst_idx) : src_oob ? 32'(src_idx) : 32'(wgt_idx);
  assign err_i_o     = 32'(i_c);
  assign err_j_o     = 32'(j_c);

  // ---------------------------------------------------------------------------------------------------------
  // Pipeline and MAC array. w_* is the micro-op in its write stage (stage Lg).
  // ---------------------------------------------------------------------------------------------------------
  logic [InpRowW-1:0] mac_inp;   // operands of the MAC array
  logic [WgtRowW-1:0] mac_wgt;
  logic [AccRowW-1:0] mac_sum;   // its result: one dot product per accumulator lane
  logic               w_valid, w_last, w_reset;
  logic [AccAw-1:0]   w_a;
  logic [AccRowW-1:0] w_sum;

  if (Lg == 0) begin : g_comb
    assign mac_inp = inp_data_i[InpRowW-1:0];
    assign mac_wgt = wgt_data_i[WgtRowW-1:0];
    assign w_valid = issue;
    assign w_last  = last;
    assign w_reset = reset_c;
    assign w_a     = issue_a;
    assign w_sum   = mac_sum;
  end else begin : g_pipe
    // Stage k of the micro-op issued k cycles ago, k = 1 .. Lg.
    logic [Lg:1]            valid_q, last_q, rst_q;
    logic [Lg:1][AccAw-1:0] a_q;
    logic [InpRowW-1:0]     op_inp_q;
    logic [WgtRowW-1:0]     op_wgt_q;

    always_ff @(posedge clk_i) begin
      if (!rst_ni) begin
        valid_q <= '0;
      end else begin
        valid_q[1] <= issue;
        for (int unsigned k = 2; k <= Lg; k++) valid_q[k] <= valid_q[k-1];
      end
    end

    always_ff @(posedge clk_i) begin
      last_q[1]  <= last;
      rst_q[1]   <= reset_c;
      a_q[1]     <= issue_a;
      for (int unsigned k = 2; k <= Lg; k++) begin
        last_q[k]  <= last_q[k-1];
        rst_q[k]   <= rst_q[k-1];
        a_q[k]     <= a_q[k-1];
      end
    end

    // A reset micro-op needs no operands: they are not captured.
    always_ff @(posedge clk_i) begin
      if (issue && !reset_c) begin
        op_inp_q <= inp_data_i[InpRowW-1:0];
        op_wgt_q <= wgt_data_i[WgtRowW-1:0];
      end
    end

    assign mac_inp = op_inp_q;
    assign mac_wgt = op_wgt_q;
    assign w_valid = valid_q[Lg];
    assign w_last  = last_q[Lg];
    assign w_reset = rst_q[Lg];
    assign w_a     = a_q[Lg];

    if (Lg == 1) begin : g_sum_comb
      assign w_sum = mac_sum;
    end else begin : g_sum_pipe
      logic [Lg:2][AccRowW-1:0] sum_q;
      always_ff @(posedge clk_i) begin
        sum_q[2] <= mac_sum;
        for (int unsigned k = 3; k <= Lg; k++) sum_q[k] <= sum_q[k-1];
      end
      assign w_sum = sum_q[Lg];
    end
  end

  // One processing element per accumulator lane (b, o): input row b times weight row o.
  for (genvar b = 0; b < Batch; b++) begin : g_batch
    for (genvar o = 0; o < BlockOut; o++) begin : g_out
      npu_gemm_pe #(
        .BlockIn(BlockIn),
        .InpBits(InpBits),
        .WgtBits(WgtBits),
        .AccBits(AccBits)
      ) u_pe (
        .inp_i(mac_inp[b*BlockIn*InpBits +: BlockIn*InpBits]),
        .wgt_i(mac_wgt[o*BlockIn*WgtBits +: BlockIn*WgtBits]),
        .dot_o(mac_sum[(b*BlockOut+o)*AccBits +: AccBits])
      );
    end
  end

  // Write stage: read-modify-write of accumulator row w_a, mirrored to the output row.
  logic [AccRowW-1:0]        new_row;
  logic [Lanes*OutBits-1:0]  out_row;
  for (genvar l = 0; l < Lanes; l++) begin : g_lane
    logic [AccBits-1:0] acc_new;
    // Two's-complement addition wraps to AccBits by itself.
    assign acc_new = w_reset ? '0 : acc_rdata_i[l*AccBits +: AccBits] + w_sum[l*AccBits +: AccBits];
    assign new_row[l*AccBits +: AccBits] = acc_new;
    assign out_row[l*OutBits +: OutBits] = acc_new[OutBits-1:0];
  end

  assign acc_raddr_o = w_a;
  assign acc_we_o    = w_valid;
  assign acc_waddr_o = w_a;
  assign acc_wdata_o = (AccRowBytes*8)'(new_row);
  assign out_we_o    = w_valid && (32'(w_a) < OutDepth);
  assign out_waddr_o = OutAw'(w_a);
  assign out_wdata_o = (OutRowBytes*8)'(out_row);

  // ---------------------------------------------------------------------------------------------------------
  // done_o with the last micro-op's write (cycle E - 1), busy_o over [S, E).
  // ---------------------------------------------------------------------------------------------------------
  assign issue_o       = issue;
  assign issue_reset_o = reset_c;

  logic busy_q;
  assign done_o = w_valid & w_last;
  assign busy_o = start_i | busy_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
    end else if (done_o) begin
      busy_q <= 1'b0;
    end else if (start_i) begin
      busy_q <= 1'b1;
    end
  end

  /* verilator lint_off UNUSED */
  // Only the GEMM fields are used; opcode and token flags are the controller's.
  logic [INSN_BITS-1:0] unused_insn;
  /* verilator lint_on UNUSED */
  assign unused_insn = insn_i;

endmodule
