// Enumerates the bursts of a DMA transfer (timing.md's burst count, in order), one per advance.
//
// Same transfer as npu_dma_walk (row r covers DRAM bytes [a_r, a_r + len_i), a_r = base_i + r * dstride_i),
// but stepping from burst to burst instead of pair to pair, so that a LOAD presents a request in every
// cycle even when many short rows share a block: at the end of row r (its last block B), the rows that lie
// entirely inside B are passed over in one step. With dstride_i >= len_i (a legal stride, stride >= x) row
// r + j ends at e_r + j * dstride_i, so those rows are j < k = 1 + gap / dstride_i with gap = B + Burst - e_r
// (< Burst); row r + k then starts in B (B is reused: its next block is the burst) or after it. For an
// overlapping stride (stride < x, which checkInstruction rejects for y > 1) the rows are taken one at a
// time and a row inside B is a step without a burst (req_o = 0), so the count stays exact.
module npu_dma_bursts #(
  parameter int unsigned Burst = 64,
  parameter int unsigned AddrW = 34,
  localparam int unsigned OffW = (Burst > 1) ? $clog2(Burst) : 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             init_i,
  input  logic [31:0]      rows_i,
  input  logic [AddrW-1:0] base_i,
  input  logic [AddrW-1:0] len_i,      // > 0
  input  logic [AddrW-1:0] dstride_i,
  input  logic             next_i,
  output logic             valid_o,    // a step remains
  output logic             req_o,      // this step is a burst of block blk_o
  output logic [AddrW-1:0] blk_o
);
  localparam logic [AddrW-1:0] Bu = AddrW'(Burst);

  logic             valid_q, req_q;
  logic [31:0]      rows_q;
  logic [AddrW-1:0] a_q, e_q, blk_q, dstride_q, len_q;

  logic [AddrW-1:0] blk_end, gap, jump, a_n, e_n, f_n;
  logic [OffW:0]    gap_s, ds_s, quo, rem;
  logic [31:0]      k;
  logic             row_last, short_ds, done_n;

  assign blk_end  = blk_q + Bu;
  assign row_last = blk_end >= e_q;
  assign gap      = blk_end - e_q;
  // Rows entirely inside the block are skipped only for a legal stride shorter than a burst.
  assign short_ds = (dstride_q >= len_q) && (dstride_q < Bu);
  assign gap_s    = (OffW + 1)'(gap);
  assign ds_s     = short_ds ? (OffW + 1)'(dstride_q) : (OffW + 1)'(1);
  assign quo      = short_ds ? gap_s / ds_s : '0;
  assign rem      = short_ds ? gap_s % ds_s : '0;
  assign k        = 32'd1 + 32'(quo);
  // k * dstride = dstride + (gap - gap mod dstride) when skipping.
  assign jump     = dstride_q + (short_ds ? gap - AddrW'(rem) : '0);
  assign a_n      = a_q + jump;
  assign e_n      = e_q + jump;
  assign f_n      = a_n - a_n % Bu;
  assign done_n   = rows_q <= k;

  assign valid_o = valid_q;
  assign req_o   = req_q;
  assign blk_o   = blk_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
    end else if (init_i) begin
      valid_q <= (rows_i != '0) && (len_i != '0);
    end else if (next_i && valid_q && row_last && done_n) begin
      valid_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (init_i) begin
      rows_q    <= rows_i;
      a_q       <= base_i;
      e_q       <= base_i + len_i;
      blk_q     <= base_i - base_i % Bu;
      req_q     <= 1'b1;
      dstride_q <= dstride_i;
      len_q     <= len_i;
    end else if (next_i && valid_q) begin
      if (!row_last) begin
        blk_q <= blk_end;
        req_q <= 1'b1;
      end else if (!done_n) begin
        rows_q <= rows_q - k;
        a_q    <= a_n;
        e_q    <= e_n;
        if (f_n != blk_q) begin
          blk_q <= f_n;      // a fresh block
          req_q <= 1'b1;
        end else if (e_n > blk_end) begin
          blk_q <= blk_end;  // the row reuses this block and goes on into the next
          req_q <= 1'b1;
        end else begin
          req_q <= 1'b0;     // (overlapping stride) the row lies inside this block
        end
      end
    end
  end
endmodule
