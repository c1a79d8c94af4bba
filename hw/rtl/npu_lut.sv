// The tensor ALU's lookup table: Depth int8 entries (one per buffer row), written by the compute unit's LOAD
// engine through a byte-span port and a zero-padding row port, read whole by every ALU lane.
//
// A row is one byte, so the span's byte address is its first entry. The table is one packed vector: a span
// write merges its bytes under a mask placed by whole-vector shifts (no per-entry logic; Verilator evaluates
// it only in a cycle that writes), and a padding row clears its byte in the same merge. Entries at or past
// Depth are never written (the shifts drop them). No reset: a fresh model zero-initialises it, as func's
// table starts zeroed.
module npu_lut
  import npu_isa_pkg::*;
#(
  parameter int unsigned Depth     = 32'(LUT_DEPTH),
  parameter int unsigned SpanBytes = 32'(CFG_DRAM_BURST),
  localparam int unsigned TabW     = Depth * 8,
  localparam int unsigned SpanW    = SpanBytes * 8,
  localparam int unsigned SlW      = $clog2(SpanBytes + 1)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  // byte-span write (LOAD data): span_wlen_i bytes from entry span_waddr_i
  input  logic             span_we_i,
  input  logic [31:0]      span_waddr_i,
  input  logic [SlW-1:0]   span_wlen_i,
  input  logic [SpanW-1:0] span_wdata_i,
  // padding row write: entry pad_addr_i becomes 0
  input  logic             pad_we_i,
  input  logic [31:0]      pad_addr_i,
  // the table, entry e in bits [8e, 8e + 8)
  output logic [TabW-1:0]  lut_o
);

  logic [TabW-1:0] tab_q;

  // A value of up to SpanW bits placed at entry addr of the table (bits past the table dropped; a span never
  // holds more bytes than the table has entries).
  function automatic logic [TabW-1:0] place(logic [SpanW-1:0] v, logic [31:0] addr);
    return TabW'(v) << (64'(addr) * 8);
  endfunction

  logic [SpanW-1:0] len_mask;  // the span's first span_wlen_i bytes
  assign len_mask = ~(~SpanW'(0) << (32'(span_wlen_i) * 8));

  // Both writes in one process: the engine's span and its padding row never touch the same entry in a cycle.
  always_ff @(posedge clk_i) begin
    if (span_we_i || pad_we_i) begin
      tab_q <= (tab_q & ~(span_we_i ? place(len_mask, span_waddr_i) : '0)
                      & ~(pad_we_i ? place(SpanW'(8'hff), pad_addr_i) : '0))
             | (span_we_i ? place(span_wdata_i & len_mask, span_waddr_i) : '0);
    end
  end

  assign lut_o = tab_q;

  // The table has no reset (see above); rst_ni is part of the common port list only.
  logic unused_rst;
  assign unused_rst = rst_ni;
endmodule
