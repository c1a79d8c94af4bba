// Accumulator footprints of queued GEMM/ALU instructions for the alu.concurrent issue rule: scans their
// micro-ops in the micro-op buffer ahead of issue and keeps one hull per command-queue slot.
//
// The footprint (isa/src/Footprint.cpp) is the interval hull [min dst, max dst + dst span] over the
// instruction's micro-ops, dst span = (loop_out-1)*dst_out + (loop_in-1)*dst_in, plus for an ALU without
// use_imm the same hull of its src rows. The SystemC model computes it instantly when the instruction is taken
// up; here a scanner walks the compute queue in order and reads ScanLanes micro-ops per cycle (its own read
// ports on the uop buffer), so the hull is ready ahead of issue whenever the queue runs ahead of the unit.
//
// A micro-op LOAD rewrites the buffer: the scanner does not pass one until it has left the queue and ended
// (uop_busy_i low), since every instruction behind it reads the new contents. A footprint not yet computed
// when the issue rule needs it delays the instruction (a timing divergence from the model; the compute
// controller counts those cycles on fp_wait_o). A hull completed in a cycle is broadcast on done_* in that
// cycle, and the controller may use it for that cycle's start.
//
// When the scanner has caught up with the queue, it also looks at the instruction fetch offers to the queue
// this cycle (inc_*_i), so that one dispatched into an empty queue and starting at once (bypass) can have its
// hull in its dispatch cycle when its micro-ops fit in one cycle's lanes.
//
// An instruction that started without its footprint (the other pipe was idle, so no check was needed; often
// it never sat in the queue at all, bypassing it) is still wanted: the next instruction on the other pipe is
// checked against it. The controller names such instructions on wait_*_i (with their words), and the scanner
// takes them first, before the next queue entry: they are older, and needed now.
//
// The scanner reads its own copy of the micro-op buffer (the top keeps a shadow written like the buffer):
// the GEMM core's and the ALU's start-cycle reads depend on the start, which depends on done_*, and sharing
// one buffer's read-port array would make that a combinational loop at Verilator's variable level.
//
// Hull packing, FpW = 4*FpBits + 2 bits: {src_v, src_hi, src_lo, dst_v, dst_hi, dst_lo}, *_v = non-empty.
module npu_footprint import npu_isa_pkg::*; #(
  parameter int unsigned Depth     = int'(CFG_QUEUES_COMMAND_DEPTH),
  parameter int unsigned ScanLanes = 4,
  // Row numbers of a hull: a micro-op field plus two loop-count x step products (no overflow).
  parameter int unsigned FpBits    = int'(CFG_ISA_LOOP_BITS) + 2 + int'(
      (UOP_SRC_WIDTH > UOP_DST_WIDTH && UOP_SRC_WIDTH > ALU_SRC_OUT_WIDTH) ? UOP_SRC_WIDTH :
      (UOP_DST_WIDTH > ALU_SRC_OUT_WIDTH) ? UOP_DST_WIDTH : ALU_SRC_OUT_WIDTH),
  localparam int unsigned PtrW  = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned CntW  = $clog2(Depth + 1),
  localparam int unsigned UopAw = (UOP_DEPTH > 1) ? $clog2(UOP_DEPTH) : 1,
  localparam int unsigned FpW   = 4 * FpBits + 2
) (
  input  logic                                    clk_i,
  input  logic                                    rst_ni,
  input  logic                                    clear_i,
  // registered view of the compute command queue
  input  logic [PtrW-1:0]                         q_rd_ptr_i,
  input  logic [PtrW-1:0]                         q_wr_ptr_i,
  input  logic [CntW-1:0]                         q_count_i,
  input  logic [1:0]                              q_pop_cnt_i,   // entries leaving this cycle
  input  logic                                    q_push_i,      // slot q_wr_ptr_i is written this cycle
  // the instruction fetch offers to the queue this cycle (pushed iff q_push_i)
  input  logic                                    inc_valid_i,
  input  logic [31:0]                             inc_idx_i,
  input  logic [INSN_BITS-1:0]                    inc_word_i,
  output logic [PtrW-1:0]                         q_peek_ptr_o,
  input  logic [31:0]                             q_peek_idx_i,
  input  logic [INSN_BITS-1:0]                    q_peek_word_i,
  // a micro-op LOAD runs (started, not yet ended)
  input  logic                                    uop_busy_i,
  // pipes running an instruction whose footprint is still wanted
  input  logic [1:0]                              wait_valid_i,
  input  logic [1:0][31:0]                        wait_idx_i,
  input  logic [1:0][INSN_BITS-1:0]               wait_word_i,
  // micro-op buffer read ports (asynchronous)
  output logic [ScanLanes-1:0][UopAw-1:0]         uop_addr_o,
  input  logic [ScanLanes-1:0][UOP_ROW_BYTES*8-1:0] uop_data_i,
  // hulls of the two oldest queue entries
  output logic [1:0]                              head_rdy_o,
  output logic [1:0][FpW-1:0]                     head_fp_o,
  // a hull completed this cycle
  output logic                                    done_o,
  output logic [31:0]                             done_idx_o,
  output logic [FpW-1:0]                          done_fp_o
);

  localparam int unsigned UiW = int'(GEMM_UOP_END_WIDTH);   // micro-op index incl. one past the end
  localparam int unsigned LpW = int'(CFG_ISA_LOOP_BITS);

  function automatic logic [PtrW-1:0] ptr_add(logic [PtrW-1:0] p, int unsigned n);
    int unsigned s;
    s = int'(p) + n;
    if (s >= Depth) s = s - Depth;
    return PtrW'(s);
  endfunction

  // ---------------------------------------------------------------------------------------------------------
  // Per-slot hull memory and ready bits
  logic [FpW-1:0]   fp_mem_q [Depth];
  logic [Depth-1:0] rdy_q, rdy_d;

  // ---------------------------------------------------------------------------------------------------------
  // Scanner state
  logic [CntW-1:0]   lag_q, lag_d;         // queue entries before the next one to look at
  logic              scan_q, scan_d;       // scanning cur_*
  logic [31:0]       cur_idx_q;
  logic [PtrW-1:0]   cur_slot_q;
  logic [UiW-1:0]    cur_u_q, cur_end_q;
  logic [FpBits-1:0] cur_dspan_q, cur_sspan_q;
  logic              cur_src_q;
  logic              cur_pipe_q;           // cur_* came from a pipe (wait_*_i), not from the queue
  logic [FpBits-1:0] dmin_q, dmax_q, smin_q, smax_q;
  logic              dv_q, sv_q;

  // ---------------------------------------------------------------------------------------------------------
  // The entry the scanner looks at
  logic [PtrW-1:0] sc_ptr;
  logic            entry_in;
  assign sc_ptr = ptr_add(q_rd_ptr_i, int'(lag_q));
  assign entry_in = lag_q < q_count_i;
  assign q_peek_ptr_o = sc_ptr;

  // A running instruction that still wants its hull comes first.
  logic                 pipe_go, psel;
  logic [INSN_BITS-1:0] src_word;
  logic [31:0]          src_idx;
  assign pipe_go = !scan_q && wait_valid_i != 2'b00;
  assign psel = !wait_valid_i[0];
  assign src_word = pipe_go ? wait_word_i[psel] : entry_in ? q_peek_word_i : inc_word_i;
  assign src_idx = pipe_go ? wait_idx_i[psel] : entry_in ? q_peek_idx_i : inc_idx_i;

  logic [2:0]        w_op, w_mem;
  logic              w_gemm, w_alu, w_uop_load, w_trivial, w_src;
  logic [UiW-1:0]    w_begin, w_end;
  logic [LpW-1:0]    w_lo, w_li;
  logic [FpBits-1:0] w_dout, w_din, w_sout, w_sin, w_dspan, w_sspan;

  assign w_op = src_word[int'(COMMON_OPCODE_LSB) +: 3];
  assign w_mem = src_word[int'(MEM_MEM_LSB) +: 3];
  assign w_gemm = w_op == 3'(OPCODE_GEMM);
  assign w_alu = w_op == 3'(OPCODE_ALU);
  // Only a micro-op LOAD that moves data rewrites the buffer (a token-only one, y = 0 or x = 0, does not).
  assign w_uop_load = w_op == 3'(OPCODE_LOAD) && w_mem == 3'(MEM_UOP)
                   && src_word[int'(MEM_Y_LSB) +: int'(MEM_Y_WIDTH)] != '0
                   && src_word[int'(MEM_X_LSB) +: int'(MEM_X_WIDTH)] != '0;

  always_comb begin
    if (w_gemm) begin
      w_begin = UiW'(src_word[int'(GEMM_UOP_BEGIN_LSB) +: int'(GEMM_UOP_BEGIN_WIDTH)]);
      w_end   = src_word[int'(GEMM_UOP_END_LSB) +: UiW];
      w_lo    = src_word[int'(GEMM_LOOP_OUT_LSB) +: LpW];
      w_li    = src_word[int'(GEMM_LOOP_IN_LSB) +: LpW];
      w_dout  = FpBits'(src_word[int'(GEMM_DST_OUT_LSB) +: int'(GEMM_DST_OUT_WIDTH)]);
      w_din   = FpBits'(src_word[int'(GEMM_DST_IN_LSB) +: int'(GEMM_DST_IN_WIDTH)]);
      w_sout  = '0;
      w_sin   = '0;
      w_src   = 1'b0;
    end else begin
      w_begin = UiW'(src_word[int'(ALU_UOP_BEGIN_LSB) +: int'(ALU_UOP_BEGIN_WIDTH)]);
      w_end   = src_word[int'(ALU_UOP_END_LSB) +: UiW];
      w_lo    = src_word[int'(ALU_LOOP_OUT_LSB) +: LpW];
      w_li    = src_word[int'(ALU_LOOP_IN_LSB) +: LpW];
      w_dout  = FpBits'(src_word[int'(ALU_DST_OUT_LSB) +: int'(ALU_DST_OUT_WIDTH)]);
      w_din   = FpBits'(src_word[int'(ALU_DST_IN_LSB) +: int'(ALU_DST_IN_WIDTH)]);
      w_sout  = FpBits'(src_word[int'(ALU_SRC_OUT_LSB) +: int'(ALU_SRC_OUT_WIDTH)]);
      w_sin   = FpBits'(src_word[int'(ALU_SRC_IN_LSB) +: int'(ALU_SRC_IN_WIDTH)]);
      w_src   = !src_word[int'(ALU_USE_IMM_LSB)];
    end
  end
  // No micro-op runs (n = 0): the hull is empty; the controller knows that from the word itself.
  assign w_trivial = w_begin >= w_end || w_lo == '0 || w_li == '0;
  logic [LpW-1:0] w_lo1, w_li1;
  assign w_lo1 = w_lo - LpW'(1);
  assign w_li1 = w_li - LpW'(1);
  assign w_dspan = FpBits'(w_lo1) * w_dout + FpBits'(w_li1) * w_din;
  assign w_sspan = FpBits'(w_lo1) * w_sout + FpBits'(w_li1) * w_sin;

  // ---------------------------------------------------------------------------------------------------------
  // One scan step: ScanLanes micro-ops from u_base, folded into the running min/max.
  logic              idle_go, inc_go, idle_scan, step, last, abort, wanted, in_queue;
  logic [UiW-1:0]    u_base, u_end;
  logic [FpBits-1:0] dspan, sspan;
  logic              use_src;
  logic [FpBits-1:0] dmin, dmax, smin, smax;
  logic              dv, sv;
  logic [PtrW-1:0]   slot;
  logic [31:0]       idx;

  assign idle_go = !scan_q && !pipe_go && entry_in && !uop_busy_i;
  // The offered instruction: only when its hull completes this cycle (else the walker takes it next cycle).
  assign inc_go = !scan_q && !pipe_go && !entry_in && !uop_busy_i && inc_valid_i;
  assign idle_scan = (pipe_go || (idle_go && (w_gemm || w_alu)) || (inc_go && (w_gemm || w_alu) && last))
                  && !w_trivial;
  assign wanted = (wait_valid_i[0] && wait_idx_i[0] == cur_idx_q)
               || (wait_valid_i[1] && wait_idx_i[1] == cur_idx_q);
  // The current instruction is neither queued nor waited for by a pipe (it ended): drop it.
  assign abort = scan_q && !in_queue && !wanted;
  assign step = idle_scan || (scan_q && !abort);

  assign u_base  = scan_q ? cur_u_q : w_begin;
  assign u_end   = scan_q ? cur_end_q : w_end;
  assign dspan   = scan_q ? cur_dspan_q : w_dspan;
  assign sspan   = scan_q ? cur_sspan_q : w_sspan;
  assign use_src = scan_q ? cur_src_q : w_src;
  assign slot    = scan_q ? cur_slot_q : inc_go ? q_wr_ptr_i : sc_ptr;
  assign idx     = scan_q ? cur_idx_q : src_idx;
  assign last    = int'(u_base) + ScanLanes >= int'(u_end);
  // While scanning, a queue entry is still queued iff an entry precedes the next one to look at. An offered
  // instruction is stored only if it is pushed (below).
  assign in_queue = scan_q ? !cur_pipe_q && lag_q != '0 : idle_go;

  for (genvar l = 0; l < ScanLanes; l++) begin : g_addr
    assign uop_addr_o[l] = UopAw'(int'(u_base) + l);
  end

  always_comb begin
    logic [FpBits-1:0] ud, us;
    ud = '0;
    us = '0;
    dv = scan_q && dv_q;
    sv = scan_q && sv_q;
    dmin = dmin_q;
    dmax = dmax_q;
    smin = smin_q;
    smax = smax_q;
    for (int l = 0; l < ScanLanes; l++) begin
      if (int'(u_base) + l < int'(u_end)) begin
        ud = FpBits'(uop_data_i[l][int'(UOP_DST_LSB) +: int'(UOP_DST_WIDTH)]);
        us = FpBits'(uop_data_i[l][int'(UOP_SRC_LSB) +: int'(UOP_SRC_WIDTH)]);
        if (!dv || ud < dmin) dmin = ud;
        if (!dv || ud > dmax) dmax = ud;
        dv = 1'b1;
        if (use_src) begin
          if (!sv || us < smin) smin = us;
          if (!sv || us > smax) smax = us;
          sv = 1'b1;
        end
      end
    end
  end

  logic [FpW-1:0] fp_new;
  assign fp_new = {sv, smax + sspan, smin, dv, dmax + dspan, dmin};

  assign done_o = step && last;
  assign done_idx_o = idx;
  assign done_fp_o = fp_new;

  // ---------------------------------------------------------------------------------------------------------
  // Next state
  logic adv;
  always_comb begin
    adv = 1'b0;
    if (idle_go) begin
      // Stop at a micro-op LOAD: it leaves the queue when it starts (lag_d then skips it) and uop_busy_i holds
      // the scanner until it ends.
      adv = !w_uop_load;
    end else if (inc_go && q_push_i) begin
      // The offered instruction enters the queue: the walker need not look at it again if its hull is done
      // or it has none to compute (never past a micro-op LOAD).
      adv = !w_uop_load && (done_o || !(w_gemm || w_alu) || w_trivial);
    end
    lag_d = lag_q + CntW'(adv);
    lag_d = (lag_d > CntW'(q_pop_cnt_i)) ? lag_d - CntW'(q_pop_cnt_i) : '0;
    scan_d = scan_q ? !(abort || last) : (idle_scan && !last);
  end

  always_comb begin
    rdy_d = rdy_q;
    if (done_o && in_queue) rdy_d[slot] = 1'b1;
    if (q_push_i) rdy_d[q_wr_ptr_i] = inc_go && done_o;   // a new instruction in that slot
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      lag_q <= '0;
      scan_q <= 1'b0;
      rdy_q <= '0;
      dv_q <= 1'b0;
      sv_q <= 1'b0;
    end else begin
      lag_q <= lag_d;
      scan_q <= scan_d;
      rdy_q <= rdy_d;
      if (step) begin
        dv_q <= dv;
        sv_q <= sv;
      end
    end
  end

  // Datapath registers: meaningful only while scan_q is set.
  always_ff @(posedge clk_i) begin
    if (idle_scan) begin
      cur_pipe_q <= pipe_go;
      cur_idx_q <= src_idx;
      cur_slot_q <= sc_ptr;
      cur_end_q <= w_end;
      cur_dspan_q <= w_dspan;
      cur_sspan_q <= w_sspan;
      cur_src_q <= w_src;
    end
    if (step) begin
      cur_u_q <= UiW'(int'(u_base) + ScanLanes);
      dmin_q <= dmin;
      dmax_q <= dmax;
      smin_q <= smin;
      smax_q <= smax;
    end
    if (done_o && (in_queue || (inc_go && q_push_i))) begin
      fp_mem_q[slot] <= fp_new;
    end
  end

  // ---------------------------------------------------------------------------------------------------------
  // Hulls of the two oldest entries (an entry fetch offers for bypass has none yet)
  logic [PtrW-1:0] rd1;
  assign rd1 = ptr_add(q_rd_ptr_i, 1);
  assign head_rdy_o[0] = q_count_i >= CntW'(1) && rdy_q[q_rd_ptr_i];
  assign head_rdy_o[1] = q_count_i >= CntW'(2) && rdy_q[rd1];
  assign head_fp_o[0] = fp_mem_q[q_rd_ptr_i];
  assign head_fp_o[1] = fp_mem_q[rd1];

endmodule
