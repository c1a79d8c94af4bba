// STORE engine: reads out/acc buffer bytes as spans and writes them to DRAM as strobed bursts.
//
// Timing (timing.md): started in cycle S, the transfer is issued in cycle I = S + Ls (first burst request
// presented with req_first_o) and done_o rises in cycle E - 1, E = X = last grant + Cb.
//
// The pair walker (npu_dma_walk) starts in S + 1 and reads one (row, block) pair per cycle through the byte-span
// read port (buffer rows sram + r*x + c are contiguous, so row r starts at buffer byte (sram + r*x) * rowBytes);
// the pairs of one burst (at most Cb of a block, npu_dma_walk) are merged, at their block offsets with byte
// strobes (a later pair wins where rows overlap), into one burst, which goes into a small FIFO of complete
// bursts when its last pair is read. After the first burst the walker keeps ahead of the port: a burst has at
// most Cb pairs and the port grants this engine at most one burst per Cb cycles. The first burst's at most
// Cb pairs are read in S + 1 .. S + Cb, in time for its earliest grant at S + Ls + Ld because the config
// requires pipeline.store + dram.latency >= Cb (HardwareConfig).
// Requests are presented from that FIFO (or, with the FIFO empty, straight from the pair read that completes
// the burst), so the data of a presented request is always complete. The first
// request is the exception: it is presented in cycle I (the issue cycle) even if its burst is still being
// assembled, because the DRAM port cannot grant it before I + Ld; if it is still incomplete at I + Ld the
// request is withdrawn until it is (the port keeps the issue cycle of the first presentation).
// A transfer with stride == x (or y == 1) is one contiguous range on both sides and is walked as one row.
module npu_dma_store
  import npu_isa_pkg::*;
