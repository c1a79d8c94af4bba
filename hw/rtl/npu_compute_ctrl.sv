// The compute unit: micro-op/accumulator LOADs, GEMM, ALU and FINISH from the compute queue, serially
// (alu.concurrent: 0) or on a GEMM pipe and an ALU pipe with in-order issue (alu.concurrent: 1).
//
// Serial (docs/timing.md "Units and tokens"): one instruction at a time, like npu_unit_ctrl: start in the first
// cycle S >= max(D, E_prev) where its tokens hold, push at E.
//
// Dual pipe (docs/timing.md "The ALU pipe beside the GEMM core", simulator/systemc/src/Model.cpp dualPipeLoop):
// - issue in order, H(k) = max(D(k), S(k-1)): the two oldest queue entries are looked at, and a GEMM and an
//   ALU may start in the same cycle (at most one per pipe; never a non-pipe instruction beside another);
// - a GEMM/ALU starts when its own pipe is free (previous instruction ended: free in its end cycle E), the
//   instruction running on the other pipe has ended or both accumulator footprints are known (npu_footprint's
//   scanner) and do not meet, and the tokens hold; a GEMM/ALU with no micro-op (n = 0) still occupies its
//   pipe for one cycle;
// - the others (LOADs, FINISH) start only when both pipes are empty and hold both while they run;
// - tokens are pushed at in-order retirement R(k) = max(E(k), R(k-1)); a FIFO's room counts the pushes of
//   issued, unretired instructions (pending).
//
// Retirement without timestamps: the unretired instructions are always X (the oldest, running on one pipe),
// then W (ended, waiting for X; necessarily from the other pipe) and then at most one Y running on that other
// pipe. X's end retires X and W (and Y if it ends in the same cycle); Y's end alone moves Y into W. So the
// state is one "older" bit and the W push counts per FIFO.
//
// Same-cycle room: a pop in cycle S frees room for a push by a start in the same cycle S, across units. The
// SystemC model reaches the resulting set of starts by event-driven waits: its least fixpoint (a unit starts
// once the others' pops give it room). That fixpoint is computed here for all four candidates at once (load
// head, compute heads 0 and 1, store head) by a few rounds of the monotone start conditions, from the load and
// store units' credit-free ingredients; a chain such as "compute 0 pops l2c, so the load can push l2c, so its
// c2l pop lets compute 1 push c2l" resolves as in the model, and a genuine mutual wait stays a wait. The load
// and store units get back whether this unit pops the FIFO they push (credit_*_o).
//
// Event lanes: 0 = top lane 1 (GEMM pipe and non-pipe instructions), 1 = top lane 2 (ALU, in either mode).
module npu_compute_ctrl import npu_isa_pkg::*; #(
  parameter bit          AluConcurrent = CFG_ALU_CONCURRENT != 0,
  parameter int unsigned Qt = int'(CFG_QUEUES_TOKEN_DEPTH),
  parameter int unsigned FpBits = int'(CFG_ISA_LOOP_BITS) + 2 + int'(
      (UOP_SRC_WIDTH > UOP_DST_WIDTH && UOP_SRC_WIDTH > ALU_SRC_OUT_WIDTH) ? UOP_SRC_WIDTH :
      (UOP_DST_WIDTH > ALU_SRC_OUT_WIDTH) ? UOP_DST_WIDTH : ALU_SRC_OUT_WIDTH),
  localparam int unsigned CntW = $clog2(Qt + 1),
  localparam int unsigned FpW = 4 * FpBits + 2
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  input  logic                         clear_i,
  // the two oldest entries of the compute command queue
  input  logic [1:0]                   head_valid_i,
  input  logic [1:0][31:0]             head_idx_i,
  input  logic [1:0][INSN_BITS-1:0]    head_word_i,
  output logic [1:0]                   pop_cnt_o,
  // footprints (npu_footprint)
  input  logic [1:0]                   fp_rdy_i,
  input  logic [1:0][FpW-1:0]          fp_i,
  input  logic                         fp_done_i,
  input  logic [31:0]                  fp_done_idx_i,
  input  logic [FpW-1:0]               fp_done_fp_i,
  output logic [1:0]                   fp_wait_valid_o,
  output logic [1:0][31:0]             fp_wait_idx_o,
  output logic [1:0][INSN_BITS-1:0]    fp_wait_word_o, // for the scanner: such an instruction left the queue
  output logic                         uop_busy_o,     // a micro-op LOAD runs (S+1 .. E-1)
  // token FIFOs: pops l2c (pop_prev) and s2c (pop_next), pushes c2l (push_prev) and c2s (push_next)
  input  logic [CntW-1:0]              l2c_cnt_i,
  input  logic [CntW-1:0]              s2c_cnt_i,
  input  logic [CntW-1:0]              c2l_cnt_i,
  input  logic [CntW-1:0]              c2s_cnt_i,
  // the load and store units' credit-free start ingredients (npu_unit_ctrl ready_o/room_o/pops_o)
  input  logic                         l_ready_i,
  input  logic                         l_room_i,
  input  logic                         l_pops_i,
  input  logic                         s_ready_i,
  input  logic                         s_room_i,
  input  logic                         s_pops_i,
  output logic                         credit_l2c_o,   // this unit pops l2c this cycle (room for the load)
  output logic                         credit_s2c_o,   // this unit pops s2c this cycle (room for the store)
  output logic [1:0]                   pop_l2c_o,
  output logic [1:0]                   pop_s2c_o,
  output logic [CntW-1:0]              push_c2l_o,
  output logic [CntW-1:0]              push_c2s_o,
  // engines
  output logic                         gemm_start_o,
  output logic [INSN_BITS-1:0]         gemm_insn_o,
  input  logic                         gemm_done_i,
  output logic                         alu_start_o,
  output logic [INSN_BITS-1:0]         alu_insn_o,
  input  logic                         alu_done_i,
  output logic                         dma_start_o,
  output logic [INSN_BITS-1:0]         dma_insn_o,
  input  logic                         dma_done_i,
  // events: [0] GEMM pipe / non-pipe (top lane 1), [1] ALU (top lane 2)
  output logic [1:0]                   ev_start_o,
  output logic [1:0][31:0]             ev_start_idx_o,
  output logic [1:0]                   ev_end_o,
  output logic [1:0][31:0]             ev_end_idx_o,
  output logic                         stall_o,        // the oldest entry waits
  output logic                         fp_wait_o,      // ... only because a footprint is not computed yet
  // activity (performance counters): an instruction of the unit / a GEMM / an ALU instruction in [S, E)
  output logic                         act_o,
  output logic                         gemm_act_o,
  output logic                         alu_act_o
);

  localparam logic [1:0] ClsGemm = 2'd0, ClsAlu = 2'd1, ClsNone = 2'd2;
  localparam logic [1:0] EngGemm = 2'd0, EngAlu = 2'd1, EngDma = 2'd2;
  localparam int unsigned LpW = int'(CFG_ISA_LOOP_BITS);
  localparam int unsigned UiW = int'(GEMM_UOP_END_WIDTH);   // micro-op index incl. one past the end

  function automatic logic meets(logic [FpBits-1:0] alo, logic [FpBits-1:0] ahi, logic av,
                                 logic [FpBits-1:0] blo, logic [FpBits-1:0] bhi, logic bv);
    return av && bv && alo <= bhi && blo <= ahi;
  endfunction

  // isa::AccFootprint::conflicts: one's destination meets the other's destination or source.
  function automatic logic conflict(logic [FpW-1:0] a, logic [FpW-1:0] b);
    logic [FpBits-1:0] a_dlo, a_dhi, a_slo, a_shi, b_dlo, b_dhi, b_slo, b_shi;
    logic a_dv, a_sv, b_dv, b_sv;
    {a_sv, a_shi, a_slo, a_dv, a_dhi, a_dlo} = a;
    {b_sv, b_shi, b_slo, b_dv, b_dhi, b_dlo} = b;
    return meets(a_dlo, a_dhi, a_dv, b_dlo, b_dhi, b_dv) || meets(a_dlo, a_dhi, a_dv, b_slo, b_shi, b_sv)
        || meets(a_slo, a_shi, a_sv, b_dlo, b_dhi, b_dv);
  endfunction

  // ---------------------------------------------------------------------------------------------------------
  // Decode of the two heads
  logic [1:0]           d_gemm, d_alu, d_load, d_uop, d_zero, d_one;
  logic [1:0]           d_popp, d_popn;
  logic [1:0][1:0]      d_push;          // [head][0: c2l (push_prev), 1: c2s (push_next)]
  logic [1:0][1:0]      d_cls;
  logic [1:0]           d_lane;          // event lane: 1 for ALU
  logic [1:0]           fp_ok;
  logic [1:0][FpW-1:0]  fp;

  for (genvar h = 0; h < 2; h++) begin : g_dec
    logic [INSN_BITS-1:0] w;
    logic [2:0]           op, mem;
    logic                 g_zero, a_zero, xfer;
    assign w = head_word_i[h];
    assign op = w[int'(COMMON_OPCODE_LSB) +: 3];
    assign mem = w[int'(MEM_MEM_LSB) +: 3];
    assign d_gemm[h] = op == 3'(OPCODE_GEMM);
    assign d_alu[h] = op == 3'(OPCODE_ALU);
    assign d_load[h] = op == 3'(OPCODE_LOAD);
    assign d_uop[h] = d_load[h] && mem == 3'(MEM_UOP);
    // n = (uop_end - uop_begin) * loop_out * loop_in is zero: a one-cycle instruction without the engine.
    assign g_zero = w[int'(GEMM_UOP_END_LSB) +: UiW]
                    <= UiW'(w[int'(GEMM_UOP_BEGIN_LSB) +: int'(GEMM_UOP_BEGIN_WIDTH)])
                 || w[int'(GEMM_LOOP_OUT_LSB) +: LpW] == '0 || w[int'(GEMM_LOOP_IN_LSB) +: LpW] == '0;
    assign a_zero = w[int'(ALU_UOP_END_LSB) +: UiW]
                    <= UiW'(w[int'(ALU_UOP_BEGIN_LSB) +: int'(ALU_UOP_BEGIN_WIDTH)])
                 || w[int'(ALU_LOOP_OUT_LSB) +: LpW] == '0 || w[int'(ALU_LOOP_IN_LSB) +: LpW] == '0;
    assign d_zero[h] = d_gemm[h] ? g_zero : a_zero;
    assign xfer = w[int'(MEM_Y_LSB) +: int'(MEM_Y_WIDTH)] != '0 && w[int'(MEM_X_LSB) +: int'(MEM_X_WIDTH)] != '0;
    // FINISH, token-only LOADs, n = 0 GEMM/ALU (and anything else that reaches this queue): one cycle.
    assign d_one[h] = d_load[h] ? !xfer : (d_gemm[h] || d_alu[h]) ? d_zero[h] : 1'b1;
    assign d_popp[h] = w[int'(COMMON_POP_PREV_LSB)];
    assign d_popn[h] = w[int'(COMMON_POP_NEXT_LSB)];
    assign d_push[h] = {w[int'(COMMON_PUSH_NEXT_LSB)], w[int'(COMMON_PUSH_PREV_LSB)]};
    assign d_cls[h] = !AluConcurrent ? ClsNone : d_gemm[h] ? ClsGemm : d_alu[h] ? ClsAlu : ClsNone;
    assign d_lane[h] = d_alu[h];
    // The footprint: empty without micro-ops, else from the scanner once it is known (registered: a hull
    // completed in cycle t is usable from t + 1, docs/timing.md).
    assign fp_ok[h] = d_zero[h] || fp_rdy_i[h];
    assign fp[h] = d_zero[h] ? '0 : fp_i[h];
  end

  // ---------------------------------------------------------------------------------------------------------
  // State
  logic [1:0]           run_q, run_d;          // pipe 0 GEMM, 1 ALU: runs a multi-cycle instruction
  logic [1:0][31:0]     pidx_q, pidx_d;
  logic [1:0][1:0]      ppush_q, ppush_d;      // [pipe][fifo]
  logic [1:0]           pfp_rdy_q, pfp_rdy_d;
  logic [1:0][FpW-1:0]  pfp_q, pfp_d;
  logic [1:0][INSN_BITS-1:0] pword_q, pword_d;
  logic                 older_q, older_d;      // the pipe of X while both run
  logic [1:0][CntW-1:0] wait_q, wait_d;        // [fifo] pushes of W
  logic                 n_busy_q, n_busy_d;    // a non-pipe engine instruction runs (serial: any)
  logic [31:0]          n_idx_q, n_idx_d;
  logic [1:0]           n_push_q, n_push_d;
  logic [1:0]           n_eng_q, n_eng_d;
  logic                 n_lane_q, n_lane_d;
  logic                 n_uop_q, n_uop_d;

  logic [1:0] pdone;
  logic       n_done;
  assign pdone[0] = run_q[0] && gemm_done_i;
  assign pdone[1] = run_q[1] && alu_done_i;
  assign n_done = n_busy_q && (n_eng_q == EngGemm ? gemm_done_i : n_eng_q == EngAlu ? alu_done_i : dma_done_i);

  // Pending pushes of issued, unretired instructions, per FIFO.
  int unsigned pend [2];
  always_comb begin
    for (int f = 0; f < 2; f++) begin
      pend[f] = int'(wait_q[f]) + int'(run_q[0] && ppush_q[0][f]) + int'(run_q[1] && ppush_q[1][f]);
    end
  end

  // The running instructions' hulls, once known.
  logic [1:0]          pfp_ok;
  logic [1:0][FpW-1:0] pfp;
  assign pfp_ok = pfp_rdy_q;
  assign pfp = pfp_q;

  // ---------------------------------------------------------------------------------------------------------
  // Issue
  logic struct0, struct1, fpblk0, fpblk1;
  logic tok0, tok1, start0, start1;
  int unsigned cnt_c2l, cnt_c2s;

  assign cnt_c2l = int'(c2l_cnt_i) + pend[0];
  assign cnt_c2s = int'(c2s_cnt_i) + pend[1];

  always_comb begin
    logic [1:0] p0, p1;
    p0 = d_cls[0];
    p1 = d_cls[1];
    struct0 = 1'b0;
    fpblk0 = 1'b0;
    if (head_valid_i[0] && !n_busy_q) begin
      if (p0 == ClsNone) begin
        struct0 = !run_q[0] && !run_q[1];
      end else if (!run_q[p0[0]]) begin
        if (!run_q[!p0[0]] || d_zero[0]) begin
          // The other pipe is idle, or this hull is empty (n = 0): nothing to check.
          struct0 = 1'b1;
        end else if (fp_ok[0] && pfp_ok[!p0[0]]) begin
          struct0 = !conflict(fp[0], pfp[!p0[0]]);
        end else begin
          fpblk0 = 1'b1;
        end
      end
    end
    // The second entry only beside the first, on the other pipe, checked against the first's footprint.
    struct1 = 1'b0;
    fpblk1 = 1'b0;
    if (AluConcurrent && head_valid_i[1] && p0 != ClsNone && p1 != ClsNone && p1 != p0 && !run_q[p1[0]]) begin
      if (d_zero[0] || d_zero[1]) begin
        struct1 = 1'b1;
      end else if (fp_ok[0] && fp_ok[1]) begin
        struct1 = !conflict(fp[1], fp[0]);
      end else begin
        fpblk1 = 1'b1;
      end
    end
  end

  assign tok0 = (!d_popp[0] || l2c_cnt_i != '0) && (!d_popn[0] || s2c_cnt_i != '0);
  // The second start sees the first's pops and pending pushes (the model issues them one after the other).
  assign tok1 = (!d_popp[1] || int'(l2c_cnt_i) > int'(d_popp[0]))
             && (!d_popn[1] || int'(s2c_cnt_i) > int'(d_popn[0]));

  // Same-cycle starts of all units: least fixpoint of the (monotone) start conditions. Each round evaluates
  // compute, then load, then store with the others' latest pops; four rounds cover the longest chain of
  // credits through the four candidates.
  logic room0, room1;
  always_comb begin
    logic ls, ss, lc, sc;
    ls = 1'b0;
    ss = 1'b0;
    start0 = 1'b0;
    start1 = 1'b0;
    credit_l2c_o = 1'b0;
    credit_s2c_o = 1'b0;
    room0 = 1'b0;
    room1 = 1'b0;
    for (int r = 0; r < 4; r++) begin
      lc = ls && l_pops_i;     // the load unit pops c2l: room for a c2l push
      sc = ss && s_pops_i;     // the store unit pops c2s: room for a c2s push
      room0 = (!d_push[0][0] || cnt_c2l < Qt + int'(lc)) && (!d_push[0][1] || cnt_c2s < Qt + int'(sc));
      room1 = (!d_push[1][0] || cnt_c2l + int'(d_push[0][0]) < Qt + int'(lc))
           && (!d_push[1][1] || cnt_c2s + int'(d_push[0][1]) < Qt + int'(sc));
      start0 = struct0 && tok0 && room0;
      start1 = start0 && struct1 && tok1 && room1;
      credit_l2c_o = (start0 && d_popp[0]) || (start1 && d_popp[1]);
      credit_s2c_o = (start0 && d_popn[0]) || (start1 && d_popn[1]);
      ls = l_ready_i && (l_room_i || credit_l2c_o);
      ss = s_ready_i && (s_room_i || credit_s2c_o);
    end
  end

  assign pop_cnt_o = 2'(start0) + 2'(start1);
  assign pop_l2c_o = 2'(start0 && d_popp[0]) + 2'(start1 && d_popp[1]);
  assign pop_s2c_o = 2'(start0 && d_popn[0]) + 2'(start1 && d_popn[1]);

  // ---------------------------------------------------------------------------------------------------------
  // Engines (the second entry is only ever a GEMM or an ALU)
  logic [1:0] st;
  assign st = {start1, start0};
  assign gemm_start_o = (st[0] && d_gemm[0] && !d_one[0]) || (st[1] && d_gemm[1] && !d_one[1]);
  assign gemm_insn_o = (st[1] && d_gemm[1]) ? head_word_i[1] : head_word_i[0];
  assign alu_start_o = (st[0] && d_alu[0] && !d_one[0]) || (st[1] && d_alu[1] && !d_one[1]);
  assign alu_insn_o = (st[1] && d_alu[1]) ? head_word_i[1] : head_word_i[0];
  assign dma_start_o = st[0] && d_load[0] && !d_one[0];
  assign dma_insn_o = head_word_i[0];

  // With pipeline.gemm = 0 a one-micro-op GEMM lasts one cycle: the core raises done_o in its start cycle
  // (a GEMM only starts when no other GEMM runs, so that done_o is the new one's). It then ends like a
  // one-cycle instruction.
  logic [1:0] e_one;
  for (genvar h = 0; h < 2; h++) begin : g_one
    assign e_one[h] = d_one[h] || (d_gemm[h] && gemm_done_i);
  end

  // ---------------------------------------------------------------------------------------------------------
  // Events
  always_comb begin
    ev_start_o = '0;
    ev_start_idx_o = '0;
    ev_end_o = '0;
    ev_end_idx_o = '0;
    for (int h = 0; h < 2; h++) begin
      if (st[h]) begin
        ev_start_o[d_lane[h]] = 1'b1;
        ev_start_idx_o[d_lane[h]] = head_idx_i[h];
        if (e_one[h]) begin
          ev_end_o[d_lane[h]] = 1'b1;
          ev_end_idx_o[d_lane[h]] = head_idx_i[h];
        end
      end
    end
    // An engine's last cycle; never beside a one-cycle end on the same lane (that lane's pipe is busy).
    for (int p = 0; p < 2; p++) begin
      if (pdone[p]) begin
        ev_end_o[p] = 1'b1;
        ev_end_idx_o[p] = pidx_q[p];
      end
    end
    if (n_done) begin
      ev_end_o[n_lane_q] = 1'b1;
      ev_end_idx_o[n_lane_q] = n_idx_q;
    end
  end

  // ---------------------------------------------------------------------------------------------------------
  // Retirement and next state
  int unsigned ret [2];
  always_comb begin
    logic x, y, live;
    x = 1'b0;
    y = 1'b1;
    run_d = run_q;
    pidx_d = pidx_q;
    ppush_d = ppush_q;
    pfp_rdy_d = pfp_rdy_q;
    pfp_d = pfp_q;
    pword_d = pword_q;
    older_d = older_q;
    wait_d = wait_q;
    n_busy_d = n_busy_q;
    n_idx_d = n_idx_q;
    n_push_d = n_push_q;
    n_eng_d = n_eng_q;
    n_lane_d = n_lane_q;
    n_uop_d = n_uop_q;
    ret[0] = 0;
    ret[1] = 0;

    // Pipe instructions that end now (engine done in E - 1).
    if (run_q[0] && run_q[1]) begin
      x = older_q;
      y = !older_q;
      if (pdone[x]) begin
        for (int f = 0; f < 2; f++) ret[f] = ret[f] + int'(ppush_q[x][f]) + int'(wait_q[f]);
        wait_d = '0;
        run_d[x] = 1'b0;
        if (pdone[y]) begin
          for (int f = 0; f < 2; f++) ret[f] = ret[f] + int'(ppush_q[y][f]);
          run_d[y] = 1'b0;
        end
      end else if (pdone[y]) begin
        for (int f = 0; f < 2; f++) wait_d[f] = wait_d[f] + CntW'(ppush_q[y][f]);
        run_d[y] = 1'b0;
      end
    end else if (run_q[0] || run_q[1]) begin
      x = run_q[1];
      if (pdone[x]) begin
        for (int f = 0; f < 2; f++) ret[f] = ret[f] + int'(ppush_q[x][f]) + int'(wait_q[f]);
        wait_d = '0;
        run_d[x] = 1'b0;
      end
    end
    if (run_d[0] != run_d[1]) older_d = run_d[1];
    live = run_d[0] || run_d[1];

    // A non-pipe engine instruction ends: nothing else runs, its tokens go out at its end.
    if (n_done) begin
      for (int f = 0; f < 2; f++) ret[f] = ret[f] + int'(n_push_q[f]);
      n_busy_d = 1'b0;
    end

    // New starts, oldest first.
    for (int h = 0; h < 2; h++) begin
      if (st[h]) begin
        if (d_cls[h] == ClsNone) begin
          if (e_one[h]) begin
            for (int f = 0; f < 2; f++) ret[f] = ret[f] + int'(d_push[h][f]);
          end else begin
            n_busy_d = 1'b1;
            n_idx_d = head_idx_i[h];
            n_push_d = d_push[h];
            n_eng_d = d_gemm[h] ? EngGemm : d_alu[h] ? EngAlu : EngDma;
            n_lane_d = d_lane[h];
            n_uop_d = d_uop[h];
          end
        end else if (e_one[h]) begin
          // n = 0 (or a one-cycle GEMM): ends now, retires now unless an older instruction still runs.
          for (int f = 0; f < 2; f++) begin
            if (live) wait_d[f] = wait_d[f] + CntW'(d_push[h][f]);
            else ret[f] = ret[f] + int'(d_push[h][f]);
          end
        end else begin
          run_d[d_cls[h][0]] = 1'b1;
          pidx_d[d_cls[h][0]] = head_idx_i[h];
          ppush_d[d_cls[h][0]] = d_push[h];
          // Its hull: known, or completed by the scanner in this start cycle.
          pfp_rdy_d[d_cls[h][0]] = fp_ok[h] || (fp_done_i && fp_done_idx_i == head_idx_i[h]);
          pfp_d[d_cls[h][0]] = fp_ok[h] ? fp[h] : fp_done_fp_i;
          pword_d[d_cls[h][0]] = head_word_i[h];
          if (!live) older_d = d_cls[h][0];
          live = 1'b1;
        end
      end
    end

    // A running instruction's footprint completed by the scanner.
    for (int p = 0; p < 2; p++) begin
      if (run_q[p] && !pfp_rdy_q[p] && fp_done_i && fp_done_idx_i == pidx_q[p]) begin
        pfp_rdy_d[p] = 1'b1;
        pfp_d[p] = fp_done_fp_i;
      end
    end
  end

  assign push_c2l_o = CntW'(ret[0]);
  assign push_c2s_o = CntW'(ret[1]);

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      run_q <= '0;
      pfp_rdy_q <= '0;
      older_q <= 1'b0;
      wait_q <= '0;
      n_busy_q <= 1'b0;
      n_uop_q <= 1'b0;
    end else begin
      run_q <= run_d;
      pfp_rdy_q <= pfp_rdy_d;
      older_q <= older_d;
      wait_q <= wait_d;
      n_busy_q <= n_busy_d;
      n_uop_q <= n_uop_d;
    end
  end

  // Per-instruction registers, meaningful while run_q / n_busy_q say so.
  always_ff @(posedge clk_i) begin
    pidx_q <= pidx_d;
    ppush_q <= ppush_d;
    pfp_q <= pfp_d;
    pword_q <= pword_d;
    n_idx_q <= n_idx_d;
    n_push_q <= n_push_d;
    n_eng_q <= n_eng_d;
    n_lane_q <= n_lane_d;
  end

  assign fp_wait_valid_o = run_q & ~pfp_rdy_q;
  assign fp_wait_idx_o = pidx_q;
  assign fp_wait_word_o = pword_q;
  assign uop_busy_o = n_busy_q && n_uop_q;

  assign stall_o = head_valid_i[0] && !start0;
  // Activity: a start (one-cycle instructions are [S, S + 1)), a pipe that runs, or a non-pipe engine
  // instruction (in serial mode every engine instruction).
  assign act_o = start0 || start1 || run_q[0] || run_q[1] || n_busy_q;
  assign gemm_act_o = (st[0] && d_gemm[0]) || (st[1] && d_gemm[1]) || run_q[0]
                   || (n_busy_q && n_eng_q == EngGemm);
  assign alu_act_o = (st[0] && d_alu[0]) || (st[1] && d_alu[1]) || run_q[1]
                  || (n_busy_q && n_eng_q == EngAlu);
  assign fp_wait_o = (fpblk0 && tok0 && room0) || (start0 && fpblk1 && tok1 && room1);

endmodule
