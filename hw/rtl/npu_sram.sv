// One on-chip buffer: Depth rows of RowBytes bytes with async row reads, row writes and byte-span ports.
//
// The buffer is also a byte array (byte address = row * RowBytes + byte) for the DMA engines: a span of up
// to SpanBytes bytes may start at any byte and cross row boundaries, so a span touches at most SpanRows
// consecutive rows. The span write is a read-modify-write of those rows (the reads are asynchronous), merged
// under a byte mask, so one always_ff writes whole rows only. Rows at or past Depth are never written and read
// as zero. The array has no reset: a fresh model zero-initialises it.
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

  for (genvar p = 0; p < NumRd; p++) begin : g_rd
    assign rd_data_o[p] = read_row(32'(rd_addr_i[p]));
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

  // ---- Byte-span write: data and byte mask placed in the window of rows it touches, merged into each row.
  logic [31:0]         wr_row, wr_off;
  logic [WinW-1:0]     wr_win_data, wr_win_mask;
  logic [WinBytes-1:0] wr_win_bytes;
  assign wr_row      = span_waddr_i / RowBytes;
  assign wr_off      = span_waddr_i % RowBytes;
  assign wr_win_data = WinW'(span_wdata_i) << (wr_off * 8);
  always_comb begin
    for (int b = 0; b < WinBytes; b++) begin
      wr_win_bytes[b] = (32'(b) >= wr_off) && (32'(b) < wr_off + 32'(span_wlen_i));
      wr_win_mask[b*8 +: 8] = {8{wr_win_bytes[b]}};
    end
  end

  logic [RowW-1:0]     span_row_data [SpanRows];
  logic [SpanRows-1:0] span_row_we;
  for (genvar j = 0; j < SpanRows; j++) begin : g_span_wr
    logic [RowW-1:0] old_row, mask;
    assign old_row          = read_row(wr_row + 32'(j));
    assign mask             = wr_win_mask[j*RowW +: RowW];
    assign span_row_data[j] = (old_row & ~mask) | (wr_win_data[j*RowW +: RowW] & mask);
    assign span_row_we[j]   = span_we_i && (|wr_win_bytes[j*RowBytes +: RowBytes]) &&
                              (wr_row + 32'(j) < 32'(Depth));
  end

  // One process writes the array: the row ports, then the span rows (the engines never write one row
  // through both in the same cycle).
  always_ff @(posedge clk_i) begin
    for (int p = 0; p < NumWr; p++) begin
      if (wr_en_i[p] && (32'(wr_addr_i[p]) < 32'(Depth))) mem_q[wr_addr_i[p]] <= wr_data_i[p];
    end
    for (int j = 0; j < SpanRows; j++) begin
      if (span_row_we[j]) mem_q[Aw'(wr_row + 32'(j))] <= span_row_data[j];
    end
  end

  // The array has no reset (see above); rst_ni is part of the common port list only.
  logic unused_rst;
  assign unused_rst = rst_ni;
endmodule
