// Tensor ALU: the micro-op loop sequencer and Lanes lanes of lane-wise operations on accumulator rows.
//
// Micro-op k of the loop nest (i < loop_out, j < loop_in, u in [uop_begin, uop_end), that nesting order)
// occupies Chunks = ceil(Batch * BlockOut / Lanes) cycles from S + k * Chunks, one chunk of Lanes lanes per
// cycle. In each of them the destination row d and the source row s are read (asynchronous reads), the chunk's
// lanes computed, and row d written back with that chunk replaced, all in the same cycle: a micro-op sees the
// results of the earlier ones and a row may be its own source (lane l of the source is read before lane l of
// the destination is written). With use_imm, B is the immediate and the source row is not used. Every write
// of row d is mirrored to out row d when d < OutDepth, lanes narrowed to their low OutBits. alu.lut (always
// use_imm) indexes the lookup table lut_i, which every lane reads through its own mux. After the last
// chunk the result takes La more cycles to retire: done_o is raised in cycle E - 1 = S + n * Chunks + La - 1
// (docs/timing.md).
//
// Indices are computed as uop field + i * step_out + j * step_in by running sums IdxW bits wide, which no
// field, step and loop count can overflow. A chunk whose dst index (or, without use_imm, src index) is at or
// past the accumulator depth raises err_o in its issue cycle with the micro-op number, the field
// (err_field_o: 0 dst, 1 src, the first of them out of bounds), the field's value, the row and the loop
// indices; the addresses are the index's low bits, so the hardware goes on and the harness stops the run.
module npu_alu
  import npu_isa_pkg::*;
