// Performance counters: 64-bit counts of one run, cleared by the start pulse, counting the run's cycles
// 0 .. total - 1 (docs/timing.md "Statistics", docs/rtl.md "Performance counters"), read one at a time:
// perf_o is counter sel_i (0 past the last). The numbering is the harness ABI's (hw/verilator/src/ModelAbi.h,
// NPU_RTL_PERF_*):
//
//   0       cycles of the run
//   1 + u   busy per unit u (0 fetch, 1 load, 2 compute, 3 store)
//   5 + u   stalled on tokens (fetch: on command-queue room)
//   9 + u   stalled on DRAM (0 for fetch)
//   13 + u  idle
//   17 + m  DRAM bytes read into buffer m (MEM_UOP, MEM_INP, MEM_WGT, MEM_ACC)
//   21, 22  DRAM bytes written from the acc, the out buffer
//   23 + c  bursts granted to DRAM client c (0 load, 1 compute, 2 store unit)
//   26 + c  transfers issued by client c
//   29, 30  GEMM micro-ops; MACs (non-reset micro-ops x batch x block_in x block_out)
//   31      ALU micro-ops
//   32, 33  cycles the GEMM pipe, the ALU pipe executed (an instruction of that kind in [S, E))
//   34      DRAM bytes read into the lookup table (MEM_LUT; appended, so the numbers above stay)
//
// A unit's cycle is busy when it has an instruction in [S, E) (fetch: the F cycles per instruction), else
// stalled on tokens when its head waits, else idle; DRAM stall is the part of busy between a transfer's issue I
// and its end X outside the transfer's own bursts [g, g + Cb), X - I - bursts x Cb per transfer. Whether a cycle
// before a grant is such a stall is only known at the grant (after the last grant the transfer has ended), so a
// client counts the non-burst cycles since I or its previous burst and moves them from busy to DRAM stall at
// each grant; the count left when its instruction ends lies after X and stays busy (padding rows).
module npu_perf_counters import npu_isa_pkg::*; #(
  parameter int unsigned Burst    = int'(CFG_DRAM_BURST),
  parameter int unsigned Cb       = int'((CFG_DRAM_BURST + CFG_DRAM_BANDWIDTH - 1) / CFG_DRAM_BANDWIDTH),
  parameter int unsigned PeakMacs = int'(CFG_CORE_BATCH * CFG_CORE_BLOCK_IN * CFG_CORE_BLOCK_OUT),
  localparam int unsigned SpanLw  = $clog2(Burst + 1),
  localparam int unsigned NumCounters = 35,
  localparam int unsigned SelW    = $clog2(NumCounters)
) (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  input  logic                              clear_i,      // the run's start pulse
  input  logic                              count_i,      // a cycle of the run
  // units: 0 fetch, 1 load, 2 compute, 3 store
  input  logic [3:0]                        act_i,        // an instruction in [S, E) (fetch: fetching)
  input  logic [3:0]                        wait_i,       // the head waits for tokens (fetch: for room)
  // DRAM clients: 0 load unit, 1 compute unit, 2 store unit
  input  logic [2:0]                        req_valid_i,
  input  logic [2:0]                        req_ready_i,
  input  logic [2:0]                        req_first_i,
  input  logic [2:0]                        end_i,        // the client's unit ends an instruction (E - 1)
  // read data written into buffers: [0] load unit, [1] compute unit
  input  logic [1:0]                        span_we_i,
  input  logic [1:0][2:0]                   span_mem_i,
  input  logic [1:0][SpanLw-1:0]            span_len_i,
  // the store unit's write strobes (counted on its grants) and source buffer
  input  logic [Burst-1:0]                  wr_strb_i,
  input  logic [2:0]                        wr_mem_i,
  // GEMM core and ALU
  input  logic                              gemm_uop_i,
  input  logic                              gemm_uop_reset_i,
  input  logic                              alu_uop_i,
  input  logic                              gemm_act_i,
  input  logic                              alu_act_i,
  // read port
  input  logic [SelW-1:0]                   sel_i,
  output logic [63:0]                       perf_o
);

  localparam int unsigned PcCycles = 0, PcBusy = 1, PcToken = 5, PcDram = 9, PcIdle = 13, PcRead = 17,
                          PcWritten = 21, PcBursts = 23, PcTransfers = 26, PcGemmUops = 29, PcMacs = 30,
                          PcAluUops = 31, PcGemmBusy = 32, PcAluBusy = 33, PcReadLut = 34;
  localparam int unsigned WinW = $clog2(Cb + 1);
  localparam int unsigned StrbW = $clog2(Burst + 1);

  // ---------------------------------------------------------------------------------------------------------
  // DRAM stall per client
  // Per-client values are unpacked arrays and so are the counters: a waveform records only the elements that
  // change (the counters, 35 > --trace-max-array elements, not at all).
  logic [2:0]            grant, issue, infl_q, infl_d;
  logic [WinW-1:0]       win_q [3];        // cycles of the client's own burst left after this one
  logic [WinW-1:0]       win_d [3];
  logic [63:0]           tent_q [3];       // non-burst cycles since I or the previous grant
  logic [63:0]           tent_d [3];
  logic [63:0]           commit [3];       // DRAM stall cycles known at this grant

  always_comb begin
    for (int c = 0; c < 3; c++) begin
      logic [63:0] tent;
      grant[c] = req_valid_i[c] && req_ready_i[c];
      issue[c] = req_valid_i[c] && req_first_i[c] && !infl_q[c];
      tent = issue[c] ? '0 : tent_q[c];
      commit[c] = grant[c] ? tent : '0;
      if (grant[c]) begin
        tent_d[c] = '0;
      end else if ((issue[c] || infl_q[c]) && win_q[c] == '0) begin
        tent_d[c] = tent + 64'd1;
      end else begin
        tent_d[c] = tent;
      end
      win_d[c] = grant[c] ? WinW'(Cb - 1) : (win_q[c] != '0 ? win_q[c] - WinW'(1) : '0);
      infl_d[c] = (infl_q[c] || issue[c]) && !end_i[c];
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      infl_q <= '0;
      for (int c = 0; c < 3; c++) begin
        win_q[c] <= '0;
        tent_q[c] <= '0;
      end
    end else if (count_i) begin
      infl_q <= infl_d;
      win_q <= win_d;
      tent_q <= tent_d;
    end
  end

  // ---------------------------------------------------------------------------------------------------------
  // Bytes written by a granted store burst: its strobes.
  logic [StrbW-1:0] wr_bytes;
  assign wr_bytes = StrbW'($countones(wr_strb_i));

  // ---------------------------------------------------------------------------------------------------------
  // Counters
  logic [63:0] cnt_q [NumCounters];
  logic [63:0] cnt_d [NumCounters];

  always_comb begin
    cnt_d = cnt_q;
    cnt_d[PcCycles] = cnt_q[PcCycles] + 64'd1;
    for (int u = 0; u < 4; u++) begin
      if (act_i[u]) cnt_d[PcBusy + u] = cnt_q[PcBusy + u] + 64'd1;
      else if (wait_i[u]) cnt_d[PcToken + u] = cnt_q[PcToken + u] + 64'd1;
      else cnt_d[PcIdle + u] = cnt_q[PcIdle + u] + 64'd1;
    end
    for (int c = 0; c < 3; c++) begin
      // Client c is unit c + 1.
      cnt_d[PcBusy + c + 1] = cnt_d[PcBusy + c + 1] - commit[c];
      cnt_d[PcDram + c + 1] = cnt_q[PcDram + c + 1] + commit[c];
      cnt_d[PcBursts + c] = cnt_q[PcBursts + c] + 64'(grant[c]);
      cnt_d[PcTransfers + c] = cnt_q[PcTransfers + c] + 64'(issue[c]);
    end
    for (int k = 0; k < 2; k++) begin
      for (int m = 0; m < 4; m++) begin
        if (span_we_i[k] && span_mem_i[k] == 3'(m)) begin
          cnt_d[PcRead + m] = cnt_d[PcRead + m] + 64'(span_len_i[k]);
        end
      end
      if (span_we_i[k] && span_mem_i[k] == 3'(MEM_LUT)) begin
        cnt_d[PcReadLut] = cnt_d[PcReadLut] + 64'(span_len_i[k]);
      end
    end
    if (grant[2]) begin
      if (wr_mem_i == 3'(MEM_ACC)) cnt_d[PcWritten] = cnt_q[PcWritten] + 64'(wr_bytes);
      else cnt_d[PcWritten + 1] = cnt_q[PcWritten + 1] + 64'(wr_bytes);
    end
    cnt_d[PcGemmUops] = cnt_q[PcGemmUops] + 64'(gemm_uop_i);
    if (gemm_uop_i && !gemm_uop_reset_i) cnt_d[PcMacs] = cnt_q[PcMacs] + 64'(PeakMacs);
    cnt_d[PcAluUops] = cnt_q[PcAluUops] + 64'(alu_uop_i);
    cnt_d[PcGemmBusy] = cnt_q[PcGemmBusy] + 64'(gemm_act_i);
    cnt_d[PcAluBusy] = cnt_q[PcAluBusy] + 64'(alu_act_i);
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      for (int k = 0; k < int'(NumCounters); k++) cnt_q[k] <= '0;
    end else if (count_i) begin
      cnt_q <= cnt_d;
    end
  end

  assign perf_o = int'(sel_i) < int'(NumCounters) ? cnt_q[sel_i] : '0;

endmodule
