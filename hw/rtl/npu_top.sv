// The accelerator: fetch, command queues, token FIFOs, the load/compute/store controllers, the DMA engines,
// the GEMM core, the ALU, the five on-chip buffers and the ALU's lookup table, wired to the harness-facing
// ports of docs/rtl.md.
//
// Cycle numbering: start_i is pulsed for one cycle; the next cycle is cycle 0 (cycle_o = 0). done_o rises in
// the cycle after the last instruction's last cycle, i.e. in cycle max E(k) = the run's total cycles.
// Events: lane 0 load, 1 compute (GEMM pipe and non-pipe instructions), 2 ALU (either mode), 3 store; start in
// cycle S, end in cycle E - 1.
module npu_top import npu_isa_pkg::*; #(
  parameter int unsigned ScanLanes = int'(TIMING_FOOTPRINT_SCAN_LANES),  // footprint scanner (alu.concurrent)
  localparam int unsigned PerfSelW = 6      // npu_perf_counters: 35 counters
) (
  input  logic                                          clk_i,
  input  logic                                          rst_ni,
  input  logic                                          start_i,
  input  logic [31:0]                                   insn_count_i,
  output logic                                          done_o,
  output logic [63:0]                                   cycle_o,
  // instruction memory (synchronous read)
  output logic                                          imem_req_o,
  output logic [31:0]                                   imem_addr_o,
  input  logic [INSN_BITS-1:0]                          imem_rdata_i,
  // DRAM port clients: 0 load unit, 1 compute unit, 2 store unit
  output logic [2:0]                                    dram_req_valid_o,
  input  logic [2:0]                                    dram_req_ready_i,
  output logic [2:0]                                    dram_req_first_o,
  output logic [2:0]                                    dram_req_write_o,
  output logic [2:0][CFG_ISA_DRAM_ADDRESS_BITS-1:0]     dram_req_addr_o,
  output logic [2:0][CFG_DRAM_BURST*8-1:0]              dram_req_wdata_o,
  output logic [2:0][CFG_DRAM_BURST-1:0]                dram_req_wstrb_o,
  input  logic [2:0][CFG_DRAM_BURST*8-1:0]              dram_rsp_rdata_i,
  // events
  output logic                                          ev_dispatch_o,
  output logic [31:0]                                   ev_dispatch_idx_o,
  output logic [3:0]                                    ev_start_o,
  output logic [3:0][31:0]                              ev_start_idx_o,
  output logic [3:0]                                    ev_end_o,
  output logic [3:0][31:0]                              ev_end_idx_o,
  // debug: [0] fetch waits for command-queue room, [1] load, [2] compute, [3] store head waits
  output logic [3:0]                                    stall_o,
  // debug: the compute head waits only because a footprint is not computed yet (cycles the model would not
  // wait; see npu_footprint)
  output logic                                          fp_wait_o,
  // performance counters of the run (npu_perf_counters): perf_o is counter perf_sel_i (read once done_o is high)
  input  logic [PerfSelW-1:0]                           perf_sel_i,
  output logic [63:0]                                   perf_o,
  // a GEMM or ALU micro-op index is out of bounds: the first one of the run (level, until the next start),
  // instruction err_idx_o, micro-op err_uop_o, field err_field_o (0 dst, 1 src, 2 wgt) of value err_base_o
  // reaches row err_row_o at loop indices err_i_o, err_j_o
  output logic                                          err_o,
  output logic [31:0]                                   err_idx_o,
  output logic [31:0]                                   err_uop_o,
  output logic [1:0]                                    err_field_o,
  output logic [31:0]                                   err_base_o,
  output logic [31:0]                                   err_row_o,
  output logic [31:0]                                   err_i_o,
  output logic [31:0]                                   err_j_o
);

  localparam bit          AluConc  = CFG_ALU_CONCURRENT != 0;
  localparam int unsigned Qc       = int'(CFG_QUEUES_COMMAND_DEPTH);
  localparam int unsigned Qt       = int'(CFG_QUEUES_TOKEN_DEPTH);
  localparam int unsigned Burst    = int'(CFG_DRAM_BURST);
  localparam int unsigned PtrW     = (Qc > 1) ? $clog2(Qc) : 1;
  localparam int unsigned QCntW    = $clog2(Qc + 1);
  localparam int unsigned TCntW    = $clog2(Qt + 1);
  localparam int unsigned SpanLw   = $clog2(Burst + 1);
  localparam int unsigned FpBits   = int'(CFG_ISA_LOOP_BITS) + 2 + int'(
      (UOP_SRC_WIDTH > UOP_DST_WIDTH && UOP_SRC_WIDTH > ALU_SRC_OUT_WIDTH) ? UOP_SRC_WIDTH :
      (UOP_DST_WIDTH > ALU_SRC_OUT_WIDTH) ? UOP_DST_WIDTH : ALU_SRC_OUT_WIDTH);
  localparam int unsigned FpW      = 4 * FpBits + 2;
  localparam int unsigned UopAw    = (UOP_DEPTH > 1) ? $clog2(UOP_DEPTH) : 1;
  localparam int unsigned InpAw    = (INPUT_DEPTH > 1) ? $clog2(INPUT_DEPTH) : 1;
  localparam int unsigned WgtAw    = (WEIGHT_DEPTH > 1) ? $clog2(WEIGHT_DEPTH) : 1;
  localparam int unsigned AccAw    = (ACC_DEPTH > 1) ? $clog2(ACC_DEPTH) : 1;
  localparam int unsigned OutAw    = (OUTPUT_DEPTH > 1) ? $clog2(OUTPUT_DEPTH) : 1;
  localparam int unsigned UopW     = int'(UOP_ROW_BYTES) * 8;
  localparam int unsigned InpW     = int'(INPUT_ROW_BYTES) * 8;
  localparam int unsigned WgtW     = int'(WEIGHT_ROW_BYTES) * 8;
  localparam int unsigned AccW     = int'(ACC_ROW_BYTES) * 8;
  localparam int unsigned OutW     = int'(OUTPUT_ROW_BYTES) * 8;

  logic clear;
  assign clear = start_i;

  // Per unit (0 fetch, 1 load, 2 compute, 3 store): an instruction in [S, E) (fetch: fetching).
  logic [3:0] act;

  // ---------------------------------------------------------------------------------------------------------
  // Run state: cycle counter and ended instructions
  logic        run_q;
  logic [63:0] cycle_q;
  logic [31:0] count_q, ended_q;
  logic [2:0]  ends_now;

  always_comb begin
    ends_now = '0;
    for (int l = 0; l < 4; l++) ends_now = ends_now + 3'(ev_end_o[l]);
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      run_q <= 1'b0;
      cycle_q <= '0;
      count_q <= '0;
      ended_q <= '0;
    end else if (start_i) begin
      run_q <= 1'b1;
      cycle_q <= '0;
      count_q <= insn_count_i;
      ended_q <= '0;
    end else if (run_q) begin
      cycle_q <= cycle_q + 64'd1;
      ended_q <= ended_q + 32'(ends_now);
    end
  end

  assign cycle_o = cycle_q;
  assign done_o = run_q && ended_q == count_q;

  // ---------------------------------------------------------------------------------------------------------
  // Fetch and the command queues (0 load, 1 compute, 2 store)
  logic [2:0]           f_want, f_room, f_push;
  logic [31:0]          f_idx;
  logic [INSN_BITS-1:0] f_word;

  npu_fetch u_fetch (
    .clk_i, .rst_ni, .start_i, .insn_count_i,
    .imem_req_o, .imem_addr_o, .imem_rdata_i,
    .want_o (f_want), .room_i (f_room), .push_o (f_push), .idx_o (f_idx), .word_o (f_word),
    .ev_dispatch_o, .ev_dispatch_idx_o,
    .stall_o (stall_o[0]), .busy_o (act[0])
  );

  // load queue
  logic                 lq_valid;
  logic [31:0]          lq_idx;
  logic [INSN_BITS-1:0] lq_word;
  logic                 lq_pop;
  // compute queue
  logic [1:0]           cq_valid;
  logic [1:0][31:0]     cq_idx;
  logic [1:0][INSN_BITS-1:0] cq_word;
  logic [1:0]           cq_pop_cnt;
  logic [PtrW-1:0]      cq_rd_ptr, cq_wr_ptr, cq_peek_ptr;
  logic [QCntW-1:0]     cq_count;
  logic [31:0]          cq_peek_idx;
  logic [INSN_BITS-1:0] cq_peek_word;
  // store queue
  logic                 sq_valid;
  logic [31:0]          sq_idx;
  logic [INSN_BITS-1:0] sq_word;
  logic                 sq_pop;

  /* verilator lint_off UNUSED */
  // The load and store queues' scanner view has no reader.
  logic [PtrW-1:0]      lq_rd_ptr, lq_wr_ptr, sq_rd_ptr, sq_wr_ptr;
  logic [QCntW-1:0]     lq_count, sq_count;
  logic [31:0]          lq_peek_idx, sq_peek_idx;
  logic [INSN_BITS-1:0] lq_peek_word, sq_peek_word;
  /* verilator lint_on UNUSED */

  npu_cmd_queue #(.Depth(Qc), .NumHeads(1)) u_load_queue (
    .clk_i, .rst_ni, .clear_i (clear),
    .byp_valid_i (f_want[0]), .push_i (f_push[0]), .push_idx_i (f_idx), .push_word_i (f_word),
    .room_o (f_room[0]),
    .head_valid_o (lq_valid), .head_idx_o (lq_idx), .head_word_o (lq_word), .pop_cnt_i ({1'b0, lq_pop}),
    .rd_ptr_o (lq_rd_ptr), .wr_ptr_o (lq_wr_ptr), .count_o (lq_count),
    .peek_ptr_i ('0), .peek_idx_o (lq_peek_idx), .peek_word_o (lq_peek_word)
  );

  npu_cmd_queue #(.Depth(Qc), .NumHeads(2)) u_compute_queue (
    .clk_i, .rst_ni, .clear_i (clear),
    .byp_valid_i (f_want[1]), .push_i (f_push[1]), .push_idx_i (f_idx), .push_word_i (f_word),
    .room_o (f_room[1]),
    .head_valid_o (cq_valid), .head_idx_o (cq_idx), .head_word_o (cq_word), .pop_cnt_i (cq_pop_cnt),
    .rd_ptr_o (cq_rd_ptr), .wr_ptr_o (cq_wr_ptr), .count_o (cq_count),
    .peek_ptr_i (cq_peek_ptr), .peek_idx_o (cq_peek_idx), .peek_word_o (cq_peek_word)
  );

  npu_cmd_queue #(.Depth(Qc), .NumHeads(1)) u_store_queue (
    .clk_i, .rst_ni, .clear_i (clear),
    .byp_valid_i (f_want[2]), .push_i (f_push[2]), .push_idx_i (f_idx), .push_word_i (f_word),
    .room_o (f_room[2]),
    .head_valid_o (sq_valid), .head_idx_o (sq_idx), .head_word_o (sq_word), .pop_cnt_i ({1'b0, sq_pop}),
    .rd_ptr_o (sq_rd_ptr), .wr_ptr_o (sq_wr_ptr), .count_o (sq_count),
    .peek_ptr_i ('0), .peek_idx_o (sq_peek_idx), .peek_word_o (sq_peek_word)
  );

  // ---------------------------------------------------------------------------------------------------------
  // Token FIFOs
  logic [TCntW-1:0] l2c_cnt, c2l_cnt, c2s_cnt, s2c_cnt;
  logic             l_tok_pop, l_tok_push, s_tok_pop, s_tok_push;
  logic [1:0]       c_pop_l2c, c_pop_s2c;
  logic [TCntW-1:0] c_push_c2l, c_push_c2s;

  npu_token_fifo #(.Depth(Qt), .PushW(1), .PopW(2)) u_l2c (
    .clk_i, .rst_ni, .clear_i (clear), .push_cnt_i (l_tok_push), .pop_cnt_i (c_pop_l2c), .count_o (l2c_cnt)
  );
  npu_token_fifo #(.Depth(Qt), .PushW(TCntW), .PopW(1)) u_c2l (
    .clk_i, .rst_ni, .clear_i (clear), .push_cnt_i (c_push_c2l), .pop_cnt_i (l_tok_pop), .count_o (c2l_cnt)
  );
  npu_token_fifo #(.Depth(Qt), .PushW(TCntW), .PopW(1)) u_c2s (
    .clk_i, .rst_ni, .clear_i (clear), .push_cnt_i (c_push_c2s), .pop_cnt_i (s_tok_pop), .count_o (c2s_cnt)
  );
  npu_token_fifo #(.Depth(Qt), .PushW(1), .PopW(2)) u_s2c (
    .clk_i, .rst_ni, .clear_i (clear), .push_cnt_i (s_tok_push), .pop_cnt_i (c_pop_s2c), .count_o (s2c_cnt)
  );

  // ---------------------------------------------------------------------------------------------------------
  // Controllers
  logic                 l_ready, l_room, l_pops, s_ready, s_room, s_pops, c_credit_l2c, c_credit_s2c;
  logic                 ld_start, ld_done, cd_start, cd_done, st_start, st_done;
  logic [INSN_BITS-1:0] ld_insn, cd_insn, st_insn, g_insn, a_insn;
  logic                 g_start, g_done, a_start, a_done;
  logic                 g_act, a_act, g_issue, g_issue_reset, a_uop;
  logic                 uop_busy;
  logic [1:0]           fp_rdy;
  logic [1:0][FpW-1:0]  fp_head;
  logic                 fp_done;
  logic [31:0]          fp_done_idx;
  logic [FpW-1:0]       fp_done_fp;
  logic [1:0]           fp_wait_valid;
  logic [1:0][31:0]     fp_wait_idx;
  logic [1:0][INSN_BITS-1:0] fp_wait_word;

  npu_unit_ctrl #(.IsStore(1'b0), .Qt(Qt)) u_load_ctrl (
    .clk_i, .rst_ni, .clear_i (clear),
    .head_valid_i (lq_valid), .head_idx_i (lq_idx), .head_word_i (lq_word), .pop_o (lq_pop),
    .pop_fifo_cnt_i (c2l_cnt), .push_fifo_cnt_i (l2c_cnt), .credit_i (c_credit_l2c),
    .ready_o (l_ready), .room_o (l_room), .pops_o (l_pops), .tok_pop_o (l_tok_pop), .tok_push_o (l_tok_push),
    .eng_start_o (ld_start), .eng_insn_o (ld_insn), .eng_done_i (ld_done),
    .ev_start_o (ev_start_o[0]), .ev_start_idx_o (ev_start_idx_o[0]),
    .ev_end_o (ev_end_o[0]), .ev_end_idx_o (ev_end_idx_o[0]),
    .stall_o (stall_o[1]), .act_o (act[1])
  );

  npu_unit_ctrl #(.IsStore(1'b1), .Qt(Qt)) u_store_ctrl (
    .clk_i, .rst_ni, .clear_i (clear),
    .head_valid_i (sq_valid), .head_idx_i (sq_idx), .head_word_i (sq_word), .pop_o (sq_pop),
    .pop_fifo_cnt_i (c2s_cnt), .push_fifo_cnt_i (s2c_cnt), .credit_i (c_credit_s2c),
    .ready_o (s_ready), .room_o (s_room), .pops_o (s_pops), .tok_pop_o (s_tok_pop), .tok_push_o (s_tok_push),
    .eng_start_o (st_start), .eng_insn_o (st_insn), .eng_done_i (st_done),
    .ev_start_o (ev_start_o[3]), .ev_start_idx_o (ev_start_idx_o[3]),
    .ev_end_o (ev_end_o[3]), .ev_end_idx_o (ev_end_idx_o[3]),
    .stall_o (stall_o[3]), .act_o (act[3])
  );

  npu_compute_ctrl #(.AluConcurrent(AluConc), .Qt(Qt), .FpBits(FpBits)) u_compute_ctrl (
    .clk_i, .rst_ni, .clear_i (clear),
    .head_valid_i (cq_valid), .head_idx_i (cq_idx), .head_word_i (cq_word), .pop_cnt_o (cq_pop_cnt),
    .fp_rdy_i (fp_rdy), .fp_i (fp_head),
    .fp_done_i (fp_done), .fp_done_idx_i (fp_done_idx), .fp_done_fp_i (fp_done_fp),
    .fp_wait_valid_o (fp_wait_valid), .fp_wait_idx_o (fp_wait_idx), .fp_wait_word_o (fp_wait_word),
    .uop_busy_o (uop_busy),
    .l2c_cnt_i (l2c_cnt), .s2c_cnt_i (s2c_cnt), .c2l_cnt_i (c2l_cnt), .c2s_cnt_i (c2s_cnt),
    .l_ready_i (l_ready), .l_room_i (l_room), .l_pops_i (l_pops),
    .s_ready_i (s_ready), .s_room_i (s_room), .s_pops_i (s_pops),
    .credit_l2c_o (c_credit_l2c), .credit_s2c_o (c_credit_s2c),
    .pop_l2c_o (c_pop_l2c), .pop_s2c_o (c_pop_s2c), .push_c2l_o (c_push_c2l), .push_c2s_o (c_push_c2s),
    .gemm_start_o (g_start), .gemm_insn_o (g_insn), .gemm_done_i (g_done),
    .alu_start_o (a_start), .alu_insn_o (a_insn), .alu_done_i (a_done),
    .dma_start_o (cd_start), .dma_insn_o (cd_insn), .dma_done_i (cd_done),
    .ev_start_o (ev_start_o[2:1]), .ev_start_idx_o (ev_start_idx_o[2:1]),
    .ev_end_o (ev_end_o[2:1]), .ev_end_idx_o (ev_end_idx_o[2:1]),
    .stall_o (stall_o[2]), .fp_wait_o,
    .act_o (act[2]), .gemm_act_o (g_act), .alu_act_o (a_act)
  );

  // ---------------------------------------------------------------------------------------------------------
  // Buffer ports
  logic [UopAw-1:0] uop_rd_addr [2];      // GEMM core, ALU
  logic [UopW-1:0]  uop_rd_data [2];
  logic [UopAw-1:0] uop_wr_addr [1];
  logic [UopW-1:0]  uop_wr_data [1];
  logic [0:0]       uop_wr_en;
  logic [InpAw-1:0] inp_rd_addr [1];
  logic [InpW-1:0]  inp_rd_data [1];
  logic [InpAw-1:0] inp_wr_addr [1];
  logic [InpW-1:0]  inp_wr_data [1];
  logic [0:0]       inp_wr_en;
  logic [WgtAw-1:0] wgt_rd_addr [1];
  logic [WgtW-1:0]  wgt_rd_data [1];
  logic [WgtAw-1:0] wgt_wr_addr [1];
  logic [WgtW-1:0]  wgt_wr_data [1];
  logic [0:0]       wgt_wr_en;
  logic [AccAw-1:0] acc_rd_addr [3];
  logic [AccW-1:0]  acc_rd_data [3];
  logic [AccAw-1:0] acc_wr_addr [3];
  logic [AccW-1:0]  acc_wr_data [3];
  logic [2:0]       acc_wr_en;
  logic [OutAw-1:0] out_rd_addr [1];
  /* verilator lint_off UNUSED */
  logic [OutW-1:0]  out_rd_data [1];      // the out buffer is only read by STORE's span port
  logic [Burst*8-1:0] uop_span_rdata, inp_span_rdata, wgt_span_rdata;   // never STOREd
  /* verilator lint_on UNUSED */
  logic [OutAw-1:0] out_wr_addr [2];
  logic [OutW-1:0]  out_wr_data [2];
  logic [1:0]       out_wr_en;
  logic [Burst*8-1:0] acc_span_rdata, out_span_rdata;

  // ---------------------------------------------------------------------------------------------------------
  // Load unit DMA (inp/wgt), DRAM client 0
  logic [2:0]         ld_mem;
  logic [int'(MEM_PAD_VALUE_WIDTH)-1:0] ld_pad_value;
  logic               ld_span_we, ld_pad_we;
  logic [31:0]        ld_span_waddr, ld_pad_addr;
  logic [SpanLw-1:0]  ld_span_wlen;
  logic [Burst*8-1:0] ld_span_wdata;
  /* verilator lint_off UNUSED */
  logic               ld_busy, cd_busy, st_busy, g_busy, a_busy;
  /* verilator lint_on UNUSED */

  npu_dma_load #(
    .MemA(int'(MEM_INP)), .RowBytesA(int'(INPUT_ROW_BYTES)), .DepthA(int'(INPUT_DEPTH)),
    .MemB(int'(MEM_WGT)), .RowBytesB(int'(WEIGHT_ROW_BYTES)), .DepthB(int'(WEIGHT_DEPTH))
  ) u_load_dma (
    .clk_i, .rst_ni, .start_i (ld_start), .insn_i (ld_insn), .done_o (ld_done), .busy_o (ld_busy),
    .req_valid_o (dram_req_valid_o[0]), .req_ready_i (dram_req_ready_i[0]), .req_first_o (dram_req_first_o[0]),
    .req_addr_o (dram_req_addr_o[0]), .rsp_rdata_i (dram_rsp_rdata_i[0]),
    .mem_o (ld_mem), .span_we_o (ld_span_we), .span_waddr_o (ld_span_waddr), .span_wlen_o (ld_span_wlen),
    .span_wdata_o (ld_span_wdata), .pad_we_o (ld_pad_we), .pad_addr_o (ld_pad_addr),
    .pad_value_o (ld_pad_value)
  );

  // Compute unit DMA (uop/acc/lut), DRAM client 1 (these buffers pad with zeros: pad_value is 0 there)
  logic [2:0]         cd_mem;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [int'(MEM_PAD_VALUE_WIDTH)-1:0] cd_pad_value;
  /* verilator lint_on UNUSEDSIGNAL */
  logic               cd_span_we, cd_pad_we;
  logic [31:0]        cd_span_waddr, cd_pad_addr;
  logic [SpanLw-1:0]  cd_span_wlen;
  logic [Burst*8-1:0] cd_span_wdata;

  npu_dma_load #(
    .MemA(int'(MEM_UOP)), .RowBytesA(int'(UOP_ROW_BYTES)), .DepthA(int'(UOP_DEPTH)),
    .MemB(int'(MEM_ACC)), .RowBytesB(int'(ACC_ROW_BYTES)), .DepthB(int'(ACC_DEPTH)),
    .MemC(int'(MEM_LUT)), .RowBytesC(int'(LUT_ROW_BYTES)), .DepthC(int'(LUT_DEPTH))
  ) u_compute_dma (
    .clk_i, .rst_ni, .start_i (cd_start), .insn_i (cd_insn), .done_o (cd_done), .busy_o (cd_busy),
    .req_valid_o (dram_req_valid_o[1]), .req_ready_i (dram_req_ready_i[1]), .req_first_o (dram_req_first_o[1]),
    .req_addr_o (dram_req_addr_o[1]), .rsp_rdata_i (dram_rsp_rdata_i[1]),
    .mem_o (cd_mem), .span_we_o (cd_span_we), .span_waddr_o (cd_span_waddr), .span_wlen_o (cd_span_wlen),
    .span_wdata_o (cd_span_wdata), .pad_we_o (cd_pad_we), .pad_addr_o (cd_pad_addr),
    .pad_value_o (cd_pad_value)
  );

  // Store unit DMA (out/acc), DRAM client 2
  logic [2:0]  st_mem;
  logic [31:0] st_span_raddr;

  npu_dma_store u_store_dma (
    .clk_i, .rst_ni, .start_i (st_start), .insn_i (st_insn), .done_o (st_done), .busy_o (st_busy),
    .req_valid_o (dram_req_valid_o[2]), .req_ready_i (dram_req_ready_i[2]), .req_first_o (dram_req_first_o[2]),
    .req_addr_o (dram_req_addr_o[2]), .req_wdata_o (dram_req_wdata_o[2]), .req_wstrb_o (dram_req_wstrb_o[2]),
    .mem_o (st_mem), .span_raddr_o (st_span_raddr),
    .span_rdata_i (st_mem == 3'(MEM_ACC) ? acc_span_rdata : out_span_rdata)
  );

  assign dram_req_write_o = 3'b100;
  assign dram_req_wdata_o[1:0] = '0;
  assign dram_req_wstrb_o[1:0] = '0;

  // ---------------------------------------------------------------------------------------------------------
  // GEMM core and ALU
  logic               g_acc_we, g_out_we, a_acc_we, a_out_we;
  logic [int'(LUT_DEPTH)*8-1:0] lut;   // the lookup table, read whole by the ALU lanes

  logic [1:0]                          oob_now;     // GEMM core, ALU: a micro-op index out of bounds
  logic [GEMM_UOP_END_WIDTH-1:0]       g_err_uop;
  logic [ALU_UOP_END_WIDTH-1:0]        a_err_uop;
  logic [1:0][1:0]                     oob_field;
  logic [1:0][31:0]                    oob_base, oob_row, oob_i, oob_j, oob_idx;
  logic [1:0][31:0]                    oob_idx_q;
  logic                                oob_sel;     // which engine's error is reported now
  logic                                err_q;
  logic [31:0]                         err_idx_q, err_uop_q, err_base_q, err_row_q, err_i_q, err_j_q;
  logic [1:0]                          err_field_q;

  npu_gemm_core u_gemm (
    .clk_i, .rst_ni, .start_i (g_start), .insn_i (g_insn), .done_o (g_done), .busy_o (g_busy),
    .issue_o (g_issue), .issue_reset_o (g_issue_reset),
    .uop_addr_o (uop_rd_addr[0]), .uop_data_i (uop_rd_data[0]),
    .inp_addr_o (inp_rd_addr[0]), .inp_data_i (inp_rd_data[0]),
    .wgt_addr_o (wgt_rd_addr[0]), .wgt_data_i (wgt_rd_data[0]),
    .acc_raddr_o (acc_rd_addr[0]), .acc_rdata_i (acc_rd_data[0]),
    .acc_we_o (g_acc_we), .acc_waddr_o (acc_wr_addr[0]), .acc_wdata_o (acc_wr_data[0]),
    .out_we_o (g_out_we), .out_waddr_o (out_wr_addr[0]), .out_wdata_o (out_wr_data[0]),
    .err_o (oob_now[0]), .err_uop_o (g_err_uop), .err_field_o (oob_field[0]), .err_base_o (oob_base[0]),
    .err_row_o (oob_row[0]), .err_i_o (oob_i[0]), .err_j_o (oob_j[0])
  );

  npu_alu u_alu (
    .clk_i, .rst_ni, .start_i (a_start), .insn_i (a_insn), .done_o (a_done), .busy_o (a_busy),
    .uop_o (a_uop),
    .uop_addr_o (uop_rd_addr[1]), .uop_data_i (uop_rd_data[1]),
    .acc_dst_raddr_o (acc_rd_addr[1]), .acc_dst_rdata_i (acc_rd_data[1]),
    .acc_src_raddr_o (acc_rd_addr[2]), .acc_src_rdata_i (acc_rd_data[2]),
    .acc_we_o (a_acc_we), .acc_waddr_o (acc_wr_addr[1]), .acc_wdata_o (acc_wr_data[1]),
    .out_we_o (a_out_we), .out_waddr_o (out_wr_addr[1]), .out_wdata_o (out_wr_data[1]),
    .lut_i (lut),
    .err_o (oob_now[1]), .err_uop_o (a_err_uop), .err_field_o (oob_field[1]), .err_base_o (oob_base[1]),
    .err_row_o (oob_row[1]), .err_i_o (oob_i[1]), .err_j_o (oob_j[1])
  );

  // Out-of-bounds micro-op indices: the first of the run is held until the next start. The GEMM pipe's
  // instruction starts on event lane 1, the ALU's on lane 2; of two at once the older instruction's is kept.
  assign oob_idx[0] = g_start ? ev_start_idx_o[1] : oob_idx_q[0];
  assign oob_idx[1] = a_start ? ev_start_idx_o[2] : oob_idx_q[1];
  assign oob_sel    = oob_now[1] && (!oob_now[0] || oob_idx[1] < oob_idx[0]);

  always_ff @(posedge clk_i) begin
    if (g_start) oob_idx_q[0] <= ev_start_idx_o[1];
    if (a_start) oob_idx_q[1] <= ev_start_idx_o[2];
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear) begin
      err_q <= 1'b0;
    end else if (|oob_now) begin
      err_q <= 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!err_q && |oob_now) begin
      err_idx_q   <= oob_idx[oob_sel];
      err_uop_q   <= oob_sel ? 32'(a_err_uop) : 32'(g_err_uop);
      err_field_q <= oob_field[oob_sel];
      err_base_q  <= oob_base[oob_sel];
      err_row_q   <= oob_row[oob_sel];
      err_i_q     <= oob_i[oob_sel];
      err_j_q     <= oob_j[oob_sel];
    end
  end

  assign err_o       = err_q || (|oob_now);
  assign err_idx_o   = err_q ? err_idx_q   : oob_idx[oob_sel];
  assign err_uop_o   = err_q ? err_uop_q   : oob_sel ? 32'(a_err_uop) : 32'(g_err_uop);
  assign err_field_o = err_q ? err_field_q : oob_field[oob_sel];
  assign err_base_o  = err_q ? err_base_q  : oob_base[oob_sel];
  assign err_row_o   = err_q ? err_row_q   : oob_row[oob_sel];
  assign err_i_o     = err_q ? err_i_q     : oob_i[oob_sel];
  assign err_j_o     = err_q ? err_j_q     : oob_j[oob_sel];

  // ---------------------------------------------------------------------------------------------------------
  // Footprint scanner (alu.concurrent only), with its own shadow copy of the micro-op buffer: written exactly
  // like u_uop_buf, read only by the scanner, whose ports then never share a read-port array with the GEMM
  // core's and the ALU's start-cycle reads (a combinational loop at Verilator's variable level when a hull
  // could decide its own cycle's start; hulls are registered now, so the shadow could be folded back).
  if (AluConc) begin : g_fp
    logic [ScanLanes-1:0][UopAw-1:0] scan_addr;
    logic [ScanLanes-1:0][UopW-1:0]  scan_data;
    logic [UopAw-1:0]                shadow_rd_addr [ScanLanes];
    logic [UopW-1:0]                 shadow_rd_data [ScanLanes];
    /* verilator lint_off UNUSED */
    logic [Burst*8-1:0]              shadow_span_rdata;
    /* verilator lint_on UNUSED */
    for (genvar l = 0; l < ScanLanes; l++) begin : g_port
      assign shadow_rd_addr[l] = scan_addr[l];
      assign scan_data[l] = shadow_rd_data[l];
    end
    npu_sram #(.RowBytes(int'(UOP_ROW_BYTES)), .Depth(int'(UOP_DEPTH)), .NumRd(ScanLanes), .NumWr(1),
               .SpanBytes(Burst)) u_uop_shadow (
      .clk_i, .rst_ni,
      .rd_addr_i (shadow_rd_addr), .rd_data_o (shadow_rd_data),
      .wr_en_i (uop_wr_en), .wr_addr_i (uop_wr_addr), .wr_data_i (uop_wr_data),
      .span_we_i (cd_span_we && cd_mem == 3'(MEM_UOP)), .span_waddr_i (cd_span_waddr),
      .span_wlen_i (cd_span_wlen), .span_wdata_i (cd_span_wdata),
      .span_raddr_i ('0), .span_rdata_o (shadow_span_rdata)
    );
    npu_footprint #(.Depth(Qc), .ScanLanes(ScanLanes), .FpBits(FpBits)) u_footprint (
      .clk_i, .rst_ni, .clear_i (clear),
      .q_rd_ptr_i (cq_rd_ptr), .q_wr_ptr_i (cq_wr_ptr), .q_count_i (cq_count), .q_pop_cnt_i (cq_pop_cnt),
      .q_push_i (f_push[1]), .q_push_word_i (f_word),
      .q_peek_ptr_o (cq_peek_ptr), .q_peek_idx_i (cq_peek_idx),
      .q_peek_word_i (cq_peek_word),
      .uop_busy_i (uop_busy), .wait_valid_i (fp_wait_valid), .wait_idx_i (fp_wait_idx),
      .wait_word_i (fp_wait_word),
      .uop_addr_o (scan_addr), .uop_data_i (scan_data),
      .head_rdy_o (fp_rdy), .head_fp_o (fp_head),
      .done_o (fp_done), .done_idx_o (fp_done_idx), .done_fp_o (fp_done_fp)
    );
  end else begin : g_no_fp
    // Serial compute unit: no footprints are needed.
    /* verilator lint_off UNUSED */
    logic unused_fp;
    assign unused_fp = ^{cq_rd_ptr, cq_wr_ptr, cq_count, cq_peek_idx, cq_peek_word, uop_busy, fp_wait_valid,
                         fp_wait_idx, fp_wait_word};
    /* verilator lint_on UNUSED */
    assign cq_peek_ptr = '0;
    assign fp_rdy = '0;
    assign fp_head = '0;
    assign fp_done = 1'b0;
    assign fp_done_idx = '0;
    assign fp_done_fp = '0;
  end

  // ---------------------------------------------------------------------------------------------------------
  // Buffers. Span and padding writes go to the buffer the DMA's instruction names (mem_o); pad rows are zero.
  /* verilator lint_off UNUSED */
  // Padding row addresses are 32-bit row numbers; legal programs stay below the buffer depth.
  logic [31:0] ld_pad_row, cd_pad_row;
  /* verilator lint_on UNUSED */
  assign ld_pad_row = ld_pad_addr;
  assign cd_pad_row = cd_pad_addr;

  assign uop_wr_en = cd_pad_we && cd_mem == 3'(MEM_UOP);
  assign uop_wr_addr[0] = cd_pad_row[UopAw-1:0];
  assign uop_wr_data[0] = '0;
  npu_sram #(.RowBytes(int'(UOP_ROW_BYTES)), .Depth(int'(UOP_DEPTH)), .NumRd(2), .NumWr(1),
             .SpanBytes(Burst)) u_uop_buf (
    .clk_i, .rst_ni,
    .rd_addr_i (uop_rd_addr), .rd_data_o (uop_rd_data),
    .wr_en_i (uop_wr_en), .wr_addr_i (uop_wr_addr), .wr_data_i (uop_wr_data),
    .span_we_i (cd_span_we && cd_mem == 3'(MEM_UOP)), .span_waddr_i (cd_span_waddr),
    .span_wlen_i (cd_span_wlen), .span_wdata_i (cd_span_wdata),
    .span_raddr_i ('0), .span_rdata_o (uop_span_rdata)
  );

  assign inp_wr_en = ld_pad_we && ld_mem == 3'(MEM_INP);
  assign inp_wr_addr[0] = ld_pad_row[InpAw-1:0];
  // A padding row of the input buffer: pad_value in every element (the activation's zero point).
  assign inp_wr_data[0] = {(int'(INPUT_ROW_BYTES) * 8 / int'(MEM_PAD_VALUE_WIDTH)){ld_pad_value}};
  npu_sram #(.RowBytes(int'(INPUT_ROW_BYTES)), .Depth(int'(INPUT_DEPTH)), .NumRd(1), .NumWr(1),
             .SpanBytes(Burst)) u_inp_buf (
    .clk_i, .rst_ni,
    .rd_addr_i (inp_rd_addr), .rd_data_o (inp_rd_data),
    .wr_en_i (inp_wr_en), .wr_addr_i (inp_wr_addr), .wr_data_i (inp_wr_data),
    .span_we_i (ld_span_we && ld_mem == 3'(MEM_INP)), .span_waddr_i (ld_span_waddr),
    .span_wlen_i (ld_span_wlen), .span_wdata_i (ld_span_wdata),
    .span_raddr_i ('0), .span_rdata_o (inp_span_rdata)
  );

  assign wgt_wr_en = ld_pad_we && ld_mem == 3'(MEM_WGT);
  assign wgt_wr_addr[0] = ld_pad_row[WgtAw-1:0];
  assign wgt_wr_data[0] = '0;
  npu_sram #(.RowBytes(int'(WEIGHT_ROW_BYTES)), .Depth(int'(WEIGHT_DEPTH)), .NumRd(1), .NumWr(1),
             .SpanBytes(Burst)) u_wgt_buf (
    .clk_i, .rst_ni,
    .rd_addr_i (wgt_rd_addr), .rd_data_o (wgt_rd_data),
    .wr_en_i (wgt_wr_en), .wr_addr_i (wgt_wr_addr), .wr_data_i (wgt_wr_data),
    .span_we_i (ld_span_we && ld_mem == 3'(MEM_WGT)), .span_waddr_i (ld_span_waddr),
    .span_wlen_i (ld_span_wlen), .span_wdata_i (ld_span_wdata),
    .span_raddr_i ('0), .span_rdata_o (wgt_span_rdata)
  );

  // acc: read ports GEMM, ALU dst, ALU src; write ports GEMM, ALU, LOAD padding.
  assign acc_wr_en = {cd_pad_we && cd_mem == 3'(MEM_ACC), a_acc_we, g_acc_we};
  assign acc_wr_addr[2] = cd_pad_row[AccAw-1:0];
  assign acc_wr_data[2] = '0;
  npu_sram #(.RowBytes(int'(ACC_ROW_BYTES)), .Depth(int'(ACC_DEPTH)), .NumRd(3), .NumWr(3),
             .SpanBytes(Burst)) u_acc_buf (
    .clk_i, .rst_ni,
    .rd_addr_i (acc_rd_addr), .rd_data_o (acc_rd_data),
    .wr_en_i (acc_wr_en), .wr_addr_i (acc_wr_addr), .wr_data_i (acc_wr_data),
    .span_we_i (cd_span_we && cd_mem == 3'(MEM_ACC)), .span_waddr_i (cd_span_waddr),
    .span_wlen_i (cd_span_wlen), .span_wdata_i (cd_span_wdata),
    .span_raddr_i (st_span_raddr), .span_rdata_o (acc_span_rdata)
  );

  // out: the narrowed mirror written by the GEMM core and the ALU, read by STORE out.
  assign out_wr_en = {a_out_we, g_out_we};
  assign out_rd_addr[0] = '0;
  npu_sram #(.RowBytes(int'(OUTPUT_ROW_BYTES)), .Depth(int'(OUTPUT_DEPTH)), .NumRd(1), .NumWr(2),
             .SpanBytes(Burst)) u_out_buf (
    .clk_i, .rst_ni,
    .rd_addr_i (out_rd_addr), .rd_data_o (out_rd_data),
    .wr_en_i (out_wr_en), .wr_addr_i (out_wr_addr), .wr_data_i (out_wr_data),
    .span_we_i (1'b0), .span_waddr_i ('0), .span_wlen_i ('0), .span_wdata_i ('0),
    .span_raddr_i (st_span_raddr), .span_rdata_o (out_span_rdata)
  );

  // lut: written by LOAD lut (spans and zero padding rows), read whole by every ALU lane.
  npu_lut u_lut (
    .clk_i, .rst_ni,
    .span_we_i (cd_span_we && cd_mem == 3'(MEM_LUT)), .span_waddr_i (cd_span_waddr),
    .span_wlen_i (cd_span_wlen), .span_wdata_i (cd_span_wdata),
    .pad_we_i (cd_pad_we && cd_mem == 3'(MEM_LUT)), .pad_addr_i (cd_pad_row),
    .lut_o (lut)
  );

  // ---------------------------------------------------------------------------------------------------------
  // Performance counters over the cycles of the run (0 .. total - 1: done_o is low).
  logic [3:0] head_wait;
  // The compute head's wait counts only while nothing of the unit runs (else the unit is busy).
  assign head_wait = {stall_o[3], stall_o[2] && !act[2], stall_o[1], stall_o[0]};

  npu_perf_counters u_perf (
    .clk_i, .rst_ni, .clear_i (clear), .count_i (run_q && !done_o),
    .act_i (act), .wait_i (head_wait),
    .req_valid_i (dram_req_valid_o), .req_ready_i (dram_req_ready_i), .req_first_i (dram_req_first_o),
    .end_i ({ev_end_o[3], ev_end_o[1], ev_end_o[0]}),
    .span_we_i ({cd_span_we, ld_span_we}), .span_mem_i ({cd_mem, ld_mem}),
    .span_len_i ({cd_span_wlen, ld_span_wlen}),
    .wr_strb_i (dram_req_wstrb_o[2]), .wr_mem_i (st_mem),
    .gemm_uop_i (g_issue), .gemm_uop_reset_i (g_issue_reset), .alu_uop_i (a_uop),
    .gemm_act_i (g_act), .alu_act_i (a_act),
    .sel_i (perf_sel_i), .perf_o
  );

  /* verilator lint_off UNUSED */
  logic unused_store_rsp;   // STORE never reads DRAM
  assign unused_store_rsp = ^dram_rsp_rdata_i[2];
  /* verilator lint_on UNUSED */

endmodule
