// A small synchronous FIFO for the DMA engines (burst addresses, read blocks, assembled write bursts).
//
// The head is visible combinationally (head_o valid while count_o != 0); a push and a pop may happen in the
// same cycle, also when full (the pop frees the slot the push takes). Pushing a full FIFO without a pop or
// popping an empty one is the caller's error and leaves it unchanged.
module npu_dma_fifo #(
  parameter int unsigned Width = 32,
  parameter int unsigned Depth = 4,
  localparam int unsigned Pw   = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned Cw   = $clog2(Depth + 1)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             clear_i,
  input  logic             push_i,
  input  logic [Width-1:0] data_i,
  input  logic             pop_i,
  output logic [Width-1:0] head_o,
  output logic [Cw-1:0]    count_o
);
  logic [Width-1:0] mem_q [Depth];
  logic [Pw-1:0]    rptr_q, wptr_q;
  logic [Cw-1:0]    cnt_q;
  logic             do_push, do_pop;

  assign do_pop  = pop_i && (cnt_q != '0);
  assign do_push = push_i && ((cnt_q != Cw'(Depth)) || do_pop);

  function automatic logic [Pw-1:0] incr(logic [Pw-1:0] p);
    return (32'(p) == Depth - 1) ? '0 : p + 1'b1;
  endfunction

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      rptr_q <= '0;
      wptr_q <= '0;
      cnt_q  <= '0;
    end else begin
      if (do_pop) rptr_q <= incr(rptr_q);
      if (do_push) wptr_q <= incr(wptr_q);
      cnt_q <= cnt_q + Cw'(do_push) - Cw'(do_pop);
    end
  end

  always_ff @(posedge clk_i) begin
    if (do_push) mem_q[wptr_q] <= data_i;
  end

  assign head_o  = mem_q[rptr_q];
  assign count_o = cnt_q;
endmodule
