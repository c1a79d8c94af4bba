// The load or the store unit: takes the head of its command queue, waits for its tokens, starts it and ends it.
//
// Timing (docs/timing.md, "Units and tokens"): the head is taken up at H = max(D, E_prev) (it is visible from
// its dispatch cycle, and the unit is free from the previous instruction's end cycle E) and starts in the
// first cycle S >= H where the FIFO it pops holds a token and the FIFO it pushes has room. At S it pops its
// token, leaves the queue and either starts the DMA engine (start pulse, engine done_o in E - 1) or, for a
// token-only instruction (y = 0 or x = 0), ends at S + 1 by itself. Its push is counted at the edge ending
// E - 1, so it is visible in E.
//
// Room: the FIFO this unit pushes is popped by the compute unit; a pop there in the same cycle frees room now
// (credit_i). The same-cycle starts of all units are resolved in the compute controller (the least fixpoint
// of the start conditions, as the SystemC model's event-driven waits reach it); this unit exports its
// credit-free ingredients (ready_o, room_o, pops_o) for that and gets back whether the compute unit pops the
// FIFO it pushes this cycle. No combinational loop: ready_o/room_o/pops_o do not depend on credit_i.
//
// Token flags (functional-simulator.md): load pops c2l (pop_next) and pushes l2c (push_next); store pops c2s
// (pop_prev) and pushes s2c (push_prev).
module npu_unit_ctrl import npu_isa_pkg::*; #(
  parameter bit          IsStore = 1'b0,
  parameter int unsigned Qt = int'(CFG_QUEUES_TOKEN_DEPTH),
  localparam int unsigned CntW = $clog2(Qt + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 clear_i,
  // command queue head
  input  logic                 head_valid_i,
  input  logic [31:0]          head_idx_i,
  input  logic [INSN_BITS-1:0] head_word_i,
  output logic                 pop_o,          // the head starts (leaves the queue) this cycle
  // tokens
  input  logic [CntW-1:0]      pop_fifo_cnt_i, // tokens in the FIFO this unit pops
  input  logic [CntW-1:0]      push_fifo_cnt_i,// tokens in the FIFO this unit pushes
  input  logic                 credit_i,       // the compute unit pops that FIFO this cycle
  output logic                 ready_o,        // the head can start if its push has room
  output logic                 room_o,         // ... and it has, without a same-cycle pop
  output logic                 pops_o,         // the head pops a token
  output logic                 tok_pop_o,
  output logic                 tok_push_o,
  // engine
  output logic                 eng_start_o,
  output logic [INSN_BITS-1:0] eng_insn_o,
  input  logic                 eng_done_i,
  // events
  output logic                 ev_start_o,
  output logic [31:0]          ev_start_idx_o,
  output logic                 ev_end_o,
  output logic [31:0]          ev_end_idx_o,
  output logic                 stall_o,        // the head waits for tokens
  output logic                 act_o           // an instruction is in [S, E)
);

  localparam int unsigned PopLsb  = IsStore ? int'(COMMON_POP_PREV_LSB) : int'(COMMON_POP_NEXT_LSB);
  localparam int unsigned PushLsb = IsStore ? int'(COMMON_PUSH_PREV_LSB) : int'(COMMON_PUSH_NEXT_LSB);

  logic        busy_q;        // an engine instruction runs: cycles S+1 .. E-1
  logic        run_push_q;    // ... and pushes a token at its end
  logic [31:0] run_idx_q;

  logic need_pop, need_push, one_cycle, free, tok_ok, room_pre, start;

  assign need_pop = head_word_i[PopLsb];
  assign need_push = head_word_i[PushLsb];
  // A LOAD/STORE without data (y = 0 or x = 0) only moves tokens: one cycle, no engine.
  assign one_cycle = head_word_i[int'(MEM_Y_LSB) +: int'(MEM_Y_WIDTH)] == '0
                  || head_word_i[int'(MEM_X_LSB) +: int'(MEM_X_WIDTH)] == '0;

  assign free = head_valid_i && !busy_q;
  assign tok_ok = !need_pop || pop_fifo_cnt_i != '0;
  assign room_pre = !need_push || int'(push_fifo_cnt_i) < Qt;

  assign ready_o = free && tok_ok;
  assign room_o = room_pre;
  assign pops_o = need_pop;
  assign start = ready_o && (room_pre || credit_i);

  assign pop_o = start;
  assign tok_pop_o = start && need_pop;
  assign eng_start_o = start && !one_cycle;
  assign eng_insn_o = head_word_i;

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      busy_q <= 1'b0;
      run_push_q <= 1'b0;
      run_idx_q <= '0;
    end else if (start && !one_cycle) begin
      busy_q <= 1'b1;
      run_push_q <= need_push;
      run_idx_q <= head_idx_i;
    end else if (busy_q && eng_done_i) begin
      busy_q <= 1'b0;
    end
  end

  // End in E - 1: the engine's last cycle, or the start cycle of a one-cycle instruction (never both: a start
  // needs the unit free).
  assign ev_start_o = start;
  assign ev_start_idx_o = head_idx_i;
  assign ev_end_o = (start && one_cycle) || (busy_q && eng_done_i);
  assign ev_end_idx_o = busy_q ? run_idx_q : head_idx_i;
  assign tok_push_o = (start && one_cycle && need_push) || (busy_q && eng_done_i && run_push_q);

  assign stall_o = free && !start;
  assign act_o = start || busy_q;

endmodule
