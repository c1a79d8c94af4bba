// One on-chip buffer: Depth rows of RowBytes bytes with async row reads, row writes and byte-span ports.
//
// The buffer is also a byte array (byte address = row * RowBytes + byte) for the DMA engines: a span of up
// to SpanBytes bytes may start at any byte and cross row boundaries, so a span touches at most SpanRows
// consecutive rows. The span write is a read-modify-write of those rows, merged under a mask built by
// shifts (no per-byte logic: Verilator evaluates it as word operations, and only for the rows a span
// writes), so one always_ff writes whole rows only. Rows at or past Depth are never written and read as
// zero. The array has no reset: a fresh model zero-initialises it.
module npu_sram
  import npu_isa_pkg::*;
#(
  parameter int unsigned RowBytes  = 32'(INPUT_ROW_BYTES),
  parameter int unsigned Depth     = 32'(INPUT_DEPTH),
  parameter int unsigned NumRd     = 1,
  parameter int unsigned NumWr     = 1,
  parameter int unsigned SpanBytes = 32'(CFG_DRAM_BURST),
  localparam int unsigned Aw       = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned SlW      = $clog2(SpanBytes + 1)
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  input  logic [Aw-1:0]         rd_addr_i [NumRd],
  output logic [RowBytes*8-1:0] rd_data_o [NumRd],
  input  logic [NumWr-1:0]      wr_en_i,
  input  logic [Aw-1:0]         wr_addr_i [NumWr],
  input  logic [RowBytes*8-1:0] wr_data_i [NumWr],
  input  logic                  span_we_i,
  input  logic [31:0]           span_waddr_i,
  input  logic [SlW-1:0]        span_wlen_i,
  input  logic [SpanBytes*8-1:0] span_wdata_i,
  input  logic [31:0]           span_raddr_i,
  output logic [SpanBytes*8-1:0] span_rdata_o
);
  localparam int unsigned RowW = RowBytes * 8;
  // A span starting at the last byte of a row reaches (RowBytes - 1 + SpanBytes - 1) / RowBytes rows further.
  localparam int unsigned SpanRows = (RowBytes + SpanBytes - 2) / RowBytes + 1;
  localparam int unsigned WinBytes = SpanRows * RowBytes;
  localparam int unsigned WinW     = WinBytes * 8;

  logic [RowW-1:0] mem_q [Depth];

  // Out-of-range rows read as zero.
  function automatic logic [RowW-1:0] read_row(logic [31:0] row);
    if (row < 32'(Depth)) return mem_q[row[Aw-1:0]];
    return '0;
  endfunction

  // With a power-of-two depth every address is a row: a plain array read (no range check, no copy).
  for (genvar p = 0; p < NumRd; p++) begin : g_rd
    if (Depth == (32'd1 << Aw)) begin : g_pow2
      assign rd_data_o[p] = mem_q[rd_addr_i[p]];
    end else begin : g_chk
      assign rd_data_o[p] = read_row(32'(rd_addr_i[p]));
    end
  end

  // ---- Byte-span read: the window of SpanRows rows from the span's first row, shifted to its first byte.
  logic [31:0]     rd_row, rd_off;
  logic [WinW-1:0] rd_win;
  assign rd_row = span_raddr_i / RowBytes;
  assign rd_off = span_raddr_i % RowBytes;
  for (genvar j = 0; j < SpanRows; j++) begin : g_span_rd
    assign rd_win[j*RowW +: RowW] = read_row(rd_row + 32'(j));
  end
  assign span_rdata_o = (SpanBytes * 8)'(rd_win >> (rd_off * 8));

  // ---- Byte-span write: each touched row is a read-modify-write under a mask; data and mask are placed in
  // the row by whole-word shifts (span_row), computed inside the write's condition so that the simulator
  // evaluates them only for the rows a span writes.
  localparam int unsigned SpanW = SpanBytes * 8;
  logic [31:0] wr_row, wr_off, wr_end;
  assign wr_row = span_waddr_i / RowBytes;
  assign wr_off = span_waddr_i % RowBytes;
  assign wr_end = wr_off + 32'(span_wlen_i);

  // Row j of the window of rows from the span's first row: the span bytes that fall into it, placed at their
  // byte in the row (span byte k is window byte off + k; row j holds window bytes j * RowBytes ..).
  function automatic logic [RowW-1:0] span_row(logic [SpanW-1:0] data, logic [31:0] off, int unsigned j);
    logic [RowW+SpanW-1:0] ext;
    ext = (RowW + SpanW)'(data) << ((off + SpanBytes - 32'(j * RowBytes)) * 8);
    return RowW'(ext >> SpanW);
  endfunction

  logic [SpanW-1:0] wr_len_mask;  // the span's first span_wlen_i bytes
  assign wr_len_mask = ~(~SpanW'(0) << (32'(span_wlen_i) * 8));

  logic [SpanRows-1:0] span_row_we;
  for (genvar j = 0; j < SpanRows; j++) begin : g_span_wr
    // Row j holds window bytes [j * RowBytes, (j + 1) * RowBytes): touched when the span overlaps them.
    assign span_row_we[j] = span_we_i && (wr_end > wr_off) && (32'(j * RowBytes) < wr_end) &&
                            (32'((j + 1) * RowBytes) > wr_off) && (wr_row + 32'(j) < 32'(Depth));
  end

  // One process writes the array: the row ports, then the span rows (the engines never write one row
  // through both in the same cycle).
  always_ff @(posedge clk_i) begin
    for (int p = 0; p < NumWr; p++) begin
      if (wr_en_i[p] && (32'(wr_addr_i[p]) < 32'(Depth))) mem_q[wr_addr_i[p]] <= wr_data_i[p];
    end
    for (int unsigned j = 0; j < SpanRows; j++) begin
      if (span_row_we[j]) begin
        mem_q[Aw'(wr_row + j)] <= (mem_q[Aw'(wr_row + j)] & ~span_row(wr_len_mask, wr_off, j)) |
                                  (span_row(span_wdata_i, wr_off, j) & span_row(wr_len_mask, wr_off, j));
      end
    end
  end

  // The array has no reset (see above); rst_ni is part of the common port list only.
  logic unused_rst;
  assign unused_rst = rst_ni;
endmodule
