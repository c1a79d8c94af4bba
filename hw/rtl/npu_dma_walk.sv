// Walks a DMA transfer as (row, block) pairs, one pair per next_i (docs/rtl.md "DMA engines").
//
// Transfer row r (r < rows_i) covers DRAM bytes [a_r, a_r + len_i) with a_r = base_i + r * dstride_i, and
// buffer bytes from bbase_i + r * bpitch_i. Each Burst-aligned block a row touches is one pair; the pair's
// bytes [lo, hi) = [max(a_r, blk), min(a_r + len_i, blk + Burst)) are one contiguous span on both sides: block
// offset lo - blk, buffer byte bbase_i + r * bpitch_i + (lo - a_r). A pair is *new* unless it is a row's first
// pair, its block is the previous row's last block and fewer than Cb pairs have used that block's burst so far
// (timing.md's burst count: the block is reused, not requested again, by at most Cb pairs, since an engine
// moves one pair per cycle while the burst occupies the port for Cb), so the new pairs are exactly the
// bursts, in order, and a burst's pairs are consecutive. blk_last_o marks the last pair of its burst (the next
// pair is new, or there is none).
//
// Row state is kept as running sums; the only division is the block of a row's first byte (a constant
// divisor, a shift for a power-of-two burst).
module npu_dma_walk #(
  parameter int unsigned Burst = 64,
  parameter int unsigned AddrW = 34,
  parameter int unsigned Cb    = 4,   // pairs one burst serves at most
  localparam int unsigned OffW = (Burst > 1) ? $clog2(Burst) : 1,
  localparam int unsigned LenW = $clog2(Burst + 1),
  localparam int unsigned RunW = $clog2(Cb + 1)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             init_i,     // load a new transfer (the parameters below are sampled)
  input  logic [31:0]      rows_i,
  input  logic [AddrW-1:0] base_i,
  input  logic [AddrW-1:0] len_i,      // > 0
  input  logic [AddrW-1:0] dstride_i,
  input  logic [31:0]      bbase_i,
  input  logic [31:0]      bpitch_i,
  input  logic             next_i,     // advance past the current pair
  output logic             valid_o,    // a current pair exists
  output logic             new_o,
  output logic [AddrW-1:0] blk_o,      // block byte address (Burst-aligned)
  output logic [OffW-1:0]  off_o,
  output logic [LenW-1:0]  len_o,      // 1..Burst
  output logic [31:0]      baddr_o,
  output logic             blk_last_o,
  output logic             last_o
);
  localparam logic [AddrW-1:0] Bu = AddrW'(Burst);

  logic             valid_q, new_q;
  logic [31:0]      rows_q, brow_q, bpitch_q;
  logic [AddrW-1:0] a_q, e_q, blk_q, dstride_q;
  logic [RunW-1:0]  run_q;   // pairs of the current burst so far, this one included

  logic [AddrW-1:0] lo, hi, blk_end, a_next;
  logic             row_last, more_rows, reuse_next;

  assign blk_end  = blk_q + Bu;
  assign lo       = (a_q > blk_q) ? a_q : blk_q;
  assign hi       = (e_q < blk_end) ? e_q : blk_end;
  assign row_last = blk_end >= e_q;
  assign more_rows = rows_q > 32'd1;
  assign a_next   = a_q + dstride_q;
  // The next row's first block is this (the row's last) block.
  assign reuse_next = row_last && more_rows && (a_next >= blk_q) && (a_next < blk_end)
                   && (32'(run_q) < Cb);

  assign valid_o    = valid_q;
  assign new_o      = new_q;
  assign blk_o      = blk_q;
  assign off_o      = OffW'(lo - blk_q);
  assign len_o      = LenW'(hi - lo);
  assign baddr_o    = brow_q + 32'(lo - a_q);
  assign blk_last_o = !reuse_next;
  assign last_o     = row_last && !more_rows;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
    end else if (init_i) begin
      valid_q <= (rows_i != '0) && (len_i != '0);
    end else if (next_i && valid_q && row_last && !more_rows) begin
      valid_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (init_i) begin
      rows_q    <= rows_i;
      a_q       <= base_i;
      e_q       <= base_i + len_i;
      blk_q     <= base_i - base_i % Bu;
      new_q     <= 1'b1;
      run_q     <= RunW'(1);
      dstride_q <= dstride_i;
      brow_q    <= bbase_i;
      bpitch_q  <= bpitch_i;
    end else if (next_i && valid_q) begin
      if (!row_last) begin
        blk_q <= blk_end;
        new_q <= 1'b1;
        run_q <= RunW'(1);
      end else if (more_rows) begin
        rows_q <= rows_q - 32'd1;
        a_q    <= a_next;
        e_q    <= e_q + dstride_q;
        blk_q  <= a_next - a_next % Bu;
        new_q  <= !reuse_next;
        run_q  <= reuse_next ? run_q + RunW'(1) : RunW'(1);
        brow_q <= brow_q + bpitch_q;
      end
    end
  end
endmodule
