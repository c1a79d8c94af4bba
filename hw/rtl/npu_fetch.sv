// Instruction fetch: reads the instruction memory in program order and dispatches one instruction every
// CFG_PIPELINE_FETCH cycles into the load, compute or store command queue.
//
// Timing (docs/timing.md): instruction k is dispatched in D(k) = max(D(k-1) + F, R(k)), D(-1) = 0, where R(k)
// is the first cycle its queue has room (a slot freed by a start in the same cycle counts as free). The
// instruction memory answers in the cycle after a request, so the word for k is requested in cycle D(k-1)
// (cycle 0 for k = 0) and arrives in D(k-1) + 1 <= D(k-1) + F: F >= 1 never waits for the memory. A word that
// has to wait for room is held in a register.
// Routing as isa::Instruction::queue(): LOAD inp/wgt -> load (0); STORE -> store (2); everything else
// (LOAD uop/acc, GEMM, ALU, FINISH) -> compute (1).
module npu_fetch import npu_isa_pkg::*; #(
  parameter int unsigned F = int'(CFG_PIPELINE_FETCH),   // >= 1
  localparam int unsigned FW = $clog2(F + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 start_i,        // begin a run at instruction 0 (cycle 0 is the next cycle)
  input  logic [31:0]          insn_count_i,   // sampled with start_i
  // instruction memory: word imem_addr_o in the cycle after imem_req_o
  output logic                 imem_req_o,
  output logic [31:0]          imem_addr_o,
  input  logic [INSN_BITS-1:0] imem_rdata_i,
  // to the command queues (index: 0 load, 1 compute, 2 store)
  output logic [2:0]           want_o,         // the current word would be dispatched to this queue
  input  logic [2:0]           room_i,         // the queue can take it this cycle
  output logic [2:0]           push_o,         // dispatch (want_o && room_i)
  output logic [31:0]          idx_o,
  output logic [INSN_BITS-1:0] word_o,
  // events
  output logic                 ev_dispatch_o,
  output logic [31:0]          ev_dispatch_idx_o,
  output logic                 stall_o,        // a word is due but its queue is full (R(k) > D(k-1) + F)
  output logic                 busy_o          // fetching: the F cycles [D(k-1), D(k-1) + F) of instruction k
);

  logic [31:0]          count_q, idx_q;
  logic                 first_q;      // cycle 0: request instruction 0
  logic                 pend_q;       // imem_rdata_i holds the word for idx_q this cycle
  logic                 hold_v_q;     // hold_q holds the word for idx_q
  logic [INSN_BITS-1:0] hold_q;
  logic [FW-1:0]        wait_q;       // cycles until D(k-1) + F
  logic                 have, due, fire;
  logic [INSN_BITS-1:0] word;
  logic [2:0]           op, mem;
  logic [1:0]           route;

  assign have = pend_q || hold_v_q;
  assign word = pend_q ? imem_rdata_i : hold_q;
  assign due = have && wait_q == '0 && idx_q < count_q;

  assign op = word[int'(COMMON_OPCODE_LSB) +: 3];
  assign mem = word[int'(MEM_MEM_LSB) +: 3];
  always_comb begin
    route = 2'd1;
    if (op == 3'(OPCODE_LOAD) && (mem == 3'(MEM_INP) || mem == 3'(MEM_WGT))) route = 2'd0;
    if (op == 3'(OPCODE_STORE)) route = 2'd2;
  end

  assign want_o = due ? (3'b001 << route) : 3'b000;
  assign fire = |(want_o & room_i);
  assign push_o = fire ? want_o : 3'b000;
  assign idx_o = idx_q;
  assign word_o = word;

  // The next word is requested when the current one leaves (or in cycle 0 for the first).
  assign imem_req_o = first_q ? count_q != 32'd0 : (fire && idx_q + 32'd1 < count_q);
  assign imem_addr_o = first_q ? 32'd0 : idx_q + 32'd1;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      count_q <= '0;
      idx_q <= '0;
      first_q <= 1'b0;
      pend_q <= 1'b0;
      hold_v_q <= 1'b0;
      wait_q <= '0;
    end else if (start_i) begin
      count_q <= insn_count_i;
      idx_q <= '0;
      first_q <= 1'b1;
      pend_q <= 1'b0;
      hold_v_q <= 1'b0;
      wait_q <= FW'(F);
    end else begin
      first_q <= 1'b0;
      pend_q <= imem_req_o;
      if (fire) begin
        idx_q <= idx_q + 32'd1;
        hold_v_q <= 1'b0;
        wait_q <= FW'(F - 1);
      end else begin
        if (pend_q) hold_v_q <= 1'b1;
        if (wait_q != '0) wait_q <= wait_q - FW'(1);
      end
    end
  end

  // The word register needs no reset: hold_v_q says when it is meaningful.
  always_ff @(posedge clk_i) begin
    if (pend_q && !fire) hold_q <= imem_rdata_i;
  end

  assign ev_dispatch_o = fire;
  assign ev_dispatch_idx_o = idx_q;
  assign stall_o = due && !fire;
  // Instruction k is fetched in [D(k-1), D(k-1) + F), D(-1) = 0 (timing.md: fetch is busy F cycles per
  // instruction): the dispatch cycle of k - 1 and the F - 1 cycles after it (k = 0: cycles 0 .. F - 1).
  assign busy_o = (wait_q != '0 && idx_q < count_q) || (fire && idx_q + 32'd1 < count_q);

endmodule
