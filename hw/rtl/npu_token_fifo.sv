// Dependency-token FIFO between two units: a counter of CFG_QUEUES_TOKEN_DEPTH tokens (tokens carry no data).
//
// Pops are counted at the edge ending the popping instruction's start cycle S and pushes at the edge ending
// the pushing instruction's last cycle E - 1, so a token pushed "at E" is visible in cycle E (docs/timing.md).
// The counts are plain numbers rather than one-bit strobes: the compute unit may pop the same FIFO twice in
// one cycle (a GEMM and an ALU issued together) and, with alu.concurrent, retire several pushes at once.
// Room (count + pending < depth) is judged by the pushing unit, which knows its pending pushes.
module npu_token_fifo import npu_isa_pkg::*; #(
  parameter int unsigned Depth = int'(CFG_QUEUES_TOKEN_DEPTH),
  parameter int unsigned PushW = 1,
  parameter int unsigned PopW = 1,
  localparam int unsigned CntW = $clog2(Depth + 1)
) (
  input  logic            clk_i,
  input  logic            rst_ni,
  input  logic            clear_i,    // start of a run: no tokens
  input  logic [PushW-1:0] push_cnt_i,
  input  logic [PopW-1:0]  pop_cnt_i,
  output logic [CntW-1:0]  count_o
);

  logic [CntW-1:0] count_q, count_d;

  // The units never pop an empty FIFO nor push past its depth: no saturation needed.
  assign count_d = count_q + CntW'(push_cnt_i) - CntW'(pop_cnt_i);

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      count_q <= '0;
    end else begin
      count_q <= count_d;
    end
  end

  assign count_o = count_q;

endmodule
