// Accumulator footprints of queued GEMM/ALU instructions for the alu.concurrent issue rule: scans their
// micro-ops in the micro-op buffer ahead of issue and keeps one hull per command-queue slot.
//
// The footprint (isa/src/Footprint.cpp) is the interval hull [min dst, max dst + dst span] over the
// instruction's micro-ops, dst span = (loop_out-1)*dst_out + (loop_in-1)*dst_in, plus for an ALU without
// use_imm the same hull of its src rows. docs/timing.md (timing::FootprintScanner) says when it is known: the
// scanner reads TIMING_FOOTPRINT_SCAN_LANES micro-ops per cycle, one instruction at a time in program order;
// the scan of k starts at P(k) = max(D(k) + 1, F, E(L)) and the hull is usable from P(k) + ceil(r / lanes),
// r = uop_end - uop_begin, F the cycle the scanner left the previous instruction, L the last micro-op LOAD
// that moved data. An instruction that ends before its hull is complete is left at its end.
//
// Which instructions: those with micro-ops (n > 0; the others' hull is empty and known from the word). A
// scan list keeps the command-queue slots of such instructions in order (and of micro-op LOADs, which stop
// the scanner until they have left the queue and ended: every instruction behind one reads the new buffer).
// An entry leaves the list when the scanner takes it or when it leaves the command queue: an instruction
// that starts before the scanner took it either runs on its pipe without a hull (the compute controller names
// it on wait_*_i, and the scanner takes it first: it is older than any list entry) or has ended (it needs no
// hull any more). So skipping costs no cycle, as the rule says.
//
// The results are registered: a hull completed in cycle t (done_*) is usable from t + 1, in the slot's ready
// bit (head_*) or, for an instruction that has left the queue, in the controller's pipe state.
//
// The scanner reads its own copy of the micro-op buffer (the top keeps a shadow written like the buffer):
// the GEMM core's and the ALU's start-cycle reads depend on the start, and sharing one buffer's read-port
// array would make a combinational loop at Verilator's variable level.
//
// Hull packing, FpW = 4*FpBits + 2 bits: {src_v, src_hi, src_lo, dst_v, dst_hi, dst_lo}, *_v = non-empty.
module npu_footprint import npu_isa_pkg::*; #(
  parameter int unsigned Depth     = int'(CFG_QUEUES_COMMAND_DEPTH),
  parameter int unsigned ScanLanes = int'(TIMING_FOOTPRINT_SCAN_LANES),
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
  input  logic [1:0]                              q_pop_cnt_i,   // entries leaving this cycle (oldest first)
  input  logic                                    q_push_i,      // slot q_wr_ptr_i is written this cycle ...
  input  logic [INSN_BITS-1:0]                    q_push_word_i, // ... with this instruction
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
  // a hull completed this cycle (usable from the next)
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

  // Decoded fields of an instruction word.
  typedef struct packed {
    logic             scan;      // a GEMM/ALU with micro-ops (n > 0)
    logic             uop_load;  // a micro-op LOAD that moves data
    logic [UiW-1:0]   ubegin;
    logic [UiW-1:0]   uend;
    logic [FpBits-1:0] dspan;
    logic [FpBits-1:0] sspan;
    logic             src;
  } dec_t;

  function automatic dec_t decode(logic [INSN_BITS-1:0] w);
    dec_t d;
    logic [2:0] op;
    logic gemm, alu;
    logic [LpW-1:0] lo, li, lo1, li1;
    logic [FpBits-1:0] dout, din, sout, sin;
    op = w[int'(COMMON_OPCODE_LSB) +: 3];
    gemm = op == 3'(OPCODE_GEMM);
    alu = op == 3'(OPCODE_ALU);
    if (gemm) begin
      d.ubegin = UiW'(w[int'(GEMM_UOP_BEGIN_LSB) +: int'(GEMM_UOP_BEGIN_WIDTH)]);
      d.uend   = w[int'(GEMM_UOP_END_LSB) +: UiW];
      lo       = w[int'(GEMM_LOOP_OUT_LSB) +: LpW];
      li       = w[int'(GEMM_LOOP_IN_LSB) +: LpW];
      dout     = FpBits'(w[int'(GEMM_DST_OUT_LSB) +: int'(GEMM_DST_OUT_WIDTH)]);
      din      = FpBits'(w[int'(GEMM_DST_IN_LSB) +: int'(GEMM_DST_IN_WIDTH)]);
      sout     = '0;
      sin      = '0;
      d.src    = 1'b0;
    end else begin
      d.ubegin = UiW'(w[int'(ALU_UOP_BEGIN_LSB) +: int'(ALU_UOP_BEGIN_WIDTH)]);
      d.uend   = w[int'(ALU_UOP_END_LSB) +: UiW];
      lo       = w[int'(ALU_LOOP_OUT_LSB) +: LpW];
      li       = w[int'(ALU_LOOP_IN_LSB) +: LpW];
      dout     = FpBits'(w[int'(ALU_DST_OUT_LSB) +: int'(ALU_DST_OUT_WIDTH)]);
      din      = FpBits'(w[int'(ALU_DST_IN_LSB) +: int'(ALU_DST_IN_WIDTH)]);
      sout     = FpBits'(w[int'(ALU_SRC_OUT_LSB) +: int'(ALU_SRC_OUT_WIDTH)]);
      sin      = FpBits'(w[int'(ALU_SRC_IN_LSB) +: int'(ALU_SRC_IN_WIDTH)]);
      d.src    = !w[int'(ALU_USE_IMM_LSB)];
    end
    d.scan = (gemm || alu) && d.ubegin < d.uend && lo != '0 && li != '0;
    // Only a micro-op LOAD that moves data rewrites the buffer (a token-only one, y = 0 or x = 0, does not).
    d.uop_load = op == 3'(OPCODE_LOAD) && w[int'(MEM_MEM_LSB) +: 3] == 3'(MEM_UOP)
              && w[int'(MEM_Y_LSB) +: int'(MEM_Y_WIDTH)] != '0 && w[int'(MEM_X_LSB) +: int'(MEM_X_WIDTH)] != '0;
    lo1 = lo - LpW'(1);
    li1 = li - LpW'(1);
    d.dspan = FpBits'(lo1) * dout + FpBits'(li1) * din;
    d.sspan = FpBits'(lo1) * sout + FpBits'(li1) * sin;
    return d;
  endfunction

  // ---------------------------------------------------------------------------------------------------------
  // Per-slot hull memory and ready bits
  logic [FpW-1:0]   fp_mem_q [Depth];
  logic [Depth-1:0] rdy_q, rdy_d;

  // ---------------------------------------------------------------------------------------------------------
  // Scan list: {uop_load, slot} of the queued instructions the scanner has not taken yet, oldest first
  logic [PtrW:0]   ls_mem_q [Depth];
  logic [PtrW-1:0] ls_rd_q, ls_wr_q;
  logic [CntW-1:0] ls_cnt_q;
  logic [PtrW-1:0] ls_slot0, ls_slot1;
  logic            ls_uop0;
  assign {ls_uop0, ls_slot0} = ls_mem_q[ls_rd_q];
  assign ls_slot1 = ls_mem_q[ptr_add(ls_rd_q, 1)][PtrW-1:0];

  // Slots leaving the command queue this cycle: the stored entries among the pops (a pop beyond q_count_i is
  // the entry fetch offers for bypass, which never enters the list).
  logic [1:0]      popped;
  logic [PtrW-1:0] pop_slot0, pop_slot1;
  assign pop_slot0 = q_rd_ptr_i;
  assign pop_slot1 = ptr_add(q_rd_ptr_i, 1);
  assign popped[0] = q_pop_cnt_i >= 2'd1 && q_count_i >= CntW'(1);
  assign popped[1] = q_pop_cnt_i == 2'd2 && q_count_i >= CntW'(2);

  // ---------------------------------------------------------------------------------------------------------
  // Scanner state
  logic              scan_q;              // scanning cur_*
  logic              cur_inq_q, cur_inq_d; // cur_* is still in the command queue (not started)
  logic [31:0]       cur_idx_q;
  logic [PtrW-1:0]   cur_slot_q;
  logic [UiW-1:0]    cur_u_q, cur_end_q;
  logic [FpBits-1:0] cur_dspan_q, cur_sspan_q;
  logic              cur_src_q;
  logic [FpBits-1:0] dmin_q, dmax_q, smin_q, smax_q;
  logic              dv_q, sv_q;

  // The current instruction is still wanted while queued or running without its hull; once it has ended the
  // scanner leaves it in that same cycle.
  logic alive, busy, free, pipe_go, list_go, psel, step, last;
  assign alive = cur_inq_q || (wait_valid_i[0] && wait_idx_i[0] == cur_idx_q)
                           || (wait_valid_i[1] && wait_idx_i[1] == cur_idx_q);
  assign busy = scan_q && alive;
  assign free = !busy && !uop_busy_i;
  // A running instruction that still wants its hull is older than every list entry: it comes first.
  assign pipe_go = free && wait_valid_i != 2'b00;
  assign psel = !wait_valid_i[0];
  assign list_go = free && !pipe_go && ls_cnt_q != '0 && !ls_uop0;
  assign q_peek_ptr_o = ls_slot0;

  // The next instruction's fields (its scan/uop_load bits are known: list and pipe entries are scanned ones).
  /* verilator lint_off UNUSEDSIGNAL */
  dec_t nw;
  /* verilator lint_on UNUSEDSIGNAL */
  assign nw = decode(pipe_go ? wait_word_i[psel] : q_peek_word_i);

  logic [UiW-1:0]    u_base, u_end;
  logic [FpBits-1:0] dspan, sspan;
  logic              use_src;
  assign step    = busy || pipe_go || list_go;
  assign u_base  = busy ? cur_u_q : nw.ubegin;
  assign u_end   = busy ? cur_end_q : nw.uend;
  assign dspan   = busy ? cur_dspan_q : nw.dspan;
  assign sspan   = busy ? cur_sspan_q : nw.sspan;
  assign use_src = busy ? cur_src_q : nw.src;
  assign last    = int'(u_base) + ScanLanes >= int'(u_end);

  logic [PtrW-1:0] slot;
  logic [31:0]     idx;
  logic            inq;   // the instruction of this step is in the queue this cycle
  assign slot = busy ? cur_slot_q : ls_slot0;
  assign idx  = busy ? cur_idx_q : pipe_go ? wait_idx_i[psel] : q_peek_idx_i;
  assign inq  = busy ? cur_inq_q : list_go;

  for (genvar l = 0; l < ScanLanes; l++) begin : g_addr
    assign uop_addr_o[l] = UopAw'(int'(u_base) + l);
  end

  logic [FpBits-1:0] dmin, dmax, smin, smax;
  logic              dv, sv;
  always_comb begin
    logic [FpBits-1:0] ud, us;
    ud = '0;
    us = '0;
    dv = busy && dv_q;
    sv = busy && sv_q;
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
  logic         slot_popped;   // the step's slot leaves the queue this cycle
  logic [1:0]   ls_pop;
  logic         ls_push;
  /* verilator lint_off UNUSEDSIGNAL */
  dec_t         pw;     // the pushed instruction: only its kind matters here
  /* verilator lint_on UNUSEDSIGNAL */
  assign slot_popped = (popped[0] && pop_slot0 == slot) || (popped[1] && pop_slot1 == slot);
  assign cur_inq_d = inq && !slot_popped;
  assign pw = decode(q_push_word_i);
  // A pushed instruction that starts in this same cycle (bypass: more pops than stored entries) is not listed.
  assign ls_push = q_push_i && (pw.scan || pw.uop_load) && int'(q_pop_cnt_i) <= int'(q_count_i);

  always_comb begin
    // The list's entries are queue entries in order, and pops take the oldest queue entries: the popped slots
    // can only be the list's first entries (the second only after the first).
    ls_pop = 2'd0;
    if (ls_cnt_q != '0 && popped[0] && ls_slot0 == pop_slot0) begin
      ls_pop = (popped[1] && ls_cnt_q >= CntW'(2) && ls_slot1 == pop_slot1) ? 2'd2 : 2'd1;
    end else if (ls_cnt_q != '0 && popped[1] && ls_slot0 == pop_slot1) begin
      ls_pop = 2'd1;
    end
    // The scanner takes the first entry (counted once if it also leaves the queue).
    if (list_go && ls_pop == 2'd0) ls_pop = 2'd1;
  end

  always_comb begin
    rdy_d = rdy_q;
    if (done_o && inq) rdy_d[slot] = 1'b1;
    if (q_push_i) rdy_d[q_wr_ptr_i] = 1'b0;   // a new instruction in that slot
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      scan_q <= 1'b0;
      rdy_q <= '0;
      ls_rd_q <= '0;
      ls_wr_q <= '0;
      ls_cnt_q <= '0;
      dv_q <= 1'b0;
      sv_q <= 1'b0;
    end else begin
      scan_q <= step && !last;
      rdy_q <= rdy_d;
      ls_rd_q <= ptr_add(ls_rd_q, int'(ls_pop));
      ls_wr_q <= ptr_add(ls_wr_q, int'(ls_push));
      ls_cnt_q <= ls_cnt_q + CntW'(ls_push) - CntW'(ls_pop);
      if (step) begin
        dv_q <= dv;
        sv_q <= sv;
      end
    end
  end

  // Datapath registers: meaningful only while scan_q is set; the arrays are not reset.
  always_ff @(posedge clk_i) begin
    if (ls_push) begin
      ls_mem_q[ls_wr_q] <= {pw.uop_load, q_wr_ptr_i};
    end
    if (step && !busy) begin
      cur_idx_q <= idx;
      cur_slot_q <= slot;
      cur_end_q <= nw.uend;
      cur_dspan_q <= nw.dspan;
      cur_sspan_q <= nw.sspan;
      cur_src_q <= nw.src;
    end
    if (step) begin
      cur_inq_q <= cur_inq_d;
      cur_u_q <= UiW'(int'(u_base) + ScanLanes);
      dmin_q <= dmin;
      dmax_q <= dmax;
      smin_q <= smin;
      smax_q <= smax;
    end
    if (done_o && inq) begin
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
