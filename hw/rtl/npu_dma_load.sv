// LOAD engine: DRAM bursts into one of its buffers (two, or three with MemC) as byte spans, plus the zero
// padding rows.
//
// Timing (timing.md "Instruction costs", docs/rtl.md "DMA engines"): started in cycle S, the transfer is issued
// in cycle I = S + Lp (first burst request presented with req_first_o), the padding rows are written one per
// cycle in I .. I + P - 1, and done_o rises in cycle E - 1, E = max(X, I + P), X = last grant + Cb.
//
// Two pair walkers (npu_dma_walk) run over the transfer's (row, block) pairs; a burst serves at most Cb pairs
// (timing.md's burst count):
// - the request walker steps one pair per cycle from S + 1 and queues the addresses of the bursts (its new
//   pairs) in a small FIFO; with the queue empty the walker's burst is presented directly. A burst has at
//   most Cb pairs, so the walker reaches the next burst within Cb cycles of the previous one, in time for
//   the port's next grant.
// - the write walker writes one pair per cycle as a byte span: a new pair takes the block granted in this
//   cycle (rsp_rdata_i) and holds it for the reused pairs that follow. The port grants this engine at most
//   one burst per Cb cycles and a burst has at most Cb pairs, so the walker has written them all and waits at
//   the next new pair when the next grant comes: no received block ever waits, and there is no data FIFO.
// A transfer that is contiguous on both sides (y == 1, or stride == x without left/right padding) is walked
// as one row of y * x elements: one span per block, same bursts.
module npu_dma_load
  import npu_isa_pkg::*;