#(
  parameter int unsigned RowBytesOut = 32'(OUTPUT_ROW_BYTES),
  parameter int unsigned RowBytesAcc = 32'(ACC_ROW_BYTES),
  parameter int unsigned Ls          = 32'(CFG_PIPELINE_STORE),
  parameter int unsigned Burst       = 32'(CFG_DRAM_BURST),
  parameter int unsigned Cb          = 32'((CFG_DRAM_BURST + CFG_DRAM_BANDWIDTH - 1) / CFG_DRAM_BANDWIDTH),
  parameter int unsigned Ld          = 32'(CFG_DRAM_LATENCY),
  parameter int unsigned BurstDepth  = 4,  // assembled bursts waiting for their grant
  localparam int unsigned DramW      = 32'(CFG_ISA_DRAM_ADDRESS_BITS),
  localparam int unsigned InsnBits   = 32'(INSN_BITS),
  localparam int unsigned MemOut     = 32'(MEM_OUT),
  // Instruction fields (package values are only referenced here, see npu_dma_load).
  localparam int unsigned MemLsb = 32'(MEM_MEM_LSB),       localparam int unsigned MemW = 32'(MEM_MEM_WIDTH),
  localparam int unsigned SramLsb = 32'(MEM_SRAM_LSB),     localparam int unsigned SramW = 32'(MEM_SRAM_WIDTH),
  localparam int unsigned DramLsb = 32'(MEM_DRAM_LSB),     localparam int unsigned DramFw = 32'(MEM_DRAM_WIDTH),
  localparam int unsigned YLsb = 32'(MEM_Y_LSB),           localparam int unsigned SizeW = 32'(MEM_Y_WIDTH),
  localparam int unsigned XLsb = 32'(MEM_X_LSB),           localparam int unsigned XW = 32'(MEM_X_WIDTH),
  localparam int unsigned StrideLsb = 32'(MEM_STRIDE_LSB), localparam int unsigned StrideW = 32'(MEM_STRIDE_WIDTH)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 start_i,
  input  logic [InsnBits-1:0]  insn_i,
  output logic                 done_o,
  output logic                 busy_o,
  // DRAM client
  output logic                 req_valid_o,
  input  logic                 req_ready_i,
  output logic                 req_first_o,
  output logic [DramW-1:0]     req_addr_o,
  output logic [Burst*8-1:0]   req_wdata_o,
  output logic [Burst-1:0]     req_wstrb_o,
  // span read of the buffer selected by mem_o
  output logic [2:0]           mem_o,
  output logic [31:0]          span_raddr_o,
  input  logic [Burst*8-1:0]   span_rdata_i
);
  localparam int unsigned AddrW = DramW + 2;  // see npu_dma_load
  localparam int unsigned OffW  = (Burst > 1) ? $clog2(Burst) : 1;
  localparam int unsigned LenW  = $clog2(Burst + 1);
  localparam int unsigned BlkW  = Burst * 8;
  localparam int unsigned EntW  = AddrW + BlkW + Burst;
  localparam int unsigned CntW  = $clog2(BurstDepth + 1);
  localparam int unsigned CycW  = $clog2(Ls + Ld + 1) + 1;
  localparam int unsigned GcW   = $clog2(Cb + 1) + 1;

  // ---- Instruction fields (valid in the start cycle only) and the walker's geometry.
  logic [2:0]       f_mem;
  logic [31:0]      f_sram;
  logic [AddrW-1:0] f_dram;
  logic [SizeW-1:0] f_y, f_x, f_stride;
  assign f_mem    = 3'(MemW'(insn_i >> MemLsb));
  assign f_sram   = 32'(SramW'(insn_i >> SramLsb));
  assign f_dram   = AddrW'(DramFw'(insn_i >> DramLsb));
  assign f_y      = SizeW'(insn_i >> YLsb);
  assign f_x      = SizeW'(XW'(insn_i >> XLsb));
  assign f_stride = SizeW'(StrideW'(insn_i >> StrideLsb));

  logic [AddrW-1:0] rb, row_len, w_len, w_dstride;
  logic [31:0]      w_rows, w_bbase;
  logic             merged;
  assign rb        = (32'(f_mem) == MemOut) ? AddrW'(RowBytesOut) : AddrW'(RowBytesAcc);
  assign row_len   = AddrW'(f_x) * rb;
  assign merged    = (f_y == SizeW'(1)) || (f_stride == f_x);
  assign w_rows    = merged ? 32'd1 : 32'(f_y);
  assign w_len     = merged ? AddrW'(f_y) * row_len : row_len;
  assign w_dstride = AddrW'(f_stride) * rb;
  assign w_bbase   = f_sram * 32'(rb);

  // ---- Control state.
  logic            busy_q, first_q, wdone_q;
  logic [2:0]      mem_q;
  logic [CycW-1:0] cyc_q;   // cycles since S, saturating at Ls + Ld
  logic [GcW-1:0]  gcyc_q;  // cycles since the last grant, saturating at Cb
  logic            issued, first_wait;
  assign issued     = busy_q && (32'(cyc_q) >= Ls);
  assign first_wait = first_q && (32'(cyc_q) < Ls + Ld);

  // ---- Pair walker and burst assembly.
  logic             w_valid, w_new, w_blk_last, w_last, w_next;
  logic [AddrW-1:0] w_blk;
  logic [OffW-1:0]  w_off;
  logic [LenW-1:0]  w_len_o;
  logic [31:0]      w_baddr;

  npu_dma_walk #(.Burst(Burst), .AddrW(AddrW), .Cb(Cb)) u_walk (
    .clk_i, .rst_ni,
    .init_i(start_i), .rows_i(w_rows), .base_i(f_dram), .len_i(w_len), .dstride_i(w_dstride),
    .bbase_i(w_bbase), .bpitch_i(32'(row_len)),
    .next_i(w_next), .valid_o(w_valid), .new_o(w_new), .blk_o(w_blk),
    .off_o(w_off), .len_o(w_len_o), .baddr_o(w_baddr), .blk_last_o(w_blk_last), .last_o(w_last)
  );

  logic [BlkW-1:0]  asm_q, asm_d, pair_data, pair_mask;
  logic [Burst-1:0] strb_q, strb_d, pair_strb;
  // Bytes [w_off, w_off + w_len_o) of the burst, as strobes and as a bit mask (whole-word shifts).
  assign pair_strb = ~(~Burst'(0) << 32'(w_len_o)) << 32'(w_off);
  assign pair_mask = ~(~BlkW'(0) << (32'(w_len_o) * 8)) << (32'(w_off) * 8);
  assign pair_data = span_rdata_i << (32'(w_off) * 8);
  assign asm_d     = (asm_q & ~pair_mask) | (pair_data & pair_mask);
  assign strb_d    = strb_q | pair_strb;

  // ---- FIFO of complete bursts and the request.
  logic [CntW-1:0] bcnt;
  logic [EntW-1:0] bhead;
  logic            bpush, bpop, grant;

  npu_dma_fifo #(.Width(EntW), .Depth(BurstDepth)) u_burst_fifo (
    .clk_i, .rst_ni, .clear_i(start_i),
    .push_i(bpush), .data_i({w_blk, asm_d, strb_d}), .pop_i(bpop), .head_o(bhead), .count_o(bcnt)
  );

  // With the FIFO empty, a burst completed by the pair read in this cycle is presented directly.
  logic            byp_ok, byp_grant;
  logic [EntW-1:0] head;
  assign byp_ok      = busy_q && w_valid && w_blk_last && (bcnt == '0);
  assign head        = (bcnt != '0) ? bhead : {w_blk, asm_d, strb_d};
  assign req_valid_o = issued && ((bcnt != '0) || byp_ok || first_wait);
  assign req_first_o = first_q;
  assign req_addr_o  = DramW'(head[EntW-1 -: AddrW]);
  assign req_wdata_o = head[Burst +: BlkW];
  assign req_wstrb_o = head[Burst-1:0];
  assign grant       = req_valid_o && req_ready_i;
  assign bpop        = grant && (bcnt != '0);
  assign byp_grant   = grant && (bcnt == '0);
  assign bpush       = w_next && w_blk_last && !byp_grant;
  // A pair that completes a burst waits for a FIFO slot (one freed by a grant in this cycle counts).
  assign w_next      = busy_q && w_valid && (!w_blk_last || (bcnt != CntW'(BurstDepth)) || bpop);

  assign span_raddr_o = w_baddr;
  assign mem_o        = mem_q;

  always_ff @(posedge clk_i) begin
    if (start_i) begin
      asm_q  <= '0;
      strb_q <= '0;
    end else if (w_next) begin
      asm_q  <= w_blk_last ? '0 : asm_d;
      strb_q <= w_blk_last ? '0 : strb_d;
    end
  end

  // ---- End: every pair read, every burst granted, and the last burst's Cb cycles on the port passed.
  logic all_granted, g_fin;
  assign all_granted = (wdone_q && ((bcnt == '0) || (bcnt == CntW'(1) && bpop))) ||
                       (w_next && w_last && byp_grant);
  assign g_fin       = grant ? (Cb <= 1) : (32'(gcyc_q) + 1 >= Cb);
  assign done_o      = busy_q && all_granted && g_fin;
  assign busy_o      = start_i || busy_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q  <= 1'b0;
      first_q <= 1'b0;
      wdone_q <= 1'b0;
      mem_q   <= '0;
      cyc_q   <= '0;
      gcyc_q  <= '0;
    end else if (start_i) begin
      busy_q  <= 1'b1;
      first_q <= 1'b1;
      wdone_q <= 1'b0;
      mem_q   <= f_mem;
      cyc_q   <= CycW'(1);
      gcyc_q  <= '0;
    end else if (busy_q) begin
      if (done_o) busy_q <= 1'b0;
      if (grant) first_q <= 1'b0;
      if (w_next && w_last) wdone_q <= 1'b1;
      if (32'(cyc_q) < Ls + Ld) cyc_q <= cyc_q + 1'b1;
      if (grant) gcyc_q <= GcW'(1);
      else if (32'(gcyc_q) < Cb) gcyc_q <= gcyc_q + 1'b1;
    end
  end

  logic unused;
  assign unused = ^{w_new};
endmodule
