// A command queue of CFG_QUEUES_COMMAND_DEPTH entries (instruction index + word) with bypass of an empty queue.
//
// Timing (docs/timing.md, "Fetch and command queues"): an instruction dispatched in cycle D can start in that
// same cycle (bypass), and a slot freed by a start in cycle S can be filled in cycle S (room_o counts this
// cycle's pops). The entries are a memory (one write port, asynchronous reads), not a shift register.
//
// To keep the bypass free of combinational loops, the bypassed entry is the fetch's candidate (byp_valid_i:
// the instruction fetch would dispatch here if there is room), not the dispatch itself (push_i depends on
// room_o, which depends on this cycle's pops). The two agree whenever the bypass is used: an empty queue
// always has room, and the second head (compute queue) can only start together with the first, whose pop
// gives the room.
module npu_cmd_queue import npu_isa_pkg::*; #(
  parameter int unsigned Depth    = int'(CFG_QUEUES_COMMAND_DEPTH),
  parameter int unsigned NumHeads = 1,      // 2 for the compute queue (a GEMM and an ALU may start together)
  localparam int unsigned PtrW = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned CntW = $clog2(Depth + 1),
  localparam int unsigned EntW = 32 + int'(INSN_BITS)
) (
  input  logic                                 clk_i,
  input  logic                                 rst_ni,
  input  logic                                 clear_i,
  // fetch side
  input  logic                                 byp_valid_i,  // fetch offers push_idx_i/push_word_i here
  input  logic                                 push_i,       // ... and dispatches it (byp_valid_i && room_o)
  input  logic [31:0]                          push_idx_i,
  input  logic [INSN_BITS-1:0]                 push_word_i,
  output logic                                 room_o,
  // unit side: head 0 is the oldest entry
  output logic [NumHeads-1:0]                  head_valid_o,
  output logic [NumHeads-1:0][31:0]            head_idx_o,
  output logic [NumHeads-1:0][INSN_BITS-1:0]   head_word_o,
  input  logic [1:0]                           pop_cnt_i,    // entries that start this cycle (heads 0..)
  // registered view for the footprint scanner
  output logic [PtrW-1:0]                      rd_ptr_o,
  output logic [PtrW-1:0]                      wr_ptr_o,
  output logic [CntW-1:0]                      count_o,
  input  logic [PtrW-1:0]                      peek_ptr_i,
  output logic [31:0]                          peek_idx_o,
  output logic [INSN_BITS-1:0]                 peek_word_o
);

  logic [EntW-1:0] mem_q [Depth];
  logic [PtrW-1:0] rd_ptr_q, wr_ptr_q;
  logic [CntW-1:0] count_q;

  function automatic logic [PtrW-1:0] ptr_add(logic [PtrW-1:0] p, int unsigned n);
    int unsigned s;
    s = int'(p) + n;
    if (s >= Depth) s = s - Depth;
    return PtrW'(s);
  endfunction

  // Heads: stored entries first, then the entry fetch offers this cycle.
  for (genvar h = 0; h < NumHeads; h++) begin : g_head
    logic            stored;
    logic [EntW-1:0] ent;
    assign stored = int'(count_q) > h;
    assign ent = stored ? mem_q[ptr_add(rd_ptr_q, h)] : {push_idx_i, push_word_i};
    assign head_valid_o[h] = stored || (int'(count_q) == h && byp_valid_i);
    assign head_idx_o[h] = ent[EntW-1 -: 32];
    assign head_word_o[h] = ent[int'(INSN_BITS)-1:0];
  end

  assign room_o = int'(count_q) < Depth || pop_cnt_i != 2'd0;

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      rd_ptr_q <= '0;
      wr_ptr_q <= '0;
      count_q <= '0;
    end else begin
      rd_ptr_q <= ptr_add(rd_ptr_q, int'(pop_cnt_i));
      wr_ptr_q <= ptr_add(wr_ptr_q, int'(push_i));
      count_q <= count_q + CntW'(push_i) - CntW'(pop_cnt_i);
    end
  end

  // The array is not reset: count_q says which entries hold instructions.
  always_ff @(posedge clk_i) begin
    if (push_i) begin
      mem_q[wr_ptr_q] <= {push_idx_i, push_word_i};
    end
  end

  assign rd_ptr_o = rd_ptr_q;
  assign wr_ptr_o = wr_ptr_q;
  assign count_o = count_q;
  assign peek_idx_o = mem_q[peek_ptr_i][EntW-1 -: 32];
  assign peek_word_o = mem_q[peek_ptr_i][int'(INSN_BITS)-1:0];

endmodule