#(
  parameter int unsigned MemA      = 32'(MEM_INP),
  parameter int unsigned RowBytesA = 32'(INPUT_ROW_BYTES),
  parameter int unsigned DepthA    = 32'(INPUT_DEPTH),
  parameter int unsigned MemB      = 32'(MEM_WGT),
  parameter int unsigned RowBytesB = 32'(WEIGHT_ROW_BYTES),
  parameter int unsigned DepthB    = 32'(WEIGHT_DEPTH),
  // A third target (the compute unit's engine: the lookup table); equal to A where there is none.
  parameter int unsigned MemC      = MemA,
  parameter int unsigned RowBytesC = RowBytesA,
  parameter int unsigned DepthC    = DepthA,
  parameter int unsigned Lp        = 32'(CFG_PIPELINE_LOAD),
  parameter int unsigned Burst     = 32'(CFG_DRAM_BURST),
  parameter int unsigned Cb        = 32'((CFG_DRAM_BURST + CFG_DRAM_BANDWIDTH - 1) / CFG_DRAM_BANDWIDTH),
  parameter int unsigned ReqDepth  = 4,  // queued burst addresses (request walker's lead)
  localparam int unsigned DramW    = 32'(CFG_ISA_DRAM_ADDRESS_BITS),
  localparam int unsigned InsnBits = 32'(INSN_BITS),
  localparam int unsigned LenW     = $clog2(Burst + 1),
  // Instruction fields (package values are only referenced here: Verilator's -Wall then stays quiet about
  // the package parameters this module does not use).
  localparam int unsigned MemLsb = 32'(MEM_MEM_LSB),       localparam int unsigned MemW = 32'(MEM_MEM_WIDTH),
  localparam int unsigned SramLsb = 32'(MEM_SRAM_LSB),     localparam int unsigned SramW = 32'(MEM_SRAM_WIDTH),
  localparam int unsigned DramLsb = 32'(MEM_DRAM_LSB),     localparam int unsigned DramFw = 32'(MEM_DRAM_WIDTH),
  localparam int unsigned YLsb = 32'(MEM_Y_LSB),           localparam int unsigned SizeW = 32'(MEM_Y_WIDTH),
  localparam int unsigned XLsb = 32'(MEM_X_LSB),           localparam int unsigned XW = 32'(MEM_X_WIDTH),
  localparam int unsigned StrideLsb = 32'(MEM_STRIDE_LSB), localparam int unsigned StrideW = 32'(MEM_STRIDE_WIDTH),
  localparam int unsigned PtLsb = 32'(MEM_PAD_TOP_LSB),    localparam int unsigned PadW = 32'(MEM_PAD_TOP_WIDTH),
  localparam int unsigned PbLsb = 32'(MEM_PAD_BOTTOM_LSB), localparam int unsigned PlLsb = 32'(MEM_PAD_LEFT_LSB),
  localparam int unsigned PrLsb = 32'(MEM_PAD_RIGHT_LSB),
  localparam int unsigned PvLsb = 32'(MEM_PAD_VALUE_LSB),  localparam int unsigned PvW = 32'(MEM_PAD_VALUE_WIDTH)
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic                   start_i,
  input  logic [InsnBits-1:0]    insn_i,
  output logic                   done_o,
  output logic                   busy_o,
  // DRAM client
  output logic                   req_valid_o,
  input  logic                   req_ready_i,
  output logic                   req_first_o,
  output logic [DramW-1:0]       req_addr_o,
  input  logic [Burst*8-1:0]     rsp_rdata_i,
  // buffer writes, routed by mem_o
  output logic [2:0]             mem_o,
  output logic                   span_we_o,
  output logic [31:0]            span_waddr_o,
  output logic [LenW-1:0]        span_wlen_o,
  output logic [Burst*8-1:0]     span_wdata_o,
  output logic                   pad_we_o,
  output logic [31:0]            pad_addr_o,
  // the instruction's pad_value: every element of a padding row of the input buffer (0 for the others)
  output logic [PvW-1:0]         pad_value_o
);
  // Walker byte addresses: two bits above the DRAM space so that a row end or the block after the last
  // byte never wraps.
  localparam int unsigned AddrW = DramW + 2;
  localparam int unsigned OffW  = (Burst > 1) ? $clog2(Burst) : 1;
  localparam int unsigned BlkW  = Burst * 8;
  localparam int unsigned RcW   = $clog2(ReqDepth + 1);
  localparam int unsigned CycW  = $clog2(Lp + 1) + 1;
  localparam int unsigned GcW   = $clog2(Cb + 1) + 1;

  // The buffer depths are the top's business (the buffers ignore rows past their depth), and any mem other
  // than MemA and MemC is MemB; kept so both load engines are instantiated alike.
  localparam int unsigned UnusedDepths = DepthA + DepthB + DepthC + MemB;

  // ---- Instruction fields (valid in the start cycle only).
  logic [2:0]             f_mem;
  logic [31:0]            f_sram;
  logic [AddrW-1:0]       f_dram;
  logic [SizeW-1:0]       f_y, f_x, f_stride;
  logic [PadW-1:0]        f_pt, f_pb, f_pl, f_pr;
  assign f_mem    = 3'(MemW'(insn_i >> MemLsb));
  assign f_sram   = 32'(SramW'(insn_i >> SramLsb));
  assign f_dram   = AddrW'(DramFw'(insn_i >> DramLsb));
  assign f_y      = SizeW'(insn_i >> YLsb);
  assign f_x      = SizeW'(XW'(insn_i >> XLsb));
  assign f_stride = SizeW'(StrideW'(insn_i >> StrideLsb));
  assign f_pt     = PadW'(insn_i >> PtLsb);
  assign f_pb     = PadW'(insn_i >> PbLsb);
  assign f_pl     = PadW'(insn_i >> PlLsb);
  assign f_pr     = PadW'(insn_i >> PrLsb);

  // Transfer geometry in bytes (the walkers' parameters).
  logic [AddrW-1:0] rb, row_len, w_len, w_dstride;
  logic [31:0]      cols, w_rows, w_bbase, w_bpitch;
  logic             merged;
  assign rb        = (32'(f_mem) == MemA) ? AddrW'(RowBytesA) :
                     (32'(f_mem) == MemC) ? AddrW'(RowBytesC) : AddrW'(RowBytesB);
  assign row_len   = AddrW'(f_x) * rb;
  assign cols      = 32'(f_pl) + 32'(f_x) + 32'(f_pr);
  assign merged    = (f_y == SizeW'(1)) || (f_stride == f_x && f_pl == '0 && f_pr == '0);
  assign w_rows    = merged ? 32'd1 : 32'(f_y);
  assign w_len     = merged ? AddrW'(f_y) * row_len : row_len;
  assign w_dstride = AddrW'(f_stride) * rb;
  assign w_bpitch  = cols * 32'(rb);
  assign w_bbase   = (f_sram + 32'(f_pt) * cols + 32'(f_pl)) * 32'(rb);

  // ---- Control state.
  logic            busy_q, first_q, wdone_q, pdone_q;
  logic [2:0]      mem_q;
  logic [PvW-1:0]  pad_value_q;
  logic [CycW-1:0] cyc_q;   // cycles since S, saturating at Lp
  logic [GcW-1:0]  gcyc_q;  // cycles since the last grant, saturating at Cb
  logic            issued;  // cycle >= I
  assign issued = busy_q && (32'(cyc_q) >= Lp);

  // ---- Request walker and the queue of burst addresses.
  logic             rq_valid, rq_new, rq_next;
  logic [AddrW-1:0] rq_blk;
  logic [RcW-1:0]   rcnt;
  logic [AddrW-1:0] rhead;
  logic             rpush, rpop, bypass_req, grant;

  logic [OffW-1:0]  rq_off;
  logic [LenW-1:0]  rq_len;
  logic [31:0]      rq_baddr;
  logic             rq_blk_last, rq_last;

  npu_dma_walk #(.Burst(Burst), .AddrW(AddrW), .Cb(Cb)) u_req_walk (
    .clk_i, .rst_ni,
    .init_i(start_i), .rows_i(w_rows), .base_i(f_dram), .len_i(w_len), .dstride_i(w_dstride),
    .bbase_i(w_bbase), .bpitch_i(w_bpitch),
    .next_i(rq_next), .valid_o(rq_valid), .new_o(rq_new), .blk_o(rq_blk),
    .off_o(rq_off), .len_o(rq_len), .baddr_o(rq_baddr), .blk_last_o(rq_blk_last), .last_o(rq_last)
  );

  npu_dma_fifo #(.Width(AddrW), .Depth(ReqDepth)) u_req_fifo (
    .clk_i, .rst_ni, .clear_i(start_i),
    .push_i(rpush), .data_i(rq_blk), .pop_i(rpop), .head_o(rhead), .count_o(rcnt)
  );

  assign req_valid_o = issued && ((rcnt != '0) || (rq_valid && rq_new));
  assign req_first_o = first_q;
  assign req_addr_o  = DramW'((rcnt != '0) ? rhead : rq_blk);
  assign grant       = req_valid_o && req_ready_i;
  assign rpop        = grant && (rcnt != '0);
  assign bypass_req  = grant && (rcnt == '0);
  assign rpush       = busy_q && rq_valid && rq_new && !bypass_req;
  assign rq_next     = busy_q && rq_valid && (!rq_new || bypass_req ||
                                              (rcnt != RcW'(ReqDepth)) || rpop);

  // ---- Write walker and span writes.
  logic             wr_valid, wr_new, wr_last, wr_next;
  logic [OffW-1:0]  wr_off;
  logic [LenW-1:0]  wr_len;
  logic [31:0]      wr_baddr;
  logic [BlkW-1:0]  held_q, src;
  logic             src_ok;
  logic [AddrW-1:0] wr_blk;
  logic             wr_blk_last;

  npu_dma_walk #(.Burst(Burst), .AddrW(AddrW), .Cb(Cb)) u_wr_walk (
    .clk_i, .rst_ni,
    .init_i(start_i), .rows_i(w_rows), .base_i(f_dram), .len_i(w_len), .dstride_i(w_dstride),
    .bbase_i(w_bbase), .bpitch_i(w_bpitch),
    .next_i(wr_next), .valid_o(wr_valid), .new_o(wr_new), .blk_o(wr_blk),
    .off_o(wr_off), .len_o(wr_len), .baddr_o(wr_baddr), .blk_last_o(wr_blk_last), .last_o(wr_last)
  );

  // A new pair takes the block granted in this cycle; the others, the block it holds.
  assign src_ok      = !wr_new || grant;
  assign src         = !wr_new ? held_q : rsp_rdata_i;
  assign wr_next     = busy_q && wr_valid && src_ok;

  assign span_we_o    = wr_next;
  assign span_waddr_o = wr_baddr;
  assign span_wlen_o  = wr_len;
  assign span_wdata_o = src >> (32'(wr_off) * 8);

  always_ff @(posedge clk_i) begin
    if (wr_next && wr_new) held_q <= src;
  end

  // ---- Padding rows from I on.
  logic pad_valid, pad_last;
  npu_dma_pad #(.SizeW(SizeW), .PadW(PadW)) u_pad (
    .clk_i, .rst_ni,
    .init_i(start_i), .sram_i(f_sram), .y_i(f_y), .x_i(f_x),
    .pad_top_i(f_pt), .pad_bottom_i(f_pb), .pad_left_i(f_pl), .pad_right_i(f_pr),
    .next_i(pad_we_o), .valid_o(pad_valid), .addr_o(pad_addr_o), .last_o(pad_last)
  );
  assign pad_we_o = issued && pad_valid;

  // ---- End: every span and padding row written, and the last burst's Cb cycles on the port passed.
  logic w_fin, p_fin, g_fin;
  assign w_fin  = wdone_q || (wr_next && wr_last);
  assign p_fin  = pdone_q || !pad_valid || (pad_we_o && pad_last);
  assign g_fin  = grant ? (Cb <= 1) : (32'(gcyc_q) + 1 >= Cb);
  assign done_o = busy_q && w_fin && p_fin && g_fin;
  assign busy_o = start_i || busy_q;
  assign mem_o  = mem_q;
  assign pad_value_o = pad_value_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q  <= 1'b0;
      first_q <= 1'b0;
      wdone_q <= 1'b0;
      pdone_q <= 1'b0;
      mem_q   <= '0;
      pad_value_q <= '0;
      cyc_q   <= '0;
      gcyc_q  <= '0;
    end else if (start_i) begin
      busy_q  <= 1'b1;
      first_q <= 1'b1;
      wdone_q <= 1'b0;
      pdone_q <= 1'b0;
      mem_q   <= f_mem;
      pad_value_q <= PvW'(insn_i >> PvLsb);
      cyc_q   <= CycW'(1);
      gcyc_q  <= '0;
    end else if (busy_q) begin
      if (done_o) busy_q <= 1'b0;
      if (grant) first_q <= 1'b0;
      if (wr_next && wr_last) wdone_q <= 1'b1;
      if (pad_we_o && pad_last) pdone_q <= 1'b1;
      if (32'(cyc_q) < Lp) cyc_q <= cyc_q + 1'b1;
      if (grant) gcyc_q <= GcW'(1);
      else if (32'(gcyc_q) < Cb) gcyc_q <= gcyc_q + 1'b1;
    end
  end

  logic unused;
  assign unused = ^{UnusedDepths, wr_blk, wr_blk_last, rq_off, rq_len, rq_baddr, rq_blk_last, rq_last};
endmodule