#(
  parameter int unsigned Batch       = 32'(CFG_CORE_BATCH),
  parameter int unsigned BlockOut    = 32'(CFG_CORE_BLOCK_OUT),
  parameter int unsigned AccBits     = 32'(CFG_DTYPES_ACCUMULATOR_BITS),
  parameter int unsigned OutBits     = 32'(CFG_DTYPES_OUTPUT_BITS),
  parameter int unsigned Lanes       = 32'(CFG_ALU_LANES),
  parameter int unsigned La          = 32'(CFG_ALU_LATENCY),
  parameter int unsigned UopDepth    = 32'(UOP_DEPTH),
  parameter int unsigned AccDepth    = 32'(ACC_DEPTH),
  parameter int unsigned OutDepth    = 32'(OUTPUT_DEPTH),
  parameter int unsigned UopRowBytes = 32'(UOP_ROW_BYTES),
  parameter int unsigned AccRowBytes = 32'(ACC_ROW_BYTES),
  parameter int unsigned OutRowBytes = 32'(OUTPUT_ROW_BYTES),
  parameter int unsigned LutDepth    = 32'(LUT_DEPTH),
  localparam int unsigned UopAw = (UopDepth > 1) ? $clog2(UopDepth) : 1,
  localparam int unsigned AccAw = (AccDepth > 1) ? $clog2(AccDepth) : 1,
  localparam int unsigned OutAw = (OutDepth > 1) ? $clog2(OutDepth) : 1,
  localparam int unsigned UopEw = 32'(ALU_UOP_END_WIDTH)
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     start_i,
  input  logic [INSN_BITS-1:0]     insn_i,
  output logic                     done_o,
  output logic                     busy_o,
  output logic                     uop_o,          // a micro-op issues its last chunk (performance counters)
  output logic [UopAw-1:0]         uop_addr_o,
  input  logic [UopRowBytes*8-1:0] uop_data_i,
  output logic [AccAw-1:0]         acc_dst_raddr_o,
  input  logic [AccRowBytes*8-1:0] acc_dst_rdata_i,
  output logic [AccAw-1:0]         acc_src_raddr_o,
  input  logic [AccRowBytes*8-1:0] acc_src_rdata_i,
  output logic                     acc_we_o,
  output logic [AccAw-1:0]         acc_waddr_o,
  output logic [AccRowBytes*8-1:0] acc_wdata_o,
  output logic                     out_we_o,
  output logic [OutAw-1:0]         out_waddr_o,
  output logic [OutRowBytes*8-1:0] out_wdata_o,
  input  logic [LutDepth*8-1:0]    lut_i,          // the lookup table (npu_lut), entry e in bits [8e, 8e + 8)
  // An issued chunk's index is out of bounds (see above).
  output logic                     err_o,
  output logic [UopEw-1:0]         err_uop_o,
  output logic [1:0]               err_field_o,
  output logic [31:0]              err_base_o,
  output logic [31:0]              err_row_o,
  output logic [31:0]              err_i_o,
  output logic [31:0]              err_j_o
);

  localparam int unsigned OpBits    = 32'(ALU_OP_WIDTH);
  localparam int unsigned ImmBits   = 32'(ALU_IMM_WIDTH);
  localparam int unsigned ShiftBits = 32'(ALU_SHIFT_WIDTH);
  localparam int unsigned LoopOw    = 32'(ALU_LOOP_OUT_WIDTH);
  localparam int unsigned LoopIw    = 32'(ALU_LOOP_IN_WIDTH);
  localparam int unsigned RowLanes  = Batch * BlockOut;
  localparam int unsigned Chunks    = (RowLanes + Lanes - 1) / Lanes;
  localparam int unsigned ChunkW    = (Chunks > 1) ? $clog2(Chunks) : 1;
  localparam int unsigned AccRowW   = RowLanes * AccBits;
  // Index width: field + (loop_out - 1) * step_out + (loop_in - 1) * step_in < 3 * 2^m, m the widest term.
  localparam int unsigned FieldW    = 32'((UOP_DST_WIDTH > UOP_SRC_WIDTH) ? UOP_DST_WIDTH : UOP_SRC_WIDTH);
  localparam int unsigned StepOw    =
      32'((ALU_DST_OUT_WIDTH > ALU_SRC_OUT_WIDTH) ? ALU_DST_OUT_WIDTH : ALU_SRC_OUT_WIDTH);
  localparam int unsigned StepIw    =
      32'((ALU_DST_IN_WIDTH > ALU_SRC_IN_WIDTH) ? ALU_DST_IN_WIDTH : ALU_SRC_IN_WIDTH);
  localparam int unsigned TermW     =
      (LoopOw + StepOw > LoopIw + StepIw) ? LoopOw + StepOw : LoopIw + StepIw;
  localparam int unsigned IdxW      = ((FieldW > TermW) ? FieldW : TermW) + 2;

  // ---------------------------------------------------------------------------------------------------------
  // Instruction fields: decoded from insn_i in the start cycle (the first chunk issues then), from flops
  // afterwards.
  // ---------------------------------------------------------------------------------------------------------
  logic [OpBits-1:0]    op_d,       op_q,       op_c;
  logic                 use_imm_d,  use_imm_q,  use_imm_c;
  logic [UopEw-1:0]     begin_d,    begin_q,    begin_c;
  logic [UopEw-1:0]     end_d,      end_q,      end_c;
  logic [LoopOw-1:0]    loop_out_d, loop_out_q, loop_out_c;
  logic [LoopIw-1:0]    loop_in_d,  loop_in_q,  loop_in_c;
  logic [IdxW-1:0]      dst_out_d,  dst_out_q,  dst_out_c;
  logic [IdxW-1:0]      dst_in_d,   dst_in_q,   dst_in_c;
  logic [IdxW-1:0]      src_out_d,  src_out_q,  src_out_c;
  logic [IdxW-1:0]      src_in_d,   src_in_q,   src_in_c;
  logic [ImmBits-1:0]   imm_d,      imm_q,      imm_c;
  logic [ImmBits-1:0]   imm2_d,     imm2_q,     imm2_c;
  logic [ShiftBits-1:0] shift_d,    shift_q,    shift_c;

  assign op_d       = OpBits'(insn_i >> ALU_OP_LSB);
  assign use_imm_d  = 1'(insn_i >> ALU_USE_IMM_LSB);
  assign begin_d    = UopEw'((ALU_UOP_BEGIN_WIDTH)'(insn_i >> ALU_UOP_BEGIN_LSB));
  assign end_d      = UopEw'(insn_i >> ALU_UOP_END_LSB);
  assign loop_out_d = LoopOw'(insn_i >> ALU_LOOP_OUT_LSB);
  assign loop_in_d  = LoopIw'(insn_i >> ALU_LOOP_IN_LSB);
  assign dst_out_d  = IdxW'((ALU_DST_OUT_WIDTH)'(insn_i >> ALU_DST_OUT_LSB));
  assign dst_in_d   = IdxW'((ALU_DST_IN_WIDTH)'(insn_i >> ALU_DST_IN_LSB));
  assign src_out_d  = IdxW'((ALU_SRC_OUT_WIDTH)'(insn_i >> ALU_SRC_OUT_LSB));
  assign src_in_d   = IdxW'((ALU_SRC_IN_WIDTH)'(insn_i >> ALU_SRC_IN_LSB));
  assign imm_d      = ImmBits'(insn_i >> ALU_IMM_LSB);
  assign imm2_d     = ImmBits'(insn_i >> ALU_IMM2_LSB);
  assign shift_d    = ShiftBits'(insn_i >> ALU_SHIFT_LSB);

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      op_q       <= op_d;
      use_imm_q  <= use_imm_d;
      begin_q    <= begin_d;
      end_q      <= end_d;
      loop_out_q <= loop_out_d;
      loop_in_q  <= loop_in_d;
      dst_out_q  <= dst_out_d;
      dst_in_q   <= dst_in_d;
      src_out_q  <= src_out_d;
      src_in_q   <= src_in_d;
      imm_q      <= imm_d;
      imm2_q     <= imm2_d;
      shift_q    <= shift_d;
    end
  end

  assign op_c       = start_i ? op_d       : op_q;
  assign use_imm_c  = start_i ? use_imm_d  : use_imm_q;
  assign begin_c    = start_i ? begin_d    : begin_q;
  assign end_c      = start_i ? end_d      : end_q;
  assign loop_out_c = start_i ? loop_out_d : loop_out_q;
  assign loop_in_c  = start_i ? loop_in_d  : loop_in_q;
  assign dst_out_c  = start_i ? dst_out_d  : dst_out_q;
  assign dst_in_c   = start_i ? dst_in_d   : dst_in_q;
  assign src_out_c  = start_i ? src_out_d  : src_out_q;
  assign src_in_c   = start_i ? src_in_d   : src_in_q;
  assign imm_c      = start_i ? imm_d      : imm_q;
  assign imm2_c     = start_i ? imm2_d     : imm2_q;
  assign shift_c    = start_i ? shift_d    : shift_q;

  // ---------------------------------------------------------------------------------------------------------
  // Loop sequencer: chunk c innermost. *_o_q hold i * step_out, *_q hold i * step_out + j * step_in.
  // ---------------------------------------------------------------------------------------------------------
  logic              issuing_q, issuing_d;
  logic              issue, last;
  logic [ChunkW-1:0] c_q, c_d, c_c;
  logic [UopEw-1:0]  u_q, u_d, u_c;
  logic [LoopIw-1:0] j_q, j_d, j_c;
  logic [LoopOw-1:0] i_q, i_d, i_c;
  logic [IdxW-1:0]   dst_o_q, dst_o_d, dst_o_c, dst_q, dst_d, dst_c;
  logic [IdxW-1:0]   src_o_q, src_o_d, src_o_c, src_q, src_d, src_c;
  logic              last_c, last_u, last_j, last_i;

  assign issue   = start_i | issuing_q;
  assign c_c     = start_i ? '0 : c_q;
  assign u_c     = start_i ? begin_d : u_q;
  assign j_c     = start_i ? '0 : j_q;
  assign i_c     = start_i ? '0 : i_q;
  assign dst_o_c = start_i ? '0 : dst_o_q;
  assign dst_c   = start_i ? '0 : dst_q;
  assign src_o_c = start_i ? '0 : src_o_q;
  assign src_c   = start_i ? '0 : src_q;

  assign last_c = c_c == ChunkW'(Chunks - 1);
  assign last_u = (u_c + UopEw'(1)) == end_c;
  assign last_j = j_c == (loop_in_c - LoopIw'(1));
  assign last_i = i_c == (loop_out_c - LoopOw'(1));
  assign last   = last_c & last_u & last_j & last_i;

  always_comb begin
    issuing_d = issuing_q;
    c_d       = c_q;
    u_d       = u_q;
    j_d       = j_q;
    i_d       = i_q;
    dst_o_d   = dst_o_q;
    dst_d     = dst_q;
    src_o_d   = src_o_q;
    src_d     = src_q;
    if (issue) begin
      issuing_d = !last;
      // Defaults: the next chunk of the same micro-op.
      c_d     = c_c + ChunkW'(1);
      u_d     = u_c;
      j_d     = j_c;
      i_d     = i_c;
      dst_o_d = dst_o_c;
      dst_d   = dst_c;
      src_o_d = src_o_c;
      src_d   = src_c;
      if (last_c) begin
        c_d = '0;
        u_d = u_c + UopEw'(1);
        if (last_u) begin
          u_d = begin_c;
          if (!last_j) begin
            j_d   = j_c + LoopIw'(1);
            dst_d = dst_c + dst_in_c;
            src_d = src_c + src_in_c;
          end else begin
            j_d     = '0;
            i_d     = i_c + LoopOw'(1);
            dst_o_d = dst_o_c + dst_out_c;
            src_o_d = src_o_c + src_out_c;
            dst_d   = dst_o_c + dst_out_c;
            src_d   = src_o_c + src_out_c;
          end
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
    c_q     <= c_d;
    u_q     <= u_d;
    j_q     <= j_d;
    i_q     <= i_d;
    dst_o_q <= dst_o_d;
    dst_q   <= dst_d;
    src_o_q <= src_o_d;
    src_q   <= src_d;
  end

  // The micro-op of this cycle and the rows it addresses: whole fields (the micro-op row may be wider than
  // the word; the wgt field is the GEMM's), full indices, and the buffer addresses as their low bits.
  logic [IdxW-1:0]  uop_dst, uop_src, dst_idx, src_idx;
  logic [AccAw-1:0] d_addr;

  assign uop_dst         = IdxW'((UOP_DST_WIDTH)'(uop_data_i >> UOP_DST_LSB));
  assign uop_src         = IdxW'((UOP_SRC_WIDTH)'(uop_data_i >> UOP_SRC_LSB));
  assign dst_idx         = uop_dst + dst_c;
  assign src_idx         = uop_src + src_c;
  assign uop_addr_o      = UopAw'(u_c);
  assign d_addr          = AccAw'(dst_idx);
  assign acc_dst_raddr_o = d_addr;
  assign acc_src_raddr_o = AccAw'(src_idx);

  // Bounds: with use_imm the src field is not read.
  logic dst_oob, src_oob;
  assign dst_oob     = 64'(dst_idx) >= 64'(AccDepth);
  assign src_oob     = !use_imm_c && (64'(src_idx) >= 64'(AccDepth));
  assign err_o       = issue && (dst_oob || src_oob);
  assign err_uop_o   = u_c;
  assign err_field_o = dst_oob ? 2'd0 : 2'd1;
  assign err_base_o  = dst_oob ? 32'(uop_dst) : 32'(uop_src);
  assign err_row_o   = dst_oob ? 32'(dst_idx) : 32'(src_idx);
  assign err_i_o     = 32'(i_c);
  assign err_j_o     = 32'(j_c);

  // ---------------------------------------------------------------------------------------------------------
  // Lanes: slot l of chunk c works on row lane c * Lanes + l.
  // ---------------------------------------------------------------------------------------------------------
  logic [AccRowW-1:0] dst_row, src_row;
  assign dst_row = acc_dst_rdata_i[AccRowW-1:0];
  assign src_row = acc_src_rdata_i[AccRowW-1:0];

  // The immediate as B: sign-extended to the lane (ImmBits is the accumulator width, D.ImmBits).
  logic [AccBits-1:0] imm_b;
  assign imm_b = AccBits'($signed(imm_c));

  logic [Lanes-1:0][AccBits-1:0] slot_x, slot_b, slot_res;
  // Idle lanes get a mov (their results are not written): the simulator skips the other operations' logic.
  logic [OpBits-1:0] lane_op;
  assign lane_op = issue ? op_c : OpBits'(ALU_MOV);

  for (genvar l = 0; l < Lanes; l++) begin : g_slot
    // The row lane of each chunk for this slot; a slot past the row in the last chunk computes on zeros and
    // its result is dropped.
    logic [AccBits-1:0] cand_x[Chunks];
    logic [AccBits-1:0] cand_s[Chunks];
    for (genvar k = 0; k < Chunks; k++) begin : g_chunk
      if (k * Lanes + l < RowLanes) begin : g_in
        assign cand_x[k] = dst_row[(k*Lanes+l)*AccBits +: AccBits];
        assign cand_s[k] = src_row[(k*Lanes+l)*AccBits +: AccBits];
      end else begin : g_past
        assign cand_x[k] = '0;
        assign cand_s[k] = '0;
      end
    end
    if (Chunks == 1) begin : g_one
      assign slot_x[l] = cand_x[0];
      assign slot_b[l] = use_imm_c ? imm_b : cand_s[0];
    end else begin : g_mux
      assign slot_x[l] = cand_x[c_c];
      assign slot_b[l] = use_imm_c ? imm_b : cand_s[c_c];
    end

    npu_alu_lane #(
      .AccBits(AccBits),
      .OutBits(OutBits),
      .ImmBits(ImmBits),
      .ShiftBits(ShiftBits),
      .LutDepth(LutDepth)
    ) u_lane (
      .op_i   (lane_op),
      .x_i    (slot_x[l]),
      .b_i    (slot_b[l]),
      .imm_i  (imm_c),
      .imm2_i (imm2_c),
      .shift_i(shift_c),
      .lut_i  (lut_i),
      .res_o  (slot_res[l])
    );
  end

  // The written row: this chunk's lanes from the ALU, the others as read.
  logic [AccRowW-1:0]          new_row;
  logic [RowLanes*OutBits-1:0] out_row;
  for (genvar r = 0; r < RowLanes; r++) begin : g_row
    logic [AccBits-1:0] lane_new;
    if (Chunks == 1) begin : g_one
      assign lane_new = slot_res[r];
    end else begin : g_mux
      assign lane_new = (c_c == ChunkW'(r / Lanes)) ? slot_res[r % Lanes] : dst_row[r*AccBits +: AccBits];
    end
    assign new_row[r*AccBits +: AccBits] = lane_new;
    assign out_row[r*OutBits +: OutBits] = lane_new[OutBits-1:0];
  end

  assign acc_we_o    = issue;
  assign acc_waddr_o = d_addr;
  assign acc_wdata_o = (AccRowBytes*8)'(new_row);
  assign out_we_o    = issue && (32'(d_addr) < OutDepth);
  assign out_waddr_o = OutAw'(d_addr);
  assign out_wdata_o = (OutRowBytes*8)'(out_row);

  // ---------------------------------------------------------------------------------------------------------
  // done_o La cycles after the last chunk (cycle E - 1), busy_o over [S, E).
  // ---------------------------------------------------------------------------------------------------------
  if (La == 0) begin : g_no_drain
    assign done_o = issue & last;
  end else begin : g_drain
    localparam int unsigned DrainW = (La > 1) ? $clog2(La) : 1;
    logic              drain_q;
    logic [DrainW-1:0] drain_cnt_q;   // drain cycles left after this one
    assign done_o = drain_q && (drain_cnt_q == '0);
    always_ff @(posedge clk_i) begin
      if (!rst_ni) begin
        drain_q <= 1'b0;
      end else if (issue && last) begin
        drain_q <= 1'b1;
      end else if (done_o) begin
        drain_q <= 1'b0;
      end
    end
    always_ff @(posedge clk_i) begin
      if (issue && last) begin
        drain_cnt_q <= DrainW'(La - 1);
      end else if (drain_q) begin
        drain_cnt_q <= drain_cnt_q - DrainW'(1);
      end
    end
  end

  assign uop_o = issue && last_c;

  logic busy_q;
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
  // Only the ALU fields are used; opcode and token flags are the controller's.
  logic [INSN_BITS-1:0] unused_insn;
  /* verilator lint_on UNUSED */
  assign unused_insn = insn_i;

endmodule
