// Walks the zero padding rows of a LOAD, one buffer row per advance, skipping the data rows in no time.
//
// The padded grid has R = pad_top + y + pad_bottom rows of C = pad_left + x + pad_right columns; position
// (r, c) is buffer row sram + r * C + c, numbered linearly as p = r * C + c. The data positions are y runs
// of x consecutive positions, the first at pad_top * C + pad_left, one every C; without left and right
// padding (C == x) they are one run of y * x. The walker steps p to the next position and jumps over a run
// when it lands on its start, so it visits the P padding positions in P advances.
module npu_dma_pad #(
  parameter int unsigned SizeW = 16,  // y and x field widths
  parameter int unsigned PadW  = 4,
  localparam int unsigned PosW = 2 * (SizeW + 1) + 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             init_i,
  input  logic [31:0]      sram_i,
  input  logic [SizeW-1:0] y_i,
  input  logic [SizeW-1:0] x_i,
  input  logic [PadW-1:0]  pad_top_i,
  input  logic [PadW-1:0]  pad_bottom_i,
  input  logic [PadW-1:0]  pad_left_i,
  input  logic [PadW-1:0]  pad_right_i,
  input  logic             next_i,
  output logic             valid_o,   // a padding row remains; addr_o is its buffer row
  output logic [31:0]      addr_o,
  output logic             last_o
);
  typedef struct packed {
    logic [PosW-1:0]  pos;
    logic [PosW-1:0]  dstart;  // linear position of the next data run
    logic [SizeW-1:0] runs;    // data runs not yet passed
  } walk_t;

  walk_t           cur_q, cur_init, cur_next;
  logic [PosW-1:0] total_q, runlen_q, cols_q;
  logic            merged_q;
  logic [31:0]     sram_q;

  // Position p (with the run state before it) moved past a data run that starts at p.
  function automatic walk_t skip(walk_t w, logic [PosW-1:0] runlen, logic [PosW-1:0] cols, logic merged);
    walk_t s = w;
    if (w.runs != '0 && w.pos == w.dstart) begin
      s.pos    = w.pos + runlen;
      s.dstart = w.dstart + cols;
      s.runs   = merged ? '0 : w.runs - 1'b1;
    end
    return s;
  endfunction

  logic [PosW-1:0] cols_i, rows_in, runlen_i;
  logic            merged_i;
  assign cols_i   = PosW'(pad_left_i) + PosW'(x_i) + PosW'(pad_right_i);
  assign rows_in  = PosW'(pad_top_i) + PosW'(y_i) + PosW'(pad_bottom_i);
  assign merged_i = (pad_left_i == '0) && (pad_right_i == '0);
  assign runlen_i = merged_i ? PosW'(y_i) * PosW'(x_i) : PosW'(x_i);
  assign cur_init = skip('{pos: '0, dstart: PosW'(pad_top_i) * cols_i + PosW'(pad_left_i), runs: y_i},
                         runlen_i, cols_i, merged_i);
  assign cur_next = skip('{pos: cur_q.pos + 1'b1, dstart: cur_q.dstart, runs: cur_q.runs},
                         runlen_q, cols_q, merged_q);

  assign valid_o = cur_q.pos < total_q;
  assign addr_o  = sram_q + 32'(cur_q.pos);
  assign last_o  = cur_next.pos >= total_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cur_q   <= '0;
      total_q <= '0;
    end else if (init_i) begin
      cur_q   <= cur_init;
      total_q <= rows_in * cols_i;
    end else if (next_i && valid_o) begin
      cur_q <= cur_next;
    end
  end

  always_ff @(posedge clk_i) begin
    if (init_i) begin
      runlen_q <= runlen_i;
      cols_q   <= cols_i;
      merged_q <= merged_i;
      sram_q   <= sram_i;
    end
  end
endmodule
